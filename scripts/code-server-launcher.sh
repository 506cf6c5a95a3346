#!/bin/sh
# Stands in for the `code` binary when @vscode/test-electron has no desktop VS Code to start:
#   runTests({ vscodeExecutablePath: 'scripts/code-server-launcher.sh', extensionDevelopmentPath, extensionTestsPath, ... })
# It runs the extension tests in code-server's real extension host instead (test/e2e/launcher.ts),
# prints their output and exits with their exit code. Needs `node scripts/build.mjs --tests` first.
# ISAAC_LAUNCHER_NODE picks the Node that runs it (test/e2e/desktop.ts passes its own); default: node on PATH.
set -eu
REPO="$(cd "$(dirname "$0")/.." && pwd)"
LAUNCHER="$REPO/out/test/e2e/launcher.js"
if [ ! -f "$LAUNCHER" ]; then
  echo "code-server-launcher.sh: $LAUNCHER is missing; run: node scripts/build.mjs --tests" >&2
  exit 1
fi
# exec: test-electron signals (SIGINT on Ctrl+C) and waits for this very pid.
exec "${ISAAC_LAUNCHER_NODE:-node}" "$LAUNCHER" "$@"
