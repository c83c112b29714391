#!/usr/bin/env bash
# Install the Debian packages the native stack needs, only when something is missing.
# --with-browser also installs chromium, which the tests drive to check the console page.
set -euo pipefail
case "${READSIDE_STACK:-native}" in
  docker|external)  # the servers run elsewhere: nothing to install here
    echo "READSIDE_STACK=${READSIDE_STACK}: no system packages needed"
    exit 0 ;;
esac
need=()
if [ "${1:-}" = "--with-browser" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
command -v mvn >/dev/null 2>&1 || need+=(maven)
{ command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; } || need+=(openjdk-17-jdk-headless)
major=$(sed -n 's/^POSTGRES_MAJOR=//p' "$(dirname "$0")/../versions.env")
[ -x "/usr/lib/postgresql/${major}/bin/postgres" ] || need+=("postgresql-${major}")
command -v psql >/dev/null 2>&1 || need+=("postgresql-client-${major}")
command -v useradd >/dev/null 2>&1 || need+=(passwd)
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${need[*]}; run: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
