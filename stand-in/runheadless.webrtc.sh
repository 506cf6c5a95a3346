#!/bin/sh
# Isaac Sim stand-in entry point (busybox sh). Installed at /isaac-sim/runheadless.webrtc.sh,
# the path the real Isaac Sim 4.2 image uses, so the extension's defaults work unchanged.
#
# It behaves like Isaac Sim at the container boundary: Kit-style port args, ACCEPT_EULA,
# a believable startup log on stdout AND stderr, the web client on the HTTP port, the
# readiness line, the real GPU failure lines, a crash exit code, prompt SIGTERM handling.
# See stand-in/README.md for every arg/env it reads.

HTTP_PORT=8211
WEBRTC_PORT=8011
NATIVE_PORT=8899
MODE="${STANDIN_MODE:-normal}"
LABEL="${ISAACSIM_INSTANCE_LABEL:-instance-?}"
STEP="${STANDIN_STEP_SECONDS:-0.4}"
SLOW_FACTOR="${STANDIN_SLOW_FACTOR:-10}"
CRASH_AFTER="${STANDIN_CRASH_AFTER_SECONDS:-2}"
READY_LINE="${STANDIN_READY_LINE:-Isaac Sim Full Streaming App is loaded.}"
STATE=/tmp/standin          # page, cgi copies, counter: regenerated on every start
WWW="$STATE/www"
HERE=/isaac-sim/standin     # static files baked into the image

# Kit takes settings as --/path/to/setting=value; anything we don't know is ignored,
# as Kit ignores settings nobody reads.
for arg in "$@"; do
  case "$arg" in
    --/exts/omni.services.transport.server.http/port=*) HTTP_PORT="${arg#*=}" ;;
    --/exts/omni.kit.livestream.webrtc/port=*) WEBRTC_PORT="${arg#*=}" ;;
    --/app/livestream/port=*) NATIVE_PORT="${arg#*=}" ;;
    --standin-mode=*) MODE="${arg#*=}" ;;
  esac
done

# ---- log helpers -----------------------------------------------------------------------
# Every line starts with "[S.mmms]", time since start, strictly increasing across stdout
# and stderr, so tests can check ordering after docker has split the two streams.
read -r up _ </proc/uptime
T0="${up%.*}${up#*.}"        # uptime in centiseconds ("123.45" -> "12345")
LAST_MS=-1
stamp() {
  read -r up _ </proc/uptime
  ms=$(( (${up%.*}${up#*.} - T0) * 10 ))
  [ "$ms" -le "$LAST_MS" ] && ms=$((LAST_MS + 1))
  LAST_MS=$ms
}
out() { stamp; printf '[%d.%03ds] %s\n' $((ms / 1000)) $((ms % 1000)) "$*"; }
err() { stamp; printf '[%d.%03ds] %s\n' $((ms / 1000)) $((ms % 1000)) "$*" >&2; }

# ---- signals ---------------------------------------------------------------------------
# As PID 1 the shell gets no default signal actions, so trap explicitly. Sleeps run as
# `sleep & wait` because ash only runs a trap between commands, and `wait` returns early
# on a trapped signal: this keeps `docker stop` well under a second.
HTTPD_PID=
SLEEP_PID=
stop_children() {
  [ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
  [ -n "$HTTPD_PID" ] && kill "$HTTPD_PID" 2>/dev/null
}
on_signal() {
  out "[Info] [omni.kit.app] Shutting down ($1)"
  stop_children
  exit 0
}
trap 'on_signal SIGTERM' TERM
trap 'on_signal SIGINT' INT

nap() {   # nap SECONDS (fractions allowed; busybox sleep takes them)
  sleep "$1" &
  SLEEP_PID=$!
  wait "$SLEEP_PID"
  SLEEP_PID=
}
step() { nap "$DELAY"; }

fail() {  # fail CODE LINE...: print lines on stderr and exit CODE
  code=$1; shift
  for line in "$@"; do err "$line"; done
  stop_children
  exit "$code"
}

# ---- checks the real container makes before Kit starts ---------------------------------
if [ "${ACCEPT_EULA:-}" != "Y" ]; then
  echo "The NVIDIA Software License Agreement (EULA) must be accepted before Isaac Sim can start." >&2
  echo "Please accept the EULA by setting the ACCEPT_EULA environment variable, e.g. -e \"ACCEPT_EULA=Y\"." >&2
  exit 1
fi

case "$MODE" in
  normal|gpu-fail|crash-after-ready) DELAY="$STEP" ;;
  slow) DELAY=$(awk -v s="$STEP" -v f="$SLOW_FACTOR" 'BEGIN { printf "%.3f", s * f }') ;;
  *) fail 2 "[Error] [standin] unknown STANDIN_MODE '$MODE' (normal|gpu-fail|slow|crash-after-ready)" ;;
esac
for p in "$HTTP_PORT" "$WEBRTC_PORT" "$NATIVE_PORT"; do
  case "$p" in ''|*[!0-9]*) fail 2 "[Error] [omni.kit.app] invalid port setting '$p'" ;; esac
  if [ "$p" -lt 1 ] || [ "$p" -gt 65535 ]; then fail 2 "[Error] [omni.kit.app] port out of range: $p"; fi
done

# ---- startup log -----------------------------------------------------------------------
out "[Info] [omni.kit.app] argv: $0 $*"
out "[Info] [carb] Logging to file: /root/.nvidia-omniverse/logs/Kit/Isaac-Sim/4.2/kit_standin_$LABEL.log"
out "[Info] [standin] Isaac Sim stand-in for $LABEL (mode=$MODE, http=$HTTP_PORT, webrtc=$WEBRTC_PORT, native=$NATIVE_PORT)"
step; out "[ext: omni.kit.async_engine-0.1.0] startup"
step; out "[ext: omni.client-1.1.0] startup"
step; err "[Warning] [omni.hub] OmniHub: Hub encountered error: service not reachable; running without the Hub cache"
step; out "[ext: omni.usd.core-1.3.0] startup"
step; out "[ext: omni.gpu_foundation-0.0.0] startup"
if [ "$MODE" = gpu-fail ]; then
  step
  fail 1 \
    "[Error] [carb.cudainterop.plugin] CUDA libs are present, but no suitable CUDA GPU was found!" \
    "[Error] [gpu.foundation.plugin] Failed to acquire rtx::resourcemanager::ResourceManager!" \
    "[Error] [gpu.foundation.plugin] No device could be created" \
    "[Error] [omni.kit.app] Startup of omni.gpu_foundation failed; exiting"
fi
step; out "[Info] [gpu.foundation.plugin] GPU 0: stand-in virtual device (no CUDA, nothing rendered)"
step; out "[ext: omni.kit.renderer.core-1.0.0] startup"
step; out "[ext: omni.hydra.rtx-0.1.0] startup"
step; out "[Info] [omni.rtx] Compiling shaders (first start can take minutes)"
for i in 1 2 3 4; do step; out "[Info] [omni.rtx] shader cache: $i/4"; done
step; err "[Warning] [omni.kit.livestream.webrtc] stand-in streams no video; WebRTC port $WEBRTC_PORT and native port $NATIVE_PORT are only reserved"
step; out "[ext: omni.kit.livestream.webrtc-3.2.0] startup"
step; out "[ext: omni.services.transport.server.http-1.1.0] startup"

# ---- web client ------------------------------------------------------------------------
# Generated per start so the page names its instance; the counter restarts with the app.
rm -rf "$STATE" && mkdir -p "$WWW/streaming/webrtc-client" "$WWW/cgi-bin"
cp "$HERE"/cgi-bin/* "$WWW/cgi-bin/"
echo 0 >"$STATE/page-loads"
html_label=$(printf '%s' "$LABEL" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g')
sed_label=$(printf '%s' "$html_label" | sed -e 's/[\\|&]/\\&/g')
sed -e "s|__LABEL__|$sed_label|g" -e "s|__MODE__|$MODE|g" -e "s|__HTTP_PORT__|$HTTP_PORT|g" \
    -e "s|__WEBRTC_PORT__|$WEBRTC_PORT|g" -e "s|__NATIVE_PORT__|$NATIVE_PORT|g" \
    "$HERE/index.html" >"$WWW/streaming/webrtc-client/index.html"

# Readiness must mean "OUR page answers": with host networking another instance may
# already serve this port (then our httpd fails to bind and we must fail, not go ready),
# so poll for a token only this start wrote. A raw request through nc, because Debian's
# static busybox wget segfaults.
TOKEN="standin-$T0-$RANDOM-$RANDOM"
echo "$TOKEN" >"$WWW/standin-token.txt"
httpd -f -p "127.0.0.1:$HTTP_PORT" -h "$WWW" &
HTTPD_PID=$!
page_answers() {
  resp=$(printf 'GET /standin-token.txt HTTP/1.0\r\n\r\n' | nc -w 1 127.0.0.1 "$HTTP_PORT" 2>/dev/null)
  case "$resp" in *"$TOKEN"*) return 0 ;; esac
  return 1
}
tries=0
until page_answers; do
  kill -0 "$HTTPD_PID" 2>/dev/null || { HTTPD_PID=; fail 1 "[Error] [omni.services.transport.server.http] Failed to bind 127.0.0.1:$HTTP_PORT (address in use?)"; }
  tries=$((tries + 1))
  [ "$tries" -ge 100 ] && fail 1 "[Error] [omni.services.transport.server.http] 127.0.0.1:$HTTP_PORT not answering after 10 s"
  nap 0.1
done
out "[Info] [omni.services.transport.server.http] Serving on http://127.0.0.1:$HTTP_PORT"
step; out "[ext: omni.isaac.sim-4.2.0] startup"
out "[Info] [omni.kit.app] app ready"
# The real app prints this line bare, without a Kit prefix.
echo "$READY_LINE"

if [ "$MODE" = crash-after-ready ]; then
  nap "$CRASH_AFTER"
  err "[Fatal] [carb.crashreporter-breakpad.plugin] Segmentation fault in omni.physx; crash dump written to /tmp/standin/crash.dmp"
  stop_children
  exit 139
fi

# Stay up like the real app; traps fire during `wait`.
while :; do
  nap 3600
done
