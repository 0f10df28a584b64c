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
for f in bin/trustshim lib/trustshim/libtrustshim.so share/man/man1/trustshim.1.gz \
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

# Run the installed tree only: no hint that points back to the build.
# (A sanitized build needs libasan preloaded first: E2E_ASAN_ENV.)
installed() { env -u TRUSTSHIM_LIBRARY -u LD_PRELOAD "${E2E_ASAN_ENV[@]}" "$prefix/bin/trustshim" "$@"; }
installed --version | grep -q "$(sed -n 's/^project(trustshim VERSION \([0-9.]*\).*/\1/p' "$TS_SOURCE_DIR/CMakeLists.txt")" ||
    ts_fail "the installed trustshim --version does not print the project's version"

export TRUSTSHIM_MANIFEST="$TS_TMP/etc/manifest.json"
installed init >/dev/null || ts_fail "installed trustshim init failed"
ts_selfsigned "$TS_TMP" server install.test
port=$(ts_free_port)
ts_s_server "$TS_TMP/server.pem" "$TS_TMP/server.key" "$port"
installed fetch "https://127.0.0.1:$port" --add --trust-on-first-use >/dev/null 2>&1 ||
    ts_fail "installed trustshim fetch --add failed"

# exec and env name the installed library, not the build's.
lib=$(readlink -f "$prefix/lib/trustshim/libtrustshim.so")
installed env --format sh | grep -q "$lib" || ts_fail "env --format sh does not name $lib: $(installed env --format sh)"
# shellcheck disable=SC2016 # expanded by the child shell
preload=$(installed exec -- sh -c 'printf %s "$LD_PRELOAD"') || ts_fail "installed trustshim exec failed"
case ":$preload:" in *":$lib:"*) ;; *) ts_fail "exec set LD_PRELOAD=$preload, not the installed $lib" ;; esac

# The installed library in LD_PRELOAD without TRUSTSHIM_MANIFEST (inherited by a JVM nobody meant
# to change): it must do nothing (docs/tomcat.md, security.md).  One JDK is enough.
preload_only=("LD_PRELOAD=$lib")
if [ "$TS_SANITIZE" = 1 ]; then
    preload_only=("LD_PRELOAD=$(gcc -print-file-name=libasan.so):$lib" "ASAN_OPTIONS=$E2E_ASAN_OPTIONS")
fi
first=1
while read -r jdk; do
    major=$(e2e_jdk_major "$jdk")
    classes="$TS_TMP/classes-$major"
    ts_javac "$jdk" "$classes" "$E2E_DIR/java/HttpsProbe.java"
    out=$("$jdk/bin/java" -cp "$classes" HttpsProbe "https://127.0.0.1:$port/" 2>&1 || true)
    e2e_expect_pkix "$out" "Java $major without trustshim"
    out=$(installed exec -- "$jdk/bin/java" -cp "$classes" HttpsProbe "https://127.0.0.1:$port/" 2>&1 || true)
    e2e_expect_ok "$out" "Java $major under the installed trustshim exec"
    if [ "$first" = 1 ]; then
        out=$(env -u TRUSTSHIM_MANIFEST "${preload_only[@]}" "$jdk/bin/java" -cp "$classes" HttpsProbe \
            "https://127.0.0.1:$port/" 2>&1 || true)
        e2e_expect_pkix "$out" "Java $major with the library in LD_PRELOAD but no TRUSTSHIM_MANIFEST"
        first=0
    fi
    ts_log "Java $major: OK under $prefix/bin/trustshim exec"
done <<<"$(ts_jdks)"
