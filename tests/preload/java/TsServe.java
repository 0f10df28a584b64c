// SPDX-License-Identifier: Apache-2.0
// Java side of the serving tests (freshness, passwords, Allegra's flow): what a JVM sees.
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.TreeSet;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public class TsServe {
    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    // The SHA-256 of every certificate a new TrustManagerFactory trusts, from the JVM's own
    // trust store choice (javax.net.ssl.trustStore ...): TrustStoreManager, with its cache.
    static TreeSet<String> trusted() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init((KeyStore) null);
        TreeSet<String> out = new TreeSet<>();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager) {
                for (X509Certificate c : ((X509TrustManager) tm).getAcceptedIssuers()) {
                    out.add(hex(md.digest(c.getEncoded())));
                }
            }
        }
        return out;
    }

    // A TLS handshake with the default socket factory, as JavaMail and JNDI's ldaps do.
    static String handshake(int port) {
        try (SSLSocket s = (SSLSocket) SSLSocketFactory.getDefault().createSocket("127.0.0.1", port)) {
            s.setSoTimeout(10000);
            s.startHandshake();
            return "OK";
        } catch (Exception e) {
            Throwable t = e;
            while (t.getCause() != null) {
                t = t.getCause();
            }
            return "FAIL " + t.getClass().getSimpleName() + ": " + t.getMessage();
        }
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
        case "watch": { // watch SHA256 STOPFILE: every 100 ms, a new TrustManagerFactory; print changes
            String want = args[1];
            File stop = new File(args[2]);
            String last = null;
            long end = System.currentTimeMillis() + 120000;
            while (!stop.exists() && System.currentTimeMillis() < end) {
                String now;
                try {
                    TreeSet<String> t = trusted();
                    now = (t.contains(want) ? "present " : "absent ") + t.size();
                } catch (Exception e) {
                    now = "error " + e;
                }
                if (!now.equals(last)) {
                    System.out.println(now);
                    System.out.flush();
                    last = now;
                }
                Thread.sleep(100);
            }
            break;
        }
        case "trusts": { // trusts SHA256...: with the JVM's trust store properties
            TreeSet<String> t;
            try {
                t = trusted();
            } catch (Exception e) {
                Throwable c = e;
                while (c.getCause() != null) {
                    c = c.getCause();
                }
                System.out.println("exception " + c.getClass().getName() + ": " + c.getMessage());
                break;
            }
            System.out.println("anchors " + t.size());
            for (int i = 1; i < args.length; i++) {
                System.out.println(args[i] + " " + t.contains(args[i]));
            }
            break;
        }
        case "load": { // load FILE TYPE PASSWORD|-: the entries, or the exception
            KeyStore ks = KeyStore.getInstance(args[2]);
            try (InputStream in = new FileInputStream(args[1])) {
                ks.load(in, args[3].equals("-") ? null : args[3].toCharArray());
                System.out.println("entries " + ks.size());
            } catch (Exception e) {
                System.out.println("exception " + e.getClass().getName() + ": " + e.getMessage());
            }
            break;
        }
        case "allegra": { // allegra HOME MAILHOST MAILPORT LDAPPORT ORDER(mail-ldap|ldap-mail)
            File home = new File(args[1]);
            String mailHost = args[2];
            int mailPort = Integer.parseInt(args[3]), ldapPort = Integer.parseInt(args[4]);
            String[] order = args[5].split("-");
            for (String step : order) {
                if (step.equals("mail")) {
                    // MailBL.setTrustKeyStore: cleared, then <home>/keystore/<host>.ks when it exists.
                    System.clearProperty("javax.net.ssl.trustStore");
                    File dir = new File(home, "keystore");
                    File ks = new File(dir, mailHost + ".ks");
                    if (dir.exists() && dir.isDirectory() && ks.exists()) {
                        System.setProperty("javax.net.ssl.trustStore", ks.getAbsolutePath());
                    }
                    System.out.println("mail " + handshake(mailPort) + " trustStore="
                            + System.getProperty("javax.net.ssl.trustStore"));
                } else {
                    // LdapUtil: <home>/keystore/trackplus.ks, whether it exists or not.
                    System.setProperty("javax.net.ssl.trustStore",
                            new File(home, "keystore/trackplus.ks").getAbsolutePath());
                    System.out.println("ldap " + handshake(ldapPort));
                }
            }
            break;
        }
        default:
            System.err.println("unknown mode " + args[0]);
            System.exit(2);
        }
    }
}
