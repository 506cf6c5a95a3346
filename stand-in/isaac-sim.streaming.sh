#!/bin/sh
# Stand-in for /isaac-sim/isaac-sim.streaming.sh (5.1/6.x), which starts Kit with the
# isaacsim.exp.full.streaming app (isaac-sim/IsaacSim@v6.0.1:source/apps/isaacsim.exp.full.streaming.kit).
# The stand-in's Kit is /usr/share/standin/kit.sh; --merge-config / --allow-root / other flags are ignored there.
exec /usr/share/standin/kit.sh "$@"
