#!/bin/sh
# Isaac Sim stand-in entry point (busybox sh). Installed at /isaac-sim/runheadless.webrtc.sh,
# the path the real Isaac Sim 4.2 image uses, so the extension's defaults work unchanged.
#
# It behaves like Isaac Sim at the container boundary: Kit-style port args, ACCEPT_EULA,
# a believable startup log on stdout AND stderr, the readiness line, the real failure lines,
# exit codes, prompt SIGTERM handling. Two profiles:
#   legacy      (Isaac Sim 4.2, default): the legacy web client on the HTTP port;
#   livestream  (Isaac Sim 4.5-6.x): no web client, a TCP listener on the signal port.
# STANDIN_MODE=web-viewer turns the same image into 6.x's separate web-viewer container.
# See stand-in/README.md for every arg/env it reads.

HTTP_PORT=8211
WEBRTC_PORT=8011
NATIVE_PORT=8899
LIVESTREAM_PORT=            # --/app/livestream/port (4.5/5.x signal port; 4.2 native port)
SIGNAL_PORT_6X=             # --/exts/omni.kit.livestream.app/primaryStream/signalPort (6.x)
STREAM_PORT=47998
PUBLIC_IP=127.0.0.1
MODE="${STANDIN_MODE:-normal}"
PROFILE="${STANDIN_PROFILE:-}"
LABEL="${ISAACSIM_INSTANCE_LABEL:-instance-?}"
STEP="${STANDIN_STEP_SECONDS:-0.4}"
SLOW_FACTOR="${STANDIN_SLOW_FACTOR:-10}"
CRASH_AFTER="${STANDIN_CRASH_AFTER_SECONDS:-2}"
SHADER_STEPS="${STANDIN_SHADER_STEPS:-4}"
OOM_CAP_MB="${STANDIN_OOM_CAP_MB:-256}"
WEB_VIEWER_PORT="${STANDIN_WEB_VIEWER_PORT:-8210}"
VIEWER_SIGNAL_PORT="${STANDIN_SIGNAL_PORT:-49100}"
READY_LINE="${STANDIN_READY_LINE:-Isaac Sim Full Streaming App is loaded.}"
TICK="${STANDIN_TICK_SECONDS:-}"       # after readiness: a numbered line every TICK seconds
NOISE="${STANDIN_NOISE:-}"             # 1: binary junk, a very long line and split UTF-8 before readiness
ECHO_ENV="${STANDIN_ECHO_ENV:-}"       # names of env variables whose values it prints (a leaky tool)
STATE=/tmp/standin          # page, cgi copies, counter, tokens: regenerated on every start
WWW="$STATE/www"
HERE=/isaac-sim/standin     # static files baked into the image
# The extension mounts the host's compute cache here; a marker in it means "shaders were
# compiled by an earlier start", so later starts are quick, as with the real caches.
COMPUTE_CACHE=/root/.nv/ComputeCache
SHADER_MARKER="$COMPUTE_CACHE/standin-shader-cache"
SHADER_COUNT=1432           # how many shaders a "compile" produces (stored in the marker)

# Kit takes settings as --/path/to/setting=value; anything we don't know is ignored,
# as Kit ignores settings nobody reads.
for arg in "$@"; do
  case "$arg" in
    --/exts/omni.services.transport.server.http/port=*) HTTP_PORT="${arg#*=}" ;;
    --/exts/omni.kit.livestream.webrtc/port=*) WEBRTC_PORT="${arg#*=}" ;;
    # One arg, two meanings: 4.2 calls it the native livestream port, 4.5/5.x the signal port.
    --/app/livestream/port=*) NATIVE_PORT="${arg#*=}"; LIVESTREAM_PORT="${arg#*=}" ;;
    --/exts/omni.kit.livestream.app/primaryStream/signalPort=*) SIGNAL_PORT_6X="${arg#*=}" ;;
    --/exts/omni.kit.livestream.app/primaryStream/streamPort=*) STREAM_PORT="${arg#*=}" ;;
    --/exts/omni.kit.livestream.app/primaryStream/publicIp=*) PUBLIC_IP="${arg#*=}" ;;
    --standin-mode=*) MODE="${arg#*=}" ;;
  esac
done
# The 6.x setting wins when both forms are given (the extension passes both, same value).
SIGNAL_PORT="${SIGNAL_PORT_6X:-${LIVESTREAM_PORT:-49100}}"

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
HTTPD_PID=                   # our one server: web client, signal port or web viewer
SLEEP_PID=
APP_CHANNEL=omni.kit.app     # who says "Shutting down"
stop_children() {
  [ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
  [ -n "$HTTPD_PID" ] && kill "$HTTPD_PID" 2>/dev/null
}
on_signal() {
  out "[Info] [$APP_CHANNEL] Shutting down ($1)"
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
stay_up() { while :; do nap 3600; done; }   # like the real app; traps fire during `wait`

fail() {  # fail CODE LINE...: print lines on stderr and exit CODE
  code=$1; shift
  for line in "$@"; do err "$line"; done
  stop_children
  exit "$code"
}

check_port() {  # check_port VALUE: a TCP port number, or exit 2
  case "$1" in ''|*[!0-9]*) fail 2 "[Error] [omni.kit.app] invalid port setting '$1'" ;; esac
  if [ "$1" -lt 1 ] || [ "$1" -gt 65535 ]; then fail 2 "[Error] [omni.kit.app] port out of range: $1"; fi
}

# ---- our own servers -------------------------------------------------------------------
# With host networking another process may already hold a port; then our server fails to
# bind and we must fail, not go ready. So "up" means: the port returns a token only this
# start wrote. Probes are raw nc requests, because Debian's static busybox wget segfaults;
# busybox nc's -w only bounds the connect, so `timeout` bounds the whole exchange (a foreign
# holder of the port may accept and then never answer or close). The braces also silence
# ash's "Terminated" notice for the killed nc.
TOKEN="standin-$T0-$RANDOM-$RANDOM"
http_ours() {   # http_ours PORT: our httpd answers there (it serves /standin-token.txt)
  resp=$( { printf 'GET /standin-token.txt HTTP/1.0\r\n\r\n' | timeout 2 nc -w 1 127.0.0.1 "$1"; } 2>/dev/null)
  case "$resp" in *"$TOKEN"*) return 0 ;; esac
  return 1
}
await_server() {  # await_server PID PORT: 0 = ours answers, 1 = it died (bind failed), 2 = timeout
  tries=0
  until http_ours "$2"; do
    kill -0 "$1" 2>/dev/null || return 1
    tries=$((tries + 1))
    [ "$tries" -ge 100 ] && return 2
    nap 0.1
  done
  return 0
}
serve() {  # serve DIR PORT CHANNEL: our httpd on 127.0.0.1:PORT; fails like Kit's CHANNEL if it cannot
  httpd -f -p "127.0.0.1:$2" -h "$1" &
  HTTPD_PID=$!
  await_server "$HTTPD_PID" "$2"
  case $? in
    1) HTTPD_PID=; fail 1 "[Error] [$3] Failed to bind 127.0.0.1:$2 (address in use?)" ;;
    2) fail 1 "[Error] [$3] 127.0.0.1:$2 not answering after 10 s" ;;
  esac
}

# The page (legacy web client or web viewer): generated per start so it names its
# instance; the counter restarts with the app.
html_escape() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
sed_escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }
prepare_www() {   # prepare_www PAGE_PATH TITLE HIT_URL META_HTML
  rm -rf "$STATE" && mkdir -p "$WWW/$1" "$WWW/cgi-bin"
  cp "$HERE"/cgi-bin/* "$WWW/cgi-bin/"
  echo 0 >"$STATE/page-loads"
  echo "$TOKEN" >"$WWW/standin-token.txt"
  sed -e "s|__TITLE__|$(sed_escape "$2")|g" \
      -e "s|__LABEL__|$(sed_escape "$(html_escape "$LABEL")")|g" \
      -e "s|__HIT_URL__|$(sed_escape "$3")|g" \
      -e "s|__META__|$(sed_escape "$4")|g" \
      "$HERE/index.html" >"$WWW/$1/index.html"
}

# ---- web-viewer mode: Isaac Sim 6.x's separate web-viewer container --------------------
# It only serves a page that would connect to an instance's signal port; it has no EULA
# check and no Kit startup.
if [ "$MODE" = web-viewer ]; then
  APP_CHANNEL=web-viewer
  check_port "$WEB_VIEWER_PORT"
  check_port "$VIEWER_SIGNAL_PORT"
  prepare_www . "Isaac Sim Web Viewer (stand-in)" "cgi-bin/hit" \
    "web viewer · signal port <span id=\"signal-port\">$VIEWER_SIGNAL_PORT</span> · viewer port $WEB_VIEWER_PORT"
  out "[Info] [web-viewer] Isaac Sim web viewer stand-in for $LABEL (signal port $VIEWER_SIGNAL_PORT)"
  serve "$WWW" "$WEB_VIEWER_PORT" web-viewer
  out "[Info] [web-viewer] serving on http://127.0.0.1:$WEB_VIEWER_PORT/"
  stay_up
fi

# ---- checks the real container makes before Kit starts ---------------------------------
if [ "${ACCEPT_EULA:-}" != "Y" ]; then
  echo "The NVIDIA Software License Agreement (EULA) must be accepted before Isaac Sim can start." >&2
  echo "Please accept the EULA by setting the ACCEPT_EULA environment variable, e.g. -e \"ACCEPT_EULA=Y\"." >&2
  exit 1
fi

case "$MODE" in
  normal|gpu-fail|nvml-fail|crash-after-ready|oom|hang) DELAY="$STEP" ;;
  slow) DELAY=$(awk -v s="$STEP" -v f="$SLOW_FACTOR" 'BEGIN { printf "%.3f", s * f }') ;;
  *) fail 2 "[Error] [standin] unknown STANDIN_MODE '$MODE' (normal|gpu-fail|nvml-fail|slow|crash-after-ready|oom|hang|web-viewer)" ;;
esac
# Livestream style when the 6.x signal port setting is given (only 4.5+ reads it) or when
# asked for; a bare --/app/livestream/port is ambiguous (4.2 native / 4.5 signal), so it
# alone keeps the legacy style unless STANDIN_PROFILE=livestream.
case "$PROFILE" in
  legacy|livestream) ;;
  '') if [ -n "$SIGNAL_PORT_6X" ]; then PROFILE=livestream; else PROFILE=legacy; fi ;;
  *) fail 2 "[Error] [standin] unknown STANDIN_PROFILE '$PROFILE' (legacy|livestream)" ;;
esac
for p in "$HTTP_PORT" "$WEBRTC_PORT" "$NATIVE_PORT" "$SIGNAL_PORT" "$STREAM_PORT"; do check_port "$p"; done
case "$SHADER_STEPS" in ''|*[!0-9]*) fail 2 "[Error] [standin] STANDIN_SHADER_STEPS must be a whole number, got '$SHADER_STEPS'" ;; esac
case "$OOM_CAP_MB" in ''|*[!0-9]*) fail 2 "[Error] [standin] STANDIN_OOM_CAP_MB must be a whole number, got '$OOM_CAP_MB'" ;; esac
case "$TICK" in ''|[0-9]*) ;; *) fail 2 "[Error] [standin] STANDIN_TICK_SECONDS must be a number of seconds, got '$TICK'" ;; esac
case "$NOISE" in ''|0|1) ;; *) fail 2 "[Error] [standin] STANDIN_NOISE must be 0 or 1, got '$NOISE'" ;; esac

# ---- startup log -----------------------------------------------------------------------
out "[Info] [omni.kit.app] argv: $0 $*"
if [ "$PROFILE" = legacy ]; then
  out "[Info] [carb] Logging to file: /root/.nvidia-omniverse/logs/Kit/Isaac-Sim/4.2/kit_standin_$LABEL.log"
  out "[Info] [standin] Isaac Sim stand-in for $LABEL (mode=$MODE, http=$HTTP_PORT, webrtc=$WEBRTC_PORT, native=$NATIVE_PORT)"
else
  out "[Info] [carb] Logging to file: /root/.nvidia-omniverse/logs/Kit/Isaac-Sim Full Streaming/5.0/kit_standin_$LABEL.log"
  out "[Info] [standin] Isaac Sim stand-in for $LABEL (mode=$MODE, profile=livestream, signal=$SIGNAL_PORT, stream=$STREAM_PORT, publicIp=$PUBLIC_IP)"
fi
for name in $ECHO_ENV; do
  case "$name" in *[!A-Za-z0-9_]*|'') fail 2 "[Error] [standin] STANDIN_ECHO_ENV: '$name' is not a variable name" ;; esac
  eval "value=\${$name-}"
  out "[Info] [standin] env $name=$value"
done
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
if [ "$MODE" = nvml-fail ]; then
  # What a container that lost its GPU device nodes (driver update, cgroup change) prints.
  step
  fail 1 \
    "[Error] [carb.windowing-glfw.plugin] Failed to initialize NVML: Unknown Error" \
    "[Error] [carb.cudainterop.plugin] CUDA initialization failed: cuInit returned 999 (CUDA_ERROR_UNKNOWN)" \
    "[Error] [omni.kit.app] Startup of omni.gpu_foundation failed; exiting"
fi
step; out "[Info] [gpu.foundation.plugin] GPU 0: stand-in virtual device (no CUDA, nothing rendered)"

if [ "$MODE" = oom ]; then
  # Grow the shell's own memory until the kernel's OOM killer ends the container (exit 137,
  # State.OOMKilled). Each x="$x$x" doubles a string; ash holds the old value, the expansion
  # and the copy at once, so the footprint grows ~2x per round. Without a container memory
  # limit this would eat the host, so then it stops before the string would pass
  # STANDIN_OOM_CAP_MB and exits 137 itself.
  step; out "[ext: omni.physx-106.0.0] startup"
  step; out "[Info] [omni.physx] Allocating scene buffers"
  limit=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null)
  case "$limit" in
    ''|max|*[!0-9]*|????????????????*) limited=0 ;;   # unreadable, "max", or >= 1 PB: no limit
    *) limited=1 ;;
  esac
  x=abcdefghijklmnop
  while :; do
    if [ "$limited" = 0 ] && [ $((${#x} * 2)) -gt $((OOM_CAP_MB * 1024 * 1024)) ]; then
      x=
      fail 137 "[Error] [standin] oom mode: no container memory limit found; stopped at $OOM_CAP_MB MB instead of exhausting the host"
    fi
    x="$x$x"
  done
fi

step; out "[ext: omni.kit.renderer.core-1.0.0] startup"
step; out "[ext: omni.hydra.rtx-0.1.0] startup"
# Shader phase: long on a first start, short once the compute cache holds the shaders.
if [ -e "$SHADER_MARKER" ]; then
  n=$(head -n1 "$SHADER_MARKER" 2>/dev/null)
  case "$n" in ''|*[!0-9]*) n=$SHADER_COUNT ;; esac
  step; out "[Info] [omni.rtx] Shader cache hit: $n shaders loaded from $COMPUTE_CACHE"
else
  step; out "[Info] [omni.rtx] Compiling shaders (first start can take minutes)"
  i=1
  while [ "$i" -le "$SHADER_STEPS" ]; do
    step; out "[Info] [omni.rtx] shader cache: $i/$SHADER_STEPS"
    i=$((i + 1))
  done
  # Write-then-rename: instances sharing one cache folder may finish at the same time.
  tmp="$SHADER_MARKER.tmp-$RANDOM$RANDOM"
  if ! { mkdir -p "$COMPUTE_CACHE" && echo "$SHADER_COUNT" >"$tmp" && mv "$tmp" "$SHADER_MARKER"; } 2>/dev/null; then
    rm -f "$tmp" 2>/dev/null
    err "[Warning] [omni.rtx] could not write the shader cache to $COMPUTE_CACHE; the next start compiles again"
  fi
fi

if [ "$MODE" = hang ]; then
  # Startup just stops (a real Kit can wedge like this, e.g. on a stuck GPU or network call):
  # alive, silent, never ready, nothing listening. SIGTERM still ends it.
  stay_up
fi

if [ "$PROFILE" = legacy ]; then
  step; err "[Warning] [omni.kit.livestream.webrtc] stand-in streams no video; WebRTC port $WEBRTC_PORT and native port $NATIVE_PORT are only reserved"
  step; out "[ext: omni.kit.livestream.webrtc-3.2.0] startup"
  step; out "[ext: omni.services.transport.server.http-1.1.0] startup"

  # ---- legacy web client on the HTTP port ----------------------------------------------
  meta="mode $MODE · http $HTTP_PORT · webrtc $WEBRTC_PORT · native $NATIVE_PORT"
  prepare_www streaming/webrtc-client "Isaac Sim stand-in" "../../cgi-bin/hit" "$(html_escape "$meta")"
  serve "$WWW" "$HTTP_PORT" omni.services.transport.server.http
  out "[Info] [omni.services.transport.server.http] Serving on http://127.0.0.1:$HTTP_PORT"
  step; out "[ext: omni.isaac.sim-4.2.0] startup"
else
  step; err "[Warning] [omni.kit.livestream.app] stand-in streams no video; media port $STREAM_PORT is only reserved"
  step; out "[ext: omni.kit.livestream.app-7.1.0] startup"

  # ---- livestream signal port (4.5+): no legacy web client anywhere --------------------
  # A TCP listener on 127.0.0.1:SIGNAL that accepts connections again and again, also many
  # at once. The real signal port speaks HTTP/WebSocket, so busybox httpd plays it (a one-
  # line page at /). Not `nc -ll`: busybox nc listens with a backlog of 2 and under a burst
  # of concurrent connects some clients hang, connected but never accepted.
  rm -rf "$STATE" && mkdir -p "$STATE/signal"
  echo "$TOKEN" >"$STATE/signal/standin-token.txt"
  echo "Isaac Sim livestream signalling (stand-in) for $(html_escape "$LABEL"): connect with the Isaac Sim WebRTC Streaming Client" \
    >"$STATE/signal/index.html"
  serve "$STATE/signal" "$SIGNAL_PORT" omni.kit.livestream.app
  out "[Info] [omni.kit.livestream.app] Streaming server listening on 127.0.0.1:$SIGNAL_PORT (signal), $STREAM_PORT (media)"
  step; out "[ext: isaacsim.exp.full.streaming-2.0.0] startup"
fi
if [ "$NOISE" = 1 ]; then
  # What a real log can hold: control and invalid bytes, a 256 KiB line, and a multi-byte
  # character whose bytes arrive in two writes. Octal escapes: busybox printf has no \x.
  printf '[noise] \000\001\033[31mred\033[0m \377\376\375 \300\200 end\n'
  long=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=0
  while [ $i -lt 13 ]; do long="$long$long"; i=$((i + 1)); done
  printf '[noise] long %s\n' "$long" >&2
  printf '[noise] split \342\202'; nap 0.2; printf '\254 euro\n'
fi
out "[Info] [omni.kit.app] app ready"
# The real app prints this line bare, without a Kit prefix.
echo "$READY_LINE"

if [ "$MODE" = crash-after-ready ]; then
  nap "$CRASH_AFTER"
  err "[Fatal] [carb.crashreporter-breakpad.plugin] Segmentation fault in omni.physx; crash dump written to /tmp/standin/crash.dmp"
  stop_children
  exit 139
fi

# Numbered lines after readiness, odd ones on stdout and even ones on stderr, so a reader
# can prove that none was lost or repeated across both streams (and an engine restart).
if [ -n "$TICK" ]; then
  n=0
  while :; do
    nap "$TICK"; n=$((n + 1))
    if [ $((n % 2)) = 1 ]; then out "[Info] [standin] tick $n"; else err "[Info] [standin] tick $n"; fi
  done
fi
stay_up
