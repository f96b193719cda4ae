#!/usr/bin/env bash
# Creates .venv in the repository root with moto's S3 server (moto[server]),
# which the S3 tests start (testsupport::moto). Idempotent: does nothing when
# .venv/bin/moto_server exists. Needs python3 with the venv module (Debian:
# python3-venv, installed here when missing and running as root).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv="$root/.venv"

if [[ -x "$venv/bin/moto_server" ]]; then
  exit 0
fi

if ! command -v python3 >/dev/null; then
  echo "python3 is missing; run as root: apt-get install -y python3 python3-venv" >&2
  exit 1
fi

# `python3 -m venv` needs ensurepip, which Debian ships in python3-venv.
if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
  if [[ $(id -u) -ne 0 ]]; then
    echo "python3-venv is missing; run as root: apt-get install -y python3-venv" >&2
    exit 1
  fi
  echo "installing: python3-venv" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi

# A half-made venv (interrupted earlier run) is rebuilt from scratch.
rm -rf "$venv"
echo "creating $venv with moto[server]" >&2
python3 -m venv "$venv"
"$venv/bin/pip" install -q 'moto[server]'
"$venv/bin/moto_server" --help >/dev/null
