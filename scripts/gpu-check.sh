#!/usr/bin/env bash
# gpu-check: a short, paste-able report on Isaac Sim containers, for a GitHub issue.
#
#   bash scripts/gpu-check.sh [--host H] [--all] [CONTAINER...]
#
#   CONTAINER   name or id; default: every running container labelled
#               dev.isaac-sim-orchestrator.owner=isaac-sim-orchestrator
#   --all       with no CONTAINER: also the stopped ones with that label
#   --host H    where the ports are reached (default 127.0.0.1); the only address contacted
#
# Run it on the host that runs the containers (host networking: `ss` there sees their ports).
# Needs the docker CLI, ss (iproute2), grep, awk, and curl (or bash's /dev/tcp). Every network
# call goes to H only, is bounded to 3 s and follows no redirect. Values of env variables
# and settings named like KEY, TOKEN, SECRET or PASSWORD are printed as ***.
#
# Last line: `gpu-check: N container(s) checked, M problem(s)`. Exit 0 when M is 0, 1 when
# there are problems, 2 on a usage error or when the Docker engine does not answer.
# Problems: a port the container's args/env/version expect that nothing listens on (Kit's
# HTTP port counts only for 4.2, whose viewer it serves), a port held by another container or
# host process, a running container without a readiness line, an /isaac-sim mount uid 1234
# cannot write, a 4.2 viewer page that does not answer or whose kit-player.js signals to
# another port than the instance's. A 6.x web viewer is optional: reported, never a problem.
set -uo pipefail

OWNER_LABEL=dev.isaac-sim-orchestrator.owner=isaac-sim-orchestrator
INSTANCE_LABEL=dev.isaac-sim-orchestrator.instance
READY_RE='Isaac Sim Headless WebRTC App is loaded\.|Isaac Sim Full Streaming App is loaded\.|Simulation App Startup Complete'
SECRET_RE='KEY|TOKEN|SECRET|PASSWORD'
HOST=127.0.0.1
ALL=0
NAMES=()

usage() { sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
while (($#)); do
  case "$1" in
    --host) [[ $# -ge 2 ]] || { echo "gpu-check: --host needs a value" >&2; exit 2; }; HOST=$2; shift 2 ;;
    --host=*) HOST=${1#*=}; shift ;;
    --all) ALL=1; shift ;;
    -h|--help) usage; exit 0 ;;
    --) shift; NAMES+=("$@"); break ;;
    -*) echo "gpu-check: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) NAMES+=("$1"); shift ;;
  esac
done
# A host name or an IP (IPv6 in brackets): nothing that could smuggle a path or a second URL.
if ! [[ $HOST =~ ^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\])$ ]]; then
  echo "gpu-check: --host '$HOST' is not a host name or IP address" >&2; exit 2
fi

BARE_HOST=${HOST#[}; BARE_HOST=${BARE_HOST%]}   # for bash's /dev/tcp
TMP=$(mktemp -d "${TMPDIR:-/tmp}/gpu-check.XXXXXX") || exit 2
trap 'rm -rf "$TMP"' EXIT
have() { command -v "$1" >/dev/null 2>&1; }
# Bounded, where coreutils' timeout exists (docker exec into a wedged container can hang).
bounded() { local s=$1; shift; if have timeout; then timeout "$s" "$@"; else "$@"; fi; }

# Mask secret values: NAME=value where NAME looks secret, "--/x/auth_token=v", "token: v".
mask() {
  sed -E "s/(([A-Za-z0-9_./-]*($SECRET_RE)[A-Za-z0-9_./-]*)[[:space:]]*[=:][[:space:]]*)[^[:space:],;\"']+/\1***/Ig"
}
clip() { awk -v n="${1:-240}" '{ if (length($0) > n) print substr($0, 1, n) "…"; else print }'; }

PROBLEMS=0
problem() { PROBLEMS=$((PROBLEMS + 1)); echo "  PROBLEM: $*"; }

# ---------------------------------------------------------------------------------------
# Network probes (only $HOST, 3 s, no redirects)
# http_probe PORT PATH -> "STATUS LOCATION" (STATUS 000: no answer)
http_probe() {
  local port=$1 path=$2 status location
  if have curl; then
    local hdr="$TMP/hdr"
    : >"$hdr"
    curl -s -o /dev/null -D "$hdr" --max-time 3 --max-redirs 0 --proto =http "http://$HOST:$port$path" 2>/dev/null
    status=$(awk 'toupper($1) ~ /^HTTP\// { s = $2 } END { print s }' "$hdr" | tr -d '\r')
    location=$(awk 'tolower($1) == "location:" { $1 = ""; sub(/^ /, ""); print; exit }' "$hdr" | tr -d '\r')
  else
    local resp
    # shellcheck disable=SC2016
    resp=$(bounded 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" || exit 1
      printf "GET %s HTTP/1.0\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$3" "$1" "$2" >&3
      head -c 8192 <&3' _ "$BARE_HOST" "$port" "$path" 2>/dev/null | tr -d '\r')
    status=$(printf '%s\n' "$resp" | awk 'NR == 1 && $1 ~ /^HTTP\// { print $2 }')
    location=$(printf '%s\n' "$resp" | awk '/^$/ { exit } tolower($1) == "location:" { $1 = ""; sub(/^ /, ""); print; exit }')
  fi
  echo "${status:-000} ${location:-}"
}

# listeners PROTO PORT -> lines "LOCAL_ADDR PROCESS_FIELD" of host sockets on that port
listeners() {
  local flags=-ltnp
  [[ $1 == udp ]] && flags=-lunp
  ss "$flags" 2>/dev/null | awk -v port="$2" '
    $1 == "State" || $1 == "Netid" { next }
    $4 ~ (":" port "$") { p = ""; for (i = 6; i <= NF; i++) p = p $i; print $4, p }'
}

# owner_of PID CONTAINER_ID -> "this container" / "container NAME" / "host process, not this container" /
# "" (unknown). Read from /proc/PID/cgroup; a holder counts as a host process only when the
# container's own main process shows its id there (CGROUP_NAMES_CONTAINER=1), so a host whose
# cgroup paths hide container ids never gets a false verdict.
CGROUP_NAMES_CONTAINER=0
owner_of() {
  local pid=$1 id=$2 cg other
  cg=$(cat "/proc/$pid/cgroup" 2>/dev/null) || return 0
  if [[ $cg == *"$id"* ]]; then echo "this container"; return 0; fi
  other=$(printf '%s\n' "$cg" | grep -oE '[0-9a-f]{64}' | head -n1)
  if [[ -n $other ]]; then
    echo "container $(docker inspect -f '{{.Name}}' "$other" 2>/dev/null | sed 's|^/||' || echo "${other:0:12}")"
  elif ((CGROUP_NAMES_CONTAINER)); then
    echo "host process, not this container"
  fi
}

# check_port LABEL PROTO PORT SOURCE COUNTS(1/0) CONTAINER_ID
check_port() {
  local label=$1 proto=$2 port=$3 src=$4 counts=$5 id=$6 lines addr proc pname ppid owner desc
  if ! have ss; then
    # shellcheck disable=SC2016 # $1/$2 expand in the inner bash
    if [[ $proto == tcp ]] && bounded 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$BARE_HOST" "$port" 2>/dev/null; then
      printf '  %-10s %s %-5s (%s) listening (connect to %s; no ss: process unknown)\n' "$label" "$proto" "$port" "$src" "$HOST"
    elif [[ $proto == udp ]]; then
      printf '  %-10s %s %-5s (%s) not checked (no ss)\n' "$label" "$proto" "$port" "$src"
    else
      printf '  %-10s %s %-5s (%s) NOT listening\n' "$label" "$proto" "$port" "$src"
      if [[ $counts == 1 ]]; then problem "$label port $proto $port expected ($src) but not listening"; fi
    fi
    return
  fi
  lines=$(listeners "$proto" "$port")
  if [[ -z $lines ]]; then
    if [[ $counts == 1 ]]; then
      printf '  %-10s %s %-5s (%s) NOT listening\n' "$label" "$proto" "$port" "$src"
      problem "$label port $proto $port expected ($src) but not listening"
    else
      printf '  %-10s %s %-5s (%s) not listening (%s)\n' "$label" "$proto" "$port" "$src" "$counts"
    fi
    return
  fi
  desc=""
  owner=""
  while read -r addr proc; do
    pname=""; ppid=""
    if [[ $proc =~ \(\(\"([^\"]+)\",pid=([0-9]+) ]]; then pname=${BASH_REMATCH[1]}; ppid=${BASH_REMATCH[2]}; fi
    owner=""
    [[ -n $ppid ]] && owner=$(owner_of "$ppid" "$id")
    desc+="${desc:+; }$addr${pname:+ $pname pid $ppid}${owner:+ ($owner)}"
  done <<<"$lines"
  printf '  %-10s %s %-5s (%s) listening: %s\n' "$label" "$proto" "$port" "$src" "$desc"
  if [[ ($desc == *"(container "* || $desc == *"(host process"*) && $desc != *"(this container)"* ]]; then
    problem "$label port $proto $port is held by another process, not by this container"
  fi
}

# ---------------------------------------------------------------------------------------
# Host facts
if ! docker version >/dev/null 2>&1; then
  echo "gpu-check: the Docker engine does not answer (${DOCKER_HOST:-unix:///var/run/docker.sock}): $(docker version 2>&1 | tail -n1)" >&2
  exit 2
fi
echo "gpu-check $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(uname -srm 2>/dev/null), host address $HOST"
if have nvidia-smi; then
  gpus=$(bounded 10 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1)
  printf '%s\n' "$gpus" | awk 'NF { print "gpu: " $0 }'
else
  echo "gpu: nvidia-smi not found"
fi
echo "docker: $(docker version --format 'client {{.Client.Version}}, server {{.Server.Version}} ({{.Server.Os}}/{{.Server.Arch}})' 2>/dev/null)"
echo "runtimes: $(docker info --format '{{range $k, $v := .Runtimes}}{{$k}} {{end}}(default {{.DefaultRuntime}})' 2>/dev/null)"
awk '/^MemTotal:/ { t = $2 } /^MemAvailable:/ { a = $2 }
  END { if (t) printf "memory: %.1f GiB total, %.1f GiB available\n", t / 1048576, a / 1048576 }' /proc/meminfo 2>/dev/null

# ---------------------------------------------------------------------------------------
# Which containers
if ((${#NAMES[@]} == 0)); then
  ps_args=(ps --filter "label=$OWNER_LABEL" --format '{{.Names}}')
  ((ALL)) && ps_args+=(-a)
  mapfile -t NAMES < <(docker "${ps_args[@]}" | sort -V)
  if ((${#NAMES[@]} == 0)); then
    echo "no $( ((ALL)) || echo 'running ')container labelled $OWNER_LABEL (name one: gpu-check.sh CONTAINER)"
  fi
fi

CHECKED=0
for C in "${NAMES[@]}"; do
  if ! docker inspect --type container "$C" >"$TMP/inspect.json" 2>/dev/null; then
    echo
    echo "== $C: no such container"
    problem "container $C not found"
    continue
  fi
  CHECKED=$((CHECKED + 1))
  insp() { docker inspect --type container -f "$1" "$C" 2>/dev/null; }
  id=$(insp '{{.Id}}')
  name=$(insp '{{.Name}}'); name=${name#/}
  status=$(insp '{{.State.Status}}')
  running=0; [[ $status == running ]] && running=1
  CGROUP_NAMES_CONTAINER=0
  main_pid=$(insp '{{.State.Pid}}')
  if [[ $main_pid =~ ^[1-9][0-9]*$ ]] && grep -q "$id" "/proc/$main_pid/cgroup" 2>/dev/null; then CGROUP_NAMES_CONTAINER=1; fi
  image=$(insp '{{.Config.Image}}')
  echo
  if ((running)); then
    echo "== $name (${id:0:12}) running since $(insp '{{.State.StartedAt}}' | cut -c1-19 | tr T ' ') UTC, restarts $(insp '{{.RestartCount}}')"
  else
    echo "== $name (${id:0:12}) $status, exit code $(insp '{{.State.ExitCode}}'), OOM-killed $(insp '{{.State.OOMKilled}}'), finished $(insp '{{.State.FinishedAt}}' | cut -c1-19 | tr T ' ') UTC"
  fi

  # --- image and version
  img_user=$(docker image inspect -f '{{.Config.User}}' "$image" 2>/dev/null || insp '{{.Config.User}}')
  img_health=$(docker image inspect -f '{{if .Config.Healthcheck}}{{join .Config.Healthcheck.Test " "}}{{end}}' "$image" 2>/dev/null)
  tag=""
  ref=${image%@*}
  [[ ${ref##*/} == *:* ]] && tag=${ref##*:}
  version=unknown; vsrc=""
  case "$tag" in
    4.2|4.2.*|4.2-*) version=4.2; vsrc="tag" ;;
    4.5|4.5.*|4.5-*|5|5.*|5-*) version=4.5-5.x; vsrc="tag" ;;
    6|6.*|6-*) version=6.x; vsrc="tag" ;;
  esac
  if [[ $version == unknown ]]; then
    if [[ $img_user == isaac-sim || $img_user == 1234 || $img_user == 1234:* || $img_user == isaac-sim:* ]]; then
      if [[ $img_health == *AppReady* ]]; then version=6.x; else version=5.x; fi
      vsrc="image config: user $img_user${img_health:+, healthcheck}"
    fi
  fi
  family=$version; [[ $version == 5.x ]] && family=4.5-5.x
  echo "image: $image ($(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null | cut -c8-19)) -> Isaac Sim $version${vsrc:+ (from $vsrc)}"

  # --- user, command, env
  cfg_user=$(insp '{{.Config.User}}')
  line="user: config '${cfg_user}'"
  [[ -z $cfg_user ]] && line="user: config '' (root)"
  if ((running)); then
    uid=$(bounded 10 docker exec "$C" id -u 2>/dev/null | tr -d '\r')
    line+=", id -u in container: ${uid:-unknown}"
  fi
  echo "$line"
  mapfile -t ENTRY < <(insp '{{range .Config.Entrypoint}}{{println .}}{{end}}' | sed '$d')
  mapfile -t CMD < <(insp '{{range .Config.Cmd}}{{println .}}{{end}}' | sed '$d')
  ARGS=("${ENTRY[@]}" "${CMD[@]}")
  echo "entrypoint: ${ENTRY[*]:-(none)}" | mask | clip 400
  echo "args: ${CMD[*]:-(none)}" | mask | clip 1000
  mapfile -t ENV < <(insp '{{range .Config.Env}}{{println .}}{{end}}' | sed '$d')
  shown=()
  envval() { local n=$1 e; for e in "${ENV[@]}"; do [[ ${e%%=*} == "$n" ]] && { printf '%s' "${e#*=}"; return 0; }; done; return 1; }
  for e in "${ENV[@]}"; do
    n=${e%%=*}
    case "$n" in
      ISAACSIM_*|ACCEPT_EULA|PRIVACY_CONSENT|OMNI_ENV_PRIVACY_CONSENT|NVIDIA_VISIBLE_DEVICES) ;;
      *) continue ;;
    esac
    if [[ ${n^^} =~ $SECRET_RE ]]; then shown+=("$n=***"); else shown+=("$e"); fi
  done
  echo "env: ${shown[*]:-(none of ISAACSIM_*, ACCEPT_EULA, PRIVACY_CONSENT, OMNI_ENV_PRIVACY_CONSENT, NVIDIA_VISIBLE_DEVICES)}" | clip 600

  # --- runtime, devices, memory, network, health
  runtime=$(insp '{{.HostConfig.Runtime}}')
  devices=$(insp '{{range .HostConfig.DeviceRequests}}{{.Driver}} count={{.Count}} ids={{join .DeviceIDs ","}} caps={{.Capabilities}} {{end}}' | sed -e 's/count=-1/count=all/g' -e 's/ids= /ids=- /g' -e 's/ $//')
  mem=$(insp '{{.HostConfig.Memory}}')
  netmode=$(insp '{{.HostConfig.NetworkMode}}')
  memtxt="none"; [[ $mem =~ ^[0-9]+$ && $mem -gt 0 ]] && memtxt=$(awk -v m="$mem" 'BEGIN { printf "%.1f GiB", m / 1073741824 }')
  echo "runtime: ${runtime:-default}; device requests: ${devices:-none}; memory limit: $memtxt; network: $netmode"
  health=$(insp '{{if .State.Health}}{{.State.Health.Status}} (failing streak {{.State.Health.FailingStreak}}){{end}}')
  if [[ -n $img_health || -n $health ]]; then
    # The last probe: exit code and its output on one line.
    last_out=$(insp '{{if .State.Health}}{{range .State.Health.Log}}{{"\x1e"}}exit {{.ExitCode}}{{if .Output}}: {{.Output}}{{end}}{{end}}{{end}}' |
      awk 'BEGIN { RS = "\036" } NF { last = $0 } END { gsub(/[[:space:]]+/, " ", last); sub(/ $/, "", last); print last }')
    echo "health: ${health:-none (no probe yet)}${last_out:+; last probe $last_out}" | mask | clip 300
  fi

  # --- mounts
  mapfile -t MOUNTS < <(insp '{{range .Mounts}}{{.Type}}|{{.Source}}|{{.Destination}}|{{.RW}}{{println}}{{end}}' | awk 'NF')
  if ((${#MOUNTS[@]} == 0)); then
    echo "mounts: none"
  else
    echo "mounts:"
    for m in "${MOUNTS[@]}"; do
      IFS='|' read -r mtype msrc mdst mrw <<<"$m"
      extra=""
      [[ $mrw == false ]] && extra+=", ro"
      if [[ -e $msrc ]]; then extra+=", host owner $(stat -c '%u:%g %a' "$msrc" 2>/dev/null)"; fi
      w=""
      if [[ $mdst == /isaac-sim/* ]]; then
        if ((running)); then
          # shellcheck disable=SC2016 # $1 expands in the container's sh
          bounded 10 docker exec -u 1234 "$C" sh -c 'test -w "$1"' sh "$mdst" >/dev/null 2>&1
          case $? in
            0) w="; uid 1234 can write: yes" ;;
            1) w="; uid 1234 can write: NO" ;;
            *) w="; uid 1234 can write: unknown (docker exec failed)" ;;
          esac
        else
          w="; uid 1234 can write: not checked (not running)"
        fi
      fi
      echo "  $msrc -> $mdst ($mtype$extra)$w"
      [[ $w == *": NO" ]] && problem "mount $mdst is not writable by uid 1234 (Isaac Sim 6.x runs as 1234: chown -R 1234:1234 $msrc)"
    done
  fi

  # --- expected ports
  argval() { local key=$1 a v=""; for a in "${ARGS[@]}"; do [[ $a == "$key="* ]] && v=${a#*=}; done; [[ -n $v ]] && printf '%s' "$v"; }
  http=""; http_src=""; sig=""; sig_src=""; media=""; media_src=""
  if v=$(argval --/exts/omni.services.transport.server.http/port); then http=$v; http_src=arg
  elif [[ $family == 4.2 ]]; then http=8211; http_src=default
  elif [[ $family == 4.5-5.x || $family == 6.x ]]; then http=8011; http_src=default; fi
  a_live=$(argval --/app/livestream/port || true)
  a_sig=$(argval --/exts/omni.kit.livestream.app/primaryStream/signalPort || true)
  a_media=$(argval --/exts/omni.kit.livestream.app/primaryStream/streamPort || true)
  e_sig=$(envval ISAACSIM_SIGNAL_PORT || true)
  e_media=$(envval ISAACSIM_STREAM_PORT || true)
  case "$family" in
    4.2|4.5-5.x)
      if [[ -n $a_live ]]; then sig=$a_live; sig_src=arg; else sig=49100; sig_src=default; fi ;;
    6.x)
      if [[ -n $a_sig ]]; then sig=$a_sig; sig_src=arg
      elif [[ -n $e_sig ]]; then sig=$e_sig; sig_src='env'
      else sig=49100; sig_src=default; fi
      if [[ -n $a_media ]]; then media=$a_media; media_src=arg
      elif [[ -n $e_media ]]; then media=$e_media; media_src='env'
      else media=47998; media_src=default; fi ;;
    *)  # unknown version: only what the args/env name explicitly
      if [[ -n $a_sig ]]; then sig=$a_sig; sig_src=arg
      elif [[ -n $e_sig ]]; then sig=$e_sig; sig_src='env'
      elif [[ -n $a_live ]]; then sig=$a_live; sig_src=arg; fi
      if [[ -n $a_media ]]; then media=$a_media; media_src=arg
      elif [[ -n $e_media ]]; then media=$e_media; media_src='env'; fi ;;
  esac
  if ((running)) && [[ $netmode != host ]]; then
    echo "ports: not checked (network $netmode: the host's ss cannot see the container's sockets)"
  elif ((running)); then
    if have ss; then echo "ports (ss on this host):"; else echo "ports (no ss: TCP connect to $HOST, UDP not checked):"; fi
    [[ $family == unknown ]] && echo "  (version unknown: only ports named in the args/env are checked)"
    for p in "$http" "$sig" "$media"; do
      [[ -z $p || $p =~ ^[0-9]+$ ]] || { problem "port setting '$p' is not a number"; }
    done
    if [[ $http =~ ^[0-9]+$ ]]; then
      # Only 4.2 serves its viewer there; in 4.5+ Kit's HTTP services port is not needed to view.
      if [[ $family == 4.2 || $family == unknown ]]; then check_port kit-http tcp "$http" "$http_src" 1 "$id"
      else check_port kit-http tcp "$http" "$http_src" "not needed by the streaming client" "$id"; fi
    fi
    [[ $sig =~ ^[0-9]+$ ]] && check_port signal tcp "$sig" "$sig_src" 1 "$id"
    [[ $media =~ ^[0-9]+$ ]] && check_port media udp "$media" "$media_src" 1 "$id"
  else
    echo "ports: not checked (not running); expected kit-http ${http:-?}, signal ${sig:-?}${media:+, media udp $media}"
  fi

  # --- log: readiness, shaders, errors
  if docker logs "$C" >"$TMP/log" 2>&1; then
    ready=$(grep -aE "$READY_RE" "$TMP/log" | tail -n1 | tr -d '\r')
    nready=$(grep -acE "$READY_RE" "$TMP/log")
    if [[ -n $ready ]]; then
      echo "readiness: found${nready:+ ($nready x)}: $ready" | mask | clip 300
    else
      echo "readiness: no readiness line in $(wc -l <"$TMP/log") log lines"
      ((running)) && problem "running but no readiness line (Isaac Sim Headless WebRTC App is loaded. / Isaac Sim Full Streaming App is loaded. / Simulation App Startup Complete)"
    fi
    waits=$(grep -acE 'Waiting for compilation of ray tracing shaders' "$TMP/log")
    if ((waits > 0)); then
      echo "shaders: $waits x 'Waiting for compilation', last: $(grep -aE 'Waiting for compilation of ray tracing shaders' "$TMP/log" | tail -n1 | tr -d '\r')" | clip 300
    fi
    grep -aE 'Ray tracing shader compilation finished after' "$TMP/log" | tail -n3 | tr -d '\r' | sed 's/^/shaders: /' | clip 300
    grep -aE '\[(Error|Fatal)\]' "$TMP/log" | tail -n10 | tr -d '\r' >"$TMP/errors"
    if [[ -s $TMP/errors ]]; then
      echo "errors (last $(wc -l <"$TMP/errors") of $(grep -acE '\[(Error|Fatal)\]' "$TMP/log") [Error]/[Fatal] lines):"
      mask <"$TMP/errors" | clip 300 | sed 's/^/  /'
    else
      echo "errors: no [Error]/[Fatal] line"
    fi
  else
    echo "log: docker logs failed ($(tail -n1 "$TMP/log" | clip 200); log driver $(insp '{{.HostConfig.LogConfig.Type}}'))"
    ((running)) && problem "running but its log cannot be read, so no readiness line"
  fi

  # --- viewer
  if ! ((running)); then
    echo "viewer: not checked (not running)"
  else
    case "$family" in
      4.2)
        url="http://$HOST:$http/streaming/webrtc-demo/?server=$HOST"
        read -r st _ < <(http_probe "$http" "/streaming/webrtc-demo/?server=$HOST")
        echo "viewer: $url -> HTTP $st"
        [[ $st =~ ^[23] ]] || problem "viewer URL $url not answering (HTTP $st)"
        read -r st loc < <(http_probe "$http" "/streaming/webrtc-client/")
        echo "  /streaming/webrtc-client/ -> HTTP $st${loc:+, Location: $loc} (not followed)"
        kp=$(bounded 10 docker exec "$C" sh -c "grep -o '49[0-9][0-9][0-9]' /isaac-sim/extscache/omni.services.streamclient.webrtc-*/web/js/kit-player.js 2>/dev/null | head -n1" 2>/dev/null | tr -d '\r')
        if [[ -n $kp ]]; then
          echo "  kit-player.js signalling port: $kp"
          [[ $sig =~ ^[0-9]+$ && $kp != "$sig" ]] && problem "kit-player.js signals to $kp but this instance's signalling port is $sig: the web page cannot reach this instance"
        else
          echo "  kit-player.js: not found under /isaac-sim/extscache/omni.services.streamclient.webrtc-*/web/js/"
        fi ;;
      4.5-5.x)
        echo "viewer: desktop Isaac Sim WebRTC Streaming Client -> $HOST:$sig (NVIDIA's client reaches 49100 only)" ;;
      6.x)
        n=$(insp "{{index .Config.Labels \"$INSTANCE_LABEL\"}}")
        [[ $n =~ ^[0-9]+$ ]] || { [[ $name =~ -([0-9]+)$ ]] && n=${BASH_REMATCH[1]}; }
        line="viewer: desktop Isaac Sim WebRTC Streaming Client -> $HOST:$sig"
        if [[ $n =~ ^[0-9]+$ ]]; then
          wv=$((8210 + n))
          read -r st loc < <(http_probe "$wv" /)
          if [[ $st =~ ^[23] ]]; then line+="; web viewer http://$HOST:$wv/ -> HTTP $st${loc:+, Location: $loc}"
          else line+="; no web viewer answers on $HOST:$wv (HTTP $st; optional)"; fi
        fi
        echo "$line" ;;
      *)
        echo "viewer: not checked (Isaac Sim version unknown)" ;;
    esac
  fi
  unset -f insp argval envval
done

echo
echo "gpu-check: $CHECKED container(s) checked, $PROBLEMS problem(s)"
((PROBLEMS == 0))
