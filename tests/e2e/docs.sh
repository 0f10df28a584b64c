#!/usr/bin/env bash
# The man pages render without warnings and, with the bash completion, stay
# true to the CLI: every command `trustshim --help` lists and every option
# `trustshim CMD --help` lists is in trustshim(1) and completes.  The user
# docs' relative links lead to files that exist.
. "${TS_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/e2e/e2e.sh"

ts_require_cmd groff
e2e_require_build

man1="$TS_SOURCE_DIR/docs/man/trustshim.1"
man5="$TS_SOURCE_DIR/docs/man/trustshim-manifest.5"
completion="$TS_SOURCE_DIR/docs/completion/trustshim.bash"

# 1. The pages render cleanly (groff's own warnings; man -l when man-db is there).
for page in "$man1" "$man5"; do
    warnings=$(groff -man -ww -z -Tutf8 "$page" 2>&1)
    [ -z "$warnings" ] || ts_fail "$page: groff warnings: $warnings"
    if command -v man >/dev/null 2>&1; then
        warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" 2>&1 >/dev/null)
        [ -z "$warnings" ] || ts_fail "$page: man -l warnings: $warnings"
        LC_ALL=C.UTF-8 MANWIDTH=80 man -E UTF-8 -l "$page" 2>/dev/null | grep '^NAME' >/dev/null ||
            ts_fail "$page: man -l shows no NAME section"
    fi
done
grep -q "trustshim $(sed -n 's/^project(trustshim VERSION \([0-9.]*\).*/\1/p' "$TS_SOURCE_DIR/CMakeLists.txt")" "$man1" ||
    ts_fail "trustshim.1 does not carry the project's version"

# Every environment variable the CLI or the library reads (but PATH and LD_PRELOAD) is described in
# trustshim(1)'s ENVIRONMENT section.
env_section=$(sed -n '/^\.SH ENVIRONMENT/,/^\.SH /p' "$man1")
env_read=$(grep -rhoE '(getenv|env_is_1|copy_env)\("[A-Z_]+"' "$TS_SOURCE_DIR/preload" "$TS_SOURCE_DIR/tools" |
    sed 's/.*("//; s/"$//' | sort -u | grep -vx 'PATH\|LD_PRELOAD')
[ "$(wc -w <<<"$env_read")" -ge 8 ] || ts_fail "found too few environment variables in the sources: $env_read"
for var in $env_read; do
    grep -Eq "^\.B[IR]? .*\b$var\b" <<<"$env_section" || ts_fail "trustshim.1 ENVIRONMENT does not describe $var"
done

# 2. The completion, driven as bash would drive it.
# shellcheck source=/dev/null
. "$completion"
complete_line() { # words of the command line, the last one being completed
    COMP_WORDS=("$@")
    COMP_CWORD=$(($# - 1))
    COMP_LINE="$*"
    COMP_POINT=${#COMP_LINE}
    COMPREPLY=()
    _trustshim trustshim "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    printf '%s\n' "${COMPREPLY[@]}" | sort -u
}
# roff spells every '-' of an option name as '\-'.
roff_option() { printf '%s' "${1//-/\\-}"; }

commands=$("$TS_CLI" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
[ "$(wc -w <<<"$commands")" -ge 12 ] || ts_fail "trustshim --help lists too few commands: $commands"
completed=$(complete_line trustshim "")
for cmd in $commands; do
    grep -qx "$cmd" <<<"$completed" || ts_fail "completion does not offer the command $cmd"
    grep -Eq "^\.B[IR]? \"?$cmd( |\"|$)" "$man1" || ts_fail "trustshim.1 does not describe the command $cmd"
    help_opts=$("$TS_CLI" "$cmd" --help | sed -n '/^Options:/,$p' | grep -o -- '--[a-z0-9-]*' | sort -u)
    [ -n "$help_opts" ] || ts_fail "trustshim $cmd --help lists no options"
    comp_opts=$(complete_line trustshim "$cmd" --)
    [ "$help_opts" = "$comp_opts" ] ||
        ts_fail "completion of 'trustshim $cmd --': $(tr '\n' ' ' <<<"$comp_opts"), but --help lists $(tr '\n' ' ' <<<"$help_opts")"
    for opt in $help_opts; do
        grep -qF -- "$(roff_option "$opt")" "$man1" || ts_fail "trustshim.1 does not mention $opt (of $cmd)"
    done
done
[ "$(complete_line trustshim fe)" = fetch ] || ts_fail "'trustshim fe' does not complete to fetch"
[ "$(complete_line trustshim env --format "" | tr '\n' ' ')" = "docker sh systemd " ] ||
    ts_fail "env --format does not complete to sh, systemd, docker"
[ "$(complete_line trustshim render --format "" | tr '\n' ' ')" = "jks pkcs12 " ] ||
    ts_fail "render --format does not complete to jks, pkcs12"
[ "$(complete_line trustshim fetch https://x --pick "" | tr '\n' ' ')" = "all last leaf " ] ||
    ts_fail "fetch --pick does not complete to last, leaf, all"
complete_line trustshim exec -- bas | grep -qx bash || ts_fail "exec -- does not complete commands"

# The aliases of the manifest in effect complete for remove.
ts_tmpdir
export TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json"
"$TS_CLI" init >/dev/null
ts_selfsigned "$TS_TMP" one one.example.test
out=$("$TS_CLI" add "$TS_TMP/one.pem" --alias completion-one 2>&1) || ts_fail "trustshim add failed: $out"
PATH="$(dirname "$TS_CLI"):$PATH"
[ "$(complete_line trustshim remove comp)" = completion-one ] || ts_fail "remove does not complete the manifest's aliases"

# 3. The user docs' examples: shell blocks parse, and every `trustshim CMD --opt` they show is a
#    command and an option the CLI has.
user_docs=(../README.md README.md tomcat.md containers.md allegra.md troubleshooting.md security.md comparison.md)
for doc in "${user_docs[@]}"; do
    f="$TS_SOURCE_DIR/docs/$doc"
    [ -f "$f" ] || ts_fail "docs/$doc is missing"
    n=0
    while IFS= read -r -d '' block; do
        n=$((n + 1))
        bash -n <<<"$block" 2>"$TS_TMP/syntax" || ts_fail "docs/$doc: shell example $n does not parse: $(cat "$TS_TMP/syntax")"
    done < <(awk '/^[[:space:]]*```(sh|bash)$/ { inb = 1; next } /^[[:space:]]*```/ { if (inb) printf "%c", 0; inb = 0; next } inb' "$f")
    # The code of the page: fenced blocks (any language) and inline `code` spans.
    # shellcheck disable=SC2016 # backquotes are Markdown here, not shell
    code=$(awk '/^[[:space:]]*```/ { inb = !inb; next } inb' "$f"; grep -o '`[^`]*`' "$f" | tr -d '`')
    while read -r cmd opts; do
        grep -qx "$cmd" <<<"$commands" || ts_fail "docs/$doc: 'trustshim $cmd' is not a command"
        help=$("$TS_CLI" "$cmd" --help)
        for opt in $opts; do
            grep -q -- "$opt\b" <<<"$help" || ts_fail "docs/$doc: 'trustshim $cmd $opt': no such option"
        done
    done < <(grep -o '\btrustshim [a-z][^|;&)#"]*' <<<"$code" | grep -v '^trustshim \(exec\|env\|add\) *\]' |
        awk '$2 ~ /^[a-z]+$/ { printf "%s", $2; for (i = 3; i <= NF; i++) if ($i ~ /^--[a-z]/) { sub(/=.*/, "", $i); printf " %s", $i } print "" }')
done

# 4. Relative links of the user docs lead somewhere.
for doc in "${user_docs[@]}"; do
    f="$TS_SOURCE_DIR/docs/$doc"
    while read -r link; do
        [ -e "$(dirname "$f")/$link" ] || ts_fail "docs/$doc links to $link, which does not exist"
    done < <(grep -o '](\([^)#:]*\))' "$f" | sed 's/^](//; s/)$//' | sort -u)
done

# 5. The newcomer's first commands (the first shell block of README.md and of docs/README.md) install
#    the packages, build and run the demo, and work as root on a fresh Debian, which has no sudo.
for f in "$TS_SOURCE_DIR/README.md" "$TS_SOURCE_DIR/docs/README.md"; do
    first=$(awk '/^```sh$/ { inb = 1; next } /^```/ { if (inb) exit } inb' "$f")
    for expected in 'bash .ci/install-deps' 'cmake --build build' 'bash tools/demo.sh'; do
        grep -qF "$expected" <<<"$first" || ts_fail "$f: the first shell block lacks '$expected': $first"
    done
    ! grep -Eq '(^|[;&|(] *)sudo ' <<<"$first" || ts_fail "$f: the first shell block needs sudo, which a fresh Debian lacks: $first"
done
