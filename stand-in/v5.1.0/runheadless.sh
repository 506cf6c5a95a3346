#!/bin/sh
# Stand-in for /isaac-sim/runheadless.sh of Isaac Sim 5.1 (ENTRYPOINT), after
# isaac-sim/IsaacSim@v5.1.0:tools/docker/data/runheadless.sh.

# 5.1 refuses livestreaming on aarch64 (`uname -m`) and drops to a shell. STANDIN_ARCH fakes
# `uname -m` (instrumentation). The real script execs /bin/bash; busybox has no bash, so /bin/sh:
# without a terminal on stdin it exits 0 at once, as bash would.
arch="${STANDIN_ARCH:-$(uname -m)}"
if [ "$arch" = aarch64 ]; then
  echo 'Livestreaming is not supported on aarch64 for 5.1.0.'
  exec /bin/sh
fi
# license.sh, then privacy.sh, then the streaming app with the asset root, the open endpoint
# config and --allow-root before the user's args (same v5.1.0 file). The stand-in execs the app
# so that it is PID 1 and a SIGTERM ends it at once (the real sh would stay PID 1 and ignore it).
/isaac-sim/license.sh || exit $?
/isaac-sim/privacy.sh || exit $?
exec /isaac-sim/isaac-sim.streaming.sh --/persistent/isaac/asset_root/default="$OMNI_SERVER" \
  --merge-config="/isaac-sim/config/open_endpoint.toml" --allow-root "$@"
