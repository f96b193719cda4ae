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

if ((${#need[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "missing system packages: ${need[*]}; run as root: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "installing: ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
# The S3 emulator for the store tests: a venv in .venv with moto[server].
"$(dirname "$0")/moto-venv.sh"
command -v cargo >/dev/null || { echo "cargo is missing: install Rust 1.89 or later (rustup)" >&2; exit 1; }
