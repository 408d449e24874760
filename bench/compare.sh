#!/usr/bin/env bash
# This server beside socketioxide alone and Node's socket.io, under the same
# load: builds what it needs (the site, the release server, benchmark and
# socketioxide reference, the Node reference's packages), runs the three
# servers in turn and writes the figures to
# BENCHMARKS.md and bench/compare.json. Options go to the benchmark (see
# `bench compare --help`), e.g. `bench/compare.sh --idle 20000`.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}

scripts/build-site.sh
cargo build --release -p server -p bench
npm ci --prefix bench/reference --no-audit --no-fund
"$target_dir/release/bench" compare "$@"
