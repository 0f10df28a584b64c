// SPDX-License-Identifier: Apache-2.0
// The JDK's own view of keystores: the judge of the corpus tests.
//
//   java JdkView view LIST      one block per line of LIST (UTF-8, tab-separated:
//                               label, path, type, "pw" or "none", password)
//   java JdkView repass SRC TYPE SRCPW DST DSTPW
//                               writes SRC again under another store (and key) password,
//                               for the passwords keytool refuses (empty)
//   java JdkView ideal LIST OUTDIR ADD.pem... -- OLD.pem...
//                               what the contract asks the library to serve, made by the
//                               JDK's own KeyStore: each store of LIST that loads, plus
//                               ADD as trusted entries, minus the trusted entries holding
//                               OLD, stored with the same type and password as
//                               OUTDIR/label; prints the labels written (the judge's
//                               self-test)
//
// A block is "@ label", then "load ok" or "load fail CLASS KIND" (KIND: "password"
// for a wrong password or a failed integrity check, which the JDK does not tell
// apart, else "format"; a "# " line gives the message), then one line per entry,
// tab-separated since aliases may hold spaces: "entry ALIAS trusted SHA",
// "entry ALIAS key chain=SHA,SHA... key=ALG:SHA", "entry ALIAS secret key=ALG:SHA"
// (key=unrecoverable:CLASS when getKey fails with the store password), then
// "trust SHA" lines: the issuers a PKIX TrustManagerFactory built from the store
// accepts (sun.security.validator.TrustStoreUtil's rule, applied by the JDK
// itself). SHA is the SHA-256 of the DER (or of the key's encoding). Lines within
// a block are sorted, so two views of the same content are equal.
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.Key;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.UnrecoverableKeyException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import javax.crypto.BadPaddingException;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public class JdkView {
    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    static String sha(byte[] b) throws Exception {
        return hex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    // Why a load failed, in the contract's terms: "password" (wrong password or a
    // failed integrity check: the JDK cannot tell them apart) or "format".
    static String kind(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String m = String.valueOf(c.getMessage()).toLowerCase();
            if (c instanceof UnrecoverableKeyException || c instanceof BadPaddingException
                    || m.contains("password") || m.contains("tampered") || m.contains("integrity")
                    || m.contains("final block not properly padded")) {
                return "password";
            }
        }
        return "format";
    }

    static String key(KeyStore ks, String alias, char[] pw) {
        try {
            Key k = ks.getKey(alias, pw);
            if (k == null) {
                return "key=none";
            }
            byte[] enc = k.getEncoded();
            return "key=" + k.getAlgorithm() + ":" + (enc == null ? "unencodable" : sha(enc));
        } catch (Exception e) {
            return "key=unrecoverable:" + e.getClass().getName();
        }
    }

    static List<String> view(String path, String type, char[] pw) {
        List<String> out = new ArrayList<>();
        KeyStore ks;
        try (InputStream in = new FileInputStream(path)) {
            ks = KeyStore.getInstance(type);
            ks.load(in, pw);
        } catch (Throwable e) {
            out.add("load fail " + e.getClass().getName() + " " + kind(e));
            out.add("# " + String.valueOf(e.getMessage()).replace('\n', ' '));
            return out;
        }
        out.add("load ok");
        List<String> lines = new ArrayList<>();
        try {
            for (Enumeration<String> e = ks.aliases(); e.hasMoreElements();) {
                String a = e.nextElement();
                if (ks.isCertificateEntry(a)) {
                    lines.add("entry\t" + a + "\ttrusted\t" + sha(ks.getCertificate(a).getEncoded()));
                } else if (ks.entryInstanceOf(a, KeyStore.PrivateKeyEntry.class)) {
                    Certificate[] chain = ks.getCertificateChain(a);
                    StringBuilder c = new StringBuilder();
                    for (int i = 0; chain != null && i < chain.length; i++) {
                        c.append(i == 0 ? "" : ",").append(sha(chain[i].getEncoded()));
                    }
                    lines.add("entry\t" + a + "\tkey\tchain=" + (c.length() == 0 ? "none" : c) + " " + key(ks, a, pw));
                } else if (ks.entryInstanceOf(a, KeyStore.SecretKeyEntry.class)) {
                    lines.add("entry\t" + a + "\tsecret\t" + key(ks, a, pw));
                } else {
                    lines.add("entry\t" + a + "\tunknown\t-");
                }
            }
            TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
            f.init(ks);
            for (X509Certificate c : ((X509TrustManager) f.getTrustManagers()[0]).getAcceptedIssuers()) {
                lines.add("trust " + sha(c.getEncoded()));
            }
        } catch (Throwable e) {
            lines.add("error " + e.getClass().getName() + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
        }
        Collections.sort(lines);
        out.addAll(lines);
        return out;
    }

    public static void main(String[] args) throws Exception {
        PrintStream o = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, "UTF-8");
        if (args[0].equals("view")) {
            for (String line : Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8)) {
                String[] f = line.split("\t", -1);
                if (f.length != 5) {
                    throw new IllegalArgumentException("bad list line (expected 5 tab-separated fields): " + line);
                }
                o.println("@ " + f[0]);
                for (String s : view(f[1], f[2], f[3].equals("none") ? null : f[4].toCharArray())) {
                    o.println(s);
                }
            }
        } else if (args[0].equals("repass")) {
            KeyStore ks = KeyStore.getInstance(args[2]);
            char[] from = args[3].toCharArray();
            char[] to = args[5].toCharArray();
            try (InputStream in = new FileInputStream(args[1])) {
                ks.load(in, from);
            }
            for (String a : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(a)) {
                    ks.setKeyEntry(a, ks.getKey(a, from), to, ks.getCertificateChain(a));
                }
            }
            try (OutputStream out = Files.newOutputStream(Paths.get(args[4]))) {
                ks.store(out, to);
            }
        } else if (args[0].equals("ideal")) {
            java.security.cert.CertificateFactory cf = java.security.cert.CertificateFactory.getInstance("X.509");
            List<Certificate> add = new ArrayList<>();
            List<Certificate> old = new ArrayList<>();
            List<Certificate> to = add;
            for (int i = 3; i < args.length; i++) {
                if (args[i].equals("--")) {
                    to = old;
                    continue;
                }
                try (InputStream in = new FileInputStream(args[i])) {
                    to.add(cf.generateCertificate(in));
                }
            }
            for (String line : Files.readAllLines(Paths.get(args[1]), StandardCharsets.UTF_8)) {
                String[] f = line.split("\t", -1);
                char[] pw = f[3].equals("none") ? null : f[4].toCharArray();
                KeyStore ks = KeyStore.getInstance(f[2]);
                try (InputStream in = new FileInputStream(f[1])) {
                    ks.load(in, pw);
                } catch (Exception e) {
                    continue;
                }
                for (String a : Collections.list(ks.aliases())) {
                    if (ks.isCertificateEntry(a) && old.contains(ks.getCertificate(a))) {
                        ks.deleteEntry(a);
                    }
                }
                for (int i = 0; i < add.size(); i++) {
                    ks.setCertificateEntry("add" + (i + 1), add.get(i));
                }
                try (OutputStream out = Files.newOutputStream(Paths.get(args[2], f[0]))) {
                    ks.store(out, pw);
                }
                o.println(f[0]);
            }
        } else {
            throw new IllegalArgumentException("usage: JdkView view LIST | repass SRC TYPE SRCPW DST DSTPW"
                    + " | ideal LIST OUTDIR ADD.pem... -- OLD.pem...");
        }
    }
}
