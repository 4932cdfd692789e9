package dev.agentbus.auth;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.Headers;
import dev.agentbus.config.Settings;
import dev.agentbus.store.Store;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.time.Instant;
import java.util.List;

/**
 * Owns the credentials agentbus issues: {@code api_keys} ({@code /keys}) and {@code session_tokens}
 * ({@code /sessions/{id}/tokens}). Both are stored under {@code _id} = the SHA-256 of the secret (so
 * a lookup is an {@code _id} read on MongoDB and on the embedded store alike); the secret itself is
 * returned once, by the create, and never stored, logged or returned again. A key's delete publishes
 * {@link Addresses#AUTH_KEY_REVOKED} so every node's cache drops it at once; a session's tokens are
 * removed with the session ({@link Addresses#AUTH_PURGE_SESSION}).
 */
public class AuthVerticle extends VerticleBase {
  public static final String API_KEYS = "api_keys";
  public static final String SESSION_TOKENS = "session_tokens";
  /** What a session token grants when the create names no scopes. */
  public static final List<String> SESSION_TOKEN_SCOPES = List.of("events:read", "events:write", "commands:write");

  private MongoClient mongo;

  @Override
  public Future<?> start() {
    Settings settings = Settings.of(config());
    mongo = Store.client(vertx, settings.mongo());
    return Future.all(List.of(
        Store.index(mongo, API_KEYS, new JsonObject().put("key_id", 1), "api_keys_key_id"),
        Store.index(mongo, SESSION_TOKENS, new JsonObject().put("session_id", 1), "session_tokens_session"),
        Bus.serve(vertx, Addresses.AUTH_KEY_CREATE, (body, h) -> createKey(body)).completion(),
        Bus.serve(vertx, Addresses.AUTH_KEY_LIST, (body, h) -> listKeys()).completion(),
        Bus.serve(vertx, Addresses.AUTH_KEY_GET, (body, h) -> key(body.getString("key_id"))).completion(),
        Bus.serve(vertx, Addresses.AUTH_KEY_DELETE, (body, h) -> deleteKey(body.getString("key_id"))).completion(),
        Bus.serve(vertx, Addresses.AUTH_KEY_LOOKUP, (body, h) -> lookupKey(body.getString("hash"))).completion(),
        Bus.serve(vertx, Addresses.AUTH_TOKEN_CREATE, (body, h) -> createToken(body, h)).completion(),
        Bus.serve(vertx, Addresses.AUTH_TOKEN_LOOKUP, (body, h) -> lookupToken(body.getString("hash"))).completion(),
        Bus.serve(vertx, Addresses.AUTH_PURGE_SESSION, (body, h) -> Store.removeSession(mongo, SESSION_TOKENS,
            body.getString("session_id")).map(removed -> new JsonObject().put("removed", removed))).completion()));
  }

  private Future<JsonObject> createKey(JsonObject body) {
    String secret = Secrets.generate(Secrets.KEY_PREFIX);
    JsonObject doc = new JsonObject().put("_id", Secrets.hash(secret)).put("key_id", Ids.next("key"))
        .put("name", body.getString("name")).put("tenant_id", body.getString("tenant_id", Principal.DEFAULT_TENANT))
        .put("scopes", body.getJsonArray("scopes", new JsonArray())).put("tier", body.getString("tier", "default"))
        .put("created_at", Times.now());
    return mongo.insert(API_KEYS, doc).map(id -> view(doc).put("key", secret));
  }

  private Future<JsonObject> listKeys() {
    return mongo.findWithOptions(API_KEYS, new JsonObject(), new FindOptions().setSort(new JsonObject().put("key_id", 1)))
        .map(docs -> new JsonObject().put("keys", new JsonArray(docs.stream().map(AuthVerticle::view).toList())));
  }

  private Future<JsonObject> key(String keyId) {
    return mongo.findOne(API_KEYS, new JsonObject().put("key_id", keyId), null).map(doc -> {
      if (doc == null) {
        throw BusError.notFound(ErrorCode.NOT_FOUND, "API key", "key_id", keyId);
      }
      return view(doc);
    });
  }

  private Future<JsonObject> deleteKey(String keyId) {
    return mongo.findOne(API_KEYS, new JsonObject().put("key_id", keyId), null).compose(doc -> {
      if (doc == null) {
        return Future.failedFuture(BusError.notFound(ErrorCode.NOT_FOUND, "API key", "key_id", keyId));
      }
      return mongo.removeDocument(API_KEYS, new JsonObject().put("_id", doc.getString("_id"))).map(removed -> {
        vertx.eventBus().publish(Addresses.AUTH_KEY_REVOKED, new JsonObject().put("key_id", keyId).put("hash", doc.getString("_id")));
        return new JsonObject().put("key_id", keyId).put("status", "revoked");
      });
    });
  }

  private Future<JsonObject> lookupKey(String hash) {
    return mongo.findOne(API_KEYS, new JsonObject().put("_id", hash), null).map(doc -> {
      if (doc == null) {
        throw unknown();
      }
      return new Principal("key", doc.getString("key_id"), doc.getString("tenant_id"), scopes(doc), doc.getString("tier"), null)
          .toJson();
    });
  }

  private Future<JsonObject> createToken(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    return Bus.request(vertx, Addresses.SESSION_GET, new JsonObject().put("session_id", sessionId),
            Tenancy.onBehalf(headers, Bus.withRequestId(null)))
        .compose(session -> {
          String secret = Secrets.generate(Secrets.TOKEN_PREFIX);
          String expiresAt = Instant.now().plusSeconds(body.getLong("ttl_seconds")).toString();
          JsonObject doc = new JsonObject().put("_id", Secrets.hash(secret)).put("token_id", Ids.next("tok"))
              .put("session_id", sessionId).put(Tenancy.FIELD, Tenancy.of(session))
              .put("scopes", body.getJsonArray("scopes", new JsonArray(SESSION_TOKEN_SCOPES))).put("expires_at", expiresAt)
              .put("created_at", Times.now());
          return mongo.insert(SESSION_TOKENS, doc).map(id -> new JsonObject().put("token", secret)
              .put("token_id", doc.getString("token_id")).put("session_id", sessionId)
              .put("scopes", doc.getJsonArray("scopes")).put("expires_at", expiresAt));
        });
  }

  private Future<JsonObject> lookupToken(String hash) {
    return mongo.findOne(SESSION_TOKENS, new JsonObject().put("_id", hash), null).map(doc -> {
      if (doc == null || !Instant.parse(doc.getString("expires_at")).isAfter(Instant.now())) {
        throw unknown();
      }
      return new Principal("session", doc.getString("token_id"), doc.getString("tenant_id"), scopes(doc), "default",
          doc.getString("session_id")).toJson().put("expires_at", doc.getString("expires_at"));
    });
  }

  private static java.util.Set<String> scopes(JsonObject doc) {
    java.util.Set<String> scopes = new java.util.TreeSet<>();
    doc.getJsonArray("scopes", new JsonArray()).forEach(scope -> scopes.add(String.valueOf(scope)));
    return scopes;
  }

  private static BusError unknown() {
    return new BusError(ErrorCode.UNAUTHENTICATED, "The credential is unknown, revoked or expired");
  }

  /** A stored key as the API shows it: never its hash or secret. */
  private static JsonObject view(JsonObject doc) {
    return new JsonObject().put("key_id", doc.getString("key_id")).put("name", doc.getString("name"))
        .put("tenant_id", doc.getString("tenant_id")).put("scopes", doc.getJsonArray("scopes")).put("tier", doc.getString("tier"))
        .put("created_at", doc.getString("created_at"));
  }
}
