#!/usr/bin/env bash
# Builds the browser side into target/site: the hydrate WASM bundle (through
# wasm-bindgen, then wasm-opt), the stylesheet and the public assets, each
# bundle file with brotli and gzip copies beside it. This is
# what `cargo leptos build --release --precompress` does, without cargo-leptos.
set -euo pipefail
cd "$(dirname "$0")/.."

name=chat
site=target/site
pkg=$site/pkg
target_dir=${CARGO_TARGET_DIR:-target}
wasm=$target_dir/wasm32-unknown-unknown/wasm-release/frontend.wasm

cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release
rm -rf "$pkg"
mkdir -p "$pkg"
wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name "$name" "$wasm"
# npm's binaryen: Debian's older wasm-opt produces modules that fail to load.
node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$pkg/${name}_bg.wasm" -o "$pkg/${name}_bg.wasm"
cp style/main.css "$pkg/$name.css"
cp -r public/. "$site/"
# Compressed once here, not per request: the server sends the copy the
# browser accepts.
node scripts/precompress.mjs "$pkg"


raw=$(stat -c %s "$pkg/${name}_bg.wasm")
gz=$(gzip -9 -c "$pkg/${name}_bg.wasm" | wc -c)
printf '[site] %s: %d KiB raw, %d KiB gzipped\n' "$pkg/${name}_bg.wasm" $((raw / 1024)) $((gz / 1024))
