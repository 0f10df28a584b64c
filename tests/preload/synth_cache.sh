#!/usr/bin/env bash
# Synthesized <host>.ks files: one per file, whatever the spelling (hosts
# compare without case, the directory by device and inode), and a bound on how
# many are kept.  300 spellings of one host hold one descriptor and answer one
# inode; 300 different hosts keep at most 256 built (past that: one warning,
# each open builds its own copy) and every one of them is still served.
# keystore_dirs has no limit on its length.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_cmd openssl python3
pl_setup
probe="$TS_BUILD_DIR/bin/ts_preload_probe"
ts_selfsigned "$TS_TMP" mail mail.example.test
mkdir -p "$TS_TMP/home/keystore"
ln -s home "$TS_TMP/alias"
hosts=$(python3 -c 'import json; print(json.dumps(["mail.example.test"] + ["h%d.example.test" % i for i in range(300)]))')
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1,
  "certificates": [ $(pl_cert_json "$TS_TMP/mail.pem" mail "$hosts") ],
  "keystore_dirs": [ "$TS_TMP/home/keystore" ] }
JSON
export TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json"

# 300 spellings: case variants of the host, and the directory through a symlink.
mapfile -t spellings < <(python3 - "$TS_TMP" <<'PY'
import sys, random
random.seed(1)
base = "mail.example.test"
out = set()
while len(out) < 300:
    h = "".join(c.upper() if random.random() < 0.5 else c for c in base)
    d = random.choice(["home", "alias"])
    out.add("%s/%s/keystore/%s.ks" % (sys.argv[1], d, h))
for p in sorted(out):
    print(p)
PY
)
baseline=$("$probe" many /dev/null | sed 's/.* fds //')
out=$(TRUSTSHIM_LOG=warn ts_with_preload "$probe" many "${spellings[@]}" 2>"$TS_TMP/err")
set -- $out
[ "$2" = 0 ] || ts_fail "some spellings were not served: $out"
[ "$4" = 0 ] && [ "$6" = 0 ] || ts_fail "spellings answered differently: $out"
[ "$8" -le $((baseline + 1)) ] || ts_fail "300 spellings hold $8 descriptors (baseline $baseline): $out"
[ ! -s "$TS_TMP/err" ] || ts_fail "stderr: $(cat "$TS_TMP/err")"

# 300 hosts: past the bound, one warning; all served; descriptors bounded.
mapfile -t files < <(for i in $(seq 0 299); do echo "$TS_TMP/home/keystore/h$i.example.test.ks"; done)
out=$(ts_with_preload "$probe" many "${files[@]}" 2>"$TS_TMP/err")
set -- $out
[ "$2" = 0 ] || ts_fail "hosts past the bound were not served: $out"
[ "$8" -le $((baseline + 257)) ] || ts_fail "300 hosts hold $8 descriptors: $out"
[ "$(grep -c 'synthesized <host>.ks files' "$TS_TMP/err")" = 1 ] || ts_fail "expected one warning: $(cat "$TS_TMP/err")"
ts_log "300 spellings: one file, $(( $8 - baseline )) descriptors over the 300 hosts; past 256 one warning"

# Past the bound a file is not kept, but it was served: writing it is refused like the others (no
# write-back); a <host>.ks this process never read may be written.
out=$(ts_with_preload "$probe" writemany "$TS_TMP/home/keystore/unread.example.test.ks" "${files[@]}" 2>"$TS_TMP/err")
[ "$out" = "$(printf 'write first: EROFS\nwrite last: EROFS\nwrite unread: ok')" ] ||
    ts_fail "writes after 300 synthesized files: $out $(cat "$TS_TMP/err")"
[ ! -e "$TS_TMP/home/keystore/h299.example.test.ks" ] || ts_fail "a synthesized <host>.ks past the bound was written to disk"
rm -f "$TS_TMP/home/keystore/unread.example.test.ks"
ts_log "past the bound: a served <host>.ks is still refused for writing"

# No limit on keystore_dirs (there were 64): the 70th is looked at.
dirs=$(python3 -c 'import json,sys; print(json.dumps(["%s/d%d/keystore" % (sys.argv[1], i) for i in range(70)]))' "$TS_TMP")
cat >"$TS_TMP/manifest70.json" <<JSON
{ "version": 1,
  "certificates": [ $(pl_cert_json "$TS_TMP/mail.pem" mail '["mail.example.test"]') ],
  "keystore_dirs": $dirs }
JSON
out=$(TRUSTSHIM_MANIFEST="$TS_TMP/manifest70.json" ts_with_preload "$probe" many "$TS_TMP/d69/keystore/mail.example.test.ks")
[ "${out%% other*}" = "failed 0" ] || ts_fail "keystore_dirs[69] was ignored: $out"
