#!/usr/bin/env bash
# The demo: an emulated merge to master of an example repository, run with
# pj-local and a production-shaped job (examples/prow/guest-hello.yaml):
# version-gen, then the deb, rpm and goo builders in parallel, then
# repo-tagger, which tags the commit and publishes to a local bucket folder.
# Then the same for the Go example (examples/go-agent, built with its extra
# repository examples/go-agent-plugins; examples/prow/go-agent.yaml), whose
# published programs are run to show the released version.
# Embedded defaults: a local git remote instead of GitHub, a local folder
# instead of GCS, no network, no account.
#
# State lives in .demo/ (repository, remote, bucket, runs): running the demo
# again merges a new commit and releases the next version. DEMO_FRESH=1 (or
# `make demo-clean`) starts over.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${CARGO_TARGET_DIR:-$root/target}/debug
demo=$root/.demo
[[ ${DEMO_FRESH:-} == 1 ]] && rm -rf "$demo"

g() { git -c user.name=Demo -c user.email=demo@example.com -c init.defaultBranch=master "$@"; }

if [[ ! -d $demo/remote.git ]]; then
  # One reading of the clock: two could straddle midnight and disagree.
  today=$(date -u +%Y%m%d)
  yesterday=$(date -u -d "$today -1 day" +%Y%m%d)
  echo "== a new example repository (examples/shell-tool) with earlier releases, in $demo"
  mkdir -p "$demo"
  g init -q "$demo/work"
  cp -r "$root/examples/shell-tool/." "$demo/work/"
  g -C "$demo/work" add -A
  g -C "$demo/work" commit -q -m "guest-hello: first release"
  for t in "$yesterday.00" "$yesterday.01" "$today.00" v1.0.0; do g -C "$demo/work" tag "$t"; done
  g clone -q --bare "$demo/work" "$demo/remote.git"
  g -C "$demo/work" remote add origin "$demo/remote.git"
fi
n=$(g -C "$demo/work" rev-list --count HEAD)
echo "change $n" >> "$demo/work/CHANGES"
g -C "$demo/work" add CHANGES
g -C "$demo/work" commit -q -m "guest-hello: merged change $n"
g -C "$demo/work" push -q origin master
echo "== merged $(g -C "$demo/work" rev-parse --short HEAD) \"guest-hello: merged change $n\" to master"
echo "tags before: $(g -C "$demo/remote.git" tag | tr '\n' ' ')"

# The job's secrets are mounted as in production; with the forge and the
# bucket mapped to local ones, nothing reads them.
mkdir -p "$demo/secrets"
echo "unused-in-the-demo" > "$demo/secrets/token.txt"
echo '{"unused": "in the demo"}' > "$demo/secrets/creds.json"
echo '{"unused": "in the demo"}' > "$demo/secrets/staging-creds.json"

echo
echo "== pj-local: the release pod, every container started at once"
"$bin/pj-local" --config "$root/examples/prow" --job guest-hello-release \
  --repo "$demo/remote.git" --forge-remote "$demo/remote.git" --bucket "$demo/bucket" \
  --out "$demo/runs" --bin-dir "$bin" \
  --secret github-access-token="$demo/secrets/token.txt" \
  --secret release-service-account="$demo/secrets/creds.json" \
  --secret release-staging-service-account="$demo/secrets/staging-creds.json"

# Build ids grow with time: the newest run sorts last.
run=$(find "$demo/runs/guest-hello-release" -mindepth 1 -maxdepth 1 -type d | sort | tail -1)
version=$(cat "$run/volumes/workspace/version")
echo
echo "== version: $version"
echo "== tag:     $(g -C "$demo/remote.git" for-each-ref "refs/tags/$version" \
  --format='%(refname:short) -> %(*objectname:short) "%(contents:subject)" by %(taggername) %(taggeremail)')"

release="$demo/bucket/gcp-guest-releases/guest-hello/$version"
echo
echo "== published artifacts ($release/<target>/)"
# Each builder prints its artifact table last (file, package, version, size,
# sha256), and repo-tagger publishes exactly what they staged: SHA256SUMS,
# checked below, lists every published file.
for log in "$run"/build-*-build-log.txt; do
  container=${log##*/}
  echo "-- ${container%-build-log.txt}"
  grep -q '^file  ' "$log" || { echo "demo: no artifact table in $log" >&2; exit 1; }
  sed -n '/^file  /,$p' "$log"
done
(cd "$release" && sha256sum --quiet -c SHA256SUMS)
echo "-- SHA256SUMS: the $(wc -l <"$release/SHA256SUMS") published files match (manifest: $release/manifest.json)"

echo
echo "== the bucket ($demo/bucket)"
(cd "$demo/bucket" && find . -type f | sort | sed 's,^\./,  ,')
echo
echo "== the googet examples, packed with the same version (into $demo/goo/$version)"
for ex in googet-osconfig-style googet-sources googet-build-step; do
  # A copy: a build step writes into its tree.
  rm -rf "$demo/goo-src/$ex" && mkdir -p "$demo/goo-src" && cp -r "$root/examples/$ex" "$demo/goo-src/$ex"
  "$bin/packagebuild-googet" --source "$demo/goo-src/$ex" --version "$version" --out "$demo/goo/$version/$ex" -q >/dev/null
done
find "$demo/goo/$version" -name '*.goo' -printf '  %P  %s bytes\n' | sort

# ---------------------------------------------------------------- Go
# The Go example, released through a job shaped like guest-agent's
# (examples/prow/go-agent.yaml): its extra repository go-agent-plugins comes
# as extra_refs, the modules from a file module proxy on a hostPath volume.
godemo=$demo/go
if [[ ! -d $godemo/remote.git ]]; then
  echo
  echo "== a new Go example repository (examples/go-agent) and its extra repository (examples/go-agent-plugins), in $godemo"
  for r in go-agent go-agent-plugins; do
    g init -q "$godemo/$r"
    cp -r "$root/examples/$r/." "$godemo/$r/"
    g -C "$godemo/$r" add -A
    g -C "$godemo/$r" commit -q -m "$r: first commit"
  done
  g clone -q --bare "$godemo/go-agent" "$godemo/remote.git"
  g -C "$godemo/go-agent" remote add origin "$godemo/remote.git"
fi
n=$(g -C "$godemo/go-agent" rev-list --count HEAD)
echo "change $n" >> "$godemo/go-agent/CHANGES"
g -C "$godemo/go-agent" add CHANGES
g -C "$godemo/go-agent" commit -q -m "go-agent: merged change $n"
g -C "$godemo/go-agent" push -q origin master
echo
echo "== merged $(g -C "$godemo/go-agent" rev-parse --short HEAD) \"go-agent: merged change $n\" to master"
# The job's go-proxy volume (a hostPath): pj-local backs it with
# <out>/host-paths/<path>.
proxy=$demo/runs/host-paths/var/cache/gcp-guest/demo-go-proxy
"$bin/gomodproxy" "$root/examples/go-modules" "$proxy" | sed 's/^/  module proxy: /'
echo "== pj-local: go-agent-release (deb12, el9, goo), go-agent-plugins cloned beside it (extra_refs)"
"$bin/pj-local" --config "$root/examples/prow" --job go-agent-release \
  --repo "$godemo/remote.git" --repo GoogleCloudPlatform/go-agent-plugins="$godemo/go-agent-plugins" \
  --forge-remote "$godemo/remote.git" --bucket "$demo/bucket" \
  --out "$demo/runs" --bin-dir "$bin" \
  --secret github-access-token="$demo/secrets/token.txt" \
  --secret release-service-account="$demo/secrets/creds.json" \
  --secret release-staging-service-account="$demo/secrets/staging-creds.json" >"$godemo/pj-local.log" ||
  { tail -40 "$godemo/pj-local.log" >&2; echo "demo: the Go release failed; full output: $godemo/pj-local.log" >&2; exit 1; }
gorun=$(find "$demo/runs/go-agent-release" -mindepth 1 -maxdepth 1 -type d | sort | tail -1)
goversion=$(cat "$gorun/volumes/workspace/version")
gorelease="$demo/bucket/gcp-guest-releases/go-agent/$goversion"
(cd "$gorelease" && sha256sum --quiet -c SHA256SUMS)
echo "== released go-agent $goversion to $gorelease (SHA256SUMS checked); each package's programs report:"
x=$(mktemp -d "${TMPDIR:-/tmp}/demo-go.XXXXXX")
trap 'rm -rf "$x"' EXIT
dpkg-deb -x "$gorelease/deb12/go-agent_${goversion}-g1_amd64.deb" "$x/deb"
mkdir -p "$x/rpm" && (cd "$x/rpm" && rpm2cpio "$gorelease/el9/go-agent-${goversion}-g1.el9.x86_64.rpm" | cpio -idm --quiet)
for f in deb/usr/bin/go_agent deb/usr/bin/go-agent-plugins rpm/usr/bin/go_agent rpm/usr/bin/go-agent-plugins; do
  said=$("$x/$f" --version)
  [[ $said == *" version $goversion" ]] || { echo "demo: $f says '$said', not version $goversion" >&2; exit 1; }
  echo "  ${f%%/*}: $said"
done
goo="$gorelease/goo/google-compute-engine-go-agent.x86_64.${goversion}@1.goo"
mkdir -p "$x/goo" && tar -xzf "$goo" -C "$x/goo"
for exe in GoAgent.exe GoAgentPlugins.exe; do
  if [[ $(head -c 2 "$x/goo/$exe") != MZ ]] || ! grep -qa "$goversion" "$x/goo/$exe"; then
    echo "demo: $exe in $goo is not a Windows program stamped $goversion" >&2
    exit 1
  fi
  echo "  goo: $exe, a Windows executable stamped $goversion"
done
echo "  manifest: $gorelease/manifest.json (extra_repos: go-agent-plugins at $(g -C "$godemo/go-agent-plugins" rev-parse --short HEAD))"

echo
echo "Prow's output of these runs: $run/ and $gorun/ (started.json, finished.json, per-container logs, artifacts/)"
echo "Run 'make demo' again for the next merge and version; 'make demo-clean' to start over."
