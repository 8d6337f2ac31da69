#!/usr/bin/env bash
# The .deb as the Dockerfile installs it (apt-get install ./ecluse_*.deb,
# dpkg underneath, Depends resolved from the machine's packages), then the
# demo with the installed /usr/bin/ecluse. Removed afterwards when it was
# not installed before.
#   tests/package/deb.sh DIST_DIR      (exit 77: skipped, not root)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dist=$(realpath "${1:?usage: deb.sh DIST_DIR}")
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: installing a .deb needs root"
  exit 77
fi
debs=("$dist"/ecluse_*_amd64.deb)
[ -f "${debs[0]}" ] || { echo "no .deb in $dist" >&2; exit 1; }
deb=${debs[0]}
dpkg-deb --info "$deb" | sed -n 's/^ \(Version\|Depends\):/\1:/p'
if ! dpkg-query -W -f='${Status}' ecluse 2>/dev/null | grep -q 'install ok installed'; then
  trap 'dpkg -r ecluse >/dev/null' EXIT
fi
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
  --no-install-recommends "$deb" >/dev/null
dpkg -L ecluse | grep -qx /usr/bin/ecluse || { echo "the .deb does not install /usr/bin/ecluse" >&2; exit 1; }
/usr/bin/ecluse --version
cd "$root"
scripts/demo.sh /usr/bin/ecluse
