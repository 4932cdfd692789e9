package dev.agentbus.support;

/**
 * A node configured for tenancy ({@link Tenants#config}) with callers of two tenants, {@code acme}
 * and {@code globex}, and the admin: the cast of a tenancy test.
 */
public record TenantNode(TestNode node, HttpCalls acme, HttpCalls globex, HttpCalls admin) implements AutoCloseable {
  public static TenantNode start() {
    TestNode node = TestNode.start(Tenants.config());
    return new TenantNode(node, Tenants.as(node, "acme"), Tenants.as(node, "globex"), Tenants.admin(node));
  }

  @Override
  public void close() {
    node.close();
  }
}
