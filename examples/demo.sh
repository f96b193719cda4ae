#!/usr/bin/env bash
# The demo release of an example repository, as a release pod runs it:
# version-gen, then the deb and rpm builders in parallel (staging to a local
# bucket folder), then repo-tagger (tags the commit in the remote and
# publishes to the release folder). Everything happens in a temporary folder
# with the embedded defaults: the git forge, a local folder as the bucket,
# no network, no account. DEMO_KEEP=1 keeps the folder.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CARGO_TARGET_DIR:-$root/target}/debug
demo=$(mktemp -d "${TMPDIR:-/tmp}/guest-release-demo.XXXXXX")
if [[ ${DEMO_KEEP:-} == 1 ]]; then echo "keeping $demo"; else trap 'rm -rf "$demo"' EXIT; fi

g() { git -c user.name=Demo -c user.email=demo@example.com -c init.defaultBranch=master "$@"; }

today=$(date -u +%Y%m%d)
yesterday=$(date -u -d yesterday +%Y%m%d)

echo "== an example repository (examples/shell-tool) with earlier releases, in $demo"
g init -q "$demo/work"
cp -r "$root/examples/shell-tool/." "$demo/work/"
g -C "$demo/work" add -A
g -C "$demo/work" commit -q -m "guest-hello: first release"
for t in "$yesterday.00" "$yesterday.01" "$today.00" v1.0.0; do g -C "$demo/work" tag "$t"; done
echo "# merged change" >> "$demo/work/README.md"
g -C "$demo/work" commit -q -am "guest-hello: a merged change"
g clone -q --bare "$demo/work" "$demo/remote.git"
g -C "$demo/work" remote add origin "$demo/remote.git"
echo "tags: $(g -C "$demo/remote.git" tag | tr '\n' ' ')"

ws="$demo/workspace"
bucket="$demo/bucket"
run_id=1
stage="$bucket/staging/$run_id"
cd "$demo/work"

echo
echo "== the release pod: every step starts at once and chains through $ws"
"$bin/version-gen" --workspace "$ws" -q > "$demo/version.out" &
"$bin/packagebuild-deb" --workspace "$ws" --target deb12 --stage "$stage/deb12" -q > "$demo/deb.out" &
"$bin/packagebuild-rpm" --workspace "$ws" --target el9 --stage "$stage/el9" -q > "$demo/rpm.out" &
"$bin/packagebuild-googet" --workspace "$ws" --target goo --stage "$stage/goo" -q > "$demo/goo.out" &
"$bin/repo-tagger" --workspace "$ws" --expect deb12,el9,goo --publish "$bucket/release" --wait-timeout 10m -q > "$demo/tag.out" &
status=0
for job in $(jobs -p); do wait "$job" || status=1; done
if ((status)); then echo "a step failed; see the messages above" >&2; exit 1; fi
version=$(cat "$ws/version")
echo "version: $version"
cat "$demo/tag.out"

echo
echo "== the tag in the remote"
g -C "$demo/remote.git" for-each-ref "refs/tags/$version" \
  --format='%(refname:short) -> %(*objectname:short) "%(contents:subject)" by %(taggername) %(taggeremail)'

echo
echo "== published artifacts ($bucket/release/$version/manifest.json)"
python3 - "$bucket/release/$version/manifest.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
rows = [("file", "package", "version", "size", "sha256")]
for a in m["artifacts"]:
    p = a.get("package") or {}
    rows.append((a["path"], p.get("name", "-"), p.get("version", "-"), str(a["size"]), a["sha256"][:16] + "…"))
w = [max(len(r[i]) for r in rows) for i in range(5)]
for r in rows:
    print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
PY

echo
echo "== the bucket"
(cd "$bucket" && find . -type f | sort | sed 's,^\./,  ,')
