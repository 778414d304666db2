#!/usr/bin/env bash
# The system packages wheeltrain's container builds use here: podman with the runc runtime,
# and mmdebstrap, which makes the local builder image from Debian's packages. Installed with
# apt-get when missing and this runs as root; otherwise it says what is missing and goes on
# (the tests that need them skip, naming what is missing).
set -euo pipefail
missing=()
for tool in podman runc mmdebstrap; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-packages.sh: installing ${missing[*]} (and uidmap)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq podman runc mmdebstrap uidmap >/dev/null
else
    echo "system-packages.sh: ${missing[*]} missing and cannot be installed here (needs root and apt-get): container builds will be skipped" >&2
fi
