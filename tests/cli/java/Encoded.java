// SPDX-License-Identifier: Apache-2.0
// What the JDK makes of a certificate file: the SHA-256 of getEncoded(), or
// "refused" when its CertificateFactory will not read the file.
//   java Encoded FILE
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;

public class Encoded {
    public static void main(String[] args) throws Exception {
        byte[] enc;
        try (InputStream in = new FileInputStream(args[0])) {
            enc = CertificateFactory.getInstance("X.509").generateCertificate(in).getEncoded();
        } catch (Exception e) {
            System.out.println("refused");
            return;
        }
        StringBuilder hex = new StringBuilder();
        for (byte b : MessageDigest.getInstance("SHA-256").digest(enc)) {
            hex.append(String.format("%02x", b & 0xff));
        }
        System.out.println(hex);
    }
}
