#!/bin/sh
# Stand-in for /isaac-sim/runheadless.sh of Isaac Sim 6.0.1 (ENTRYPOINT), after
# isaac-sim/IsaacSim@v6.0.1:tools/docker/data/runheadless.sh.

# Each env var that is set becomes a Kit flag placed before the user's args (so args win):
# OMNI_SERVER -> asset root, ISAACSIM_HOST -> primaryStream/publicIp,
# ISAACSIM_SIGNAL_PORT -> primaryStream/signalPort, ISAACSIM_STREAM_PORT -> primaryStream/streamPort.
flags=
if [ -n "$OMNI_SERVER" ]; then flags="$flags --/persistent/isaac/asset_root/default=$OMNI_SERVER"; fi
if [ -n "$ISAACSIM_HOST" ]; then flags="$flags --/exts/omni.kit.livestream.app/primaryStream/publicIp=$ISAACSIM_HOST"; fi
if [ -n "$ISAACSIM_SIGNAL_PORT" ]; then flags="$flags --/exts/omni.kit.livestream.app/primaryStream/signalPort=$ISAACSIM_SIGNAL_PORT"; fi
if [ -n "$ISAACSIM_STREAM_PORT" ]; then flags="$flags --/exts/omni.kit.livestream.app/primaryStream/streamPort=$ISAACSIM_STREAM_PORT"; fi
# license.sh, privacy.sh, then the streaming app with the open endpoint config (no --allow-root
# in 6.x). exec: see the 5.1 launcher (PID 1, fast SIGTERM).
/isaac-sim/license.sh || exit $?
/isaac-sim/privacy.sh || exit $?
# shellcheck disable=SC2086 # word splitting of $flags as in NVIDIA's file
exec /isaac-sim/isaac-sim.streaming.sh --merge-config="/isaac-sim/config/open_endpoint.toml" $flags "$@"
