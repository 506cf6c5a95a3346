#!/usr/bin/env bash
# Build the Isaac Sim stand-in images (tags in stand-in/IMAGE) from scratch + Debian's static
# busybox: one context, one Dockerfile, one stage per Isaac Sim version:
#   isaac-sim-standin:4.2.0  isaac-sim-standin:5.1.0  isaac-sim-standin:6.0.1
# and isaac-sim-standin:latest = the 4.2.0 image (older readers take line 1 of stand-in/IMAGE);
# plus isaac-sim-standin-web-viewer-base:1, the FROM of the stand-in web viewer build context
# stand-in/web-viewer (which the extension and the tests build, per port set; not built here).
# There is no registry here, so the images are always built locally.
#
#   bash scripts/build-standin.sh [--force]
#
# Skips the build when every tag exists and carries the label dev.isaac-sim-orchestrator.standin-hash
# with the content hash of stand-in/, this script and the busybox binary. Honours DOCKER_HOST.
# Prints the image id of line 1's tag on stdout (last line).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$REPO/stand-in"
IMAGE="$(head -n1 "$SRC/IMAGE" | tr -d '[:space:]')"
REPO_NAME="${IMAGE%:*}"
VERSIONS=(4.2.0 5.1.0 6.0.1)
LATEST_VERSION=4.2.0
BUSYBOX="${BUSYBOX:-/bin/busybox}"
LABEL_KEY="dev.isaac-sim-orchestrator.standin-hash"
# Named in stand-in/web-viewer/Dockerfile's FROM lines: change both together.
VIEWER_BASE="isaac-sim-standin-web-viewer-base:1"
FORCE=0
case "${1:-}" in
  --force) FORCE=1 ;;
  "") ;;
  *) echo "usage: $0 [--force]" >&2; exit 2 ;;
esac

log() { echo "build-standin.sh: $*" >&2; }
[[ -n "$IMAGE" ]] || { log "error: stand-in/IMAGE is empty"; exit 1; }
[[ -x "$BUSYBOX" ]] || { log "error: $BUSYBOX missing (apt-get install -y busybox-static)"; exit 1; }

# Content hash: path, mode and content of every file that ends up in the images.
hash_inputs() {
  (cd "$SRC" && find . -type f -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
    printf '%s %s %s\n' "$f" "$(stat -c %a "$f")" "$(sha256sum <"$f" | cut -d' ' -f1)"
  done)
  printf 'build-script %s\n' "$(sha256sum <"${BASH_SOURCE[0]}" | cut -d' ' -f1)"
  printf 'busybox %s\n' "$(sha256sum <"$BUSYBOX" | cut -d' ' -f1)"
}
HASH="$(hash_inputs | sha256sum | cut -d' ' -f1)"

label_of() { docker image inspect -f "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$1" 2>/dev/null || true; }
stale=""
for tag in "$IMAGE" "${VERSIONS[@]/#/$REPO_NAME:}" "$VIEWER_BASE"; do
  [[ "$(label_of "$tag")" == "$HASH" ]] || stale="$stale $tag"
done
if [[ "$FORCE" == 0 && -z "$stale" ]]; then
  log "$REPO_NAME:{latest,${VERSIONS[*]// /,}} and $VIEWER_BASE are up to date (hash ${HASH:0:12})"
  docker image inspect -f '{{.Id}}' "$IMAGE"
  exit 0
fi
if [[ "$FORCE" == 1 ]]; then log "building (--force)"; else log "building (missing or stale:$stale; hash ${HASH:0:12})"; fi

CTX="$(mktemp -d)"
trap 'rm -rf "$CTX"' EXIT
C="$CTX/rootfs/common"
mkdir -p "$C/bin" "$C/usr/bin" "$C/tmp" "$C/usr/share/standin/cgi-bin" "$C/usr/share/standin/web"
chmod 1777 "$C/tmp"
cp "$BUSYBOX" "$C/bin/busybox"
# Only the applets the scripts (and a person using `docker exec`) need.
for applet in sh ash awk cat cp cut date echo env grep head httpd id ip kill ln ls mkdir mv \
              nc printf ps rm rmdir sed sleep stat tail test timeout touch tr true false uname \
              usleep wc whoami; do
  ln -s busybox "$C/bin/$applet"
done
ln -s /bin/env "$C/usr/bin/env"
install -m 755 "$SRC/kit.sh" "$SRC/license.sh" "$SRC/python-handler.sh" "$C/usr/share/standin/"
install -m 644 "$SRC/python-server.sh" "$C/usr/share/standin/"
install -m 755 "$SRC"/cgi-bin/* "$C/usr/share/standin/cgi-bin/"
install -m 644 "$SRC"/web/demo.html "$C/usr/share/standin/web/"
# The nvidia-smi look-alike (stand-in/README.md "nvidia-smi"): where NVIDIA's images have none, the
# NVIDIA Container Toolkit mounts the host driver's; on PATH (/usr/local/bin first) for docker exec.
mkdir -p "$C/usr/local/bin"
install -m 755 "$SRC/nvidia-smi" "$C/usr/local/bin/nvidia-smi"

for v in "${VERSIONS[@]}"; do
  R="$CTX/rootfs/$v"
  mkdir -p "$R/etc" "$R/isaac-sim"
  printf '%s\n' "$v" >"$R/isaac-sim/VERSION"
  case "$v" in
    4.2.*)
      # root, HOME /root; the 4.x layout (SOURCES.md a): /root/.nv/ComputeCache, /root/.nvidia-omniverse/logs, ...
      printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
      printf 'root:x:0:\n' >"$R/etc/group"
      mkdir -p "$R/root/.nv/ComputeCache" "$R/root/.nvidia-omniverse/logs" "$R/root/.cache/ov" \
               "$R/root/.local/share/ov/data" "$R/isaac-sim/kit/cache"
      install -m 755 "$SRC/v4.2.0/runheadless.webrtc.sh" "$R/isaac-sim/runheadless.webrtc.sh"
      ln -s runheadless.webrtc.sh "$R/isaac-sim/runheadless.native.sh"
      J="$R/isaac-sim/extscache/omni.services.streamclient.webrtc-1.3.8/web/js"
      mkdir -p "$J"
      install -m 644 "$SRC/web/kit-player.js" "$J/kit-player.js"
      ;;
    *)
      # useradd --uid 1234 isaac-sim -d /isaac-sim (v5.1.0 / v6.0.1 tools/docker/Dockerfile), written by
      # hand: busybox has no useradd. Shell /bin/sh (the real one is /bin/bash; busybox has none).
      printf 'root:x:0:0:root:/root:/bin/sh\nisaac-sim:x:1234:1234::/isaac-sim:/bin/sh\n' >"$R/etc/passwd"
      printf 'root:x:0:\nisaac-sim:x:1234:\n' >"$R/etc/group"
      # The folders NVIDIA's compose/README mount (all owned by 1234, so named volumes copy that up).
      mkdir -p "$R/isaac-sim/kit/cache" "$R/isaac-sim/kit/data" "$R/isaac-sim/config" \
               "$R/isaac-sim/.nvidia-omniverse/config" "$R/isaac-sim/.nvidia-omniverse/logs" \
               "$R/isaac-sim/.cache" "$R/isaac-sim/.nv/ComputeCache" \
               "$R/isaac-sim/.local/share/ov/data" "$R/isaac-sim/.local/share/ov/pkg"
      install -m 755 "$SRC/isaac-sim.streaming.sh" "$R/isaac-sim/isaac-sim.streaming.sh"
      install -m 755 "$SRC/license.sh" "$R/isaac-sim/license.sh"
      install -m 755 "$SRC/v$v/runheadless.sh" "$SRC/v$v/privacy.sh" "$R/isaac-sim/"
      [[ "$v" == 6.* ]] && mkdir -p "$R/var/cache/hub"   # mkdir -p /var/cache/hub && chown isaac-sim (v6.0.1 Dockerfile)
      ;;
  esac
done
cp "$SRC/Dockerfile" "$CTX/Dockerfile"

# The web viewer base (stand-in/web-viewer-base/Dockerfile): busybox with what the viewer's two
# stages run (sh, sed, cp, chmod; httpd, nc, ip, pidof for npx), the npx and curl look-alikes, the
# app scaffold, its build script and the page-load counter CGIs.
W="$CTX/viewer-base"
WB="$SRC/web-viewer-base"
mkdir -p "$W/rootfs/bin" "$W/rootfs/etc" "$W/rootfs/tmp" "$W/rootfs/usr/sbin" "$W/rootfs/usr/local/bin" \
         "$W/rootfs/usr/share/standin/cgi-bin" "$W/rootfs/usr/share/standin/web-viewer-app/src"
chmod 1777 "$W/rootfs/tmp"
cp "$BUSYBOX" "$W/rootfs/bin/busybox"
for applet in sh ash awk cat chmod cp cut echo env grep head httpd id ip kill ln ls mkdir mv nc \
              pidof printf ps rm rmdir sed sleep tail test timeout touch tr true false usleep wc whoami; do
  ln -s busybox "$W/rootfs/bin/$applet"
done
ln -s /bin/busybox "$W/rootfs/usr/sbin/nologin"   # appuser's shell, as NVIDIA's useradd -s
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$W/rootfs/etc/passwd"
printf 'root:x:0:\n' >"$W/rootfs/etc/group"
install -m 755 "$WB/npx" "$WB/curl" "$W/rootfs/usr/local/bin/"
install -m 755 "$WB/build.sh" "$W/rootfs/usr/share/standin/web-viewer-build.sh"
install -m 644 "$WB/app/index.html" "$W/rootfs/usr/share/standin/web-viewer-app/"
install -m 644 "$WB/app/src/main.ts" "$W/rootfs/usr/share/standin/web-viewer-app/src/"
install -m 755 "$SRC/cgi-bin/hit" "$SRC/cgi-bin/loads" "$W/rootfs/usr/share/standin/cgi-bin/"
cp "$WB/Dockerfile" "$W/Dockerfile"

# The legacy builder needs no buildx plugin (none is installed here) and copies modes as-is.
# Its output (incl. a deprecation notice) is shown only when the build fails.
for v in "${VERSIONS[@]}"; do
  if ! build_log="$(DOCKER_BUILDKIT=0 docker build -q --target "isaac-sim-$v" --label "$LABEL_KEY=$HASH" \
                      -t "$REPO_NAME:$v" "$CTX" 2>&1)"; then
    printf '%s\n' "$build_log" >&2
    log "error: docker build of $REPO_NAME:$v failed"
    exit 1
  fi
  log "built $REPO_NAME:$v (hash ${HASH:0:12})"
done
if ! build_log="$(DOCKER_BUILDKIT=0 docker build -q --label "$LABEL_KEY=$HASH" -t "$VIEWER_BASE" "$W" 2>&1)"; then
  printf '%s\n' "$build_log" >&2
  log "error: docker build of $VIEWER_BASE failed"
  exit 1
fi
log "built $VIEWER_BASE (hash ${HASH:0:12})"
docker tag "$REPO_NAME:$LATEST_VERSION" "$IMAGE"
log "tagged $IMAGE = $REPO_NAME:$LATEST_VERSION"
docker image inspect -f '{{.Id}}' "$IMAGE"
