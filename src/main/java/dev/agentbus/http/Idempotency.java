package dev.agentbus.http;

import dev.agentbus.auth.Principal;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * {@code Idempotency-Key} on POST: the first request claims the key, its 2xx response is kept and
 * replayed to retries ({@code Idempotent-Replayed: true}); a failed first request releases the
 * key. The key is scoped to the principal, the method and the path (and so to its tenant); the fingerprint adds the query and the body.
 */
final class Idempotency {
  static final String HEADER = "Idempotency-Key";
  private static final String CLAIM = "idempotency.key_id";
  private static final Pattern KEY = Pattern.compile("[\\x21-\\x7E]{1,255}");

  private final Api api;

  Idempotency(Api api) {
    this.api = api;
  }

  void handle(RoutingContext ctx) {
    String key = ctx.request().getHeader(HEADER);
    if (key == null) {
      ctx.next();
      return;
    }
    if (!KEY.matcher(key).matches()) {
      throw dev.agentbus.bus.BusError.invalid(HEADER, "must be 1 to 255 visible ASCII characters");
    }
    String keyId = sha256(owner(ctx.get(Principal.CONTEXT_KEY)) + "\n" + ctx.request().method() + " " + ctx.request().path() + "\n" + key);
    Buffer body = ctx.body().buffer();
    String fingerprint = sha256(ctx.request().uri() + "\n" + (body == null ? "" : body.toString(StandardCharsets.UTF_8)));
    api.send(ctx, Addresses.IDEMPOTENCY_CLAIM, new JsonObject().put("key_id", keyId).put("fingerprint", fingerprint))
        .onSuccess(claim -> {
          if ("replay".equals(claim.getString("outcome"))) {
            if (claim.getString("location") != null) {
              ctx.response().putHeader("Location", claim.getString("location"));
            }
            ctx.response().putHeader("Idempotent-Replayed", "true");
            Api.json(ctx, claim.getInteger("status"), claim.getJsonObject("body"));
          } else {
            ctx.put(CLAIM, keyId);
            ctx.next();
          }
        })
        .onFailure(failure -> Api.fail(ctx, failure));
  }

  /**
   * Whose keys a request's key is among: one principal's key never answers another's request (nor
   * shows it the first one's response), nor one tenant's another's — a JWT subject may recur in two
   * tenants. {@code <kind>:<id>} in tenant {@code default} (as before tenancy, so keys claimed then
   * still replay), {@code <tenant>|<kind>:<id>} in any other: a tenant id holds neither {@code :} nor
   * {@code |}, and a kind no {@code |}, so the two never meet.
   */
  static String owner(Principal principal) {
    if (principal == null) {
      return "-";
    }
    String tenant = principal.tenantId();
    return tenant == null || Principal.DEFAULT_TENANT.equals(tenant) ? principal.rateKey() : tenant + "|" + principal.rateKey();
  }

  /** Called for every JSON response: keeps a claimed request's 2xx response, or releases its key. */
  static Future<?> settle(RoutingContext ctx, int status, JsonObject body) {
    String keyId = ctx.get(CLAIM);
    if (keyId == null) {
      return Future.succeededFuture();
    }
    ctx.remove(CLAIM);
    JsonObject key = new JsonObject().put("key_id", keyId);
    DeliveryOptions delivery = Bus.withRequestId(Api.requestId(ctx));
    return status >= 200 && status < 300
        ? Bus.request(ctx.vertx(), Addresses.IDEMPOTENCY_COMPLETE, key.put("status", status).put("body", withoutSecrets(body))
            .put("location", ctx.response().headers().get("Location")), delivery)
        : Bus.request(ctx.vertx(), Addresses.IDEMPOTENCY_RELEASE, key, delivery);
  }

  /**
   * The response kept for replays, without any {@code secret} field (a generated webhook secret is
   * shown once: a replay answers the same, without it, and the store never holds it).
   */
  static JsonObject withoutSecrets(JsonObject body) {
    if (body == null) {
      return null;
    }
    JsonObject copy = body.copy();
    strip(copy);
    return copy;
  }

  private static void strip(Object value) {
    if (value instanceof JsonObject object) {
      object.remove("secret");
      object.forEach(entry -> strip(entry.getValue()));
    } else if (value instanceof io.vertx.core.json.JsonArray array) {
      array.forEach(Idempotency::strip);
    }
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
