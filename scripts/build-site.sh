#!/usr/bin/env bash
# Builds the browser side into target/site: the hydrate WASM bundle (through
# wasm-bindgen, then wasm-opt), the stylesheet and the public assets, each
# bundle file named after its content (`chat.<hash>.wasm`, listed in
# hash.txt) with brotli and gzip copies beside it. This is what
# `cargo leptos build --release --precompress --hash-files` does, without
# cargo-leptos.
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
node_modules/.bin/wasm-opt -Oz --converge --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$pkg/${name}_bg.wasm" -o "$pkg/${name}_bg.wasm"
cp style/main.css "$pkg/$name.css"
cp -r public/. "$site/"

# A file named after its content never changes, so browsers keep it without
# asking again; a new build's pages point at the new names. hash.txt, in
# cargo-leptos's format, tells the server (and Leptos) which names to use.
content_hash() { sha256sum "$1" | cut -c1-16; }
js_hash=$(content_hash "$pkg/$name.js")
wasm_hash=$(content_hash "$pkg/${name}_bg.wasm")
css_hash=$(content_hash "$pkg/$name.css")
mv "$pkg/$name.js" "$pkg/$name.$js_hash.js"
mv "$pkg/${name}_bg.wasm" "$pkg/$name.$wasm_hash.wasm"
mv "$pkg/$name.css" "$pkg/$name.$css_hash.css"
printf 'js: %s\nwasm: %s\ncss: %s\n' "$js_hash" "$wasm_hash" "$css_hash" > "$site/hash.txt"
# Compressed once here, not per request: the server sends the copy the
# browser accepts.
node scripts/precompress.mjs "$pkg"

wasm_file="$pkg/$name.$wasm_hash.wasm"
raw=$(stat -c %s "$wasm_file")
br=$(stat -c %s "$wasm_file.br")
printf '[site] %s: %d KiB raw, %d KiB brotli\n' "$wasm_file" $((raw / 1024)) $((br / 1024))
