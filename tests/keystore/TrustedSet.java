// SPDX-License-Identifier: Apache-2.0
// Prints the SHA-256 of every certificate a default PKIX trust manager built
// from the keystore trusts (as the JVM's TLS would), one per line.
//   java TrustedSet FILE TYPE PASSWORD|-
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

public class TrustedSet {
    public static void main(String[] args) throws Exception {
        KeyStore ks = KeyStore.getInstance(args[1]);
        try (InputStream in = new FileInputStream(args[0])) {
            ks.load(in, args[2].equals("-") ? null : args[2].toCharArray());
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance("PKIX");
        f.init(ks);
        X509TrustManager tm = (X509TrustManager) f.getTrustManagers()[0];
        for (X509Certificate c : tm.getAcceptedIssuers()) {
            StringBuilder hex = new StringBuilder();
            for (byte b : MessageDigest.getInstance("SHA-256").digest(c.getEncoded())) {
                hex.append(String.format("%02x", b & 0xff));
            }
            System.out.println(hex);
        }
    }
}
