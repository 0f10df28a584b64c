#!/usr/bin/env bash
# `cpack -G DEB` makes a Debian package: named trustshim, with a maintainer and
# Depends computed by dpkg-shlibdeps (libc6, libssl3, libcjson1), holding the
# CLI, the library, the man pages, the completion and the docs.  Unpacked with
# dpkg -x into a temporary root (not installed system-wide), its trustshim
# makes a JVM trust a pinned server.  Every JDK.
. "${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/e2e/e2e.sh"

ts_require_jdk
ts_require_cmd openssl cpack dpkg-deb dpkg-shlibdeps
e2e_require_build
[ -f "$TS_BUILD_DIR/CPackConfig.cmake" ] || ts_fail "$TS_BUILD_DIR/CPackConfig.cmake missing (docs/CMakeLists.txt)"
ts_tmpdir

(cd "$TS_TMP" && cpack -G DEB --config "$TS_BUILD_DIR/CPackConfig.cmake" -B "$TS_TMP/pkg") \
    >"$TS_TMP/cpack.log" 2>&1 || { cat "$TS_TMP/cpack.log" >&2; ts_fail "cpack -G DEB failed"; }
debs=("$TS_TMP"/pkg/*.deb)
if [ "${#debs[@]}" != 1 ] || [ ! -f "${debs[0]}" ]; then
    ts_fail "expected one .deb, got: ${debs[*]}"
fi
deb=${debs[0]}

info=$(dpkg-deb -I "$deb")
field() { sed -n "s/^ $1: //p" <<<"$info"; }
[ "$(field Package)" = trustshim ] || ts_fail "Package is '$(field Package)'"
[ "$(field Version)" = "$(sed -n 's/^project(trustshim VERSION \([0-9.]*\).*/\1/p' "$TS_SOURCE_DIR/CMakeLists.txt")" ] ||
    ts_fail "Version is '$(field Version)'"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || ts_fail "Architecture is '$(field Architecture)'"
[ -n "$(field Maintainer)" ] || ts_fail "no Maintainer"
[ "$(dpkg-deb -f "$deb" Description | wc -l)" -gt 3 ] || ts_fail "no long Description"
depends=$(field Depends)
for dep in libc6 libssl3 libcjson1; do
    grep -Eq "(^|, )$dep( |,|$)" <<<"$depends" || ts_fail "Depends lacks $dep: $depends"
done

contents=$(dpkg-deb -c "$deb")
for f in ./usr/bin/trustshim ./usr/lib/trustshim/libtrustshim.so ./usr/lib/trustshim/libtrustshim-crypto.so ./usr/share/man/man1/trustshim.1.gz \
    ./usr/share/man/man5/trustshim-manifest.5.gz ./usr/share/bash-completion/completions/trustshim \
    ./usr/share/doc/trustshim/copyright ./usr/share/doc/trustshim/README.md ./usr/share/doc/trustshim/docs/README.md \
    ./usr/share/doc/trustshim/docs/tomcat.md; do
    grep -q " $f\$" <<<"$contents" || ts_fail "the package lacks $f"
done
grep -q 'root/root' <<<"$contents" || ts_fail "files are not owned by root/root"
! grep -E ' \./(usr/local|home|tmp|etc)/' <<<"$contents" || ts_fail "the package installs outside /usr"

root="$TS_TMP/root"
dpkg -x "$deb" "$root"
e2e_check_installed "$root/usr/bin/trustshim" "$(readlink -f "$root/usr/lib/trustshim/libtrustshim.so")" \
    "packaged ($(basename "$deb"))"
