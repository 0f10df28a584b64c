#!/usr/bin/env bash
# `cmake --install` into a temporary prefix puts every file where it belongs,
# and `trustshim exec` from the installed tree (its library found at
# ../lib/trustshim/ from bin/) makes a JVM trust a pinned server.  Every JDK.
. "${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/e2e/e2e.sh"

ts_require_jdk
ts_require_cmd openssl cmake
e2e_require_build
ts_tmpdir

prefix="$TS_TMP/prefix"
cmake --install "$TS_BUILD_DIR" --prefix "$prefix" >"$TS_TMP/install.log" 2>&1 ||
    { cat "$TS_TMP/install.log" >&2; ts_fail "cmake --install failed"; }
for f in bin/trustshim lib/trustshim/libtrustshim.so lib/trustshim/libtrustshim-crypto.so share/man/man1/trustshim.1.gz \
    share/man/man5/trustshim-manifest.5.gz share/bash-completion/completions/trustshim \
    share/doc/trustshim/README.md share/doc/trustshim/copyright share/doc/trustshim/docs/README.md \
    share/doc/trustshim/docs/tomcat.md share/doc/trustshim/docs/manifest.md; do
    [ -f "$prefix/$f" ] || ts_fail "not installed: $f"
done
# The two READMEs (the project's and the docs' index) are both there, and every relative link of
# the installed pages to another page (*.md) leads to an installed page, as in the source tree.
doc="$prefix/share/doc/trustshim"
cmp -s "$doc/README.md" "$TS_SOURCE_DIR/README.md" || ts_fail "share/doc/trustshim/README.md is not the project's README.md"
cmp -s "$doc/docs/README.md" "$TS_SOURCE_DIR/docs/README.md" || ts_fail "share/doc/trustshim/docs/README.md is not docs/README.md"
for page in "$doc"/README.md "$doc"/docs/*.md; do
    while read -r link; do
        [ -e "$(dirname "$page")/$link" ] || ts_fail "installed ${page#"$doc/"} links to $link, which is not installed"
    done < <(grep -o '](\([^)#:]*\.md\))' "$page" | sed 's/^](//; s/)$//' | sort -u)
done
[ -x "$prefix/bin/trustshim" ] || ts_fail "bin/trustshim is not executable"

installed() { e2e_installed "$prefix/bin/trustshim" "$@"; }
installed --version | grep -q "$(sed -n 's/^project(trustshim VERSION \([0-9.]*\).*/\1/p' "$TS_SOURCE_DIR/CMakeLists.txt")" ||
    ts_fail "the installed trustshim --version does not print the project's version"

# exec and env name the installed library, not the build's, and a JVM trusts the pinned server.
lib=$(readlink -f "$prefix/lib/trustshim/libtrustshim.so")
e2e_check_installed "$prefix/bin/trustshim" "$lib" installed
# shellcheck disable=SC2016 # expanded by the child shell
preload=$(installed exec -- sh -c 'printf %s "$LD_PRELOAD"') || ts_fail "installed trustshim exec failed"
case ":$preload:" in *":$lib:"*) ;; *) ts_fail "exec set LD_PRELOAD=$preload, not the installed $lib" ;; esac

# The installed library in LD_PRELOAD without TRUSTSHIM_MANIFEST (inherited by a JVM nobody meant
# to change): it must do nothing (docs/tomcat.md, security.md).  One JDK is enough.
preload_only=("LD_PRELOAD=$lib")
if [ "$TS_SANITIZE" = 1 ]; then
    preload_only=("LD_PRELOAD=$TS_ASAN_RUNTIME:$lib" "ASAN_OPTIONS=$E2E_ASAN_OPTIONS")
fi
jdk=$(ts_jdks | sed -n 1p)
major=$(e2e_jdk_major "$jdk")
out=$(env -u TRUSTSHIM_MANIFEST "${preload_only[@]}" "$jdk/bin/java" -cp "$TS_TMP/classes-$major" HttpsProbe \
    "https://127.0.0.1:$E2E_PORT/" 2>&1 || true)
e2e_expect_pkix "$out" "Java $major with the library in LD_PRELOAD but no TRUSTSHIM_MANIFEST"
