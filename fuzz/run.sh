#!/usr/bin/env bash
# Runs every fuzz target for FUZZ_TIME seconds (default 60) with cargo-fuzz
# (libFuzzer), seeded from fuzz/seeds/<target>, and prints one summary line
# per target. A crash fails the run and leaves the input in
# fuzz/artifacts/<target>/. Works on stable Rust: no sanitizer (-s none).
set -euo pipefail
cd "$(dirname "$0")"

time_per_target=${FUZZ_TIME:-60}
if ! command -v cargo-fuzz >/dev/null; then
  echo "installing cargo-fuzz (once)" >&2
  cargo install cargo-fuzz --locked --quiet
fi

targets=(calver_parse deb822_control rpm_spec_header rpm_package_header goospec)
cargo fuzz build -s none "${targets[@]}" >&2 2>/dev/null || cargo fuzz build -s none >&2
summary=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  log=$(mktemp)
  if ! cargo fuzz run -s none "$t" "corpus/$t" "seeds/$t" -- -max_total_time="$time_per_target" >"$log" 2>&1; then
    tail -30 "$log" >&2
    echo "fuzz target $t FAILED; the crashing input is in fuzz/artifacts/$t/" >&2
    exit 1
  fi
  line=$(grep -E '^Done [0-9]+ runs' "$log" | tail -1)
  cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1)
  summary+=("$t: $line, $cov, 0 crashes")
  rm -f "$log"
done
printf '%s\n' "${summary[@]}"
