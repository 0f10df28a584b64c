import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Store;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.io.InputStream;
import java.security.KeyStore;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Sends a message over SMTP with STARTTLS and reads it back over IMAPS, the way
 * a Tomcat application (the seed, Allegra) does with Jakarta Mail.
 *
 *   MailProbe HOST SMTP_PORT IMAPS_PORT USER PASSWORD TOKEN [KEYSTORE]
 *
 * With KEYSTORE, TLS trusts only that keystore file (password "changeit"), as
 * Allegra does with its ALLEGRA_HOME/keystore/HOST.ks; otherwise the JRE's
 * default trust store.  Prints "OK ..." and exits 0, or the exception chain and
 * exits 1.
 */
public final class MailProbe {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        String smtpPort = args[1];
        String imapsPort = args[2];
        String user = args[3];
        String password = args[4];
        String token = args[5];

        Properties props = new Properties();
        props.put("mail.smtp.host", host);
        props.put("mail.smtp.port", smtpPort);
        props.put("mail.smtp.starttls.enable", "true");
        props.put("mail.smtp.starttls.required", "true");
        props.put("mail.smtp.connectiontimeout", "10000");
        props.put("mail.smtp.timeout", "10000");
        props.put("mail.imaps.connectiontimeout", "10000");
        props.put("mail.imaps.timeout", "10000");
        props.put("mail.imaps.partialfetch", "false");
        if (args.length > 6) {
            KeyStore ks = KeyStore.getInstance("JKS");
            try (InputStream in = new FileInputStream(args[6])) {
                ks.load(in, "changeit".toCharArray());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            props.put("mail.smtp.ssl.socketFactory", ctx.getSocketFactory());
            props.put("mail.imaps.ssl.socketFactory", ctx.getSocketFactory());
        }
        Session session = Session.getInstance(props);
        try {
            MimeMessage msg = new MimeMessage(session);
            msg.setFrom(new InternetAddress("probe@example.test"));
            msg.setRecipient(Message.RecipientType.TO, new InternetAddress(user + "@example.test"));
            msg.setSubject("trustshim " + token);
            msg.setText("body " + token + "\n");
            Transport.send(msg);
            System.out.println("sent over smtp+starttls");

            Store store = session.getStore("imaps");
            store.connect(host, Integer.parseInt(imapsPort), user, password);
            Folder inbox = store.getFolder("INBOX");
            inbox.open(Folder.READ_ONLY);
            String found = null;
            for (Message m : inbox.getMessages()) {
                ByteArrayOutputStream raw = new ByteArrayOutputStream();
                m.writeTo(raw);
                MimeMessage copy = new MimeMessage(session, new ByteArrayInputStream(raw.toByteArray()));
                if (("trustshim " + token).equals(copy.getSubject())
                        && String.valueOf(copy.getContent()).contains("body " + token)) {
                    found = copy.getSubject();
                }
            }
            inbox.close(false);
            store.close();
            if (found == null) {
                System.out.println("FAIL: message " + token + " not found over imaps");
                System.exit(1);
            }
            System.out.println("OK read back over imaps: " + found);
        } catch (Exception e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                System.out.println(t.getClass().getName() + ": " + t.getMessage());
            }
            System.exit(1);
        }
    }
}
