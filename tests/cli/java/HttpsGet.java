// SPDX-License-Identifier: Apache-2.0
// GETs an https URL with the JVM's default trust (cacerts): prints "OK <status>",
// or "FAIL <exception>" and exits 1.  Used by tests/cli/exec.sh.
import java.net.URI;
import javax.net.ssl.HttpsURLConnection;

public class HttpsGet {
    public static void main(String[] args) throws Exception {
        try {
            HttpsURLConnection c = (HttpsURLConnection) URI.create(args[0]).toURL().openConnection();
            c.setConnectTimeout(10000);
            c.setReadTimeout(10000);
            int status = c.getResponseCode();
            System.out.println("OK " + status);
        } catch (Exception e) {
            System.out.println("FAIL " + e);
            System.exit(1);
        }
    }
}
