#!/usr/bin/env bash
# bash and python3 under the library (fully configured) behave exactly as without it.
. "$TS_SOURCE_DIR/tests/lib/common.sh"
. "$TS_SOURCE_DIR/tests/preload/lib.sh"
ts_require_cmd python3
pl_setup
ts_selfsigned "$TS_TMP" srv mail.example.test
cat >"$TS_TMP/manifest.json" <<JSON
{ "version": 1, "certificates": [ $(pl_cert_json "$TS_TMP/srv.pem" mail '["mail.example.test"]') ] }
JSON
mkdir -p "$TS_TMP/w/sub"
echo data >"$TS_TMP/w/a.txt"
cp /etc/ssl/certs/java/cacerts "$TS_TMP/w/copy.ks"

cat >"$TS_TMP/script.sh" <<'SH'
cd "$1"
echo "files: $(ls -l --time-style=+ . | awk '{print $1, $5, $NF}' | tr '\n' ' ')"
[ -f a.txt ] && echo "a.txt is a file"; [ -d sub ] && echo "sub is a dir"; [ -e nope ] || echo "nope missing"
[ -r copy.ks ] && echo "copy.ks readable, $(wc -c <copy.ks) bytes"
cat nope 2>&1 | sed 's/^.*: //'
echo new >b.txt; cat b.txt; rm b.txt
ls /etc/ssl/certs/java/cacerts; wc -c </etc/ssl/certs/java/cacerts
SH
cat >"$TS_TMP/script.py" <<'PY'
import os, sys, hashlib
os.chdir(sys.argv[1])
for name in ["a.txt", "sub", "nope", "copy.ks", "/etc/ssl/certs/java/cacerts"]:
    try:
        st = os.stat(name); print(name, oct(st.st_mode), st.st_size if not os.path.isdir(name) else "-")
    except OSError as e:
        print(name, "error", e.errno)
print(hashlib.sha256(open("copy.ks", "rb").read()).hexdigest())
print(hashlib.sha256(open("/etc/ssl/certs/java/cacerts", "rb").read()).hexdigest())
print(os.access("a.txt", os.W_OK), os.access("nope", os.F_OK))
with open("c.txt", "w") as f: f.write("x")
print(open("c.txt").read()); os.unlink("c.txt")
import ssl; print("ssl ok", ssl.OPENSSL_VERSION.split()[0])
PY

for tool in bash python3; do
    ext=sh; [ "$tool" = python3 ] && ext=py
    "$tool" "$TS_TMP/script.$ext" "$TS_TMP/w" >"$TS_TMP/$tool.plain" 2>&1
    TRUSTSHIM_MANIFEST="$TS_TMP/manifest.json" \
        ts_with_preload "$tool" "$TS_TMP/script.$ext" "$TS_TMP/w" >"$TS_TMP/$tool.pre" 2>&1
    diff "$TS_TMP/$tool.plain" "$TS_TMP/$tool.pre" >&2 || ts_fail "$tool behaves differently under the library"
    ts_log "$tool: $(wc -l <"$TS_TMP/$tool.plain") lines of output identical"
done
