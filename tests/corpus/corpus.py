#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The contract of issue 8, judged on JdkView's output.

  corpus.py prepare CORPUS TMP MODE
      Writes TMP/list.tsv (every store with the password the application passes
      in MODE) and, per group of stores, TMP/GROUP.json (a manifest: add1 and add2
      to trust, "old" distrusted, each store a targets[] entry) and TMP/GROUP.tsv;
      prints the group names.  Stores with an empty password get a group and a
      manifest of their own, so that a manifest refusing "" fails only them.
  corpus.py manifest CORPUS OUT
      Writes OUT: one manifest with every store a targets[] entry with its password
      (for trying the corpus by hand).
  corpus.py check CORPUS TMP MODE PLAIN SERVED STDERR
      PLAIN: JdkView's views without the library; SERVED and STDERR: with it (all
      groups).  Prints one line per store (ok / FAIL and why) and exits 1 on a FAIL.

MODE is what the application passes and what the manifest knows:
  right    the store's password; targets[].password set
  wrong    "wrong-password-1"; targets[].password set (the right one)
  none     no password (null); targets[].password set
  unknown  the store's password; targets[] without a password (stores whose
           password is not the manifest's default)
  render   as right, for the output of trustshim render, loaded by the same JDK
           (a failed render is right only where the JDK cannot load the store
           either; a rendered copy this JDK loads where it cannot load the
           original is not: render keeps the base's bytes and password)
The contract, per store: if the JDK fails to load it without the library, it
fails with the library too, with the same kind of error.  Otherwise it loads, and
every entry is there with the same alias, kind and content, except the distrusted
trusted-certificate entries, which are gone; the manifest's certificates are added
as trusted entries; nothing else changes; the JDK's trusted set follows.  In MODE
unknown the original may be served unchanged instead, with exactly one line of
the library on stderr naming the file.
"""
import copy
import hashlib
import json
import os
import re
import ssl
import sys

WRONG = "wrong-password-1"
DEFAULT_PASSWORD = "changeit"


def sha_of_pem(path):
    with open(path, encoding="ascii") as f:
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()


def corpus(cdir):
    rows = []
    with open(os.path.join(cdir, "corpus.tsv"), encoding="utf-8") as f:
        for line in f:
            name, typ, mode, pw = line.rstrip("\n").split("\t")
            rows.append({"name": name, "path": os.path.join(cdir, "stores", name), "type": typ,
                         "haspw": mode == "pw", "pw": pw})
    return rows


def selected(rows, mode):
    if mode == "selftest":
        return [r for r in rows if r["haspw"]]
    if mode == "unknown":
        return [r for r in rows if r["haspw"] and r["pw"] != DEFAULT_PASSWORD]
    return rows


def app_password(row, mode):
    if mode == "wrong":
        return ("pw", WRONG)
    if mode == "none" or not row["haspw"]:
        return ("none", "")
    return ("pw", row["pw"])


def group_of(row):
    return "emptypw" if row["haspw"] and row["pw"] == "" else "main"


def list_line(row, mode):
    m, pw = app_password(row, mode)
    return "\t".join([row["name"], row["path"], row["type"], m, pw]) + "\n"


def manifest_for(cdir, members, mode):
    certs = os.path.join(cdir, "certs")
    targets = []
    for r in members:
        t = {"path": r["path"]}
        if r["haspw"] and mode != "unknown":
            t["password"] = r["pw"]
        targets.append(t)
    return {
        "version": 1,
        "certificates": [
            # add2 asks for the alias "1": the one the JDK gives the first unnamed entry of a
            # PKCS12 (pyca's no-name-*), which an addition must not take from it.
            {"alias": "1" if a == "add2" else a, "sha256": sha_of_pem(os.path.join(certs, a + ".pem")),
             "pem": open(os.path.join(certs, a + ".pem"), encoding="ascii").read()}
            for a in ("add1", "add2")],
        "distrust": [sha_of_pem(os.path.join(certs, "old.pem"))],
        "targets": targets,
    }


def write_manifest(path, manifest):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)


def prepare(cdir, tmp, mode):
    rows = selected(corpus(cdir), mode)
    with open(os.path.join(tmp, "list.tsv"), "w", encoding="utf-8") as f:
        f.writelines(list_line(r, mode) for r in rows)
    groups = {}
    for r in rows:
        groups.setdefault(group_of(r), []).append(r)
    for g, members in sorted(groups.items()):
        write_manifest(os.path.join(tmp, g + ".json"), manifest_for(cdir, members, mode))
        with open(os.path.join(tmp, g + ".tsv"), "w", encoding="utf-8") as f:
            f.writelines(list_line(r, mode) for r in members)
        print(g)


def views(path):
    """label -> {"load": str, "entries": {alias: (kind, content)}, "trust": set, "lines": [...]}"""
    out = {}
    cur = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("@ "):
                cur = out.setdefault(line[2:], {"load": None, "entries": {}, "trust": set(), "lines": []})
                continue
            if cur is None or line.startswith("# "):
                if cur is not None:
                    cur["why"] = line[2:]
                continue
            cur["lines"].append(line)
            if line.startswith("load "):
                cur["load"] = line[5:]
            elif line.startswith("entry\t"):
                _, alias, kind, content = line.split("\t", 3)
                cur["entries"][alias] = (kind, content)
            elif line.startswith("trust "):
                cur["trust"].add(line[6:])
            else:
                cur.setdefault("errors", []).append(line)
    return out


def trust_of(entries):
    """sun.security.validator.TrustStoreUtil: trusted entries plus each key chain's first certificate."""
    t = set()
    for kind, content in entries.values():
        if kind == "trusted":
            t.add(content)
        elif kind == "key" and not content.startswith("chain=none"):
            t.add(content[len("chain="):].split(" ")[0].split(",")[0])
    return t


def contract(p, s, added, distrusted):
    """Why served view s breaks the contract against plain view p ([] when it keeps it)."""
    why = []
    if s is None:
        return ["no view under the library (did the JVM die?)"]
    if p["load"] != "ok":
        if s["load"].startswith("fail trustshim-render"):
            return []
        if s["load"] == "ok":
            return ["loads under the library, fails without (%s)" % p["load"]]
        if s["load"].split()[-1] != p["load"].split()[-1]:
            return ["fails with another kind of error: %s, without the library %s" % (s["load"], p["load"])]
        return []
    if s["load"].startswith("fail trustshim-render"):
        return ["trustshim render failed (%s)" % s["load"].split()[-1]]
    if s["load"] != "ok":
        return ["fails under the library (%s: %s)" % (s["load"], s.get("why", ""))]
    if s.get("errors"):
        why.append("JdkView errors under the library: %s" % s["errors"])
    for alias, (kind, content) in sorted(p["entries"].items()):
        got = s["entries"].get(alias)
        if kind == "trusted" and content in distrusted:
            if got is not None and got == (kind, content):
                why.append("distrusted entry %r still served" % alias)
            continue
        if got is None:
            why.append("entry %r (%s) missing" % (alias, kind))
        elif got != (kind, content):
            why.append("entry %r changed: %s %s, was %s %s" % (alias, got[0], got[1], kind, content))
    extra = {a: e for a, e in s["entries"].items() if a not in p["entries"]}
    for alias, (kind, content) in sorted(extra.items()):
        if kind != "trusted" or content not in added:
            why.append("unexpected entry %r: %s %s" % (alias, kind, content))
    served_trusted = {c for k, c in s["entries"].values() if k == "trusted"}
    for sha in sorted(added - distrusted):
        if sha not in served_trusted:
            why.append("manifest certificate %s… not served as a trusted entry" % sha[:16])
    want = trust_of(s["entries"])
    if s["trust"] != want:
        why.append("the JDK trusts %d certificates, the entries say %d" % (len(s["trust"]), len(want)))
    expect = (p["trust"] - {c for k, c in p["entries"].values() if k == "trusted" and c in distrusted}) | (added - distrusted)
    expect |= trust_of({a: e for a, e in p["entries"].items() if e[0] == "key"})
    if s["trust"] != expect:
        why.append("trusted set: %d lost, %d unexpected" % (len(expect - s["trust"]), len(s["trust"] - expect)))
    return why


# A line of the library (dated when its standard error is a file, as here).
LOG_LINE = re.compile(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z )?trustshim\[\d+\]: ")


def damaged(path):
    """A store generate.sh damaged on purpose (contract 4: it may be served as it is)."""
    return path.endswith("-tampered")


def served_as_is(p, s, path, log, word):
    """Contract 4 (unknown password, damaged file): None when s is not the original,
    else why serving it is not right here ([] when it is: one line of the library
    names the file, and says WORD)."""
    if s is None or s["lines"] != p["lines"]:
        return None
    named = re.compile(re.escape(path) + r"(?![\w.-])")
    lines = [l for l in log if named.search(l)]
    if len(lines) != 1:
        return ["original served, but %d lines of the library name it (expected 1)" % len(lines)]
    if word not in lines[0]:
        return ["original served, but the line does not say %r: %s" % (word, lines[0])]
    return []


def judge(p, s, mode, path, log, added, distrusted):
    """Why serving s for p breaks the contract in MODE ([] when it keeps it)."""
    why = contract(p, s, added, distrusted)
    if why and (mode == "unknown" or damaged(path)):
        as_is = served_as_is(p, s, path, log, "password" if mode == "unknown" else "")
        if as_is is not None:
            why = as_is
    return why


def selftest(cdir, plain_path, ideal_path):
    """The judge judged: JdkView's view of what the contract asks (JdkView ideal, made by
    the JDK's KeyStore) must pass, and every mutant of it must fail."""
    rows = selected(corpus(cdir), "selftest")
    certs = os.path.join(cdir, "certs")
    added = {sha_of_pem(os.path.join(certs, a + ".pem")) for a in ("add1", "add2")}
    distrusted = {sha_of_pem(os.path.join(certs, "old.pem"))}
    plain = views(plain_path)
    ideal = views(ideal_path)
    bad = []
    n = 0

    def expect(name, what, p, s, ok):
        nonlocal n
        n += 1
        why = contract(p, s, added, distrusted)
        if bool(why) == ok:
            bad.append("%s: %s: %s" % (name, what, "rejected: %s" % why if why else "accepted"))

    for r in rows:
        name = r["name"]
        p = plain[name]
        if p["load"] != "ok":
            expect(name, "same failure", p, copy.deepcopy(p), True)
            m = copy.deepcopy(p)
            m["load"] = "ok"
            expect(name, "loads where the JDK fails", p, m, False)
            m = copy.deepcopy(p)
            m["load"] = "fail java.io.IOException " + ("format" if p["load"].endswith("password") else "password")
            expect(name, "another kind of failure", p, m, False)
            continue
        s = ideal.get(name)
        if s is None:
            bad.append("%s: the JDK loads it but JdkView ideal wrote nothing" % name)
            continue
        expect(name, "the ideal", p, s, True)
        m = copy.deepcopy(s)
        m["load"] = "fail java.io.IOException password"
        expect(name, "fails", p, m, False)
        m = copy.deepcopy(s)
        m["entries"]["intruder"] = ("trusted", "00" * 32)
        m["trust"].add("00" * 32)
        expect(name, "an entry added", p, m, False)
        m = copy.deepcopy(s)
        del m["entries"]["add1"]
        expect(name, "a manifest certificate missing", p, m, False)
        m = copy.deepcopy(s)
        m["trust"].discard(next(iter(added)))
        expect(name, "the JDK's trusted set short", p, m, False)
        for alias, (kind, content) in p["entries"].items():
            if kind == "trusted" and content in distrusted:
                m = copy.deepcopy(s)
                m["entries"][alias] = (kind, content)
                m["trust"].add(content)
                expect(name, "distrusted entry kept", p, m, False)
                continue
            m = copy.deepcopy(s)
            del m["entries"][alias]
            expect(name, "entry %r dropped" % alias, p, m, False)
            m = copy.deepcopy(s)
            m["entries"][alias] = (kind, content + "x")
            expect(name, "entry %r changed" % alias, p, m, False)
            if kind != "trusted":
                m = copy.deepcopy(s)
                m["entries"][alias] = ("trusted", content)
                expect(name, "entry %r of another kind" % alias, p, m, False)
        # Contract 4 (MODE unknown): the original with one line saying "password", or
        # the contract kept; nothing else.
        line = "trustshim[1]: error: %s: set targets[0].password" % r["path"]
        other = "trustshim[1]: error: %s.other: set targets[1].password" % r["path"]
        cases = [("original with one line", p, [line], True),
                 ("original with one line and another file's", p, [line, other], True),
                 ("the ideal, no line", s, [], True),
                 ("original without a line", p, [other], False),
                 ("original with two lines", p, [line, line], False),
                 ("original with a line not about the password", p, [line.replace("password", "format")], False)]
        kept = sorted(a for a in p["entries"] if a in s["entries"])
        if kept:
            m = copy.deepcopy(s)
            del m["entries"][kept[0]]
            cases.append(("the ideal without entry %r" % kept[0], m, [line], False))
        for what, served, log, ok in cases:
            n += 1
            why = judge(p, copy.deepcopy(served), "unknown", r["path"], log, added, distrusted)
            if bool(why) == ok:
                bad.append("%s: unknown password, %s: %s" % (name, what, why or "accepted"))
    for b in bad:
        print("FAIL " + b)
    print("%d of %d judgements right on %d stores" % (n - len(bad), n, len(rows)))
    return 1 if bad else 0


def check(cdir, tmp, mode, plain_path, served_path, stderr_path):
    rows = selected(corpus(cdir), mode)
    certs = os.path.join(cdir, "certs")
    added = {sha_of_pem(os.path.join(certs, a + ".pem")) for a in ("add1", "add2")}
    distrusted = {sha_of_pem(os.path.join(certs, "old.pem"))}
    plain = views(plain_path)
    served = views(served_path)
    with open(stderr_path, encoding="utf-8", errors="replace") as f:
        log = [l for l in f.read().splitlines() if LOG_LINE.match(l)]
    failed = 0
    for r in rows:
        p = plain.get(r["name"])
        if p is None:
            print("FAIL %s: no view without the library" % r["name"])
            failed += 1
            continue
        # JdkView's own rule check: the JDK's trusted set is what the entries say.
        if p["load"] == "ok" and p["trust"] != trust_of(p["entries"]):
            print("FAIL %s: without the library the JDK's trusted set differs from TrustStoreUtil's rule" % r["name"])
            failed += 1
            continue
        s = served.get(r["name"])
        why = judge(p, s, mode, r["path"], log, added, distrusted)
        if why:
            failed += 1
            print("FAIL %s [%s]: %s" % (r["name"], p["load"], "; ".join(why)))
        else:
            print("ok   %s [%s]" % (r["name"], p["load"]))
    print("%d of %d stores keep the contract (mode %s)" % (len(rows) - failed, len(rows), mode))
    return 1 if failed else 0


def main(argv):
    if len(argv) == 5 and argv[1] == "prepare":
        prepare(argv[2], argv[3], argv[4])
        return 0
    if len(argv) == 4 and argv[1] == "manifest":
        write_manifest(argv[3], manifest_for(argv[2], corpus(argv[2]), "right"))
        return 0
    if len(argv) == 5 and argv[1] == "selftest":
        return selftest(*argv[2:])
    if len(argv) == 8 and argv[1] == "check":
        return check(*argv[2:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
