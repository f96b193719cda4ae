#!/usr/bin/env bash
# Installs the system packages the tests and the demo need, when missing.
# Needs root for apt-get; otherwise it names what to install and fails.
set -euo pipefail

need=()
command -v git >/dev/null || need+=(git)
command -v dpkg-buildpackage >/dev/null || need+=(dpkg-dev)
command -v dh >/dev/null || need+=(debhelper)
command -v fakeroot >/dev/null || need+=(fakeroot)
command -v rpmbuild >/dev/null || need+=(rpm)
command -v make >/dev/null || need+=(make)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
command -v cc >/dev/null || need+=(gcc)
command -v python3 >/dev/null || need+=(python3)
command -v faketime >/dev/null || need+=(faketime)
# The clock tests run in zones far from UTC (Pacific/Kiritimati, America/Adak).
[[ -e /usr/share/zoneinfo/Pacific/Kiritimati ]] || need+=(tzdata)
# The Go example's packaging (docs/packagebuild.md, "Go repositories"):
# dh-golang for the deb, cpio to look inside the rpm.
command -v dh_golang >/dev/null || need+=(dh-golang)
command -v cpio >/dev/null || need+=(cpio)

if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing system packages: ${need[*]}; run as root: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "installing: ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Go 1.21 or later (the examples' go.mod says go 1.21). Debian 12's own is
# 1.19; bookworm-backports (served by Debian's registry) has 1.23.
go_ok() {
  local v
  v=$(go env GOVERSION 2>/dev/null) || return 1
  v=${v#go}
  [[ ${v%%.*} -gt 1 || ( ${v%%.*} -eq 1 && $(cut -d. -f2 <<<"$v") -ge 21 ) ]]
}
if ! GOTOOLCHAIN=local go_ok; then
  codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release 2>/dev/null)
  if [[ $(id -u) -ne 0 || $codename != bookworm ]]; then
    echo "Go 1.21 or later is missing; on Debian 12, as root: echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/bookworm-backports.list && apt-get update && apt-get install -y -t bookworm-backports golang-1.23-go golang-go" >&2
    exit 1
  fi
  echo "installing: golang-1.23-go golang-go (bookworm-backports)" >&2
  list=/etc/apt/sources.list.d/bookworm-backports.list
  grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/ ||
    echo 'deb http://deb.debian.org/debian bookworm-backports main' >"$list"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports golang-1.23-go golang-go >/dev/null
fi
# The S3 emulator for the store tests: a venv in .venv with moto[server].
"$(dirname "$0")/moto-venv.sh"
command -v cargo >/dev/null || { echo "cargo is missing: install Rust 1.89 or later (rustup)" >&2; exit 1; }
