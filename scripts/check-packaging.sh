#!/usr/bin/env bash
# Checks the Arch PKGBUILD and the Fedora spec with the tools Debian packages:
# makepkg parses the PKGBUILD (--printsrcinfo), rpmspec parses the spec and
# rpmlint lints it; both must carry the version CMakeLists.txt declares.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's/^project(vfio-gaming VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp packaging/arch/PKGBUILD "$work/"
chmod -R a+rwX "$work"
# makepkg will not run as root; nobody only reads.
as_user() { if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi; }
(cd "$work" && as_user env BUILDDIR="$work" makepkg --printsrcinfo >"$work/.SRCINFO")
grep -qx "	pkgver = $version" "$work/.SRCINFO" ||
  { echo "PKGBUILD: pkgver is not $version" >&2; exit 1; }
echo "   PKGBUILD parses (makepkg --printsrcinfo), pkgver $version"

rpmspec -q --qf '%{VERSION}\n' packaging/fedora/vfg.spec >"$work/spec-version" 2>"$work/spec.err" ||
  { cat "$work/spec.err" >&2; exit 1; }
grep -qx "$version" "$work/spec-version" ||
  { echo "vfg.spec: Version is not $version" >&2; exit 1; }
# rpmlint without Fedora's macros: only its errors fail the check.
rpmlint packaging/fedora/vfg.spec >"$work/rpmlint.log" 2>&1 || true
if grep -E ': E: ' "$work/rpmlint.log"; then exit 1; fi
echo "   vfg.spec parses (rpmspec), Version $version, rpmlint: no errors"
