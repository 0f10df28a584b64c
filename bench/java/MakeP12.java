// SPDX-License-Identifier: Apache-2.0
// Writes a key+trust PKCS12 the way keytool writes one (the JDK's own PKCS12 KeyStore: certificates
// encrypted, a MAC): a key entry for each PKCS12 file given with -k (its key and chain) and a
// trusted entry for each PEM certificate given with -t.
//   java MakeP12 OUT PASSWORD (-k FILE.p12 | -t FILE.pem)...
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;

public class MakeP12 {
    public static void main(String[] args) throws Exception {
        char[] pw = args[1].toCharArray();
        KeyStore out = KeyStore.getInstance("PKCS12");
        out.load(null, pw);
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        int k = 0, t = 0;
        for (int i = 2; i + 1 < args.length; i += 2) {
            if (args[i].equals("-k")) {
                KeyStore in = KeyStore.getInstance("PKCS12");
                try (InputStream s = new FileInputStream(args[i + 1])) {
                    in.load(s, pw);
                }
                String alias = in.aliases().nextElement();
                Key key = in.getKey(alias, pw);
                Certificate[] chain = in.getCertificateChain(alias);
                out.setKeyEntry("key" + (k++), key, pw, chain);
            } else {
                try (InputStream s = new FileInputStream(args[i + 1])) {
                    out.setCertificateEntry("trusted" + (t++), cf.generateCertificate(s));
                }
            }
        }
        try (FileOutputStream s = new FileOutputStream(args[0])) {
            out.store(s, pw);
        }
        System.out.println("entries " + out.size());
    }
}
