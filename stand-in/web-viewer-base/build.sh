#!/bin/sh
# Stand-in for `npm install --ignore-scripts && npm run build` in the builder stage of
# isaac-sim/IsaacSim tools/docker/web-viewer/Dockerfile: "builds" ./dist from the (sed-patched)
# src/main.ts. The values are baked as they stand in main.ts, unchecked, as NVIDIA's sed bakes
# them into the bundle (ISAACSIM_SIGNAL_PORT=abc gives `signalingPort: abc,` and a page that
# shows abc). Run in the app folder (/app/web-viewer). Prints nothing (no sourced build output).
set -eu
value() { # the value of "    KEY: VALUE," in src/main.ts, quotes removed
  sed -n "s/^ *$1: \(.*\),\$/\1/p" src/main.ts | head -n1 | sed -e "s/^'\(.*\)'\$/\1/"
}
html() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
subst() { html "$1" | sed -e 's/[\\|&]/\\&/g'; }
mkdir -p dist/cgi-bin
sed -e "s|__SIGNALING_SERVER__|$(subst "$(value signalingServer)")|g" \
    -e "s|__SIGNALING_PORT__|$(subst "$(value signalingPort)")|g" \
    -e "s|__MEDIA_SERVER__|$(subst "$(value mediaServer)")|g" \
    -e "s|__MEDIA_PORT__|$(subst "$(value mediaPort)")|g" \
    index.html >dist/index.html
cp /usr/share/standin/cgi-bin/hit /usr/share/standin/cgi-bin/loads dist/cgi-bin/
