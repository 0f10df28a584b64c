// SPDX-License-Identifier: Apache-2.0
// Loads a keystore the way an application would and prints "alias<TAB>sha256"
// for each expected alias (in the order given), failing when one is missing,
// is not a trusted-certificate entry, or when the store holds other entries.
//   java LoadStore FILE TYPE PASSWORD|- ALIAS...
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;

public class LoadStore {
    public static void main(String[] args) throws Exception {
        String file = args[0];
        String type = args[1];
        char[] password = args[2].equals("-") ? null : args[2].toCharArray();
        KeyStore ks = KeyStore.getInstance(type);
        try (InputStream in = new FileInputStream(file)) {
            ks.load(in, password);
        }
        int bad = 0;
        for (int i = 3; i < args.length; i++) {
            String alias = args[i];
            if (!ks.containsAlias(alias) || !ks.isCertificateEntry(alias)) {
                System.err.println("LoadStore: " + file + " as " + type + ": no trusted entry " + alias);
                bad++;
                continue;
            }
            Certificate c = ks.getCertificate(alias);
            byte[] d = MessageDigest.getInstance("SHA-256").digest(c.getEncoded());
            StringBuilder hex = new StringBuilder();
            for (byte b : d) {
                hex.append(String.format("%02x", b & 0xff));
            }
            System.out.println(alias + "\t" + hex);
        }
        if (ks.size() != args.length - 3) {
            System.err.println("LoadStore: " + file + " as " + type + ": " + ks.size()
                    + " entries, expected " + (args.length - 3));
            bad++;
        }
        System.exit(bad == 0 ? 0 : 1);
    }
}
