#!/bin/sh
# Isaac Sim stand-in "Kit" (busybox sh). Plays the Kit process that NVIDIA's launchers start
# (4.2: runheadless.webrtc.sh; 5.1/6.x: runheadless.sh -> isaac-sim.streaming.sh) at the
# container boundary: the Kit settings it reads, its log lines, its log file, its ports, its
# exit codes. Installed at /usr/share/standin/kit.sh; the version comes from /isaac-sim/VERSION
# (written per image by scripts/build-standin.sh).
#
# THE RULE: every log line below that is not marked "instrumentation" is a line NVIDIA's
# files print or a real user's log shows; its source is named in the comment next to it and
# in stand-in/README.md. Fixtures: test/fixtures/isaac-logs/*.log, facts: test/fixtures/SOURCES.md.
# Instrumentation (only when a STANDIN_* knob asks for it) prints "[standin]" or "[noise]".

VERSION="$(head -n1 /isaac-sim/VERSION 2>/dev/null)"
case "$VERSION" in
  4.2.*) GEN=4 ;;
  5.1.*) GEN=5 ;;
  6.*) GEN=6 ;;
  *) echo "[standin] unknown /isaac-sim/VERSION '$VERSION'" >&2; exit 2 ;;
esac
MAJMIN="${VERSION%.*}"

HERE=/usr/share/standin     # static files baked into every image
STATE=/tmp/standin          # www trees, counter, tokens: regenerated on every start
LABEL="${ISAACSIM_INSTANCE_LABEL:-instance-?}"   # the extension's own env, not NVIDIA's
MODE="${STANDIN_MODE:-normal}"
FATAL="${STANDIN_FATAL:-}"
STEP="${STANDIN_STEP_SECONDS:-0.4}"
SLOW_FACTOR="${STANDIN_SLOW_FACTOR:-10}"
CRASH_AFTER="${STANDIN_CRASH_AFTER_SECONDS:-2}"
SHADER_STEPS="${STANDIN_SHADER_STEPS:-3}"
OOM_CAP_MB="${STANDIN_OOM_CAP_MB:-256}"
TICK="${STANDIN_TICK_SECONDS:-}"
NOISE="${STANDIN_NOISE:-}"
ECHO_ENV="${STANDIN_ECHO_ENV:-}"
SPAM_LINES="${STANDIN_SPAM_LINES:-}"
SPAM_ON="${STANDIN_SPAM_ON:-}"

# ---- Kit settings (--/path=value); unknown ones are ignored, as Kit ignores settings nobody reads
if [ "$GEN" = 4 ]; then
  HTTP_PORT=8211   # 4.x app .kit: exts."omni.services.transport.server.http".port = 8211 (ISAAC-SIM.md "Ports")
else
  HTTP_PORT=8011   # 5.x/6.x Kit HTTP server: "http server was meant to start on 8011" (IsaacLab #3346)
fi
SIGNAL_PORT=49100  # 4.x/5.x --/app/livestream/port default (ISAAC-SIM.md); 6.x primaryStream.signalPort = 49100
                   # (isaac-sim/IsaacSim@v6.0.1:source/apps/isaacsim.exp.full.streaming.kit)
STREAM_PORT=47998  # 6.x primaryStream.streamPort = 47998 (same .kit); 5.1 EXPOSE 47998/udp (v5.1.0 Dockerfile)
PUBLIC_IP=
for arg in "$@"; do
  case "$GEN:$arg" in
    *:--/exts/omni.services.transport.server.http/port=*) HTTP_PORT="${arg#*=}" ;;
    4:--/app/livestream/port=*|5:--/app/livestream/port=*) SIGNAL_PORT="${arg#*=}" ;;   # IsaacSim #330 (5.1 docs)
    5:--/app/livestream/publicEndpointAddress=*) PUBLIC_IP="${arg#*=}" ;;               # IsaacSim #330; only accepted
    6:--/exts/omni.kit.livestream.app/primaryStream/signalPort=*) SIGNAL_PORT="${arg#*=}" ;;  # v6.0.1 runheadless.sh
    6:--/exts/omni.kit.livestream.app/primaryStream/streamPort=*) STREAM_PORT="${arg#*=}" ;;  # v6.0.1 runheadless.sh
    6:--/exts/omni.kit.livestream.app/primaryStream/publicIp=*) PUBLIC_IP="${arg#*=}" ;;      # v6.0.1 runheadless.sh
    *:--standin-mode=*) MODE="${arg#*=}" ;;   # instrumentation: same as STANDIN_MODE
  esac
done

# Per-version app identity. Readiness: isaacsim.app.setup prints f"{app_title} App is loaded."
# (isaac-sim/IsaacSim@v6.0.1:source/extensions/isaacsim.app.setup/isaacsim/app/setup/startup.py:120).
if [ "$GEN" = 4 ]; then
  APP_TITLE="Isaac Sim Headless WebRTC"   # "Isaac Sim Headless WebRTC App is loaded." (NVIDIA 4.x livestream docs, SOURCES.md b)
  # runheadless.native.sh: "Isaac Sim Headless Native App is loaded." (the 4.x native app's title, as the
  # extension's default readiness patterns list it; not seen in a real log here)
  [ "${STANDIN_KIT_APP:-}" = native ] && APP_TITLE="Isaac Sim Headless Native"
  APP_NAME="Isaac-Sim"                    # 4.2 app.name not verified; "Isaac-Sim" as in the container python.sh log path (curobo #119)
  CACHE_DIR=/root/.cache/nvidia/GLCache   # the GPU driver's shader cache; 4.x docs volume cache/glcache:/root/.cache/nvidia/GLCache (SOURCES.md a)
else
  APP_TITLE="Isaac Sim Full Streaming"    # title = "Isaac Sim Full Streaming" (v5.1.0/v6.0.1 source/apps/isaacsim.exp.full.streaming.kit)
  APP_NAME="Isaac-Sim Streaming"          # app.name = "Isaac-Sim Streaming" (same .kit files)
  CACHE_DIR=/isaac-sim/.cache/nvidia/GLCache  # the GPU driver's shader cache, inside cache/main:/isaac-sim/.cache (tools/docker/README.md)
fi
LOG_DIR="$HOME/.nvidia-omniverse/logs/Kit/$APP_NAME/$MAJMIN"   # <logs>/Kit/<app.name>/<major.minor>/ (SOURCES.md g)
SHADER_MARKER="$CACHE_DIR/standin-shader-cache"
KIT_DATA="/isaac-sim/kit/data/Kit/$APP_NAME/$MAJMIN"           # user.config.json lives here (IsaacLab PR #6122)

# ---- clock and output -----------------------------------------------------------------
# One clock (ms since start), strictly increasing across stdout and stderr.
read -r up _ </proc/uptime
T0="${up%.*}${up#*.}"
LAST_MS=-1
LOGFILE=
stamp() {
  read -r up _ </proc/uptime
  ms=$(( (${up%.*}${up#*.} - T0) * 10 ))
  [ "$ms" -le "$LAST_MS" ] && ms=$((LAST_MS + 1))
  LAST_MS=$ms
  secs=$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))
  if [ "$ms" -ge 1000 ]; then kms=$(printf '%d,%03d' $((ms / 1000)) $((ms % 1000))); else kms=$ms; fi
}
tofile() { [ -n "$LOGFILE" ] && printf '%s\n' "$1" >>"$LOGFILE"; }
# kitline TEXT: what Kit prints with print_and_log / extension startup: "[12.832s] TEXT" on
# stdout ("[17.542s] [ext: omni.kit.livestream.webrtc-7.0.0] startup", IsaacSim #523;
# "[39.413s] Isaac Sim Full Streaming App is loaded.", IsaacSim #188). In the log file:
# "[Info] [omni.kit.app.plugin] [12.832s] TEXT" (IsaacSim #301, quoted in ISAAC-SIM.md).
kitline() {
  stamp
  printf '[%ss] %s\n' "$secs" "$1"
  tofile "[Info] [omni.kit.app.plugin] [${secs}s] $1"
}
# klog LEVEL CHANNEL MESSAGE: a carb log line, console form "DATE [N,NNNms] [Level] [channel] msg".
# 5.x/6.x date "2025-10-08T05:46:15Z" (IsaacSim #239), 4.x "2025-03-12 14:26:34" (IsaacLab #2062, #949).
# Which stream Kit uses is not shown by the pasted logs; the stand-in sends Info to stdout and
# Warning/Error to stderr (unverified). The log file gets the same line.
klog() {
  stamp
  if [ "$GEN" = 4 ]; then d=$(date -u '+%Y-%m-%d %H:%M:%S'); else d=$(date -u '+%Y-%m-%dT%H:%M:%SZ'); fi
  line="$d [${kms}ms] [$1] [$2] $3"
  if [ "$1" = Info ]; then printf '%s\n' "$line"; else printf '%s\n' "$line" >&2; fi
  tofile "$line"
}
raw() { printf '%s\n' "$1"; tofile "$1"; }          # a bare line as a real log shows it
rawerr() { printf '%s\n' "$1" >&2; tofile "$1"; }
instr() { stamp; printf '[%ss] [Info] [standin] %s\n' "$secs" "$1"; }   # instrumentation only
bad() { printf '[standin] %s\n' "$1" >&2; exit 2; }  # stand-in argument validation (not Isaac Sim)

# ---- signals: fast exit 0 on SIGTERM/SIGINT ----------------------------------------------
HTTPD_PIDS=
SLEEP_PID=
stop_children() {
  [ -n "$SLEEP_PID" ] && kill "$SLEEP_PID" 2>/dev/null
  for p in $HTTPD_PIDS; do kill "$p" 2>/dev/null; done
}
trap 'stop_children; exit 0' TERM INT
nap() { sleep "$1" & SLEEP_PID=$!; wait "$SLEEP_PID"; SLEEP_PID=; }
step() { nap "$DELAY"; }
stay_up() { while :; do nap 3600; done; }
die() { stop_children; exit "${1:-1}"; }

# ---- validation of the stand-in's own knobs (exit 2; not Isaac Sim behaviour) -----------
check_port() {
  case "$1" in ''|*[!0-9]*) bad "invalid port '$1'" ;; esac
  if [ "$1" -lt 1 ] || [ "$1" -gt 65535 ]; then bad "port out of range: $1"; fi
}
for p in "$HTTP_PORT" "$SIGNAL_PORT" "$STREAM_PORT"; do check_port "$p"; done
. "$HERE/python-server.sh"; pys_parse "$@"   # the Python code server ("Run in Sim"), only if --enable names it
case "$MODE" in
  normal|gpu-fail|nvml-fail|crash-after-ready|oom|hang|fatal|physx-no-cuda|exit-unexplained) DELAY="$STEP" ;;
  slow) DELAY=$(awk -v s="$STEP" -v f="$SLOW_FACTOR" 'BEGIN { printf "%.3f", s * f }') ;;
  *) bad "unknown STANDIN_MODE '$MODE' (normal|slow|hang|oom|crash-after-ready|gpu-fail|nvml-fail|fatal|physx-no-cuda|exit-unexplained)" ;;
esac
# The old modes are classes of the fatal table.
[ "$MODE" = gpu-fail ] && { MODE=fatal; FATAL=no-gpu-device; }
[ "$MODE" = nvml-fail ] && { MODE=fatal; FATAL=nvml; }
if [ "$MODE" = fatal ]; then
  case "$FATAL" in
    no-gpu-device|cuda-999|vulkan|driver-unsupported|no-gpu-devices-compat|hydra-rtx|cuda-bad-state|livestream-plugin|nvenc|rtx-resource-manager|nvml|permission) ;;
    *) bad "STANDIN_FATAL must be one of no-gpu-device cuda-999 vulkan driver-unsupported no-gpu-devices-compat hydra-rtx cuda-bad-state livestream-plugin nvenc rtx-resource-manager nvml permission, got '$FATAL'" ;;
  esac
fi
case "$SHADER_STEPS" in ''|*[!0-9]*) bad "STANDIN_SHADER_STEPS must be a whole number, got '$SHADER_STEPS'" ;; esac
case "$OOM_CAP_MB" in ''|*[!0-9]*) bad "STANDIN_OOM_CAP_MB must be a whole number, got '$OOM_CAP_MB'" ;; esac
case "$TICK" in ''|[0-9]*) ;; *) bad "STANDIN_TICK_SECONDS must be a number of seconds, got '$TICK'" ;; esac
case "$NOISE" in ''|0|1) ;; *) bad "STANDIN_NOISE must be 0 or 1, got '$NOISE'" ;; esac
case "$SPAM_LINES" in *[!0-9]*) bad "STANDIN_SPAM_LINES must be a whole number, got '$SPAM_LINES'" ;; esac
case "$SPAM_ON" in ''|/*) ;; *) bad "STANDIN_SPAM_ON must be an absolute path, got '$SPAM_ON'" ;; esac

fatal_at() {  # fatal_at POINT: print the real lines of STANDIN_FATAL if it belongs to POINT, exit 1 at once
  [ "$MODE" = fatal ] || return 0
  case "$1:$FATAL" in
    gpu:no-gpu-device)
      # IsaacSim #239 (5.x), IsaacLab #2062 (4.2): the multi-line block, then a blank line.
      klog Error gpu.foundation.plugin "$(no_device_text)"; raw ""
      die 1 ;;
    gpu:cuda-999)
      # IsaacSim #239: the no-device block, then the two CUDA lines.
      klog Error gpu.foundation.plugin "$(no_device_text)"; raw ""
      klog Error carb.cudainterop.plugin "CUDA error 999: cudaErrorUnknown - unknown error)"
      klog Error carb.cudainterop.plugin "Failed to query CUDA device count."
      die 1 ;;
    gpu:vulkan)
      # IsaacSim #357 (5.1), genie_sim #30 (4.5).
      klog Error carb.graphics-vulkan.plugin "VkResult: ERROR_INCOMPATIBLE_DRIVER"
      klog Error carb.graphics-vulkan.plugin "vkCreateInstance failed. Vulkan 1.1 is not supported, or your driver requires an update."
      klog Error gpu.foundation.plugin "carb::graphics::createInstance failed."
      die 1 ;;
    gpu:no-gpu-devices-compat)
      # genie_sim #30 (4.5).
      klog Error omni.gpu_foundation_factory.plugin "Failed to create any GPU devices, including an attempt with compatibility mode."
      die 1 ;;
    gpu:driver-unsupported)
      # IsaacLab #4244 (multi-line form), IsaacAutomator #40 (5.0).
      klog Error gpu.foundation.plugin "The currently installed NVIDIA graphics driver is unsupported or has known issues.

Reason for failure: The minimum Omniverse RTX requirement on Linux
Installed driver: 535.18
The unsupported driver range: [0.0, 535.129)

The recommended drivers: 535.161.07 (GameReady, Studio, RTX/Quadro, Grid/vGPU)
The latest driver version may also work but is not fully tested."
      klog Error carb.scenerenderer-rtx.plugin "rtx driver verification failed."
      die 1 ;;
    gpu:cuda-bad-state)
      # IsaacSim #794 (5.1): the no-device block, then the Skipping line (GPU name as in that log).
      klog Error gpu.foundation.plugin "$(no_device_text)"; raw ""
      klog Warning gpu.foundation.plugin "Skipping NVIDIA GPU due CUDA being in bad state: NVIDIA RTX Pro 6000 Blackwell DC-4-96Q"
      die 1 ;;
    gpu:rtx-resource-manager)
      # ISAAC-SIM.md "Fatal": `Failed to acquire rtx::resourcemanager::ResourceManager` (channel/level not known: bare).
      rawerr "Failed to acquire rtx::resourcemanager::ResourceManager!"
      die 1 ;;
    gpu:nvml)
      # IsaacLab #3114 (4.5 container): a bare line.
      rawerr "Failed to initialize NVML: Unknown Error"
      die 1 ;;
    renderer:hydra-rtx)
      # ISAAC-SIM.md "Fatal": `[omni.hydra.rtx] HydraEngine rtx failed creating scene renderer.` (level assumed Error).
      klog Error omni.hydra.rtx "HydraEngine rtx failed creating scene renderer."
      die 1 ;;
    config:permission)
      # IsaacLab PR #6122 (6.x non-root image): Kit cannot save user.config.json.
      klog Error omni.kit.app.plugin "failed to open file '$KIT_DATA/user.config.json' - unable to save the dictionary"
      die 1 ;;
    stream:livestream-plugin)
      # IsaacSim #523 (5.1): the only excerpt ends at ".../extscache/omni"; the rest is not invented.
      klog Error carb "[Plugin: libcarb.livestream-rtc.plugin.so] Could not load the dynamic library from /isaac-sim/extscache/omni"
      die 1 ;;
    stream:nvenc)
      # ISAAC-SIM.md "Fatal" / IsaacSim #743 (prose only): `nvEncOpenEncodeSessionEx failed` (prefix not known: bare).
      rawerr "nvEncOpenEncodeSessionEx failed"
      die 1 ;;
  esac
}
no_device_text() {   # IsaacSim #239 / #794, IsaacLab #2062 (identical text in 4.2 and 5.x)
  printf '%s\n' "No device could be created. Some known system issues:" \
    "- The driver is not installed properly and requires a clean re-install." \
    "- Your GPUs do not support RayTracing: DXR or Vulkan ray_tracing, or hardware is excluded due to performance." \
    "- The driver cannot enumerate any GPU: driver, display, TCC mode or a docker issue. For Vulkan, test it with Vulkaninfo tool from Vulkan SDK, instead of nvidia-smi." \
    "- For Ubuntu, it requires server-xorg-core 1.20.7+ and a display to work without --no-window." \
    "- For Linux dockers, the setup is not complete. Install the latest driver, xServer and NVIDIA container runtime."
}

# ---- our servers (busybox httpd, 127.0.0.1 only) ------------------------------------------
# With host networking another process may hold a port; then our httpd fails to bind. "Up"
# means: the port returns a token only this start wrote (instrumentation file standin-token.txt).
TOKEN="standin-$T0-$RANDOM-$RANDOM"
http_ours() {
  resp=$( { printf 'GET /standin-token.txt HTTP/1.0\r\n\r\n' | timeout 2 nc -w 1 127.0.0.1 "$1"; } 2>/dev/null)
  case "$resp" in *"$TOKEN"*) return 0 ;; esac
  return 1
}
serve() {  # serve DIR PORT QUIET: 0 = ours answers, 1 = bind failed / foreign holder
  echo "$TOKEN" >"$1/standin-token.txt"
  if [ "$3" = quiet ]; then httpd -f -p "127.0.0.1:$2" -h "$1" 2>/dev/null & else httpd -f -p "127.0.0.1:$2" -h "$1" & fi
  pid=$!
  tries=0
  until http_ours "$2"; do
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    tries=$((tries + 1))
    if [ "$tries" -ge 100 ]; then kill "$pid" 2>/dev/null; return 1; fi
    nap 0.1
  done
  HTTPD_PIDS="$HTTPD_PIDS $pid"
  return 0
}
html_escape() { printf '%s' "$1" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
sed_escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

# ---- startup ------------------------------------------------------------------------------
for name in $ECHO_ENV; do   # instrumentation: a tool that leaks env values into its log
  case "$name" in *[!A-Za-z0-9_]*|'') bad "STANDIN_ECHO_ENV: '$name' is not a variable name" ;; esac
  eval "value=\${$name-}"
  instr "env $name=$value"
done

# Kit opens its log file first. A non-writable logs folder fails with the OS error (the stand-in's
# own mkdir/create error text; no real Kit line for this case was found).
logfile="$LOG_DIR/kit_$(date -u +%Y%m%d_%H%M%S).log"   # kit_YYYYMMDD_HHMMSS.log (SOURCES.md g)
if ! err=$( { mkdir -p "$LOG_DIR" && : >>"$logfile"; } 2>&1 ); then
  printf '%s\n' "$err" >&2
  exit 1
fi
LOGFILE="$logfile"
# "[Info] [carb] Logging to file: .../logs/Kit/Isaac-Sim Full/5.1/kit_20251104_201012.log" (fan-ziqi/IsaacLab #8; SOURCES.md g)
raw "[Info] [carb] Logging to file: $LOGFILE"

# Kit writes its caches and config under the user's folders; a mounted folder the user cannot
# write stops it (6.x needs the tree owned by uid 1234: v6.0.1:tools/docker/README.md,
# docker-compose.yml). The printed error is the OS error of the stand-in's own write (it contains
# "Permission denied"); the omni.datastore lock lines of IsaacLab PR #6082 were not available.
# Kit's own cache (/isaac-sim/kit/cache, in every version's layout) and the driver's shader cache.
KIT_CACHE=/isaac-sim/kit/cache
if ! err=$( { mkdir -p "$CACHE_DIR" "$KIT_DATA" "$KIT_CACHE" && for d in "$KIT_CACHE" "$CACHE_DIR"; do : >>"$d/standin-write-test" && rm -f "$d/standin-write-test" || exit 1; done; } 2>&1 ); then
  printf '%s\n' "$err" >&2; tofile "$err"
  exit 1
fi
fatal_at config

step
if [ "$GEN" = 4 ]; then
  kitline "[ext: omni.kit.streamsdk.plugins-4.5.1] startup"       # IsaacLab #949 (4.2 container, kit 106)
  step; kitline "[ext: omni.kit.livestream.core-4.3.6] startup"   # IsaacLab #949
elif [ "$GEN" = 5 ]; then
  kitline "[ext: omni.kit.livestream.webrtc-7.0.0] startup"       # IsaacSim #523 (5.1)
fi
fatal_at gpu
if [ "$MODE" = physx-no-cuda ]; then
  # Often harmless: PhysX falls back to CPU (ISAAC-SIM.md "Often NOT fatal"; kit-app-template #45).
  step; klog Error omni.physx.plugin "CUDA libs are present, but no suitable CUDA GPU was found!"
fi
if [ "$MODE" = exit-unexplained ]; then
  # Real lines that name no known cause: genie_sim #30 / IsaacSim #357 (createInstance), IsaacLab #949 (utmp).
  step; klog Error gpu.foundation.plugin "carb::graphics::createInstance failed."
  rawerr "Failed to open [/var/run/utmp]"
  die 1
fi

if [ "$MODE" = oom ]; then
  # Grows the shell's memory until the kernel OOM-kills the container (exit 137, OOMKilled).
  # Without a container memory limit it stops before STANDIN_OOM_CAP_MB (instrumentation line).
  limit=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null)
  case "$limit" in ''|max|*[!0-9]*|????????????????*) limited=0 ;; *) limited=1 ;; esac
  x=abcdefghijklmnop
  while :; do
    if [ "$limited" = 0 ] && [ $((${#x} * 2)) -gt $((OOM_CAP_MB * 1024 * 1024)) ]; then
      x=; instr "oom mode: no container memory limit found; stopped at $OOM_CAP_MB MB instead of exhausting the host" >&2
      die 137
    fi
    x="$x$x"
  done
fi

fatal_at renderer
# Shader phase. First start (no marker in the cache): NVIDIA's lines
# "[Warning] [gpu.foundation.plugin] Waiting for compilation of ray tracing shaders by GPU driver: 30 seconds so far"
# and "Ray tracing shader compilation finished after 281 seconds" (ISAAC-SIM.md "Log lines";
# the second one's level/channel is not known, the stand-in uses the first one's). NVIDIA's
# numbers (30, 60, ...) are printed although each step takes STANDIN_STEP_SECONDS.
# The shaders are compiled "by GPU driver", so the marker lives in the driver's cache (GLCache).
if [ ! -e "$SHADER_MARKER" ]; then
  mkdir -p "$CACHE_DIR" 2>/dev/null
  i=1
  while [ "$i" -le "$SHADER_STEPS" ]; do
    step; klog Warning gpu.foundation.plugin "Waiting for compilation of ray tracing shaders by GPU driver: $((i * 30)) seconds so far"
    i=$((i + 1))
  done
  step; klog Warning gpu.foundation.plugin "Ray tracing shader compilation finished after $((SHADER_STEPS * 30 + 11)) seconds"
  tmp="$SHADER_MARKER.tmp-$RANDOM$RANDOM"
  if ! err=$( { echo "$VERSION" >"$tmp" && mv "$tmp" "$SHADER_MARKER"; } 2>&1 ); then
    rm -f "$tmp" 2>/dev/null; printf '%s\n' "$err" >&2; die 1
  fi
fi

if [ "$MODE" = hang ]; then stay_up; fi   # alive, silent, never ready, nothing listening

# ---- streaming servers ----------------------------------------------------------------------
rm -rf "$STATE" && mkdir -p "$STATE/signal/cgi-bin" "$STATE/http/cgi-bin"
printf '%s\n' "$LABEL" >"$STATE/label"
printf '%s\n' "$SIGNAL_PORT" >"$STATE/signal-port"
printf '%s\n' "$HTTP_PORT" >"$STATE/http-port"
cp "$HERE/cgi-bin/signal" "$STATE/signal/cgi-bin/"
# Signalling port: a TCP listener on 127.0.0.1:SIGNAL (the real one speaks HTTP/WebSocket; the
# stand-in answers GET /cgi-bin/signal with label+port and CORS). Not fatal-table lines: a port
# held by someone else shows busybox's own "httpd: bind: Address already in use" and exit 1.
if ! serve "$STATE/signal" "$SIGNAL_PORT"; then die 1; fi
fatal_at stream

# Kit HTTP server. 4.2: the web client of omni.services.streamclient.webrtc (see README);
# 5.1/6.x: nothing behind it but 404s. A taken port is not fatal: IsaacLab #3346 (5.0)
# "[Warning] [omni.services.transport.server.http.server] http server was meant to start on 8011 but port is taken, starti..."
# (the excerpt ends there, so the stand-in prints the line up to "port is taken" and goes on
# without an HTTP server).
if [ "$GEN" = 4 ]; then
  W="$STATE/http"
  mkdir -p "$W/streaming/webrtc-client" "$W/streaming/webrtc-demo"
  cp "$HERE/cgi-bin/hit" "$HERE/cgi-bin/loads" "$HERE/cgi-bin/index.cgi" "$W/cgi-bin/"
  echo 0 >"$STATE/page-loads"
  # The demo page loads js/kit-player.js relative to /streaming/webrtc-demo/ (web/index.html of
  # omni.services.streamclient.webrtc-1.3.8): a symlink to the extension's folder, so httpd reads
  # the file on every request (the extension may rewrite it before the container starts).
  ln -s /isaac-sim/extscache/omni.services.streamclient.webrtc-1.3.8/web/js "$W/streaming/webrtc-demo/js"
  sed -e "s|__LABEL__|$(sed_escape "$(html_escape "$LABEL")")|g" "$HERE/web/demo.html" >"$W/streaming/webrtc-demo/index.html"
fi
if ! serve "$STATE/http" "$HTTP_PORT" quiet; then
  klog Warning omni.services.transport.server.http.server "http server was meant to start on $HTTP_PORT but port is taken"
fi

pys_start   # python-server.sh: nothing unless enabled
kitline "app ready"   # "[9.191s] app ready" (IsaacLab #949), "[33.998s] app ready" (IsaacSim #188)
if [ "$GEN" = 4 ]; then
  raw "Streaming server started."   # IsaacLab #949 (4.2 livestream); ISAAC-SIM.md "Streaming"
elif [ "$GEN" = 5 ]; then
  # "omni.services.livestream.nvcf rtx_ready for streaming" (5.x, Info; ISAAC-SIM.md "Streaming").
  # 6.x streams through omni.kit.livestream.app; no real 6.x streaming line was found, so none.
  klog Info omni.services.livestream.nvcf "rtx_ready for streaming"
fi
if [ "$NOISE" = 1 ]; then   # instrumentation: binary junk, a 256 KiB line, split UTF-8
  printf '[noise] \000\001\033[31mred\033[0m \377\376\375 \300\200 end\n'
  long=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; i=0
  while [ $i -lt 13 ]; do long="$long$long"; i=$((i + 1)); done
  printf '[noise] long %s\n' "$long" >&2
  printf '[noise] split \342\202'; nap 0.2; printf '\254 euro\n'
fi
kitline "$APP_TITLE App is loaded."
# The 6.x HEALTHCHECK greps "AppReady" in the newest kit_*.log (v6.0.1:tools/docker/Dockerfile).
# Which real Kit line contains "AppReady" is not known (SOURCES.md d): this one file-only line
# is the stand-in's minimal choice, written when the app is ready. It is never printed.
tofile "[Info] [omni.kit.app.plugin] [${secs}s] AppReady"

if [ "$MODE" = crash-after-ready ]; then
  # No real crash line was found; the stand-in only ends the way a SIGSEGV'd PID 1 does (139).
  nap "$CRASH_AFTER"; die 139
fi
if [ -n "$SPAM_LINES" ] && [ "$SPAM_LINES" -gt 0 ]; then
  # Instrumentation for the log benchmark: N numbered FILLER lines on stdout, as fast as awk
  # prints them. They are filler, not Isaac Sim output (no real log has them), and go to stdout
  # only, not to the Kit log file. With STANDIN_SPAM_ON=FILE they wait until FILE exists (the
  # benchmark creates it with `docker exec`), so every follower is attached when they start.
  if [ -n "$SPAM_ON" ]; then until [ -e "$SPAM_ON" ]; do nap 0.02; done; fi
  awk -v n="$SPAM_LINES" 'BEGIN { for (i = 1; i <= n; i++) print "[standin] filler " i }'
fi
if [ -n "$TICK" ]; then   # instrumentation: numbered lines, odd on stdout, even on stderr
  n=0
  while :; do
    nap "$TICK"; n=$((n + 1))
    if [ $((n % 2)) = 1 ]; then instr "tick $n"; else instr "tick $n" >&2; fi
  done
fi
stay_up
