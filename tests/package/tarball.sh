#!/usr/bin/env bash
# The tarball on a machine that has nothing but the C library: unpacked
# into a chroot holding only glibc's own files (those of Debian's libc6),
# `ecluse --version`, `ecluse check` on the example project, and `upgrade`
# and `status` against a PostgreSQL 15 whose socket is inside the chroot.
#   tests/package/tarball.sh DIST_DIR      (exit 77: skipped, not root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dist=$(realpath "${1:?usage: tarball.sh DIST_DIR}")
if [ "$(id -u)" -ne 0 ]; then
  echo "skipped: a chroot needs root"
  exit 77
fi
tarballs=("$dist"/ecluse-*-linux-x86_64.tar.gz)
[ -f "${tarballs[0]}" ] || { echo "no tarball in $dist" >&2; exit 1; }
tarball=${tarballs[0]}
name=$(basename "$tarball" -linux-x86_64.tar.gz)

# shellcheck source=postgres.sh
. "$here/postgres.sh"
jail=$(mktemp -d /tmp/ecluse-chroot.XXXXXX)
cleanup() {
  stop_postgres
  if mountpoint -q "$jail/proc"; then umount "$jail/proc" || return 1; fi
  rm -rf --one-file-system "$jail" "$jail.pg"*
}
trap cleanup EXIT
chmod 0755 "$jail"

tar -C "$jail" -xzf "$tarball"
[ -x "$jail/$name/bin/ecluse" ] || { echo "$tarball does not unpack to $name/bin/ecluse" >&2; exit 1; }
# glibc's own shared objects, as Debian's libc6 package installs them.
while read -r file; do
  case "$file" in *.so | *.so.*) ;; *) continue ;; esac
  [ -f "$file" ] || [ -L "$file" ] || continue
  mkdir -p "$jail$(dirname "$file")"
  cp -a "$file" "$jail$file"
done < <(dpkg -L libc6)
mkdir -m 1777 "$jail/tmp"
echo "the chroot holds: $(cd "$jail" && find . -path "./$name" -prune -o -type f -print | wc -l) glibc files, and $name"
# Not a file of glibc's but of every Linux machine: the loader reads
# /proc/self/exe to resolve the binary's $ORIGIN/../lib.
mkdir "$jail/proc"
mount -t proc proc "$jail/proc"

# The example project, and a PostgreSQL whose socket is in the chroot.
mkdir -p "$jail/project"
cp -R "$root/migrations" "$root/alembic_version_conflict_detection.txt" "$jail/project/"
start_postgres "$jail.pg" "$jail/sockets"

ecluse=/$name/bin/ecluse
chroot=$(command -v chroot)
inside() { env -i HOME=/project PATH=/nowhere "$chroot" "$jail" "$ecluse" "$@"; }
url='postgresql:///postgres?host=/sockets&user=postgres'
step() { echo "\$ chroot ecluse $*"; inside "$@"; }
step --version
step -C /project check
step -C /project -d "$url" upgrade heads
status=$(inside -C /project -d "$url" status 2>&1)
printf "%s\n" "$status" | sed "s/^/status: /"
revisions=$(find "$jail/project/migrations" -name '*.sql' | wc -l)
[ "$(grep -c '^\(pre\|post\) .* applied ' <<<"$status")" -eq "$revisions" ] ||
  { echo "status after upgrade heads: not all $revisions revisions applied" >&2; exit 1; }
echo "the tarball runs in a chroot with only glibc"
