import java.util.Hashtable;
import javax.naming.Context;
import javax.naming.NamingEnumeration;
import javax.naming.directory.SearchControls;
import javax.naming.directory.SearchResult;
import javax.naming.ldap.InitialLdapContext;
import javax.naming.ldap.LdapContext;
import javax.naming.ldap.StartTlsRequest;
import javax.naming.ldap.StartTlsResponse;

/**
 * Looks up one entry over LDAP with JNDI, as an application authenticating its
 * users against a directory does: over ldaps://, or over ldap:// upgraded with
 * the StartTLS extended operation (javax.naming.ldap.StartTlsRequest).  The
 * JRE's default trust store decides.
 *
 *   LdapProbe BASE FILTER ATTRIBUTE (ldaps|starttls URL)...
 *
 * Prints one line per connection, "OK <mode> <value>" or "FAIL <mode>" followed
 * by the exception chain; exits 0 when every connection succeeded.
 */
public final class LdapProbe {
    public static void main(String[] args) {
        boolean allOk = true;
        for (int i = 3; i + 1 < args.length; i += 2) {
            allOk &= lookup(args[i], args[i + 1], args[0], args[1], args[2]);
        }
        System.exit(allOk ? 0 : 1);
    }

    private static boolean lookup(String mode, String url, String base, String filter, String attr) {
        Hashtable<String, Object> env = new Hashtable<>();
        env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.ldap.LdapCtxFactory");
        env.put(Context.PROVIDER_URL, url);
        env.put("com.sun.jndi.ldap.connect.timeout", "30000");
        env.put("com.sun.jndi.ldap.read.timeout", "30000");
        try {
            LdapContext ctx = new InitialLdapContext(env, null);
            StartTlsResponse tls = null;
            if (mode.equals("starttls")) {
                tls = (StartTlsResponse) ctx.extendedOperation(new StartTlsRequest());
                tls.negotiate();
            }
            SearchControls sc = new SearchControls();
            sc.setSearchScope(SearchControls.SUBTREE_SCOPE);
            sc.setReturningAttributes(new String[] {attr});
            NamingEnumeration<SearchResult> results = ctx.search(base, filter, sc);
            String value = results.hasMore() ? String.valueOf(results.next().getAttributes().get(attr).get()) : null;
            if (tls != null) {
                tls.close();
            }
            ctx.close();
            if (value == null) {
                System.out.println("FAIL " + mode + ": nothing found for " + filter);
                return false;
            }
            System.out.println("OK " + mode + " " + value);
            return true;
        } catch (Exception e) {
            System.out.println("FAIL " + mode);
            for (Throwable t = e; t != null; t = t.getCause()) {
                System.out.println("  " + t.getClass().getName() + ": " + t.getMessage());
            }
            return false;
        }
    }
}
