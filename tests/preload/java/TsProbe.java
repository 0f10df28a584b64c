// SPDX-License-Identifier: Apache-2.0
// Java side of the preload tests: what a JVM sees through libtrustshim.so.
import java.io.File;
import java.io.FileInputStream;
import java.io.InputStream;
import java.net.URL;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.HttpsURLConnection;

public class TsProbe {
    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    // "alias sha256" lines, sorted.
    static List<String> entries(KeyStore ks) throws Exception {
        List<String> out = new ArrayList<>();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (Enumeration<String> e = ks.aliases(); e.hasMoreElements();) {
            String a = e.nextElement();
            Certificate c = ks.getCertificate(a);
            out.add(a + " " + (c == null ? "-" : hex(md.digest(c.getEncoded()))));
        }
        Collections.sort(out);
        return out;
    }

    static KeyStore load(String file, String type, String password) throws Exception {
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(file)) {
            ks.load(in, password.equals("-") ? null : password.toCharArray());
        }
        return ks;
    }

    static String cacerts() {
        return System.getProperty("java.home") + "/lib/security/cacerts";
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
        case "https": {
            HttpsURLConnection c = (HttpsURLConnection) new URL(args[1]).openConnection();
            c.setConnectTimeout(10000);
            c.setReadTimeout(10000);
            try {
                System.out.println("OK " + c.getResponseCode());
            } catch (Exception e) {
                System.out.println("FAIL " + e);
                System.exit(1);
            }
            break;
        }
        case "load": { // load FILE TYPE PASSWORD|-
            KeyStore ks = load(args[1], args[2], args[3]);
            System.out.println("entries " + ks.size());
            for (String s : entries(ks)) {
                System.out.println(s);
            }
            break;
        }
        case "rewrite": { // rewrite FILE TYPE PASSWORD: load and store back, as an application editing it would
            KeyStore ks = load(args[1], args[2], args[3]);
            try (java.io.OutputStream out = new java.io.FileOutputStream(args[1])) {
                ks.store(out, args[3].toCharArray());
                System.out.println("written");
            } catch (java.io.IOException e) {
                System.out.println("refused " + e.getMessage());
            }
            break;
        }
        case "replace": { // replace FILE TYPE PASSWORD: load, store to FILE.tmp, rename it over FILE
            KeyStore ks = load(args[1], args[2], args[3]);
            java.nio.file.Path tmp = java.nio.file.Paths.get(args[1] + ".tmp");
            try (java.io.OutputStream out = java.nio.file.Files.newOutputStream(tmp)) {
                ks.store(out, args[3].toCharArray());
            }
            try {
                java.nio.file.Files.move(tmp, java.nio.file.Paths.get(args[1]),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                System.out.println("written");
            } catch (java.io.IOException e) {
                System.out.println("refused " + e.getMessage());
            } finally {
                java.nio.file.Files.deleteIfExists(tmp);
            }
            break;
        }
        case "cacerts": { // the JVM's own cacerts, as AnchorCertificates loads it
            KeyStore ks = load(cacerts(), "JKS", "-");
            System.out.println("entries " + ks.size());
            break;
        }
        case "allegra": { // allegra HOME HOST
            File f = new File(args[1], "keystore/" + args[2] + ".ks");
            System.out.println("exists " + f.exists() + " isFile " + f.isFile() + " canRead " + f.canRead()
                    + " nonEmpty " + (f.length() > 0));
            // NIO: libnio's statx/fstatat64 and open64 paths.
            java.nio.file.Path p = f.toPath();
            boolean nio = java.nio.file.Files.isRegularFile(p) && java.nio.file.Files.isReadable(p);
            // "consistent": the size NIO and File report is the number of bytes read (a synthesized file).
            System.out.println("nio " + nio + (nio ? " consistent " + (java.nio.file.Files.size(p) == f.length()
                    && java.nio.file.Files.readAllBytes(p).length == f.length()) : ""));
            if (f.isFile()) {
                KeyStore ks = load(f.getPath(), "JKS", "changeit");
                for (String s : entries(ks)) {
                    System.out.println(s);
                }
            }
            break;
        }
        case "concurrent": { // concurrent THREADS LOADS
            int threads = Integer.parseInt(args[1]), loads = Integer.parseInt(args[2]);
            ConcurrentHashMap<List<String>, Boolean> seen = new ConcurrentHashMap<>();
            AtomicInteger done = new AtomicInteger(), failed = new AtomicInteger();
            List<Thread> ts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread th = new Thread(() -> {
                    for (int i = 0; i < loads; i++) {
                        try {
                            seen.put(entries(load(cacerts(), "JKS", "-")), Boolean.TRUE);
                            done.incrementAndGet();
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            System.err.println("load failed: " + e);
                        }
                    }
                });
                ts.add(th);
                th.start();
            }
            for (Thread th : ts) {
                th.join();
            }
            int size = seen.isEmpty() ? -1 : seen.keySet().iterator().next().size();
            System.out.println("loads " + done.get() + " failed " + failed.get() + " distinct " + seen.size()
                    + " entries " + size);
            break;
        }
        default:
            System.err.println("unknown mode " + args[0]);
            System.exit(2);
        }
    }
}
