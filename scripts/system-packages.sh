#!/usr/bin/env bash
# The system packages wheeltrain's container builds use here: podman with the runc runtime,
# and mmdebstrap, which makes the local builder image from Debian's packages; Chromium, in
# which the tests render `wheeltrain report`'s page headless; and shellcheck, which actionlint
# runs on every workflow's scripts when it is on PATH (so the lint is the same everywhere). Installed with
# apt-get when missing and this runs as root; otherwise it says what is missing and goes on
# (the tests that need them skip, naming what is missing).
set -euo pipefail
missing=()
for tool in podman runc mmdebstrap chromium shellcheck; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "system-packages.sh: installing ${missing[*]} (and uidmap)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq podman runc mmdebstrap uidmap chromium shellcheck >/dev/null
else
    echo "system-packages.sh: ${missing[*]} missing and cannot be installed here (needs root and apt-get): the tests that need them will be skipped" >&2
fi
