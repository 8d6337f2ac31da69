#!/usr/bin/env bash
# Packages a built ecluse (what `./dev.sh package` and the tests run):
#
#   scripts/package.sh [BUILD_DIR] [OUT_DIR]     (default: build dist)
#
# writes OUT_DIR/ecluse_<version>_amd64.deb and
# OUT_DIR/ecluse-<version>-linux-x86_64.tar.gz, <version> being meson's
# project version. Both hold what `meson install` installs (the binary, and
# whatever else meson installs), installed into a staging root with
# --destdir. The .deb puts it under /usr and depends on the Debian packages
# of the shared libraries (dpkg-shlibdeps). The tarball unpacks to
# ecluse-<version>/bin/ecluse with every shared library it needs but the C
# library's own in ecluse-<version>/lib, found through $ORIGIN; it runs on
# any x86_64 Linux whose glibc is at least the version printed at the end.
set -euo pipefail
build=$(realpath "${1:-build}")
out=$(realpath -m "${2:-dist}")
[ -f "$build/build.ninja" ] || { echo "package: $build is not a meson build folder" >&2; exit 2; }
for tool in dpkg-deb dpkg-shlibdeps patchelf objdump; do
  command -v "$tool" >/dev/null || { echo "package: $tool is missing (./dev.sh package installs it)" >&2; exit 2; }
done

# meson's project version, and the prefix the build folder installs into.
read -r version prefix < <(meson introspect --projectinfo --buildoptions "$build" | python3 -c '
import json, sys
data = json.load(sys.stdin)
prefix = next(o["value"] for o in data["buildoptions"] if o["name"] == "prefix")
print(data["projectinfo"]["version"], prefix)')
arch=amd64

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# What meson installs, under /usr whatever the build folder's prefix.
stage=$work/stage
meson install -C "$build" --destdir "$stage" --no-rebuild --quiet >/dev/null
if [ "$prefix" != /usr ] && [ -d "$stage$prefix" ]; then
  mkdir -p "$stage/usr"
  cp -a "$stage$prefix/." "$stage/usr/"
  rm -rf "${stage:?}$prefix"
  rmdir -p "$(dirname "$stage$prefix")" 2>/dev/null || true
fi
binary=$stage/usr/bin/ecluse
[ -x "$binary" ] || { echo "package: meson install put no usr/bin/ecluse in the staging root" >&2; exit 1; }
strip --strip-unneeded "$binary"
# Man pages compressed, as Debian installs them (man reads both).
[ -d "$stage/usr/share/man" ] && find "$stage/usr/share/man" -name '*.[0-9]' -exec gzip -9n {} +

# --- the .deb -------------------------------------------------------------
# dpkg-shlibdeps reads debian/control: a minimal one, in a scratch folder.
mkdir -p "$work/shlibdeps/debian"
printf 'Source: ecluse\n\nPackage: ecluse\nArchitecture: any\n' >"$work/shlibdeps/debian/control"
depends=$(cd "$work/shlibdeps" && dpkg-shlibdeps -O "$binary" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package: dpkg-shlibdeps found no dependency for $binary" >&2; exit 1; }
installed_size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
mkdir -p "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<EOF
Package: ecluse
Version: $version
Architecture: $arch
Maintainer: ecluse developers <ecluse@example.org>
Installed-Size: $installed_size
Depends: $depends
Recommends: git, postgresql-client-15
Suggests: postgresql-15
Section: database
Priority: optional
Homepage: https://example.org/ecluse
Description: PostgreSQL migrations in phases (pre, deploy, post)
 ecluse migrates a PostgreSQL database in phases, so that a release never
 breaks the code that is running: the pre migrations the running code
 tolerates, the deploy hook that rolls out the new code, then the post
 migrations only the new code tolerates.
EOF
find "$stage" -type d -exec chmod 0755 {} +
deb=$out/ecluse_${version}_${arch}.deb
dpkg-deb --build --root-owner-group -Zxz "$stage" "$deb" >/dev/null
rm -rf "$stage/DEBIAN"
echo "package: $deb"

# --- the tarball ----------------------------------------------------------
name=ecluse-$version
tree=$work/tar/$name
mkdir -p "$tree/bin" "$tree/lib"
cp "$binary" "$tree/bin/ecluse"
[ -d "$stage/usr/share" ] && cp -a "$stage/usr/share" "$tree/share"
# The C library and its loader come from the machine; every other library
# ldd resolves (the whole closure, transitive ones included) is bundled.
is_glibc() {
  case "$1" in
    libc.so.* | libm.so.* | libpthread.so.* | libdl.so.* | librt.so.* | ld-linux*.so.* | \
      libresolv.so.* | libutil.so.* | libanl.so.* | libmvec.so.* | libBrokenLocale.so.*) return 0 ;;
  esac
  return 1
}
while read -r soname path; do
  is_glibc "$soname" && continue
  [ -f "$path" ] || { echo "package: ldd cannot resolve $soname" >&2; exit 1; }
  cp -L "$path" "$tree/lib/$soname"
  chmod 0644 "$tree/lib/$soname"
  patchelf --force-rpath --set-rpath '$ORIGIN' "$tree/lib/$soname"
done < <(ldd "$binary" | awk '$2 == "=>" { print $1, $3 }')
patchelf --force-rpath --set-rpath '$ORIGIN/../lib' "$tree/bin/ecluse"
# Every library still resolves, and from the tarball's lib/ only.
if ldd "$tree/bin/ecluse" | grep -q 'not found'; then
  ldd "$tree/bin/ecluse" >&2
  echo "package: the tarball's binary misses a library" >&2
  exit 1
fi
glibc=$(objdump -T "$tree/bin/ecluse" "$tree"/lib/*.so* 2>/dev/null |
  grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
tarball=$out/$name-linux-x86_64.tar.gz
tar -C "$work/tar" --owner=0 --group=0 --numeric-owner -czf "$tarball" "$name"
echo "package: $tarball ($(ls "$tree/lib" | wc -l) bundled libraries)"
echo "package: the tarball needs glibc >= $glibc (x86_64)"
