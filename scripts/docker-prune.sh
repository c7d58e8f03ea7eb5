#!/bin/sh
# Removes from a production install (`npm ci --omit=dev`) what the image never runs, for this machine's CPU
# architecture only (the Dockerfile's build stage runs it; the image is built per platform):
# - onnxruntime-node ships its binary for darwin, win32 and linux on arm64 and x64: only linux/<arch> stays;
# - better-sqlite3 ships prebuilt bindings for eight platforms and SQLite's sources: only the glibc
#   linux-<arch> binding stays (what its lib/binding.js loads on Debian);
# - nodejs-whisper is only where whisper.cpp's sources come from (native/binding.gyp compiles them into
#   earshot's addon at install): its licence files stay, the sources go;
# - type declarations and source maps: Node never loads them.
# Licence files are never removed. Usage: sh scripts/docker-prune.sh [app dir, default .]
set -eu
cd "${1:-.}"
arch=$(node -p process.arch)
nm=node_modules

for dir in "$nm"/onnxruntime-node/bin/napi-v*/*/*; do
  case "$dir" in
    */linux/"$arch") ;;
    *) rm -rf "$dir" ;;
  esac
done
find "$nm"/onnxruntime-node/bin -mindepth 2 -type d -empty -delete

find "$nm"/better-sqlite3/prebuilds -type f ! -name "linux-$arch.node" -delete
rm -rf "$nm"/better-sqlite3/deps "$nm"/better-sqlite3/src "$nm"/better-sqlite3/build

find "$nm"/nodejs-whisper -mindepth 1 -maxdepth 1 ! -name package.json ! -name LICENSE ! -name cpp -exec rm -rf {} +
find "$nm"/nodejs-whisper/cpp -mindepth 1 -maxdepth 1 ! -name whisper.cpp -exec rm -rf {} +
find "$nm"/nodejs-whisper/cpp/whisper.cpp -mindepth 1 -maxdepth 1 ! -name LICENSE -exec rm -rf {} +

find "$nm" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.js.map' -o -name '*.mjs.map' \
  -o -name '*.cjs.map' -o -name '*.ts.map' -o -name '*.mts.map' -o -name '*.cts.map' \) -delete

# what must be there for the image to run: fail the build, not the container, if a package changed its layout
test -f "$nm/onnxruntime-node/bin/napi-v6/linux/$arch/onnxruntime_binding.node"
test -f "$nm/better-sqlite3/prebuilds/linux-$arch.node"
test -f "$nm/nodejs-whisper/cpp/whisper.cpp/LICENSE"
