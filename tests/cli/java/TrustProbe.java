// SPDX-License-Identifier: Apache-2.0
// What a real Java client answers, for tests/cli/verify_java.sh to compare with
// `trustshim verify`.  Reads cases from standard input, one a line:
//   PORT NAME MODE      MODE: https | ldap (endpoint identification HTTPS / LDAPS),
//                       mail (Jakarta Mail's SocketFetcher.startTLS with
//                       mail.smtp.ssl.checkserveridentity=true), none
// connects to 127.0.0.1:PORT with NAME as the server's name (SNI and identity),
// with the JVM's default trust (cacerts, served by the library under trustshim
// exec), and prints "OK" or "FAIL <exception>" for each.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Properties;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

public class TrustProbe {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.trim().split(" ");
            if (f.length != 3) {
                continue;
            }
            int port = Integer.parseInt(f[0]);
            String name = f[1];
            String mode = f[2];
            try (Socket raw = new Socket()) {
                raw.connect(new InetSocketAddress("127.0.0.1", port), 10000);
                raw.setSoTimeout(10000);
                Socket s;
                if (mode.equals("mail")) {
                    Properties props = new Properties();
                    props.put("mail.smtp.ssl.checkserveridentity", "true");
                    s = com.sun.mail.util.SocketFetcher.startTLS(raw, name, props, "mail.smtp");
                } else {
                    SSLSocketFactory sf = (SSLSocketFactory) SSLSocketFactory.getDefault();
                    SSLSocket ss = (SSLSocket) sf.createSocket(raw, name, port, true);
                    SSLParameters p = ss.getSSLParameters();
                    if (mode.equals("https")) {
                        p.setEndpointIdentificationAlgorithm("HTTPS");
                    } else if (mode.equals("ldap")) {
                        p.setEndpointIdentificationAlgorithm("LDAPS");
                    }
                    ss.setSSLParameters(p);
                    ss.startHandshake();
                    s = ss;
                }
                s.close();
                System.out.println("OK");
            } catch (Exception e) {
                String m = String.valueOf(e).replace('\n', ' ');
                Throwable c = e.getCause();
                while (c != null) {
                    m += " / " + String.valueOf(c).replace('\n', ' ');
                    c = c.getCause();
                }
                System.out.println("FAIL " + m);
            }
        }
    }
}
