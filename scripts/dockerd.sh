#!/usr/bin/env bash
# Start/stop/query a local Docker Engine for development and tests.
#
#   bash scripts/dockerd.sh start   # reuse a daemon that already answers, else start one
#   bash scripts/dockerd.sh stop    # stop only a daemon that THIS script started
#   bash scripts/dockerd.sh status  # exit 0 when a daemon answers
#
# Environment:
#   DOCKER_HOST        socket to use/serve (default unix:///var/run/docker.sock)
#   DOCKERD_DATA_ROOT  when set, run an isolated daemon: --data-root here, and
#                      --exec-root/--pidfile under the run dir (see DOCKERD_RUN_DIR)
#   DOCKERD_RUN_DIR    where our pid file and log go (default <repo>/.run, or
#                      "$DOCKERD_DATA_ROOT.run" for an isolated daemon so that it
#                      never collides with the main daemon's files)
#   DOCKERD_TIMEOUT    seconds to wait for the daemon to answer (default 60)
#   DOCKERD_EXTRA_ARGS more dockerd flags, split on spaces (e.g. "--live-restore", which
#                      keeps containers running while the daemon is down or restarts)
#
# The daemon runs with no bridge network and no iptables rules: this machine allows
# loopback traffic only, and every container uses host networking anyway.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=lib/proc.sh
source "$REPO/scripts/lib/proc.sh"
HOST="${DOCKER_HOST:-unix:///var/run/docker.sock}"
if [[ -n "${DOCKERD_DATA_ROOT:-}" ]]; then
  RUN_DIR="${DOCKERD_RUN_DIR:-${DOCKERD_DATA_ROOT%/}.run}"
else
  RUN_DIR="${DOCKERD_RUN_DIR:-$REPO/.run}"
fi
PID_FILE="$RUN_DIR/dockerd.pid"
LOG_FILE="$RUN_DIR/dockerd.log"
TIMEOUT="${DOCKERD_TIMEOUT:-60}"

log() { echo "dockerd.sh: $*"; }
die() { echo "dockerd.sh: error: $*" >&2; exit 1; }

answering() {
  # `docker info` exits non-zero when the daemon cannot be reached.
  timeout 10 docker --host "$HOST" info >/dev/null 2>&1
}

# Our pid, but only if that process is still a dockerd (guards against pid reuse).
our_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'dockerd' || return 1
  echo "$pid"
}

cmd_start() {
  if answering; then
    if pid="$(our_pid)"; then
      log "daemon already running on $HOST (started by us, pid $pid)"
    else
      log "a daemon already answers on $HOST; reusing it (not started by us, not managed)"
    fi
    return 0
  fi
  command -v dockerd >/dev/null || die "dockerd not found (apt-get install -y docker.io)"
  if pid="$(our_pid)"; then
    die "our dockerd (pid $pid) is running but does not answer on $HOST; see $LOG_FILE or run 'stop'"
  fi

  mkdir -p "$RUN_DIR"
  local args=(--bridge=none --iptables=false -H "$HOST")
  local extra=()
  read -r -a extra <<<"${DOCKERD_EXTRA_ARGS:-}"
  args+=("${extra[@]}")
  if [[ -n "${DOCKERD_DATA_ROOT:-}" ]]; then
    mkdir -p "$DOCKERD_DATA_ROOT" "$RUN_DIR/exec"
    # exec-root holds containerd's unix sockets (108-byte path limit): keep the run dir short.
    args+=(--data-root "$DOCKERD_DATA_ROOT" --exec-root "$RUN_DIR/exec" --pidfile "$RUN_DIR/docker.pid")
  fi
  if [[ "$HOST" == unix://* ]]; then
    mkdir -p "$(dirname "${HOST#unix://}")"
  fi

  log "starting dockerd ${args[*]} (log: $LOG_FILE)"
  # setsid: the daemon must outlive this shell and the job that ran it. dockerd starts
  # its own managed containerd when no system containerd socket exists.
  setsid dockerd "${args[@]}" >"$LOG_FILE" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PID_FILE"

  await_answer "$pid" dockerd "on $HOST" "$LOG_FILE" "$PID_FILE" "$TIMEOUT" stop
  log "dockerd ready on $HOST (pid $pid, server $(docker --host "$HOST" version --format '{{.Server.Version}}' 2>/dev/null || echo '?'))"
}

cmd_stop() {
  local pid
  if ! pid="$(our_pid)"; then
    if [[ -f "$PID_FILE" ]]; then
      log "stale pid file removed (process gone)"
      rm -f "$PID_FILE"
    else
      log "no daemon started by us (no $PID_FILE); nothing to stop"
    fi
    return 0
  fi
  log "stopping dockerd (pid $pid)"
  stop_pid "$pid" 20
  rm -f "$PID_FILE"
  # dockerd leaves its netns bind mount under the exec-root and a private bind mount of the
  # data root itself; for an isolated daemon both are ours, so release them to let callers
  # delete the folders.
  if [[ -n "${DOCKERD_DATA_ROOT:-}" ]]; then
    local mnt data="${DOCKERD_DATA_ROOT%/}"
    while read -r _ mnt _; do
      [[ "$mnt" == "$RUN_DIR/exec/"* || "$mnt" == "$data" || "$mnt" == "$data/"* ]] && umount -l "$mnt" 2>/dev/null || true
    done < <(tac /proc/self/mounts)
  fi
  log "stopped"
}

cmd_status() {
  if answering; then
    log "answering on $HOST"
    return 0
  fi
  log "not answering on $HOST"
  return 1
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
