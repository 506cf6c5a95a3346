# Shared by scripts/dockerd.sh and scripts/registry.sh (sourced, not run).
# stop_pid PID GRACE_SECONDS: SIGTERM, wait up to GRACE_SECONDS, then SIGKILL and wait for the
# kernel to reap it. Callers have already checked that PID is theirs.
stop_pid() {
  local pid=$1 grace=$2
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then
      echo "still running after ${grace} s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      break
    fi
    sleep 0.1
  done
}
