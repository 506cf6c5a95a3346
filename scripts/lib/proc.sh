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

# await_answer PID NAME WHERE LOG_FILE PID_FILE TIMEOUT STOP_HINT: poll the caller's `answering`
# until it succeeds. If PID dies first (its pid file is removed) or TIMEOUT seconds pass, show the
# tail of LOG_FILE and fail through the caller's `die`, naming NAME, WHERE and, on a timeout, how
# to stop the still-running process (STOP_HINT).
await_answer() {
  local pid=$1 name=$2 where=$3 log_file=$4 pid_file=$5 timeout=$6 stop_hint=$7
  local deadline=$((SECONDS + timeout))
  until answering; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pid_file"
      echo "--- tail of $log_file ---" >&2; tail -n 30 "$log_file" >&2 || true
      die "$name exited before answering $where"
    fi
    if ((SECONDS >= deadline)); then
      echo "--- tail of $log_file ---" >&2; tail -n 30 "$log_file" >&2 || true
      die "$name (pid $pid) did not answer $where within ${timeout}s (still running; use '$stop_hint')"
    fi
    sleep 0.1
  done
}
