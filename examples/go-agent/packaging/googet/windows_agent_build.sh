#!/bin/bash
# As guest-agent's packaging/googet/windows_agent_build.sh: run from the
# repository folder as `./packaging/googet/windows_agent_build.sh <version>`;
# Go by its full path, /tmp/go/bin/go; the extra repository beside this one
# (../go-agent-plugins), else a placeholder so that the goospec packs.
set -euo pipefail
version=$1

GOOS=windows /tmp/go/bin/go build -ldflags "-X main.version=$version" -mod=readonly -o GoAgent.exe ./go_agent

PLUGINS_REPO="../go-agent-plugins"
if [[ ! -f "$PLUGINS_REPO/Makefile" ]]; then
  echo "This is a placeholder: the package holds the real plugin manager when go-agent-plugins is built beside go-agent." > GoAgentPlugins.exe
  exit 0
fi
BUILD_DIR=$(pwd)
pushd "$PLUGINS_REPO" >/dev/null
GOOS=windows VERSION="$version" GO=/tmp/go/bin/go make go-agent-plugins
cp go-agent-plugins "$BUILD_DIR/GoAgentPlugins.exe"
popd >/dev/null
