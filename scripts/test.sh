#!/usr/bin/env bash
# Sets up and runs every test: unit, storage conformance and integration
# tests (cargo test) on SQLite, PostgreSQL and MySQL/MariaDB, then the
# browser end-to-end tests in headless Chromium against the real server.
# TEST_BACKENDS="sqlite" (or "sqlite postgres", ...) limits the backends;
# see scripts/services.sh for the database URLs.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --browser
# shellcheck source=services.sh
source scripts/services.sh
# The official JS and Python clients were just installed: a test that cannot
# find them fails instead of skipping.
export CHAT_INTEROP=required
scripts/build-site.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The default members (app, core, protocol, server, bench) in one invocation, which also builds the
# server binary the browser tests start. Not --workspace: that would add the
# WASM-only frontend and turn on app's `hydrate` feature next to `ssr`.
cargo test 2>&1 | tee "$log"
target_dir=${CARGO_TARGET_DIR:-target}
SERVER_BIN="$target_dir/debug/server" SITE_ROOT=target/site npm run --silent e2e 2>&1 | tee -a "$log"

# One closing line for all runners together.
awk '
  /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  /^# pass /      { p += $3 }
  /^# fail /      { f += $3 }
  END             { printf "all tests: %d passed, %d failed\n", p, f }
' "$log"
