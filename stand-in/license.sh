#!/bin/sh
# Stand-in for /isaac-sim/license.sh. Behaviour and text as isaac-sim/IsaacSim@v5.1.0 and
# @v6.0.1:tools/docker/data/license.sh (identical there): an empty/unset ACCEPT_EULA prints the
# refusal on stdout and exits 1; otherwise the first three lines are printed as a banner.
# The 4.2 image's own check is not known (SOURCES.md f); its launcher uses this file too.
echo
echo 'The NVIDIA Isaac Sim Additional Software and Materials License must be accepted before'
echo 'Isaac Sim can start. The license terms for this product can be viewed at'
echo 'https://www.nvidia.com/en-us/agreements/enterprise-software/isaac-sim-additional-software-and-materials-license/'
echo
if [ -z "$ACCEPT_EULA" ]; then
  echo 'Please accept the EULA above by setting the ACCEPT_EULA environment variable.'
  echo 'e.g.: -e "ACCEPT_EULA=Y"'
  echo
  exit 1
fi
