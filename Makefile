# Entry points. `make demo` and `make test` are the README's two commands.
SHELL := /bin/bash
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never

.PHONY: all demo demo-clean test deps build lint fmt clippy unit test-clock bench help check-prow fuzz fuzz-smoke stress
.PHONY: images image-test check-containers shellcheck

help:
	@echo "make demo   - set up and run the demo release of an example repository"
	@echo "make test   - set up and run every test (what .ci/run runs)"
	@echo "make bench  - benchmarks (not part of make test); BENCH='versions builds googet chain publish' for some"
	@echo "make lint   - cargo fmt --check and clippy -D warnings"
	@echo "make test-clock - the Rust tests again with the wall clock moved (faketime)"
	@echo "make fuzz   - every fuzz target for FUZZ_TIME seconds each (default 60)"
	@echo "make stress - concurrent release runs with faults, invariants checked (STRESS_ARGS)"
	@echo "make images - the container images (docker if an engine answers, else buildah)"
	@echo "make image-test   - build builder-deb12 with buildah and real .debs inside it (shell and Go examples)"
	@echo "make check-containers - every Dockerfile pins its base and copies a workspace binary"
	@echo "make shellcheck   - shellcheck every *.sh and .ci/run"

# System packages the project needs; installed when missing (as root), else named.
deps:
	@./.ci/deps.sh

build: deps
	$(CARGO) build --workspace --bins

demo: build
	@./examples/demo.sh

demo-clean:
	rm -rf .demo

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# The pj-local tests run the tool binaries from the target dir: build them first.
unit:
	$(CARGO) build --workspace --bins
	$(CARGO) test --workspace

# The Rust tests again with the wall clock moved (faketime; only the wall
# clock, and cargo never runs under it), so that no test depends on the day it
# runs: the whole suite in the last seconds of a UTC day (crossing into March)
# and on a leap day far west of UTC; the crates that handle dates at a year
# end far east of UTC. See docs/reliability.md, "Tests and the clock".
TEST_AT = $(CARGO) run -q -p test-at --
DATE_CRATES = -p calver -p version-gen -p repo-tagger -p release -p forge -p handoff \
	-p packagebuild-deb -p packagebuild-rpm -p packagebuild-googet -p pj-local
# doc-blocks pins its own clock (faketime, the docs' day), so it runs once, in unit.
test-clock: build
	$(TEST_AT) --at '2027-02-28 23:59:50' --exclude doc-blocks
	$(TEST_AT) --at '2028-02-29 12:00:00' --tz America/Adak --exclude doc-blocks
	$(TEST_AT) --at '2027-12-31 23:59:50' --tz Pacific/Kiritimati $(DATE_CRATES)

# The Prow job configs, strictly (unknown keys, Prow's load-time rules, ours).
check-prow:
	$(CARGO) run -q -p check-prow -- --config prow/jobs --containers containers

# Everything CI runs: static checks, every Rust test (and again with the
# clock moved), the config and image checks, a short fuzz run, the release transaction under stress (20 rounds of
# 8 concurrent runs with faults), and real deb builds (shell and Go examples)
# inside the Debian 12 builder image (buildah).
test: deps lint check-prow check-containers shellcheck unit test-clock fuzz-smoke stress image-test

bench: deps
	$(CARGO) build --release --workspace --bins
	$(CARGO) run --release -p bench --bin release-bench -- $(BENCH)

# Fuzzing (cargo-fuzz, libFuzzer) on stable Rust; see docs/reliability.md.
fuzz:
	./fuzz/run.sh

# The short run CI does: a few seconds per target.
fuzz-smoke:
	FUZZ_TIME=$${FUZZ_TIME:-10} ./fuzz/run.sh

# The release transaction under concurrency and faults; see docs/reliability.md.
STRESS_ARGS ?= --rounds 20 --runs 8
stress: build
	$(CARGO) run -q -p stress --bin release-stress -- $(STRESS_ARGS)

# Container images (containers/README.md): release binaries built here and
# copied in; docker when an engine answers, else buildah with Debian bases made
# by debootstrap. Images that cannot be built on this machine are listed as skipped.
images:
	./containers/build.sh build

# builder-deb12 built with buildah, then a real packagebuild-deb build of
# examples/shell-tool inside it; installs buildah, runc, debootstrap when
# missing (as root). Time-boxed: the first run also builds the release binary.
IMAGE_TEST_TIMEOUT ?= 1800
image-test:
	timeout $(IMAGE_TEST_TIMEOUT) ./containers/build.sh image-test

# Every containers/*/Dockerfile pins its base and copies a binary the workspace
# builds (crates/prowcfg/src/dockerfile.rs; containers/build.sh check runs the same).
check-containers:
	$(CARGO) run -q -p check-prow -- --dockerfiles --containers containers

# Every shell script: *.sh (tracked or not ignored) and .ci/run.
shellcheck:
	@command -v shellcheck >/dev/null || { \
	  if [[ $$(id -u) -ne 0 ]]; then echo "shellcheck is missing; run as root: apt-get install -y shellcheck" >&2; exit 1; fi; \
	  echo "installing: shellcheck" >&2; apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; }
	@files=$$( { git ls-files -co --exclude-standard -- '*.sh' 2>/dev/null || \
	  find . \( -name target -o -name .git -o -name .venv \) -prune -o -name '*.sh' -print; } | sort -u ); \
	scripts=(.ci/run); for f in $$files; do [[ -f $$f ]] && scripts+=("$$f"); done; \
	echo "shellcheck $${scripts[*]}"; shellcheck "$${scripts[@]}"
