#!/usr/bin/env bash
# Renders the Marketplace icon, media/icon.png (128×128, transparent corners), from media/icon.svg
# with headless Chromium, which the UI tests install anyway (scripts/setup.sh). The PNG is
# committed; run this after changing the SVG.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp "$REPO/media/icon.svg" "$tmp/icon.svg"
printf '<!doctype html><style>html,body{margin:0;background:transparent}img{display:block}</style><img src="icon.svg" width="128" height="128">' >"$tmp/icon.html"
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --default-background-color=00000000 \
  --window-size=128,128 --screenshot="$REPO/media/icon.png" "file://$tmp/icon.html" >/dev/null 2>&1
# Lossless: advpng (advancecomp, which scripts/setup.sh installs for the .vsix) re-deflates the PNG's
# data with zopfli: 3,468 → 2,352 bytes when this was written, and a PNG is stored in the .vsix as is.
advpng -z -4 "$REPO/media/icon.png" >/dev/null
echo "render-icon.sh: wrote media/icon.png ($(stat -c %s "$REPO/media/icon.png") bytes)"
