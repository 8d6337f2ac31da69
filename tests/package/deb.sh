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
for path in /usr/bin/ecluse /usr/share/man/man1/ecluse.1.gz /usr/share/man/man1/ecluse-upgrade.1.gz \
  /usr/share/bash-completion/completions/ecluse.bash /usr/share/zsh/vendor-completions/_ecluse \
  /usr/share/fish/vendor_completions.d/ecluse.fish /usr/share/doc/ecluse/commands.md; do
  dpkg -L ecluse | grep -qx "$path" || { echo "the .deb does not install $path" >&2; exit 1; }
done
/usr/bin/ecluse --version
# As a new user meets them: `man ecluse-upgrade`, and a TAB after `ecluse up`
# in bash, the completion loaded on demand by bash-completion.
if command -v man >/dev/null; then
  man -w ecluse-upgrade
  MANWIDTH=80 man ecluse-upgrade 2>/dev/null | grep -q 'ecluse \[global options\] upgrade' ||
    { echo "man ecluse-upgrade does not show the page" >&2; exit 1; }
fi
if [ -f /usr/share/bash-completion/bash_completion ]; then
  completed=$(bash -c 'source /usr/share/bash-completion/bash_completion
    __load_completion ecluse || exit 1
    COMP_WORDS=(ecluse up); COMP_CWORD=1; _ecluse; echo "${COMPREPLY[*]}"')
  [ "$completed" = upgrade ] || { echo "bash completes \"ecluse up\" to \"$completed\"" >&2; exit 1; }
  echo "bash: ecluse up<TAB> -> $completed"
fi
cd "$root"
scripts/demo.sh /usr/bin/ecluse
