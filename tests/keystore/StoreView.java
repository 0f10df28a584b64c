// SPDX-License-Identifier: Apache-2.0
// The JDK's own view of a keystore, to judge what the core serves.
//   java StoreView view TYPE FILE PASSWORD
//     one line per entry, sorted: alias, kind (trusted|key|secret), the SHA-256 of the
//     certificate (a key entry's first one; "-" for a secret key), and whether the key is
//     recoverable with the store password (yes|no|-); a store that does not load prints
//     "LOAD-FAILED <exception>" and exits 1.
//   java StoreView compare TYPE ORIGINAL SERVED PASSWORD
//     the view of both (ORIGINAL's lines, "--", SERVED's), then for each other password tried
//     on both (a wrong one, none): "wrong|none LOADS-ORIGINAL LOADS-SERVED" (1 loads, 0 not);
//     one JVM for all of it.
//   java StoreView repass TYPE IN OLDPW OUT NEWPW
//     copies every entry into a new store of TYPE whose store and key password is NEWPW.
// Passwords are given as the hex of their UTF-8 bytes ("" is an empty password, "-" none),
// so that non-ASCII ones survive any locale.
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

public class StoreView {
    static char[] pw(String hex) {
        if (hex.equals("-")) {
            return null;
        }
        byte[] b = new byte[hex.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return new String(b, StandardCharsets.UTF_8).toCharArray();
    }

    static KeyStore load(String type, String file, char[] password) throws Exception {
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(file)) {
            ks.load(in, password);
        }
        return ks;
    }

    static int loads(String type, String file, char[] password) {
        try {
            load(type, file, password);
            return 1;
        } catch (Exception e) {
            return 0;
        }
    }

    static String sha256(Certificate c) throws Exception {
        StringBuilder hex = new StringBuilder();
        for (byte b : MessageDigest.getInstance("SHA-256").digest(c.getEncoded())) {
            hex.append(String.format("%02x", b & 0xff));
        }
        return hex.toString();
    }

    static List<String> view(KeyStore ks, char[] password) throws Exception {
        List<String> lines = new ArrayList<>();
        for (String alias : Collections.list(ks.aliases())) {
            String kind, fp = "-", ok = "-";
            if (ks.isCertificateEntry(alias)) {
                kind = "trusted";
                fp = sha256(ks.getCertificate(alias));
            } else {
                Certificate c = ks.getCertificate(alias);
                kind = c != null ? "key" : "secret";
                if (c != null) {
                    fp = sha256(c);
                }
                try {
                    Key k = ks.getKey(alias, password);
                    ok = k != null ? "yes" : "no";
                } catch (Exception e) {
                    ok = "no";
                }
            }
            lines.add(alias + "\t" + kind + "\t" + fp + "\t" + ok);
        }
        Collections.sort(lines);
        return lines;
    }

    static boolean print(String type, String file, char[] password) {
        try {
            for (String l : view(load(type, file, password), password)) {
                System.out.println(l);
            }
            return true;
        } catch (Exception e) {
            System.out.println("LOAD-FAILED " + file + ": " + e);
            return false;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("view")) {
            if (!print(args[1], args[2], pw(args[3]))) {
                System.exit(1);
            }
        } else if (args[0].equals("compare")) {
            char[] password = pw(args[4]);
            char[] wrong = "wrong-password".toCharArray();
            if (!print(args[1], args[2], password)) {
                System.exit(1);
            }
            System.out.println("--");
            if (!print(args[1], args[3], password)) {
                System.exit(1);
            }
            System.out.println("wrong " + loads(args[1], args[2], wrong) + " "
                    + loads(args[1], args[3], wrong));
            System.out.println("none " + loads(args[1], args[2], null) + " "
                    + loads(args[1], args[3], null));
        } else if (args[0].equals("repass")) {
            char[] oldpw = pw(args[3]), newpw = pw(args[5]);
            KeyStore in = load(args[1], args[2], oldpw);
            KeyStore out = KeyStore.getInstance(args[1]);
            out.load(null, null);
            for (String alias : Collections.list(in.aliases())) {
                if (in.isCertificateEntry(alias)) {
                    out.setCertificateEntry(alias, in.getCertificate(alias));
                } else {
                    out.setKeyEntry(alias, in.getKey(alias, oldpw), newpw,
                            in.getCertificateChain(alias));
                }
            }
            try (OutputStream o = new FileOutputStream(args[4])) {
                out.store(o, newpw);
            }
        }
    }
}
