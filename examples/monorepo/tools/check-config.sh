#!/bin/sh
# Developer helper, not packaged: check the agent's default config parses.
set -eu
grep -Ev '^[[:space:]]*(#|$)' "$(dirname "$0")/../agent/src/guest-monoagent.conf" | grep -v '=' && exit 1
echo ok
