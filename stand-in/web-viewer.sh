#!/bin/sh
# STANDIN_MODE=web-viewer (or --standin-mode=web-viewer): the image plays Isaac Sim 6.x's separate
# web-viewer container (tools/docker/docker-compose.yml "web-viewer": `npx vite preview --port
# ${WEB_VIEWER_PORT:-8210}`) instead of the simulator. Kept as it was before the per-version
# rewrite (another issue): its "[web-viewer]" lines are the stand-in's own, NOT NVIDIA's.
PORT="${STANDIN_WEB_VIEWER_PORT:-8210}"
SIGNAL="${STANDIN_SIGNAL_PORT:-49100}"
LABEL="${ISAACSIM_INSTANCE_LABEL:-instance-?}"
HERE=/usr/share/standin
STATE=/tmp/standin
W="$STATE/www"
for p in "$PORT" "$SIGNAL"; do
  case "$p" in ''|*[!0-9]*) echo "[standin] invalid port '$p'" >&2; exit 2 ;; esac
  if [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then echo "[standin] port out of range: $p" >&2; exit 2; fi
done
read -r up _ </proc/uptime; T0="${up%.*}${up#*.}"; LAST_MS=-1
out() {
  read -r up _ </proc/uptime
  ms=$(( (${up%.*}${up#*.} - T0) * 10 )); [ "$ms" -le "$LAST_MS" ] && ms=$((LAST_MS + 1)); LAST_MS=$ms
  printf '[%d.%03ds] %s\n' $((ms / 1000)) $((ms % 1000)) "$*"
}
HTTPD_PID=; SLEEP_PID=
on_signal() { out "[Info] [web-viewer] Shutting down ($1)"; [ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null; [ -n "$HTTPD_PID" ] && kill "$HTTPD_PID" 2>/dev/null; exit 0; }
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGINT' INT
nap() { sleep "$1" & SLEEP_PID=$!; wait "$SLEEP_PID"; SLEEP_PID=; }
esc() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g' -e 's/[\\|&]/\\&/g'; }
TOKEN="standin-$T0-$RANDOM-$RANDOM"
rm -rf "$STATE" && mkdir -p "$W/cgi-bin"
cp "$HERE/cgi-bin/hit" "$HERE/cgi-bin/loads" "$W/cgi-bin/"
echo 0 >"$STATE/page-loads"
echo "$TOKEN" >"$W/standin-token.txt"
sed -e "s|__TITLE__|Isaac Sim Web Viewer (stand-in)|g" -e "s|__LABEL__|$(esc "$LABEL")|g" -e "s|__HIT_URL__|cgi-bin/hit|g" \
    -e "s|__META__|web viewer · signal port <span id=\"signal-port\">$SIGNAL</span> · viewer port $PORT|g" \
    "$HERE/web/index.html" >"$W/index.html"
out "[Info] [web-viewer] Isaac Sim web viewer stand-in for $LABEL (signal port $SIGNAL)"
httpd -f -p "127.0.0.1:$PORT" -h "$W" &
HTTPD_PID=$!
tries=0
until { printf 'GET /standin-token.txt HTTP/1.0\r\n\r\n' | timeout 2 nc -w 1 127.0.0.1 "$PORT"; } 2>/dev/null | grep -q "$TOKEN"; do
  if ! kill -0 "$HTTPD_PID" 2>/dev/null || [ "$tries" -ge 100 ]; then
    out "[Error] [web-viewer] Failed to bind 127.0.0.1:$PORT (address in use?)" >&2; kill "$HTTPD_PID" 2>/dev/null; exit 1
  fi
  tries=$((tries + 1)); nap 0.1
done
out "[Info] [web-viewer] serving on http://127.0.0.1:$PORT/"
while :; do nap 3600; done
