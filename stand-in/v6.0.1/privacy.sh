#!/bin/sh
# Stand-in for /isaac-sim/privacy.sh, text of isaac-sim/IsaacSim@v6.0.1:tools/docker/data/privacy.sh
# (6.0.1 renamed the variables to PRIVACY_CONSENT / PRIVACY_USERID). Only prints; never fails.
echo 'Omniverse Software collects installation and configuration details about your software, hardware, and network'
echo 'configuration (e.g., version of operating system, applications installed, type of hardware, network speed, IP'
echo 'address) based on our legitimate interest in improving your experience. To improve performance, troubleshooting'
echo 'and diagnostic purposes of our software, we also collect session behavior, error and crash logs.'
echo
echo 'Data Collection in container mode is completely anonymous unless specified. You may opt-out of this collection'
echo 'anytime by not setting the PRIVACY_CONSENT environment variable.'
echo
echo 'To opt-in set the PRIVACY_CONSENT environment variable when running the container. Set the '
echo 'PRIVACY_USERID environment variable to tag the telemetry data with a user ID.'
