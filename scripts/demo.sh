#!/usr/bin/env bash
# The one-command demo: Isaac Sim Orchestrator in a real VS Code (code-server, in your browser),
# managing two instances of the project's stand-in simulator on a local Docker engine.
#
#   npm run demo                 # or: bash scripts/demo.sh; then open the printed URL; Ctrl-C stops it
#   DEMO_PORT=9000 npm run demo  # another port (default 8080; always bound to 127.0.0.1)
#   DEMO_SMOKE=1 npm run demo    # start everything, check it, print "demo ok", stop everything
#
# On a fresh Debian machine with Docker installed it: installs what is missing (scripts/setup.sh,
# scripts/code-server.sh install), builds and packages the extension (.run/isaac-sim-orchestrator.vsix),
# starts a Docker engine if none answers, builds the stand-in image if missing, and starts
# code-server with the .vsix installed, the sample workspace open, and USER settings that point
# the extension at the stand-in (a workspace may not choose what runs on the machine).
# On exit it stops exactly what it started: code-server, the extension's containers, and the
# Docker engine if it started one. Everything it writes is under .run/demo/.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

RUN="$REPO/.run/demo"
PORT="${DEMO_PORT:-8080}"
SMOKE="${DEMO_SMOKE:-0}"
VSIX="$REPO/.run/isaac-sim-orchestrator.vsix"
WORKSPACE="$REPO/test/e2e/sample-workspace"
OWNER_LABEL="dev.isaac-sim-orchestrator.owner=isaac-sim-orchestrator"
EXTENSION_ID="isaac-sim-orchestrator.isaac-sim-orchestrator"

log() { echo "demo: $*"; }
die() { echo "demo: error: $*" >&2; exit 1; }
step() { echo; echo "demo: == $*"; }

[[ "$PORT" =~ ^[0-9]+$ ]] && ((PORT > 0 && PORT < 65536)) || die "DEMO_PORT must be a port number, not '$PORT'"
mkdir -p "$RUN"
# One demo at a time: a second one would fight over .run/demo and the containers.
exec 8>"$RUN/demo.lock"
flock -n 8 || die "another demo is running (lock $RUN/demo.lock); stop it first (Ctrl-C in its terminal)"

started_dockerd=0
runner_pid=""
cleaned=0
cleanup() {
  ((cleaned)) && return 0
  cleaned=1
  trap '' INT TERM
  echo
  if [[ -n "$runner_pid" ]] && kill -0 "$runner_pid" 2>/dev/null; then
    log "stopping code-server"
    kill -TERM "$runner_pid" 2>/dev/null || true
    wait "$runner_pid" 2>/dev/null || true
  fi
  # Backstop in case the runner died without stopping its server: kill code-server's process group.
  if [[ -f "$RUN/code-server.pid" ]]; then
    local pid
    pid="$(cat "$RUN/code-server.pid")"
    if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q code-server; then
      log "code-server (pid $pid) still running; killing its process group"
      kill -KILL -- "-$pid" 2>/dev/null || true
    fi
    rm -f "$RUN/code-server.pid"
  fi
  if docker info >/dev/null 2>&1; then
    # The extension's containers (owner label) that are the demo's: they mount its data folder.
    # Others on a shared engine (a test run, your own instances) are left alone.
    local id ids=()
    for id in $(docker ps -aq --filter "label=$OWNER_LABEL" 2>/dev/null || true); do
      docker inspect -f '{{range .HostConfig.Binds}}{{println .}}{{end}}' "$id" 2>/dev/null \
        | grep -q "^$RUN/isaac-sim-data/" && ids+=("$id")
    done
    if ((${#ids[@]})); then
      log "removing the demo's containers: ${ids[*]}"
      docker rm -f "${ids[@]}" >/dev/null 2>&1 || true
    fi
  fi
  if ((started_dockerd)); then
    log "stopping the Docker engine the demo started"
    bash scripts/dockerd.sh stop >/dev/null 2>&1 || true
  fi
  log "stopped"
}
trap cleanup EXIT
# A signal ends the demo: the EXIT trap stops everything. Once the demo is up, Ctrl-C is how it
# ends, not a failure.
up=0
trap 'exit $((up ? 0 : 130))' INT TERM

step "installing what is missing (scripts/setup.sh)"
bash scripts/setup.sh

step "building and packaging the extension (npm run package: the package users get)"
npm run package </dev/null >"$RUN/package.log" 2>&1 || { cat "$RUN/package.log" >&2; die "npm run package failed"; }
log "packaged $VSIX ($(stat -c %s "$VSIX") bytes)"

step "Docker engine"
if bash scripts/dockerd.sh status >/dev/null 2>&1; then
  log "using the Docker engine that already answers"
else
  bash scripts/dockerd.sh start 8>&- # the daemon must not hold the demo's lock
  started_dockerd=1
fi
IMAGE="$(head -n1 stand-in/IMAGE | tr -d '[:space:]')"
bash scripts/build-standin.sh >/dev/null
log "stand-in image $IMAGE ready"

step "VS Code (code-server)"
bash scripts/code-server.sh install
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  die "port $PORT on 127.0.0.1 is in use; choose another with DEMO_PORT=NNNN"
fi

# code-server is started and stopped by test/e2e/host.ts, the same code the end-to-end tests use,
# bundled on the fly so the demo needs no test build.
npx --no-install esbuild test/e2e/host.ts --bundle --platform=node --format=cjs --target=node20 \
  --external:playwright-core --log-level=warning --outfile="$RUN/host.js"
rm -rf "$RUN/code-server"
mkdir -p "$RUN/isaac-sim-data"

DEMO_HOST_JS="$RUN/host.js" DEMO_RUN="$RUN" DEMO_PORT="$PORT" DEMO_IMAGE="$IMAGE" DEMO_VSIX="$VSIX" \
DEMO_WORKSPACE="$WORKSPACE" DEMO_SMOKE="$SMOKE" DEMO_EXTENSION_ID="$EXTENSION_ID" node - <<'EOF' &
const fs = require('node:fs');
const path = require('node:path');
const host = require(process.env.DEMO_HOST_JS);
const env = process.env;
let server;
let stopRequested = false;
async function shutdown(code) {
  stopRequested = true;
  if (!server) return; // still starting: stopped right after start
  const s = server;
  server = undefined;
  await s.stop();
  fs.rmSync(path.join(env.DEMO_RUN, 'code-server.pid'), { force: true });
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

(async () => {
  const runDir = path.join(env.DEMO_RUN, 'code-server');
  server = await host.startCodeServer({
    workspace: env.DEMO_WORKSPACE,
    runDir,
    port: Number(env.DEMO_PORT),
    vsix: env.DEMO_VSIX,
    settings: {
      'isaacSim.image': env.DEMO_IMAGE,
      'isaacSim.runtime': '',
      'isaacSim.gpus': 'none',
      'isaacSim.memoryLimitGiB': 2,
      'isaacSim.hostDataRoot': path.join(env.DEMO_RUN, 'isaac-sim-data'),
      'isaacSim.instanceCount': 2,
      'isaacSim.env': { STANDIN_STEP_SECONDS: '0.3' },
    },
  });
  fs.writeFileSync(path.join(env.DEMO_RUN, 'code-server.pid'), String(server.pid));
  if (stopRequested) return shutdown(0);
  const line = '='.repeat(72);
  console.log(`\n${line}\n  Isaac Sim Orchestrator demo is running.\n\n  Open in your browser:  ${server.url}\n\n` +
    `  Then click the "Isaac Sim" icon in the activity bar and press "Start All Instances".\n` +
    `  Press Ctrl-C here to stop everything.   (logs: ${server.logFile})\n${line}\n`);
  if (env.DEMO_SMOKE === '1') {
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    if (!res.ok) throw new Error(`/healthz answered ${res.status}`);
    console.log(`demo: /healthz: ${JSON.stringify(await res.json())}`);
    const extensions = await host.listInstalledExtensions(server);
    const wanted = env.DEMO_EXTENSION_ID;
    if (!extensions.some((e) => e.toLowerCase() === wanted.toLowerCase())) {
      throw new Error(`${wanted} is not installed (code-server --list-extensions: ${extensions.join(', ') || 'none'})`);
    }
    console.log(`demo: installed extensions: ${extensions.join(', ')}`);
    console.log('demo ok');
    await shutdown(0);
  } else {
    setInterval(() => undefined, 1 << 30); // wait for SIGINT/SIGTERM
  }
})().catch(async (err) => {
  console.error(`demo: error: ${err instanceof Error ? err.message : err}`);
  if (server) await server.stop().catch(() => undefined);
  process.exit(1);
});
EOF
runner_pid=$!
up=1
set +e
wait "$runner_pid"
rc=$?
set -e
runner_pid=""
exit "$rc"
