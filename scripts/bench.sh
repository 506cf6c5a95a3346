#!/usr/bin/env bash
# The benchmark (npm run bench): speed, request and size figures of the extension, each printed next
# to the peer's (Microsoft Container Tools, measured the same way); JSON in .run/bench.json.
# See test/bench/README.md for what each figure means.
#
#   npm run bench                                                # 5 min idle window (like the peer's): ~20 min
#   BENCH_IDLE_SECONDS=60 BENCH_ACTIVATION_RUNS=3 npm run bench  # quicker
#   BENCH_ACTIVATION_RUNS=5 BENCH_TRIALS=10 BENCH_PORT=NNNN      # the other knobs (defaults shown; port: a free one)
#   BENCH_CLICK_RUNS=5 BENCH_PARALLEL_ROUNDS=3 BENCH_SCALE=1,8,32 BENCH_SCALE_TRIALS=5 BENCH_SCALE_IDLE_SECONDS=30
#   BENCH_LIMITS_RUNS=3                                          # samples per repeated time-limit figure
#   BENCH_ONLY=limits npm run bench                              # only the time limits (test/bench/limits.ts), no
#                                                                # VS Code, no .vsix, no log benchmark: ~1 min; its
#                                                                # .run/bench.json has ours.limits only
#   BENCH_ONLY=activation npm run bench                          # only the activation and click runs (packaged .vsix,
#                                                                # code-server; no manager, parallel, limits, main,
#                                                                # scale or log runs): a few minutes
#   BENCH_ONLY=log npm run bench                                 # only the log run (.run/bench-logs.json): ~2 min
# Afterwards `node scripts/bench-figures.mjs` writes the README's table and test/bench/scale-*.png from
# .run/bench.json (this script does not touch committed files).
#
# Like the tests, it installs what is missing, starts a Docker engine if none answers (and stops it
# again), builds the stand-in image if missing, packages the .vsix (npm run package), and stops
# everything it started, also on failure or Ctrl-C.
# Engine: with DOCKER_HOST unset (and as root) it runs a Docker engine of its own (scripts/dockerd.sh
# with DOCKER_HOST=unix:///tmp/isaac-bench/docker.sock, DOCKERD_DATA_ROOT=/tmp/isaac-bench/data), so
# that tests running beside it (which create and remove isaac-sim-instance-N, and remove every
# container carrying the extension's label) neither disturb its figures nor are disturbed. With
# DOCKER_HOST set it uses that engine; it refuses to start if isaac-sim-instance-0..31 exist there
# (the scale runs use up to 32 instances).
# Exits non-zero only when the harness fails, not when a figure is slow.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
RUN="$REPO/.run/bench"
mkdir -p "$RUN"

log() { echo "bench.sh: $*" >&2; }
die() { echo "bench.sh: error: $*" >&2; exit 1; }
[[ -z "${BENCH_ONLY:-}" || "${BENCH_ONLY}" == limits || "${BENCH_ONLY}" == activation || "${BENCH_ONLY}" == log ]] || die "BENCH_ONLY=${BENCH_ONLY}: the parts that run alone are \"limits\", \"activation\" and \"log\""

# One benchmark at a time: a second one would fight over .run/bench and the instances.
exec 8>"$RUN/bench.lock"
flock -n 8 || die "another benchmark is running (lock $RUN/bench.lock)"

started_dockerd=0
driver_pid=""
cleanup() {
  trap '' INT TERM
  if [[ -n "$driver_pid" ]] && kill -0 "$driver_pid" 2>/dev/null; then
    kill -TERM "$driver_pid" 2>/dev/null || true
    wait "$driver_pid" 2>/dev/null || true
  fi
  # Backstop: the benchmark's instances (their data folder is under .run/bench), nobody else's.
  if docker info >/dev/null 2>&1; then
    local id ids=()
    for id in $(docker ps -aq --filter label=dev.isaac-sim-orchestrator.owner=isaac-sim-orchestrator 2>/dev/null || true); do
      docker inspect -f '{{range .HostConfig.Binds}}{{println .}}{{end}}' "$id" 2>/dev/null | grep -q "^$RUN/isaac-sim-data/" && ids+=("$id")
    done
    if ((${#ids[@]})); then docker rm -f "${ids[@]}" >/dev/null 2>&1 || true; fi
    ids=($(docker ps -aq --filter label=dev.isaac-sim-orchestrator.bench=limits 2>/dev/null || true)) # limitsStandin.ts
    if ((${#ids[@]})); then docker rm -f "${ids[@]}" >/dev/null 2>&1 || true; fi
  fi
  if ((started_dockerd)); then
    log "stopping the Docker engine the benchmark started"
    bash scripts/dockerd.sh stop >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# Runs a driver in the background (so Ctrl-C reaches cleanup, which stops it) and waits for it; its exit code in $rc.
rc=0
run_driver() {
  "$@" 8>&- &
  driver_pid=$!
  set +e
  wait "$driver_pid"
  rc=$?
  set -e
  driver_pid=""
}
trap 'exit 130' INT TERM

own_engine=0
if [[ -z "${DOCKER_HOST:-}" && $(id -u) -eq 0 ]]; then
  export DOCKER_HOST=unix:///tmp/isaac-bench/docker.sock DOCKERD_DATA_ROOT=/tmp/isaac-bench/data
  own_engine=1
  log "using a Docker engine of its own on $DOCKER_HOST (set DOCKER_HOST to use another)"
fi

log "installing what is missing (scripts/setup.sh)"
bash scripts/setup.sh >&2

if ((own_engine)) || ! bash scripts/dockerd.sh status >/dev/null 2>&1; then
  # Our own engine is always stopped at the end, also when an interrupted run left it running
  # (dockerd.sh stops only a daemon whose pid file it wrote).
  bash scripts/dockerd.sh start 8>&- >&2 # the daemon must not hold the lock
  started_dockerd=1
fi
bash scripts/build-standin.sh >/dev/null

if [[ "${BENCH_ONLY:-}" == limits ]]; then
  log "BENCH_ONLY=limits: only the time-limit figures (test/bench/limitsOnly.ts)"
  npx --no-install esbuild test/bench/limitsOnly.ts --bundle --platform=node --format=cjs --target=node20 \
    --packages=external --log-level=warning --outfile="$RUN/limitsOnly.js"
  run_driver env BENCH_RUN_DIR="$RUN" node "$RUN/limitsOnly.js"
  exit "$rc"
fi

if [[ "${BENCH_ONLY:-}" != log ]]; then
  log "packaging the extension (npm run package)"
  npm run package >"$RUN/package.log" 2>&1 </dev/null || { cat "$RUN/package.log" >&2; die "npm run package failed"; }
  cp .run/isaac-sim-orchestrator.vsix "$RUN/isaac-sim-orchestrator.vsix"

  # The driver and the extension-host side, bundled from test/bench (no full test build needed).
  # Packages stay external: they load from node_modules, and `vscode` from the extension host.
  rm -rf "$RUN/harness"
  mkdir -p "$RUN/harness"
  npx --no-install esbuild test/bench/bench.ts --bundle --platform=node --format=cjs --target=node20 \
    --packages=external --log-level=warning --outfile="$RUN/bench.js"
  npx --no-install esbuild test/bench/suite/activation.ts test/bench/suite/main.ts test/bench/suite/click.ts test/bench/suite/scale.ts --bundle --platform=node \
    --format=cjs --target=node20 --packages=external --log-level=warning --outdir="$RUN/harness"

  run_driver env BENCH_VSIX="$RUN/isaac-sim-orchestrator.vsix" BENCH_HARNESS="$RUN/harness" BENCH_RUN_DIR="$RUN" node "$RUN/bench.js"
  [[ $rc -eq 0 ]] || exit "$rc"
  [[ "${BENCH_ONLY:-}" != activation ]] || exit 0
fi


# The log path (test/bench/logThroughput.ts): 1 M lines through our follower beside `docker logs -f`,
# on the same engine; it writes .run/bench-logs.json, which scripts/bench-figures.mjs reads too.
# On 2 or more CPUs, with the engine this script started, the followers get a CPU of their own: the
# engine (dockerd, containerd and what they start from now on: the instance's shim and its
# producer) goes on CPUs 1..N-1, the benchmark process and the CLI follower it spawns on CPU 0. On a shared
# 2-CPU machine the producer, the engine and the CLI otherwise keep a runnable extension host off
# the CPU for up to ~260 ms, which is the machine's delay and not our code's. An engine we did not
# start is never re-pinned: then the run shares the CPUs, and the JSON's cpuPlacement says so.
log "log throughput: 1,000,000 lines, ours beside docker logs -f"
npx --no-install esbuild test/bench/logThroughput.ts --bundle --platform=node --format=cjs --target=node20 \
  --packages=external --log-level=warning --outfile="$RUN/logThroughput.js"
log_env=(BENCH_REPO="$REPO")
log_cmd=(node "$RUN/logThroughput.js")
cpus="$(nproc)"
engine_pid="$(cat "${DOCKERD_DATA_ROOT%/}.run/dockerd.pid" 2>/dev/null || true)"
if ((started_dockerd && own_engine && cpus >= 2)) && command -v taskset >/dev/null && [[ "$engine_pid" =~ ^[0-9]+$ ]]; then
  others=1
  ((cpus == 2)) || others="1-$((cpus - 1))"
  pin_tree() { # $1 pid: it and its descendants, every thread
    taskset -a -p -c "$others" "$1" >/dev/null 2>&1 || true
    local child
    for child in $(pgrep -P "$1" 2>/dev/null || true); do pin_tree "$child"; done
  }
  pin_tree "$engine_pid"
  log "log run: engine (pid $engine_pid) on CPUs $others, the benchmark on CPU 0"
  log_env+=(BENCH_LOG_OTHER_CPUS="$others" BENCH_LOG_ENGINE_PID="$engine_pid")
  log_cmd=(taskset -c 0 "${log_cmd[@]}")
fi
run_driver env "${log_env[@]}" "${log_cmd[@]}"
exit "$rc"
