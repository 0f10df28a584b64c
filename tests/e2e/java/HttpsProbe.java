import java.net.URI;
import javax.net.ssl.HttpsURLConnection;

/**
 * HttpsProbe URL: a GET with the JVM's default trust.  Prints "OK <status>" and
 * exits 0, or the exception chain and exits 1.
 */
public final class HttpsProbe {
    public static void main(String[] args) {
        try {
            HttpsURLConnection c = (HttpsURLConnection) URI.create(args[0]).toURL().openConnection();
            c.setConnectTimeout(10000);
            c.setReadTimeout(10000);
            System.out.println("OK " + c.getResponseCode());
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                System.out.println(t.getClass().getName() + ": " + t.getMessage());
            }
            System.exit(1);
        }
    }
}
