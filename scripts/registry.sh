#!/usr/bin/env bash
# Start/stop/query a local container registry (the distribution v2 registry from Debian's
# `docker-registry` package) on 127.0.0.1, for tests of image pulls. It is our own process with
# our own config, never the package's systemd service.
#
#   bash scripts/registry.sh start [PORT]   # default port 5055; waits until /v2/ answers
#   bash scripts/registry.sh stop [PORT]    # stops only the registry that THIS script started
#   bash scripts/registry.sh status [PORT]  # exit 0 when our registry runs and answers
#
# Files (default port):  .run/registry.pid, .run/registry/config.yml, .run/registry/data/,
#                        .run/registry/log
# Another port gets its own: .run/registry-PORT.pid and .run/registry-PORT/.
#
# Environment:
#   REGISTRY_HTPASSWD  path of an htpasswd file (bcrypt entries): the registry then requires
#                      basic auth (used to test "unauthorized" pulls and credentials). Plain
#                      HTTP on loopback only, so this is for tests, never for real secrets.
#   REGISTRY_TIMEOUT   seconds to wait for /v2/ to answer (default 30)
#
# Docker treats 127.0.0.0/8 registries as insecure-allowed, so `docker push 127.0.0.1:PORT/x`
# works over plain HTTP without any daemon configuration.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/proc.sh
source "$REPO/scripts/lib/proc.sh"
DEFAULT_PORT=5055
CMD="${1:-}"
PORT="${2:-$DEFAULT_PORT}"
TIMEOUT="${REGISTRY_TIMEOUT:-30}"

log() { echo "registry.sh: $*"; }
die() { echo "registry.sh: error: $*" >&2; exit 1; }

[[ "$PORT" =~ ^[0-9]+$ ]] && ((PORT >= 1 && PORT <= 65535)) || die "invalid port '$PORT'"

if [[ "$PORT" == "$DEFAULT_PORT" ]]; then
  STATE_DIR="$REPO/.run/registry"
  PID_FILE="$REPO/.run/registry.pid"
else
  STATE_DIR="$REPO/.run/registry-$PORT"
  PID_FILE="$REPO/.run/registry-$PORT.pid"
fi
CONFIG="$STATE_DIR/config.yml"
DATA_DIR="$STATE_DIR/data"
LOG_FILE="$STATE_DIR/log"
URL="http://127.0.0.1:$PORT/v2/"

# HTTP status of GET /v2/ ("000" when nothing answers). 200 = open registry, 401 = auth required.
probe() {
  curl -s -o /dev/null -w '%{http_code}' --noproxy '*' --max-time 2 "$URL" 2>/dev/null || true
}

answering() {
  local code
  code="$(probe)"
  [[ "$code" == 200 || "$code" == 401 ]]
}

# Someone listens on 127.0.0.1:PORT (or on every address at PORT)?
port_taken() {
  ss -Hltn "( sport = :$PORT )" 2>/dev/null | grep -q .
}

# Our pid, but only if that process is still a docker-registry serving our config (guards
# against pid reuse and against ever touching the package's own service).
our_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  [[ "$cmdline" == *docker-registry*"$CONFIG"* ]] || return 1
  echo "$pid"
}

ensure_installed() {
  command -v docker-registry >/dev/null && return 0
  [[ "$(id -u)" == 0 ]] || die "docker-registry is not installed; run as root: apt-get install -y docker-registry"
  log "installing Debian's docker-registry package"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-registry >"$REPO/.run/registry-install.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update >>"$REPO/.run/registry-install.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends docker-registry >>"$REPO/.run/registry-install.log" 2>&1 ||
      { tail -n 20 "$REPO/.run/registry-install.log" >&2; die "apt-get install docker-registry failed"; }
  fi
  command -v docker-registry >/dev/null || die "docker-registry still missing after apt-get install"
}

write_config() {
  local auth=""
  if [[ -n "${REGISTRY_HTPASSWD:-}" ]]; then
    [[ -f "$REGISTRY_HTPASSWD" ]] || die "REGISTRY_HTPASSWD=$REGISTRY_HTPASSWD is not a file"
    # A missing htpasswd file would make the registry invent a user; it must exist (checked above).
    auth="auth:
  htpasswd:
    realm: isaac-sim-orchestrator-test
    path: $(realpath "$REGISTRY_HTPASSWD")"
  fi
  cat >"$CONFIG" <<EOF
# Written by scripts/registry.sh; rewritten on every start.
version: 0.1
log:
  level: info
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $DATA_DIR
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$PORT
  headers:
    X-Content-Type-Options: [nosniff]
$auth
EOF
}

cmd_start() {
  mkdir -p "$REPO/.run"
  if pid="$(our_pid)"; then
    if answering; then
      log "already running on 127.0.0.1:$PORT (started by us, pid $pid)"
      return 0
    fi
    die "our registry (pid $pid) runs but does not answer at $URL; see $LOG_FILE or run 'stop $PORT'"
  fi
  rm -f "$PID_FILE"
  if port_taken || [[ "$(probe)" != 000 ]]; then
    die "port $PORT is taken by another process ($(ss -Hltnp "( sport = :$PORT )" 2>/dev/null | head -n1 | tr -s ' ')); pick another port"
  fi
  ensure_installed
  mkdir -p "$DATA_DIR"
  write_config

  log "starting docker-registry on 127.0.0.1:$PORT (config: $CONFIG, log: $LOG_FILE)"
  # setsid: the registry must outlive this shell and the job that ran it. The working directory
  # is the state dir so nothing lands in the caller's folder.
  (cd "$STATE_DIR" && exec setsid docker-registry serve "$CONFIG" >"$LOG_FILE" 2>&1 </dev/null) &
  local pid=$!
  echo "$pid" >"$PID_FILE"

  await_answer "$pid" docker-registry "at $URL" "$LOG_FILE" "$PID_FILE" "$TIMEOUT" "stop $PORT"
  log "registry ready at $URL (pid $pid${REGISTRY_HTPASSWD:+, basic auth})"
}

cmd_stop() {
  local pid
  if ! pid="$(our_pid)"; then
    if [[ -f "$PID_FILE" ]]; then
      log "stale pid file removed (process gone)"
      rm -f "$PID_FILE"
    else
      log "no registry started by us on port $PORT; nothing to stop"
    fi
    return 0
  fi
  log "stopping docker-registry (pid $pid)"
  stop_pid "$pid" 10
  rm -f "$PID_FILE"
  log "stopped"
}

cmd_status() {
  local pid
  if pid="$(our_pid)" && answering; then
    log "running on 127.0.0.1:$PORT (pid $pid)"
    return 0
  fi
  if pid="$(our_pid)"; then
    log "our registry (pid $pid) runs but does not answer at $URL"
  else
    log "no registry of ours on port $PORT"
  fi
  return 1
}

case "$CMD" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status [PORT]" >&2; exit 2 ;;
esac
