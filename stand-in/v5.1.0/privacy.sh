#!/bin/sh
# Stand-in for /isaac-sim/privacy.sh, text of isaac-sim/IsaacSim@v5.1.0:tools/docker/data/privacy.sh
# (names OMNI_ENV_PRIVACY_CONSENT / OMNI_ENV_PRIVACY_USERID). Only prints; never fails.
echo 'Omniverse Software collects installation and configuration details about your software, hardware, and network'
echo 'configuration (e.g., version of operating system, applications installed, type of hardware, network speed, IP'
echo 'address) based on our legitimate interest in improving your experience. To improve performance, troubleshooting'
echo 'and diagnostic purposes of our software, we also collect session behavior, error and crash logs.'
echo
echo 'Data Collection in container mode is completely anonymous unless specified. You may opt-out of this collection'
echo 'anytime by not setting the OMNI_ENV_PRIVACY_CONSENT environment variable.'
echo
echo 'To opt-in set the OMNI_ENV_PRIVACY_CONSENT environment variable when running the container. Set the '
echo 'OMNI_ENV_PRIVACY_USERID environment variable tag the telemetry data with a user ID.'
