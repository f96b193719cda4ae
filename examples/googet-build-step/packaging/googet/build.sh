#!/bin/sh
# The goospec's build step on Linux: makes out/ from src/, stamping the version.
# Run by packagebuild-googet in the repository folder as: build.sh VERSION OUTDIR
set -eu
version=$1
out=$2
rm -rf "$out"
mkdir -p "$out"
sed "s/@VERSION@/$version/g" src/build-demo.cmd.in > "$out/build-demo.cmd"
cp src/install.ps1 "$out/install.ps1"
echo "built $out/build-demo.cmd for $version"
