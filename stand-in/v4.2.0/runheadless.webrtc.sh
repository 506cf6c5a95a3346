#!/bin/sh
# Stand-in for /isaac-sim/runheadless.webrtc.sh of Isaac Sim 4.2 (and, linked, runheadless.native.sh),
# the 4.x launchers (NVIDIA's 4.x container docs; SOURCES.md b). What the real script runs inside was
# not verified (no 4.2 source in the mirror); the stand-in checks ACCEPT_EULA as 6.x license.sh does
# (the 4.2 check is not known, SOURCES.md f) and then starts its Kit.
/usr/share/standin/license.sh || exit $?
case "$0" in *native*) export STANDIN_KIT_APP=native ;; esac
exec /usr/share/standin/kit.sh "$@"
