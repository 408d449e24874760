#!/usr/bin/env bash
# Sets up, builds (release) and runs the chat on SQLite at http://127.0.0.1:3000
# (override with LEPTOS_SITE_ADDR; data in ./data, uploads in ./media).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
scripts/build-site.sh
cargo build -p server --release
target_dir=${CARGO_TARGET_DIR:-target}
LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=chat exec "$target_dir/release/server" "$@"
