#!/usr/bin/env bash
# Runs every test suite and ends with one line: "N passed, N failed".
#   unit     plain Node, no engine
#   engine   against a real Docker engine running the stand-in simulator
#   exthost  the extension-host suite inside a real VS Code (code-server), against the engine;
#            each of its mocha tests counts
#   exthost-via-test-electron
#            the same exthost suite again, launched through @vscode/test-electron's runTests with
#            the code-server launcher as the "VS Code executable" (no desktop VS Code runs here).
#            Not a second suite: it counts as ONE check (the launcher path works and reports the
#            suite's result), so the total does not count the suite's tests twice.
#   ui       playwright + Chromium driving the packaged extension in code-server
#   demo     the README's main command in its smoke mode (DEMO_SMOKE=1)
# Starts (and afterwards stops) a Docker engine if none answers, builds the stand-in image if it
# is missing or changed. In CI (CI=true) a skipped test counts as a failure: nothing may skip there.
set -uo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
mkdir -p .run
rm -f .run/tap-*.txt # each suite writes its own; the recap at the end reads only this run's

bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
node scripts/build.mjs --tests || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

started_dockerd=0
cleanup() {
  docker ps -aq --filter label=dev.isaac-sim-orchestrator.owner=isaac-sim-orchestrator 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1
  for port in 5055 5056 5057; do bash scripts/registry.sh stop "$port" >/dev/null 2>&1; done
  if [[ $started_dockerd == 1 ]]; then bash scripts/dockerd.sh stop >/dev/null 2>&1; fi
}
trap cleanup EXIT
if ! bash scripts/dockerd.sh status >/dev/null 2>&1; then
  bash scripts/dockerd.sh start || { echo "0 passed, 1 failed"; exit 1; }
  started_dockerd=1
fi
bash scripts/build-standin.sh >/dev/null || { echo "stand-in image build failed"; echo "0 passed, 1 failed"; exit 1; }

total_pass=0; total_fail=0; total_skip=0; summary=()
run_suite() { # name, then node --test args; SUITE_LABEL, if set, names it in the summary
  local name=$1; shift
  local label=${SUITE_LABEL:-$name}
  local tap=".run/tap-$name.txt"
  echo "=== suite: $name"
  node --test --enable-source-maps --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="$tap" "$@"
  local rc=$?
  local pass fail skip todo cancelled
  pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1); fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)
  skip=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$tap" | tail -1); todo=$(sed -n 's/^# todo \([0-9]*\)$/\1/p' "$tap" | tail -1)
  cancelled=$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$tap" | tail -1)
  pass=${pass:-0}; fail=$(( ${fail:-0} + ${cancelled:-0} )); skip=$(( ${skip:-0} + ${todo:-0} ))
  # A suite that crashed, or ran nothing, is a failure too.
  if [[ $rc -ne 0 && $fail -eq 0 ]]; then fail=1; fi
  if [[ $pass -eq 0 && $fail -eq 0 ]]; then echo "suite $name ran no test"; fail=1; fi
  if [[ "${CI:-}" == "true" && $skip -gt 0 ]]; then echo "suite $name skipped $skip test(s): not allowed in CI"; fail=$((fail + skip)); fi
  total_pass=$((total_pass + pass)); total_fail=$((total_fail + fail)); total_skip=$((total_skip + skip))
  summary+=("$label: $pass passed, $fail failed, $skip skipped")
}

# Static checks count as tests: a lint or type error fails the run like a failing test.
static_pass=0; static_fail=0
echo "=== suite: static"
if npx --no-install tsc -p . --noEmit; then static_pass=$((static_pass + 1)); echo "✔ typecheck"; else static_fail=$((static_fail + 1)); echo "✖ typecheck"; fi
if npx --no-install eslint src test; then static_pass=$((static_pass + 1)); echo "✔ eslint"; else static_fail=$((static_fail + 1)); echo "✖ eslint"; fi
total_pass=$((total_pass + static_pass)); total_fail=$((total_fail + static_fail))
summary+=("static: $static_pass passed, $static_fail failed, 0 skipped")

run_suite unit out/test/unit/
run_suite engine --test-concurrency=1 out/test/engine/
e2e_suite() { # name, test file under out/test/e2e, summary label
  if [[ -f out/test/e2e/$2.test.js ]]; then SUITE_LABEL=$3 run_suite "$1" --test-concurrency=1 "out/test/e2e/$2.test.js"
  else echo "suite $1 is missing"; total_fail=$((total_fail + 1)); summary+=("$3: missing"); fi
}
e2e_suite exthost exthost exthost
e2e_suite exthost-via-test-electron desktop 'exthost suite again via @vscode/test-electron launcher (1 check, its tests counted once, in exthost)'
e2e_suite ui ui ui
e2e_suite demo demo demo

cleanup; trap - EXIT
# The failed tests again, briefly, next to the summary: a CI log is often read from its tail.
node scripts/lib/tap-failures.mjs .run/tap-unit.txt .run/tap-engine.txt .run/tap-exthost.txt .run/tap-exthost-via-test-electron.txt .run/tap-ui.txt .run/tap-demo.txt
printf '%s\n' "${summary[@]}"
echo "$total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 ]]
