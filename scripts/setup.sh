#!/usr/bin/env bash
# Installs what building and testing need and is missing; safe to run again.
#   - the wasm32 target
#   - wasm-bindgen-cli at exactly the version pinned in Cargo.toml
#   - Node packages for the browser tests and wasm-opt (package-lock.json)
#   - the official Python Socket.IO client, in .tools/python (not with --build)
#   - Debian's Chromium and nginx (only with --browser, for the end-to-end tests)
# --build: only what building the site and the server needs (the Dockerfile).
set -euo pipefail
cd "$(dirname "$0")/.."

want_browser=false
want_tests=true
case "${1:-}" in
  --browser) want_browser=true ;;
  --build) want_tests=false ;;
esac

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The CLI must match the wasm-bindgen crate byte for byte, so read the pin.
wb_version=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
if [[ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]]; then
  log "installing wasm-bindgen-cli $wb_version (a few minutes, once)"
  # Not --locked: its lockfile pins a crate version the registry may not serve.
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

# Reinstall whenever the lockfile changed since the last install.
if ! cmp -s package-lock.json node_modules/.installed-lock.json; then
  log "installing Node packages"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.installed-lock.json
fi

# The official Python Socket.IO client, for the interoperability tests.
python=.tools/python/bin/python
if $want_tests && ! cmp -s server/tests/clients/requirements.txt .tools/python/.installed-requirements.txt; then
  log "installing the Python Socket.IO client"
  python3 -m venv .tools/python
  "$python" -m pip install --quiet --disable-pip-version-check -r server/tests/clients/requirements.txt
  cp server/tests/clients/requirements.txt .tools/python/.installed-requirements.txt
fi

if $want_browser && ! { command -v chromium && command -v nginx; } >/dev/null; then
  log "installing Chromium and nginx"
  if [[ $(id -u) -eq 0 ]]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium nginx >/dev/null
fi
log "ready"
