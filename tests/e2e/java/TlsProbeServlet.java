import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URL;
import javax.net.ssl.HttpsURLConnection;

/**
 * A webapp's outgoing TLS call: GET /probe/tls?url=https://... opens that URL
 * with the JRE's default trust (what a Tomcat application calling a mail, LDAP
 * or web service does) and answers "OK <status>" or the exception chain.
 */
public final class TlsProbeServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain;charset=UTF-8");
        PrintWriter out = resp.getWriter();
        try {
            HttpsURLConnection c = (HttpsURLConnection) new URL(req.getParameter("url")).openConnection();
            c.setConnectTimeout(10000);
            c.setReadTimeout(10000);
            int status = c.getResponseCode();
            c.getInputStream().close();
            out.println("OK " + status);
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                out.println(t.getClass().getName() + ": " + t.getMessage());
            }
        }
    }
}
