#!/usr/bin/env bash
# Installs what the tests and the demo need, once; a second run changes nothing.
#   - Debian packages: docker.io (engine), busybox-static (stand-in image), chromium (UI tests),
#     docker-registry (a local registry for the image pull tests), apache2-utils (htpasswd, for
#     the registry that needs a login in the credentials tests), openssl and openssh-server (the
#     engine tests that reach a daemon over TLS and ssh://), advancecomp (advzip: the .vsix recompressed)
#   - npm dependencies of the extension (npm ci)
#   - code-server and its Node 24, in their own folder vscode-server/ (scripts/code-server.sh)
# Needs root (or sudo) only when a Debian package is missing.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed" || missing+=(busybox-static)
# openssl (certificates) and openssh-server (/usr/sbin/sshd): the engine tests that reach a daemon over TLS and ssh://.
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[[ -x /usr/sbin/sshd ]] || missing+=(openssh-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
dpkg-query -W -f='${Status}' apache2-utils 2>/dev/null | grep -q "install ok installed" || missing+=(apache2-utils)
# advzip recompresses the .vsix (scripts/recompress-vsix.mjs), so the benchmark measures the shipped size.
command -v advzip >/dev/null 2>&1 || missing+=(advancecomp)
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

# npm ci only when the lock file changed since the last install (a stamp holds its hash).
stamp=node_modules/.setup-lock-hash
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  echo "setup.sh: npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

bash scripts/code-server.sh install
