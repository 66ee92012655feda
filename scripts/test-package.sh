#!/usr/bin/env bash
# Builds the Debian package the way Debian does (dpkg-buildpackage: a Release
# build with dpkg-buildflags' hardening flags, warnings as errors), checks it
# with lintian, installs it into a clean Debian 12 root with apt (so its
# Depends come from the archive), and runs vfg there: the package alone is
# enough. Then checks the Arch PKGBUILD and the Fedora spec as far as
# Debian's tools can.
# Usage: test-package.sh [OUTPUT_DIR]   (default build/package)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-build/package}")

# The package builds from a copy of the tree (tracked and new files), so
# dpkg-buildpackage's outputs and debian/ scratch stay out of the checkout.
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
tree="$out/vfg-$version"
rm -rf "$tree" "$out"/vfg_* "$out"/vfg-*
mkdir -p "$tree"
git ls-files -co --exclude-standard -z | grep -zEv '^(build|tests/fixtures)/' |
  tar --null --no-recursion -T - -cf - | tar -xf - -C "$tree"

echo "== package: dpkg-buildpackage"
start=$SECONDS
(
  cd "$tree"
  # -Werror only here: a packager's compiler must not fail the build, ours must.
  export DEB_CXXFLAGS_MAINT_APPEND=-Werror DEB_BUILD_OPTIONS="parallel=$(nproc)"
  # ccache keyed on paths relative to the copy (-ffile-prefix-map maps it to "." in
  # the objects too): a checkout anywhere (CI clones under /tmp) hits what an
  # earlier run compiled, so only the first run on a machine pays for -O3.
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
  dpkg-buildpackage -uc -us </dev/null >"$out/build.log" 2>&1 || { tail -n 40 "$out/build.log"; exit 1; }
)
grep -q -- '-D_FORTIFY_SOURCE=2' "$out/build.log" || { echo "no hardening flags in the build" >&2; exit 1; }
grep -q -- '-O3' "$out/build.log" || { echo "not a Release (-O3) build" >&2; exit 1; }
echo "   built in $((SECONDS - start)) s"
deb=$(ls "$out"/vfg_"$version"_*.deb)

echo "== package: lintian (source and binary)"
# The one known error: debian/copyright cannot name a licence the project has
# not chosen yet. Every other error fails the test.
lintian --fail-on error --suppress-tags license-problem-undefined-license \
  "$out/vfg_${version}_$(dpkg --print-architecture).changes"

echo "== package: install into a clean Debian 12 root"
start=$SECONDS
base=$(./scripts/make-root.sh bookworm man-db bash-completion)
# The cached root stays clean: the install goes to an overlay on top of it.
# Downloaded .debs are kept between runs, so only the first run fetches QEMU.
work=$(mktemp -d)
archives=${VFG_ROOT_CACHE:-/var/cache/vfg-test/roots}/../apt-archives
mkdir -p "$archives/partial" "$work/upper" "$work/work" "$work/root"
cleanup() {
  for m in var/cache/apt/archives sys proc dev; do umount -l "$work/root/$m" 2>/dev/null || true; done
  umount -l "$work/root" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mount -t overlay overlay -o "lowerdir=$base,upperdir=$work/upper,workdir=$work/work" "$work/root"
root=$work/root
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --bind "$archives" "$root/var/cache/apt/archives"
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "/tmp/$(basename "$deb")" >"$out/install.log" 2>&1 || { tail -n 30 "$out/install.log"; exit 1; }
echo "   installed in $((SECONDS - start)) s"

# What a user does first, as they would: sudo finds /usr/bin/vfg on its secure_path.
in_root bash -euo pipefail -c '
  test "$(command -v vfg)" = /usr/bin/vfg
  vfg --version | grep -qx "vfg [0-9.]*"
  vfg devices >/tmp/devices.txt
  grep -q . /tmp/devices.txt
  # check reports this machine (no IOMMU in CI): 0, 1 or 2, never a crash.
  status=0; vfg check >/tmp/check.txt || status=$?
  [ "$status" -le 2 ] && grep -q . /tmp/check.txt
  man -P cat vfg 2>/dev/null | grep -q "vfg completion"
  # The installed bash completion, loaded by bash-completion on demand.
  source /usr/share/bash-completion/bash_completion
  # 124 is "loaded, try again": the loader found and sourced the script.
  _completion_loader vfg || [ $? -eq 124 ]
  complete -p vfg >/dev/null
  COMP_WORDS=(vfg dev) COMP_CWORD=1 COMP_LINE="vfg dev" COMP_POINT=7
  _vfg vfg dev vfg
  [ "${COMPREPLY[*]}" = devices ]
  test -f /usr/share/zsh/vendor-completions/_vfg
  test -f /usr/share/fish/vendor_completions.d/vfg.fish
  test -f /usr/share/doc/vfg/README.md.gz -o -f /usr/share/doc/vfg/README.md
' || { echo "the installed package does not work (see above)" >&2; exit 1; }
echo "   vfg --version, devices, check, man vfg and bash completion work in the clean root"

echo "== package: Arch PKGBUILD and Fedora spec"
./scripts/check-packaging.sh
