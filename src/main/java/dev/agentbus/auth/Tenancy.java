package dev.agentbus.auth;

import dev.agentbus.bus.Headers;
import io.vertx.core.MultiMap;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.regex.Pattern;

/**
 * Which tenant's data a bus request may touch: the rule every owner of stored data applies.
 *
 * <p>The HTTP edge puts the request's {@link Principal} on every bus request ({@link
 * Headers#PRINCIPAL}). A request that carries none comes from agentbus itself (a verticle acting
 * on work that was checked when it entered) and may touch every tenant. A tenant's principal sees
 * only resources whose {@link #FIELD} is its tenant — anything else is answered as not found —, the
 * admin key sees all. Documents stored before tenancy have no {@link #FIELD}: they belong to
 * {@link Principal#DEFAULT_TENANT}, and {@link #match} matches them for it.
 */
public final class Tenancy {
  private Tenancy() {}

  /** The field every stored resource carries. */
  public static final String FIELD = "tenant_id";
  /** What a tenant id may look like (it is part of registry ids and bus addresses). */
  public static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** The principal a bus request acts for, or null for agentbus's own requests. */
  public static Principal requester(MultiMap headers) {
    String encoded = headers == null ? null : headers.get(Headers.PRINCIPAL);
    return encoded == null ? null : Principal.fromJson(new JsonObject(encoded));
  }

  /** The tenant a stored resource belongs to ({@code default} for one stored before tenancy). */
  public static String of(JsonObject doc) {
    return doc.getString(FIELD, Principal.DEFAULT_TENANT);
  }

  /** Whether a request may see a resource of {@code tenant}: agentbus itself and the admin see all. */
  public static boolean sees(MultiMap headers, String tenant) {
    return sees(requester(headers), tenant);
  }

  /** Whether the request may see the stored resource {@code doc}. */
  public static boolean sees(MultiMap headers, JsonObject doc) {
    return sees(requester(headers), of(doc));
  }

  public static boolean sees(Principal principal, String tenant) {
    return principal == null || "admin".equals(principal.kind())
        || (principal.tenantId() != null && principal.tenantId().equals(tenant));
  }

  /** The tenant a new resource created by the request belongs to: its principal's; the admin's and agentbus's own go to {@code default}. */
  public static String home(MultiMap headers) {
    Principal principal = requester(headers);
    return principal == null || principal.tenantId() == null ? Principal.DEFAULT_TENANT : principal.tenantId();
  }

  /**
   * A list query's tenant condition, to merge into its filter: a tenant's principal lists its own
   * tenant (asking for another one lists nothing); the admin (or agentbus itself) the {@code
   * requested} tenant ({@code ?tenant_id=}), or every tenant when none is asked for (an empty condition).
   */
  public static JsonObject filter(MultiMap headers, String requested) {
    Principal principal = requester(headers);
    if (principal == null || "admin".equals(principal.kind())) {
      return requested == null ? new JsonObject() : match(requested);
    }
    if (principal.tenantId() == null || (requested != null && !requested.equals(principal.tenantId()))) {
      return new JsonObject().put(FIELD, new JsonObject().put("$in", new JsonArray()));
    }
    return match(principal.tenantId());
  }

  /** The condition matching {@code tenant}'s documents (for {@code default}, also those without the field). */
  public static JsonObject match(String tenant) {
    return Principal.DEFAULT_TENANT.equals(tenant)
        ? new JsonObject().put(FIELD, new JsonObject().put("$in", new JsonArray().add(tenant).addNull()))
        : new JsonObject().put(FIELD, tenant);
  }

  /** Forwards the request id and the principal of {@code headers} onto a further request that acts for the same caller. */
  public static DeliveryOptions onBehalf(MultiMap headers, DeliveryOptions options) {
    if (headers != null) {
      for (String name : new String[] {Headers.REQUEST_ID, Headers.PRINCIPAL, Headers.TRACEPARENT}) {
        String value = headers.get(name);
        if (value != null) {
          options.addHeader(name, value);
        }
      }
    }
    return options;
  }
}
