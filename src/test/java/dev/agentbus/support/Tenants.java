package dev.agentbus.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Tenancy tests' fixture: a node with the admin key configured, and API keys of named tenants with
 * every scope but {@code admin}, each wrapped in {@link HttpCalls} that present it.
 */
public final class Tenants {
  public static final String ADMIN_KEY = "tenants-admin-key-0123456789abcdef";
  /** Every scope a tenant's key can hold. */
  public static final JsonArray TENANT_SCOPES = new JsonArray().add("sessions:read").add("sessions:write")
      .add("commands:write").add("events:read").add("events:write").add("engines:write").add("tools:write")
      .add("handlers:write").add("metrics:read");

  private Tenants() {}

  /** Overrides configuring the admin key (auth on, so the node leaves protected mode). */
  public static JsonObject config() {
    return new JsonObject().put("auth", new JsonObject().put("admin_key", ADMIN_KEY));
  }

  /** Calls as the admin key. */
  public static HttpCalls admin(TestNode node) {
    return new HttpCalls(node, ADMIN_KEY);
  }

  /** The secret of a new API key of {@code tenant} with {@link #TENANT_SCOPES}. */
  public static String key(TestNode node, String tenant) {
    HttpResponse<Buffer> created = admin(node).post("/keys", new JsonObject().put("name", tenant + "-key")
        .put("tenant_id", tenant).put("scopes", TENANT_SCOPES).put("tier", "premium"));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    return created.bodyAsJsonObject().getString("key");
  }

  /** Calls as a new API key of {@code tenant}. */
  public static HttpCalls as(TestNode node, String tenant) {
    return new HttpCalls(node, key(node, tenant));
  }
}
