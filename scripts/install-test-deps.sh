#!/usr/bin/env bash
# Installs the servers and tools the test suite starts by itself (nothing else).
# Tests find them on the machine and skip, with the reason, when they are missing; CI installs them so nothing is skipped.
set -euo pipefail

packages=()
# PostgreSQL: tests start a throwaway cluster from the server binaries (initdb, pg_ctl).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || packages+=(postgresql)

if [ ${#packages[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null 2>&1 || {
    $sudo_cmd apt-get update -q >/dev/null
    $sudo_cmd apt-get install -y -q --no-install-recommends "${packages[@]}" >/dev/null
  }
fi
echo "test dependencies ready"
