#!/usr/bin/env bash
# Builds MoEScope's Debian package in a build folder, installs it with apt, and runs what it
# installed, from /usr and from a scratch folder outside the source tree, with no display:
# `moescope --version`, the explorer's headless export through `moescope explore`, the man page,
# the desktop entry and icon, and `moescope-train --check` on a tiny spec. Stops at the first
# failure, saying what failed (exit status 1).
# Usage: packaging/check-deb.sh [BUILD_DIR]   (default: build, as packaging/setup.sh makes it)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}

fail() {
  echo "check-deb: FAILED: $*" >&2
  exit 1
}
ok() { echo "check-deb: ok: $*"; }

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || fail "need root or sudo to install the package"
  as_root=(sudo)
fi
[ -f "$build/CMakeCache.txt" ] ||
  fail "$build/ is not a configured build folder (./packaging/setup.sh configures build/)"

# What the package holds (not the tests), then the package itself.
cmake --build "$build" --target moescope_package_contents >/dev/null ||
  fail "building the packaged binaries in $build/"
rm -f "$build"/moescope_*.deb
cpack_log=$(cd "$build" && cpack -G DEB 2>&1) || fail "cpack -G DEB in $build/:"$'\n'"$cpack_log"
debs=("$build"/moescope_*.deb)
if [ ! -f "${debs[0]}" ] || [ ${#debs[@]} -ne 1 ]; then
  fail "cpack wrote no single moescope_*.deb in $build/:"$'\n'"$cpack_log"
fi
deb=$(realpath "${debs[0]}")
version=$(dpkg-deb --field "$deb" Version)
arch=$(dpkg-deb --field "$deb" Architecture)
[ "$(basename "$deb")" = "moescope_${version}_${arch}.deb" ] ||
  fail "the package is named $(basename "$deb"), not moescope_${version}_${arch}.deb"
[ "$arch" = "$(dpkg --print-architecture)" ] || fail "the package is for $arch, dpkg's is not that"
depends=$(dpkg-deb --field "$deb" Depends)
[ -n "$depends" ] || fail "the package has no Depends: dpkg-shlibdeps found no shared libraries"
ok "built $(basename "$deb") ($(du -h "$deb" | cut -f1)), Depends: $depends"

# --reinstall: the same version installed earlier would otherwise be kept, and checked instead.
install_log=$(DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --reinstall \
  --no-install-recommends "$deb" 2>&1) || fail "apt-get install $deb:"$'\n'"$install_log"
[ "$(dpkg-query -W -f='${Version}' moescope)" = "$version" ] ||
  fail "after apt-get install, dpkg does not list moescope $version as installed"
ok "installed with apt-get install $deb"

installed=$(dpkg -L moescope)
has() { grep -qx "$1" <<<"$installed"; }
for binary in moescope moescope-explorer moescope-train; do
  has "/usr/bin/$binary" || continue
  missing_libraries=$(ldd "/usr/bin/$binary" | grep 'not found' || true)
  [ -z "$missing_libraries" ] || fail "/usr/bin/$binary: shared libraries not found:"$'\n'"$missing_libraries"
done
has /usr/bin/moescope || fail "the package installs no /usr/bin/moescope"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
# As on a terminal over SSH, or CI: the explorer writes its figures instead of opening a window.
unset DISPLAY WAYLAND_DISPLAY QT_QPA_PLATFORM
# The explorer keeps its fits in a cache: this check's own, so that what it checks is fitted.
export MOESCOPE_CACHE_DIR=$scratch/fit-cache

printed=$(/usr/bin/moescope --version) || fail "/usr/bin/moescope --version exited non-zero"
[ "$printed" = "moescope $version" ] ||
  fail "/usr/bin/moescope --version printed \"$printed\", not \"moescope $version\""
ok "/usr/bin/moescope --version: $printed"

if has /usr/bin/moescope-explorer; then
  report=$(/usr/bin/moescope explore --data synthetic --quick-fit --export-all figures 2>&1) ||
    fail "moescope explore --export-all (headless) exited non-zero:"$'\n'"$report"
  grep -q '^No display: wrote the figures' <<<"$report" ||
    fail "moescope explore --export-all did not say it wrote the figures:"$'\n'"$report"
  for extension in png svg pdf csv; do
    count=$(find figures -name "*.$extension" -size +0 | wc -l)
    [ "$count" -gt 0 ] || fail "the headless export wrote no non-empty .$extension file"
  done
  empty=$(find figures -type f -empty)
  [ -z "$empty" ] || fail "the headless export wrote empty files: $empty"
  ok "moescope explore --export-all (no display): $(find figures -type f | wc -l) files in figures/"
  for file in /usr/share/applications/moescope-explorer.desktop \
    /usr/share/icons/hicolor/scalable/apps/moescope.svg; do
    has "$file" || fail "the package installs no $file"
  done
  if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate /usr/share/applications/moescope-explorer.desktop ||
      fail "desktop-file-validate rejects moescope-explorer.desktop"
    ok "moescope-explorer.desktop validates"
  else
    ok "moescope-explorer.desktop and moescope.svg installed (desktop-file-validate absent)"
  fi
else
  echo "check-deb: skipped: the explorer (the package has none: Qt 6 or VTK missing at build)"
fi

man_page=/usr/share/man/man1/moescope.1.gz
has $man_page || fail "the package installs no $man_page"
zgrep -q '^\.SS "moescope fit law"' $man_page ||
  fail "$man_page has no section for moescope fit law: not made from the help"
if command -v man >/dev/null; then
  [ "$(man -w moescope)" = $man_page ] || fail "man -w moescope does not find $man_page"
fi
ok "man page $man_page ($(zgrep -c '^\.SS' $man_page) command sections)"
# A page for each other binary, from its own help: its options are there.
for binary in moescope-explorer moescope-train; do
  has "/usr/bin/$binary" || continue
  page=/usr/share/man/man1/$binary.1.gz
  has "$page" || fail "the package installs /usr/bin/$binary but no $page"
  zgrep -q '^\.B .*\\-\\-version$' "$page" ||
    fail "$page lists no --version option: not made from $binary --help"
  if command -v man >/dev/null; then
    [ "$(man -w "$binary")" = "$page" ] || fail "man -w $binary does not find $page"
  fi
  ok "man page $page ($(zgrep -c '^\.TP' "$page") options)"
done

if has /usr/bin/moescope-train; then
  printed=$(/usr/bin/moescope-train --version | head -n 1)
  [ "$printed" = "moescope-train $version" ] ||
    fail "/usr/bin/moescope-train --version printed \"$printed\", not \"moescope-train $version\""
  # training/README.md's tiny MoE, on the built-in corpus (Debian's bible-kjv and dict-gcide).
  cat >tiny.json <<'EOF'
{"d_model": 64, "layers": 2, "heads": 2, "experts": 8, "active": 2, "granularity": 1,
 "context": 64, "batch_size": 16, "tokens": 153600, "lr": 0.003, "warmup_fraction": 0.05,
 "seed": 1, "eval_tokens": 16384, "device": "cpu"}
EOF
  plan=$(/usr/bin/moescope-train --spec tiny.json --check 2>&1) ||
    fail "moescope-train --spec tiny.json --check exited non-zero:"$'\n'"$plan"
  grep -q '"steps": 150' <<<"$plan" ||
    fail "moescope-train --check planned other than 150 steps for the tiny spec:"$'\n'"$plan"
  ok "/usr/bin/moescope-train --spec tiny.json --check: 150 steps on $(grep -o '"device": "[^"]*"' <<<"$plan")"
else
  echo "check-deb: skipped: the trainer (the package has none: LibTorch missing at build)"
fi

echo "check-deb: the package installs and runs (${SECONDS} s)"
