package dev.agentbus.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For tests of what one tenant may see of another's data: a node with auth on ({@link
 * Tenants#config}) and one API key each of tenants {@code acme} and {@code globex}, started before
 * the class's tests and closed after them. Register it as a static field:
 * {@code @RegisterExtension static final TenantNode tenants = new TenantNode();}.
 */
public final class TenantNode implements BeforeAllCallback, AfterAllCallback {
  private TestNode node;
  private String acmeKey;
  private String globexKey;
  private HttpCalls acme;
  private HttpCalls globex;

  @Override
  public void beforeAll(ExtensionContext context) {
    node = TestNode.start(Tenants.config());
    acmeKey = Tenants.key(node, "acme");
    globexKey = Tenants.key(node, "globex");
    acme = new HttpCalls(node, acmeKey);
    globex = new HttpCalls(node, globexKey);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (node != null) {
      node.close();
    }
  }

  public TestNode node() {
    return node;
  }

  public String acmeKey() {
    return acmeKey;
  }

  public String globexKey() {
    return globexKey;
  }

  /** Calls as tenant acme's key. */
  public HttpCalls acme() {
    return acme;
  }

  /** Calls as tenant globex's key. */
  public HttpCalls globex() {
    return globex;
  }

  public HttpCalls admin() {
    return Tenants.admin(node);
  }
}
