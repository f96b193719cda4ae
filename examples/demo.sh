#!/usr/bin/env bash
# The demo release: a throwaway repository with a few version tags, then
# version-gen and repo-tagger against it, as a release pod would run them
# (sharing a workspace). Everything happens in a temporary folder, with the
# embedded defaults: the git forge, no network, no account.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CARGO_TARGET_DIR:-$root/target}/debug
demo=$(mktemp -d "${TMPDIR:-/tmp}/guest-release-demo.XXXXXX")
trap 'rm -rf "$demo"' EXIT

g() { git -c user.name=Demo -c user.email=demo@example.com -c init.defaultBranch=master "$@"; }

today=$(date -u +%Y%m%d)
yesterday=$(date -u -d yesterday +%Y%m%d)

echo "== a repository with a few releases, in $demo"
g init -q "$demo/work"
cp -r "$root/examples/shell-tool/." "$demo/work/" 2>/dev/null || echo "demo" > "$demo/work/README"
g -C "$demo/work" add -A
g -C "$demo/work" commit -q -m "first release"
g -C "$demo/work" tag "$yesterday.00"
g -C "$demo/work" tag "$yesterday.01"
g -C "$demo/work" tag "$today.00"
g -C "$demo/work" tag v1.0.0
echo change >> "$demo/work/README"
g -C "$demo/work" commit -q -am "a merged change"
g clone -q --bare "$demo/work" "$demo/remote.git"
g -C "$demo/work" remote add origin "$demo/remote.git"
echo "tags: $(g -C "$demo/remote.git" tag | tr '\n' ' ')"

echo
echo "== version-gen (next version for $today, UTC)"
ws="$demo/workspace"
version=$(cd "$demo/work" && "$bin/version-gen" --workspace "$ws")
echo "version: $version"

echo
echo "== repo-tagger (tags HEAD in the remote)"
(cd "$demo/work" && "$bin/repo-tagger" --workspace "$ws")

echo
echo "== the tag in the remote"
g -C "$demo/remote.git" for-each-ref "refs/tags/$version" \
  --format='%(refname:short) -> %(*objectname:short) "%(contents:subject)" by %(taggername) %(taggeremail)'
echo
echo "== workspace: $(cd "$ws" && ls | tr '\n' ' ')"
cat "$ws/tag.json"
