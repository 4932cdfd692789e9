package dev.agentbus.idempotency;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.Settings;
import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

/**
 * Remembers {@code Idempotency-Key}s cluster-wide (in the store) for 24 h: the first request with
 * a key claims it; a retry with the same request gets the first response again; the same key
 * with another request is refused, and so is one while the first is still running.
 */
public class IdempotencyVerticle extends VerticleBase {
  private static final long TTL_MS = 24L * 3600 * 1000;
  /** A claim older than this whose request never completed (its node died) may be taken over. */
  private static final long STALE_CLAIM_MS = 5 * 60 * 1000;
  private static final long SWEEP_MS = 10 * 60 * 1000;

  private MongoClient mongo;
  private long sweepTimer;

  @Override
  public Future<?> start() {
    mongo = Store.client(vertx, Settings.of(config()).mongo());
    sweepTimer = vertx.setPeriodic(SWEEP_MS, t -> mongo.removeDocuments(IdempotencyStore.IDEMPOTENCY_KEYS,
        new JsonObject().put("expires_ms", new JsonObject().put("$lt", System.currentTimeMillis()))));
    return Future.all(List.of(
        Bus.serve(vertx, Addresses.IDEMPOTENCY_CLAIM, (body, h) -> claim(body.getString("key_id"), body.getString("fingerprint"),
            Tenancy.home(h), true)).completion(),
        Bus.serve(vertx, Addresses.IDEMPOTENCY_COMPLETE, (body, h) -> complete(body)).completion(),
        Bus.serve(vertx, Addresses.IDEMPOTENCY_RELEASE, (body, h) -> mongo.removeDocument(IdempotencyStore.IDEMPOTENCY_KEYS,
            new JsonObject().put("_id", body.getString("key_id")).put("state", "in_progress")).map(new JsonObject())).completion()));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweepTimer);
    return Future.succeededFuture();
  }

  /** Claims {@code keyId} for a request of {@code tenant} (the key's owner: see {@code http.Idempotency}). */
  private Future<JsonObject> claim(String keyId, String fingerprint, String tenant, boolean mayTakeOver) {
    long now = System.currentTimeMillis();
    JsonObject claim = new JsonObject().put("_id", keyId).put(Tenancy.FIELD, tenant).put("fingerprint", fingerprint)
        .put("state", "in_progress").put("claimed_ms", now).put("expires_ms", now + TTL_MS);
    return mongo.insert(IdempotencyStore.IDEMPOTENCY_KEYS, claim)
        .map(id -> new JsonObject().put("outcome", "claimed"))
        .recover(failure -> Store.isDuplicateKey(failure)
            ? existing(keyId, fingerprint, tenant, mayTakeOver)
            : Future.failedFuture(failure));
  }

  private Future<JsonObject> existing(String keyId, String fingerprint, String tenant, boolean mayTakeOver) {
    return mongo.findOne(IdempotencyStore.IDEMPOTENCY_KEYS, new JsonObject().put("_id", keyId), null).compose(record -> {
      long now = System.currentTimeMillis();
      boolean stale = record == null || record.getLong("expires_ms") < now
          || ("in_progress".equals(record.getString("state")) && record.getLong("claimed_ms") < now - STALE_CLAIM_MS);
      if (stale && mayTakeOver) {
        JsonObject same = record == null ? new JsonObject().put("_id", keyId)
            : new JsonObject().put("_id", keyId).put("claimed_ms", record.getLong("claimed_ms"));
        return mongo.removeDocument(IdempotencyStore.IDEMPOTENCY_KEYS, same).compose(removed -> claim(keyId, fingerprint, tenant, false));
      }
      // The key id already names the tenant; the stored one is checked too, so no response ever crosses tenants.
      if (record == null || !fingerprint.equals(record.getString("fingerprint")) || !tenant.equals(Tenancy.of(record))) {
        return Future.failedFuture(new BusError(ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "This Idempotency-Key was used with a different request", new JsonObject().put("field", "Idempotency-Key")));
      }
      if (!"done".equals(record.getString("state"))) {
        return Future.failedFuture(new BusError(ErrorCode.IDEMPOTENCY_IN_PROGRESS,
            "A request with this Idempotency-Key is still running; retry later", new JsonObject().put("field", "Idempotency-Key")));
      }
      return Future.succeededFuture(new JsonObject().put("outcome", "replay").put("status", record.getInteger("status"))
          .put("body", record.getJsonObject("body")).put("location", record.getString("location")));
    });
  }

  private Future<JsonObject> complete(JsonObject body) {
    JsonObject set = new JsonObject().put("state", "done").put("status", body.getInteger("status"))
        .put("body", body.getJsonObject("body")).put("location", body.getString("location"));
    return mongo.updateCollection(IdempotencyStore.IDEMPOTENCY_KEYS, new JsonObject().put("_id", body.getString("key_id")),
        new JsonObject().put("$set", set)).map(new JsonObject());
  }
}
