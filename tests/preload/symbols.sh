#!/usr/bin/env bash
# libtrustshim.so exports exactly the functions of preload/symbols.def, and
# requires no glibc symbol version newer than GLIBC_2.28 (RHEL 8).
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_cmd nm objdump

expected=$(sed -n 's/^TS_SYMBOL(\([A-Za-z0-9_]*\),.*/\1/p' "$TS_SOURCE_DIR/preload/symbols.def" | sort)
[ "$(printf '%s\n' "$expected" | wc -l)" = 28 ] || ts_fail "symbols.def should list 28 functions"
exported=$(nm -D --defined-only "$TS_LIB" | awk '$2 ~ /^[TtWwiDdBb]$/ {print $3}' | sed 's/@.*//' | sort)
if [ "$exported" != "$expected" ]; then
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$exported") >&2 || true
    ts_fail "exported symbols differ from symbols.def (< expected, > exported)"
fi
ts_log "exports: $(printf '%s ' $exported)"

# Every GLIBC_x.y the library needs, from the dynamic symbol table.
too_new=$(objdump -T "$TS_LIB" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u -V |
    awk -F'[_.]' '($2 > 2) || ($2 == 2 && $3 > 28) {print}')
if [ -n "$too_new" ]; then
    objdump -T "$TS_LIB" | grep -E "$(printf '%s|' $too_new | sed 's/|$//')" >&2
    ts_fail "needs glibc versions newer than 2.28: $too_new"
fi
ts_log "glibc versions: $(objdump -T "$TS_LIB" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u -V | tr '\n' ' ')"
# And the version-needed records say the same (objdump -p).
newest=$(objdump -p "$TS_LIB" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u -V | tail -n1)
ts_log "newest version needed: $newest"
