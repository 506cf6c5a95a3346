#!/usr/bin/env bash
# Installs what the tests and the demo need, once; a second run changes nothing.
#   - Debian packages: docker.io (engine), busybox-static (stand-in image), chromium (UI tests)
#   - npm dependencies of the extension (npm ci)
# Needs root (or sudo) only when a Debian package is missing.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed" || missing+=(busybox-static)
if ((${#missing[@]})); then
  echo "setup.sh: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup.sh: error: need root to install ${missing[*]} (run: sudo apt-get install -y ${missing[*]})" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm ci only when the installed tree does not match the lock file.
if [[ ! -f node_modules/.package-lock.json ]] || ! cmp -s <(node -e 'const l=require("./package-lock.json");console.log(JSON.stringify(Object.keys(l.packages).sort()))') \
    <(node -e 'const l=require("./node_modules/.package-lock.json");console.log(JSON.stringify(Object.keys(l.packages).map(k=>k).concat([""]).sort()))'); then
  echo "setup.sh: npm ci"
  npm ci --no-audit --no-fund
fi
