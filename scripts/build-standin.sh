#!/usr/bin/env bash
# Build the Isaac Sim stand-in image (tag in stand-in/IMAGE) from scratch + Debian's static
# busybox. There is no registry here, so the image is always built locally.
#
#   bash scripts/build-standin.sh [--force]
#
# Skips the build when the image exists and its label dev.isaac-sim-orchestrator.standin-hash
# matches the content hash of stand-in/, this script and the busybox binary. Honours
# DOCKER_HOST. Prints the image id on stdout (last line).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$REPO/stand-in"
IMAGE="$(head -n1 "$SRC/IMAGE" | tr -d '[:space:]')"
BUSYBOX="${BUSYBOX:-/bin/busybox}"
LABEL_KEY="dev.isaac-sim-orchestrator.standin-hash"
FORCE=0
case "${1:-}" in
  --force) FORCE=1 ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

log() { echo "build-standin.sh: $*" >&2; }
[[ -n "$IMAGE" ]] || { log "error: stand-in/IMAGE is empty"; exit 1; }
[[ -x "$BUSYBOX" ]] || { log "error: $BUSYBOX missing (apt-get install -y busybox-static)"; exit 1; }

# Content hash: path, mode and content of every file that ends up in the image.
hash_inputs() {
  (cd "$SRC" && find . -type f -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
    printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)"
  done)
  printf 'build-script %s\n' "$(sha256sum <"${BASH_SOURCE[0]}" | cut -d' ' -f1)"
  printf 'busybox %s\n' "$(sha256sum <"$BUSYBOX" | cut -d' ' -f1)"
}
HASH="$(hash_inputs | sha256sum | cut -d' ' -f1)"

current="$(docker image inspect -f "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$IMAGE" 2>/dev/null || true)"
if [[ "$FORCE" == 0 && "$current" == "$HASH" ]]; then
  log "$IMAGE is up to date (hash ${HASH:0:12})"
  docker image inspect -f '{{.Id}}' "$IMAGE"
  exit 0
fi
if [[ -z "$current" ]]; then log "building $IMAGE (image missing)"
elif [[ "$FORCE" == 1 ]]; then log "building $IMAGE (--force)"
else log "building $IMAGE (stand-in changed: ${current:0:12} -> ${HASH:0:12})"; fi

CTX="$(mktemp -d)"
trap 'rm -rf "$CTX"' EXIT
R="$CTX/rootfs"
mkdir -p "$R/bin" "$R/usr/bin" "$R/etc" "$R/tmp" "$R/isaac-sim/standin/cgi-bin" "$R/root"
chmod 1777 "$R/tmp"
cp "$BUSYBOX" "$R/bin/busybox"
# Only the applets the scripts (and a person using `docker exec`) need.
for applet in sh ash awk cat cp cut date echo env grep head httpd id kill ln ls mkdir mv \
              nc printf ps rm rmdir sed sleep tail test timeout tr true false usleep wc; do
  ln -s busybox "$R/bin/$applet"
done
ln -s /bin/env "$R/usr/bin/env"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\n' >"$R/etc/group"

install -m 755 "$SRC/runheadless.webrtc.sh" "$R/isaac-sim/runheadless.webrtc.sh"
# Other Isaac Sim launchers (4.5+ headless/native) start the same stand-in.
ln -s runheadless.webrtc.sh "$R/isaac-sim/runheadless.sh"
ln -s runheadless.webrtc.sh "$R/isaac-sim/runheadless.native.sh"
install -m 644 "$SRC/web/index.html" "$R/isaac-sim/standin/index.html"
install -m 755 "$SRC"/cgi-bin/* "$R/isaac-sim/standin/cgi-bin/"
cp "$SRC/Dockerfile" "$CTX/Dockerfile"

# The legacy builder needs no buildx plugin (none is installed here) and copies modes as-is.
# Its output (incl. a deprecation notice) is shown only when the build fails.
if ! build_log="$(DOCKER_BUILDKIT=0 docker build -q --label "$LABEL_KEY=$HASH" -t "$IMAGE" "$CTX" 2>&1)"; then
  printf '%s\n' "$build_log" >&2
  log "error: docker build failed"
  exit 1
fi
log "built $IMAGE (hash ${HASH:0:12})"
docker image inspect -f '{{.Id}}' "$IMAGE"
