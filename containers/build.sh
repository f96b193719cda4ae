#!/usr/bin/env bash
# Builds, checks and tests the container images of containers/<name>/Dockerfile.
# See containers/README.md. Called by `make images` and `make image-test`;
# `check` runs what `make check-containers` runs (check-prow --dockerfiles).
#
#   containers/build.sh build [NAME...]   build the images (default: all)
#   containers/build.sh check             every FROM pinned, every COPY'd binary built here
#                                         (check-prow --dockerfiles, where the rules live)
#   containers/build.sh --check           the same
#   containers/build.sh image-test        build builder-deb12 with buildah and build
#                                         examples/shell-tool and the Go example
#                                         (examples/go-agent) inside it
#
# Environment:
#   IMAGE_REGISTRY   image name prefix [us-docker.pkg.dev/gcp-guest/release]
#   IMAGE_TAG        image tag [the short commit id of HEAD, else "dev"]
#   IMAGE_ENGINE     auto | docker | buildah [auto: docker when `docker info` answers]
#   BUILDAH_STORAGE_DRIVER  [vfs]
#   BUILDAH_LAYERS=1 cache each step's layer (faster rebuilds, much more disk with vfs)
#   BUILDAH_PULL     never | missing | always [never: Debian bases are made with
#                    debootstrap, other bases must already be in local storage]
#   DEBIAN_MIRROR    the mirror for debootstrap [the Debian mirror of this machine's apt]
#   IMAGE_BUILD_VERBOSE=1  stream each image build's output (else it goes to
#                    images/logs/<name>.log, and its end is shown on failure)
#   CARGO, CARGO_TARGET_DIR  as for cargo; images/ under the target folder holds
#                    the build context and the cached Debian root file systems
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

registry=${IMAGE_REGISTRY:-us-docker.pkg.dev/gcp-guest/release}
storage_driver=${BUILDAH_STORAGE_DRIVER:-vfs}
buildah_pull=${BUILDAH_PULL:-never}
cargo=${CARGO:-cargo}

log() { printf 'containers: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
}

# ---------------------------------------------------------------- Dockerfiles

# Image names: the folders of containers/ holding a Dockerfile.
all_images() {
  local d
  for d in containers/*/Dockerfile; do
    [[ -e $d ]] || continue
    d=${d#containers/}
    printf '%s\n' "${d%/Dockerfile}"
  done
}

# The base images of a Dockerfile, one per FROM line (stage names excluded).
dockerfile_bases() {
  awk '
    toupper($1) == "FROM" {
      i = 2
      while (i <= NF && $i ~ /^--/) i++
      ref = $i
      if (!(ref in stage)) print ref
      for (j = i + 1; j < NF; j++) if (toupper($j) == "AS") stage[$(j + 1)] = 1
    }' "$1"
}

# The binaries a Dockerfile copies from the build context into /usr/local/bin/.
dockerfile_bins() {
  awk '
    toupper($1) == "COPY" {
      from = 0; n = 0
      for (i = 2; i <= NF; i++) {
        if ($i ~ /^--from=/) from = 1
        else if ($i !~ /^--/) args[++n] = $i
      }
      if (from || n < 2 || args[n] !~ /^\/usr\/local\/bin\/?/) next
      for (i = 1; i < n; i++) print args[i]
    }' "$1"
}

# The URLs a Dockerfile's build downloads from, named on its
# "# Build downloads: URL..." comment line.
dockerfile_downloads() {
  sed -n 's/^# Build downloads: *//p' "$1" | tr -s ' ' '\n'
}

# Whether URL answers at all (any HTTP status), within 10 seconds; yes when
# curl is missing (the build then says).
answers() {
  command -v curl >/dev/null 2>&1 || return 0
  curl -s -o /dev/null -m 10 --head "$1"
}

# ------------------------------------------------------------------- cargo

# cargo metadata of the workspace, loaded once (load_metadata) by the commands.
metadata=
load_metadata() {
  [[ -z $metadata ]] || return 0
  command -v python3 >/dev/null 2>&1 || die "python3 is missing; run as root: apt-get install -y python3"
  metadata=$("$cargo" metadata --format-version 1 --no-deps) ||
    die "cargo metadata failed (above): the workspace does not load"
}

# The binaries the workspace builds.
workspace_bins() {
  python3 -c '
import json, sys
m = json.load(sys.stdin)
for p in m["packages"]:
    for t in p["targets"]:
        if "bin" in t["kind"]:
            print(t["name"])' <<<"$metadata"
}

target_dir() {
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])' <<<"$metadata"
}

# "<package> <bin>" for each BIN: the workspace package that builds it ("?" if none).
bin_packages() {
  python3 -c '
import json, sys
m = json.load(sys.stdin)
owner = {t["name"]: p["name"] for p in m["packages"] for t in p["targets"] if "bin" in t["kind"]}
for b in sys.argv[1:]:
    print(owner.get(b, "?"), b)' "$@" <<<"$metadata"
}

# Builds BIN... for the images: release, statically linked (glibc's crt-static),
# so one binary runs on every base (Debian 11 has glibc 2.31, EL 8 has 2.28;
# a binary linked on Debian 12 needs 2.34 or later). Only the packages holding
# them (-p), so the other crates of the workspace are neither built nor asked
# for features. Prints the output folder.
build_bins() {
  local triple args=() b p
  triple=$(rustc -vV | sed -n 's/^host: //p')
  [[ $triple == *-linux-gnu ]] || die "building the image binaries needs a *-linux-gnu host; this is $triple"
  while read -r p b; do
    [[ $p != "?" ]] || die "no workspace package builds the binary $b"
    args+=(-p "$p" --bin "$b")
  done < <(bin_packages "$@")
  log "cargo build --release --target $triple ${args[*]} (static)"
  RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
    "$cargo" build --release --target "$triple" "${args[@]}" >&2
  printf '%s\n' "$(target_dir)/$triple/release"
}

# ------------------------------------------------------------------- check

# The rules (pinned bases, workspace binaries, README listing) are
# check-prow's, in Rust; this only runs it.
cmd_check() {
  "$cargo" run -q -p check-prow -- --dockerfiles --containers containers
}

# ----------------------------------------------------------------- engines

engine=
choose_engine() {
  case ${IMAGE_ENGINE:-auto} in
    docker) engine=docker ;;
    buildah) engine=buildah ;;
    auto)
      if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
        engine=docker
      else
        engine=buildah
      fi ;;
    *) die "IMAGE_ENGINE must be auto, docker or buildah, not ${IMAGE_ENGINE}" ;;
  esac
  if [[ $engine == buildah ]]; then
    ensure_buildah_tools
  fi
  log "engine: $engine"
}

# buildah, runc and debootstrap, installed with apt when missing (as root).
ensure_buildah_tools() {
  local need=() t
  for t in buildah runc debootstrap; do
    command -v "$t" >/dev/null 2>&1 || [[ -x /usr/sbin/$t ]] || need+=("$t")
  done
  ((${#need[@]})) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    die "no Docker engine answers and ${need[*]} missing; run as root: apt-get install -y ${need[*]}"
  fi
  log "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
}

bah() { buildah --storage-driver "$storage_driver" "$@"; }

# The Debian mirror this machine's apt uses: the first deb source whose
# suites include this release's codename (not -security, -updates or other
# archives), from sources.list(.d), one-line or deb822 format.
debian_mirror() {
  if [[ -n ${DEBIAN_MIRROR:-} ]]; then
    printf '%s\n' "$DEBIAN_MIRROR"; return
  fi
  local codename files=() f uri
  codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null | tr -d '"' || true)
  if [[ -n $codename ]]; then
    [[ -f /etc/apt/sources.list ]] && files+=(/etc/apt/sources.list)
    for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
      [[ -f $f ]] && files+=("$f")
    done
    for f in "${files[@]}"; do
      if [[ $f == *.sources ]]; then
        uri=$(awk -v want="$codename" '
          function flush() {
            if (types ~ /(^| )deb( |$)/ && enabled != "no" && (" " suites " ") ~ (" " want " ") && uris != "") {
              split(uris, u, " "); print u[1]; found = 1; exit
            }
            types = ""; uris = ""; suites = ""; enabled = ""
          }
          /^[ \t]*#/ { next }
          /^[ \t]*$/ { flush(); next }
          tolower($1) == "types:"   { $1 = ""; types = $0 }
          tolower($1) == "uris:"    { $1 = ""; uris = $0 }
          tolower($1) == "suites:"  { $1 = ""; suites = $0 }
          tolower($1) == "enabled:" { enabled = tolower($2) }
          END { if (!found) flush() }' "$f" | sed 's/^ *//')
      else
        uri=$(awk -v want="$codename" '
          $1 == "deb" {
            i = 2
            if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
            if ($(i + 1) == want) { print $i; exit }
          }' "$f")
      fi
      if [[ -n $uri ]]; then
        printf '%s\n' "$uri"; return
      fi
    done
  fi
  printf '%s\n' http://deb.debian.org/debian
}

# Unmounts whatever is still mounted below DIR, then removes DIR. Refuses to
# remove it while something stays mounted there (debootstrap can bind /dev).
remove_tree() {
  local dir=$1 m
  [[ -d $dir ]] || return 0
  while read -r m; do
    umount -l "$m" 2>/dev/null || true
  done < <(awk -v p="$dir/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r)
  if awk -v p="$dir/" 'index($2, p) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    log "not removing $dir: something is still mounted below it"
    return 0
  fi
  rm -rf "$dir"
}

# The local image REF (docker.io/library/debian:<suite>-...), made from a
# debootstrap'd minbase root file system of <suite>. The tarball is cached in
# images/rootfs/ under the target folder; delete it to refresh the base.
make_debian_base() {
  local ref=$1 suite=$2 cache tarball mirror work ctr include
  cache=$images_dir/rootfs
  tarball=$cache/debian-$suite-minbase.tar
  mkdir -p "$cache"
  if [[ ! -s $tarball ]]; then
    mirror=$(debian_mirror)
    work=$(mktemp -d "$cache/$suite.XXXXXX")
    cleanup_dirs+=("$work")
    log "debootstrap --variant=minbase $suite from $mirror (about a minute; cached in $tarball)"
    include=()
    # An https mirror needs the CA bundle in the image too (apt-get update there).
    [[ $mirror != https:* ]] || include=(--include=ca-certificates)
    if ! debootstrap --variant=minbase "${include[@]}" "$suite" "$work/rootfs" "$mirror" >"$work.log" 2>&1; then
      tail -n 20 "$work.log" >&2
      die "debootstrap $suite failed; full log: $work.log"
    fi
    # As in Docker's slim images: no apt lists or package cache in the base.
    rm -rf "$work"/rootfs/var/lib/apt/lists/* "$work"/rootfs/var/cache/apt/*.bin \
      "$work"/rootfs/var/cache/apt/archives/*.deb
    cleanup_files+=("$tarball.part")
    tar --numeric-owner -C "$work/rootfs" \
      --exclude='./proc/*' --exclude='./sys/*' --exclude='./dev/*' \
      -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    remove_tree "$work"
    rm -f "$work.log"
  fi
  log "importing $tarball as $ref"
  ctr=$(bah from --pull=never scratch)
  cleanup_ctrs+=("$ctr")
  bah add --quiet "$ctr" "$tarball" / >/dev/null
  bah config --os linux --arch "$(dpkg --print-architecture 2>/dev/null || echo amd64)" \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --cmd bash --label "org.opencontainers.image.description=Debian $suite minbase (debootstrap, local stand-in for $ref)" \
    "$ctr"
  bah commit --quiet --rm "$ctr" "$ref" >/dev/null
  cleanup_ctrs=("${cleanup_ctrs[@]/$ctr/}")
}

# Makes the base REF available to buildah: already in local storage, pulled
# (BUILDAH_PULL other than never), or a Debian base made with debootstrap. Sets
# base_problem to why not, or to "" when it is available.
base_problem=
ensure_buildah_base() {
  local ref=$1 suite
  base_problem=
  [[ $ref == scratch ]] && return 0
  bah inspect --type image "$ref" >/dev/null 2>&1 && return 0
  [[ $buildah_pull != never ]] && return 0
  if [[ $ref =~ ^(docker\.io/)?(library/)?debian:([a-z]+)(-[^@]*)?$ ]]; then
    suite=${BASH_REMATCH[3]}
    if [[ -e /usr/share/debootstrap/scripts/$suite ]]; then
      make_debian_base "$ref" "$suite"
    else
      base_problem="debootstrap does not know the Debian suite $suite of its base $ref"
    fi
    return 0
  fi
  base_problem="its base $ref is not in local storage and only Debian bases can be made here (debootstrap); build it with docker, or with BUILDAH_PULL=missing where the registry is reachable"
}

cleanup_dirs=()
cleanup_ctrs=()
cleanup_imgs=()
cleanup_files=()
cleanup() {
  local c d
  for c in "${cleanup_ctrs[@]}"; do
    if [[ -n $c ]]; then bah rm "$c" >/dev/null 2>&1 || true; fi
  done
  for c in "${cleanup_imgs[@]}"; do bah rmi "$c" >/dev/null 2>&1 || true; done
  for d in "${cleanup_dirs[@]}"; do remove_tree "$d"; done
  for d in "${cleanup_files[@]}"; do rm -f "$d"; done
}
trap cleanup EXIT

# ------------------------------------------------------------------- build

default_tag() {
  if [[ -n ${IMAGE_TAG:-} ]]; then
    printf '%s\n' "$IMAGE_TAG"
  else
    git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo dev
  fi
}

# build_images NAME...: builds the binaries the images copy, prepares the
# context and builds each image. Images that cannot be built here are skipped
# with the reason; any other failure stops.
images_dir=
built=()
skipped=()
build_images() {
  local names=("$@") name df b ref url why have bins=() buildable=() out tag buildlog cmd context old=
  tag=$(default_tag)
  load_metadata
  images_dir=$(target_dir)/images
  have=$(workspace_bins)
  choose_engine

  for name in "${names[@]}"; do
    df=containers/$name/Dockerfile
    [[ -f $df ]] || die "no image $name (no $df)"
    why=
    for b in $(dockerfile_bins "$df"); do
      grep -qxF "$b" <<<"$have" || why="it copies $b, which this workspace does not build (yet)"
    done
    if [[ -z $why ]]; then
      for url in $(dockerfile_downloads "$df"); do
        answers "$url" || { why="its build downloads from $url, which does not answer here"; break; }
      done
    fi
    if [[ -z $why && $engine == buildah ]]; then
      for ref in $(dockerfile_bases "$df"); do
        ensure_buildah_base "$ref"
        why=$base_problem
        [[ -z $why ]] || break
      done
    fi
    if [[ -n $why ]]; then
      log "skipping $name: $why"
      skipped+=("$name: $why")
      continue
    fi
    buildable+=("$name")
    for b in $(dockerfile_bins "$df"); do
      [[ " ${bins[*]} " == *" $b "* ]] || bins+=("$b")
    done
  done

  if ((${#buildable[@]})); then
    out=$(build_bins "${bins[@]}")
    context=$images_dir/context
    rm -rf "$context"
    mkdir -p "$context"
    for b in "${bins[@]}"; do
      install -m 0755 "$out/$b" "$context/$b"
    done
  fi

  for name in "${buildable[@]}"; do
    ref=$registry/$name:$tag
    df=containers/$name/Dockerfile
    buildlog=$images_dir/logs/$name.log
    mkdir -p "$images_dir/logs"
    log "building $ref ($engine; log: $buildlog)"
    if [[ $engine == docker ]]; then
      cmd=(docker build -f "$df" -t "$ref" "$context")
    else
      # One layer per image unless BUILDAH_LAYERS=1: with vfs every layer is a
      # full copy of the file system, and cached step layers pile up.
      cmd=(bah build --isolation chroot --pull="$buildah_pull" --layers="${BUILDAH_LAYERS:-0}"
        -f "$df" -t "$ref" "$context")
      old=$(bah inspect --type image --format '{{.FromImageID}}' "$ref" 2>/dev/null || true)
    fi
    if [[ ${IMAGE_BUILD_VERBOSE:-} == 1 ]]; then
      "${cmd[@]}" 2>&1 | tee "$buildlog" >&2
    elif ! "${cmd[@]}" >"$buildlog" 2>&1; then
      tail -n 40 "$buildlog" >&2
      die "building $name failed; full log: $buildlog"
    fi
    built+=("$ref")
    # The image this build replaced, unless something else still uses it.
    if [[ $engine == buildah && -n $old ]] &&
      [[ $old != "$(bah inspect --type image --format '{{.FromImageID}}' "$ref")" ]]; then
      bah rmi "$old" >/dev/null 2>&1 || true
    fi
  done

  log "built ${#built[@]} image(s):"
  for ref in "${built[@]}"; do log "  $ref"; done
  if ((${#skipped[@]})); then
    log "skipped ${#skipped[@]}:"
    for why in "${skipped[@]}"; do log "  $why"; done
  fi
}

cmd_build() {
  local names=("$@")
  if ((${#names[@]} == 0)); then
    mapfile -t names < <(all_images)
  fi
  build_images "${names[@]}"
}

# -------------------------------------------------------------- image test

# example_repo SRC DEST: the example folder SRC as a git repository at DEST
# (one commit), as the builder gets a repository in a Prow pod.
example_repo() {
  local src=$1 dest=$2
  cp -r "$src" "$dest"
  (
    cd "$dest"
    export GIT_AUTHOR_DATE=2026-11-27T12:00:00Z GIT_COMMITTER_DATE=2026-11-27T12:00:00Z
    git -c init.defaultBranch=master init -q
    git add -A
    git -c user.name=Test -c user.email=test@example.com commit -q -m "${src##*/}"
  )
}

# Builds builder-deb12 with buildah (whatever engine runs) and runs real
# packagebuild-deb builds inside it, as the image's default user: the shell
# example (examples/shell-tool), then the Go example (examples/go-agent with
# examples/go-agent-plugins as its extra repository) with the image's own Go,
# the modules from a file module proxy and no network. Checks what comes out.
cmd_image_test() {
  local started name=builder-deb12 ref tmp ctr version=20261127.00 user deb field want sums
  local go_started go_want goroot gover debs bin got netdevs proxy=/home/builder/goproxy
  started=$(date +%s)
  IMAGE_ENGINE=buildah
  IMAGE_TAG=image-test
  build_images "$name"
  ref=$registry/$name:image-test
  [[ " ${built[*]} " == *" $ref "* ]] || die "the image $name was not built: ${skipped[*]}"

  tmp=$(mktemp -d "${TMPDIR:-/tmp}/image-test.XXXXXX")
  cleanup_dirs+=("$tmp")
  example_repo examples/shell-tool "$tmp/repo"

  ctr=$(bah from --pull=never "$ref")
  cleanup_ctrs+=("$ctr")
  [[ ${IMAGE_TEST_KEEP:-} == 1 ]] || cleanup_imgs+=("$ref")
  user=$(bah run --isolation chroot "$ctr" -- id -un)
  log "the image's default user: $user"
  [[ $user == builder ]] || die "expected the builder image to run as builder, not $user"
  bah copy --chown builder:builder "$ctr" "$tmp/repo" /home/builder/src >/dev/null
  log "packagebuild-deb --version $version in $ref (as $user)"
  bah run --isolation chroot --workingdir /home/builder/src \
    --env REPO_OWNER=example --env REPO_NAME=guest-hello \
    "$ctr" -- packagebuild-deb --version "$version" --out /home/builder/out >&2
  mkdir -p "$tmp/out"
  bah run --isolation chroot "$ctr" -- tar -C /home/builder/out -cf - . | tar -C "$tmp/out" -xf -
  log "outputs: $(find "$tmp/out" -mindepth 1 -printf '%P ')"

  deb=$tmp/out/guest-hello_${version}-g1_all.deb
  [[ -f $deb ]] || die "no guest-hello_${version}-g1_all.deb came out of the build"
  for want in "Package=guest-hello" "Version=1:$version-g1" "Architecture=all"; do
    field=$(dpkg-deb -f "$deb" "${want%%=*}")
    [[ $field == "${want#*=}" ]] || die "$deb: ${want%%=*} is $field, expected ${want#*=}"
  done
  # One checksum file per target (docs/packagebuild.md), so builders can share an --out.
  sums=deb12.SHA256SUMS
  grep -q " guest-hello_${version}-g1_all.deb\$" "$tmp/out/$sums" ||
    die "$sums does not list the .deb"
  (cd "$tmp/out" && sha256sum --quiet -c "$sums") || die "$sums does not match the files"
  log "image-test: $name built guest-hello_${version}-g1_all.deb (Version 1:$version-g1) as $user in $(($(date +%s) - started)) s"

  # The Go example. The image's Go must be at /tmp/go already (the builder
  # links /tmp/go only when it is absent), and be the version its Dockerfile pins.
  go_started=$(date +%s)
  go_want=go$(sed -n 's/^ARG GO_VERSION=//p' "containers/$name/Dockerfile")
  [[ $go_want != go ]] || die "containers/$name/Dockerfile has no ARG GO_VERSION=..."
  goroot=$(bah run --isolation chroot "$ctr" -- readlink -f /tmp/go)
  gover=$(bah run --isolation chroot "$ctr" -- /tmp/go/bin/go env GOVERSION) ||
    die "$name has no Go at /tmp/go/bin/go"
  log "the image's Go: /tmp/go -> $goroot, $gover"
  [[ $gover == "$go_want" ]] || die "/tmp/go/bin/go in $name is $gover, but its Dockerfile pins $go_want"
  [[ $goroot != /tmp/* ]] || die "/tmp/go in $name resolves to $goroot, not to an installed Go"
  # The modules from a file module proxy that gomodproxy writes here from
  # examples/go-modules, copied in; both repositories as git repositories.
  "$(build_bins gomodproxy)/gomodproxy" examples/go-modules "$tmp/goproxy" >/dev/null
  example_repo examples/go-agent "$tmp/go-agent"
  example_repo examples/go-agent-plugins "$tmp/go-agent-plugins"
  for d in goproxy go-agent go-agent-plugins; do
    bah copy --chown builder:builder "$ctr" "$tmp/$d" "/home/builder/$d" >/dev/null
  done
  # No network: a fresh network namespace, only its loopback device. buildah
  # refuses --network none with chroot isolation, so this build runs with
  # runc (oci isolation).
  netdevs=$(bah run --isolation oci --network none "$ctr" -- \
    sed -n 's/^ *\([^:]*\):.*/\1/p' /proc/net/dev | tr '\n' ' ')
  [[ $netdevs == "lo " ]] || die "buildah run --network none still sees the network devices: $netdevs"
  log "packagebuild-deb --version $version --extra-repo /home/builder/go-agent-plugins in $ref (as $user, network none, GOPROXY=file://$proxy, GOTOOLCHAIN=local)"
  bah run --isolation oci --network none --workingdir /home/builder/go-agent \
    --env REPO_OWNER=example --env REPO_NAME=go-agent \
    --env GOPROXY="file://$proxy" --env GOTOOLCHAIN=local \
    "$ctr" -- packagebuild-deb --version "$version" --out /home/builder/go-out \
    --extra-repo /home/builder/go-agent-plugins 2>&1 | tee "$tmp/go-build.log" >&2
  grep -qF "Go: /tmp/go/bin/go ($go_want, GOROOT $goroot)" "$tmp/go-build.log" ||
    die "the build's log does not say it used /tmp/go/bin/go ($go_want, GOROOT $goroot)"
  ! grep -q "no Go at /tmp/go" "$tmp/go-build.log" ||
    die "the builder linked /tmp/go itself: the image's Go was not at /tmp/go"
  mkdir -p "$tmp/go-out"
  bah run --isolation chroot "$ctr" -- tar -C /home/builder/go-out -cf - . | tar -C "$tmp/go-out" -xf -
  log "outputs: $(find "$tmp/go-out" -mindepth 1 -printf '%P ')"
  debs=("$tmp/go-out/go-agent_${version}-g1_"*.deb)
  deb=${debs[0]}
  [[ -f $deb ]] || die "no go-agent_${version}-g1_<arch>.deb came out of the Go build"
  grep -q " ${deb##*/}\$" "$tmp/go-out/$sums" || die "$sums does not list ${deb##*/}"
  (cd "$tmp/go-out" && sha256sum --quiet -c "$sums") || die "$sums does not match the files"
  # Both programs (the second from the extra repository) run here and report the version.
  dpkg-deb -x "$deb" "$tmp/go-agent-root"
  for bin in go_agent go-agent-plugins; do
    [[ -x $tmp/go-agent-root/usr/bin/$bin ]] || die "${deb##*/} has no /usr/bin/$bin"
    got=$("$tmp/go-agent-root/usr/bin/$bin" --version) || die "/usr/bin/$bin --version failed"
    [[ $got == "$bin version $version" ]] ||
      die "/usr/bin/$bin --version printed '$got', expected '$bin version $version'"
  done
  log "image-test: $name built ${deb##*/} with $gover from /tmp/go ($goroot), the extra repository and no network in $(($(date +%s) - go_started)) s; /usr/bin/go_agent and /usr/bin/go-agent-plugins report $version"
  log "image-test ok in $(($(date +%s) - started)) s"
}

# ------------------------------------------------------------------- main

case ${1:-} in
  build) shift; cmd_build "$@" ;;
  check | --check) cmd_check ;;
  image-test) cmd_image_test ;;
  -h | --help | help) usage ;;
  *) usage >&2; exit 2 ;;
esac
