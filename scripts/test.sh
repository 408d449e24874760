#!/usr/bin/env bash
# Sets up and runs every test: unit and integration tests (cargo test), then
# the browser end-to-end tests in headless Chromium against the real server.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --browser
scripts/build-site.sh
# One invocation builds the server binary with the tests (separate builds
# would unify features differently and recompile much of the tree).
cargo test --workspace
target_dir=${CARGO_TARGET_DIR:-target}
SERVER_BIN="$target_dir/debug/server" SITE_ROOT=target/site npm run --silent e2e
