package dev.agentbus.bench;

import dev.agentbus.util.Ids;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The flat-cost benchmark behind {@code scripts/bench-flat.sh}: measures session create, echo
 * commands ({@code ?wait}), publish and replay pages on an empty store, preloads history straight
 * into the node's embedded store through the real driver (bulk inserts of documents in their real
 * shape: events with the running build's ids, completed commands), then measures again. Each
 * workload is reported as a ratio to a {@code /health/live} baseline of the same phase, and as
 * loaded / empty (1.0 = the history costs nothing).
 *
 * <p>Usage: {@code FlatBench <base-url> <store-uri> <seconds> <concurrency> <events> <commands>}.
 */
public final class FlatBench {
  private static final int SESSIONS = 200;
  private static final int BULK = 1000;

  private FlatBench() {}

  public static void main(String[] args) throws Exception {
    java.net.URI base = java.net.URI.create(args[0]);
    String storeUri = args[1];
    int seconds = Integer.parseInt(args[2]);
    int concurrency = Integer.parseInt(args[3]);
    int events = Integer.parseInt(args[4]);
    int commands = Integer.parseInt(args[5]);
    Vertx vertx = Vertx.vertx();
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()).setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(concurrency));
    MongoClient mongo = MongoClient.create(vertx, new JsonObject().put("connection_string", storeUri)
        .put("db_name", "agentbus").put("useObjectId", false));
    try {
      // A cold JVM's first seconds are JIT warm-up: a discarded phase of every workload first, so the
      // empty phase is as warm as the loaded one (a warm-up of the baseline alone left the workloads cold).
      phase(vertx, client, Math.max(3, seconds / 2), concurrency, "warm_up");
      Map<String, JsonObject> empty = phase(vertx, client, seconds, concurrency, "empty");
      long started = System.nanoTime();
      preload(client, mongo, events, commands);
      System.out.println(new JsonObject().put("preload_events", events).put("preload_commands", commands)
          .put("preload_seconds", Math.round((System.nanoTime() - started) / 1e8) / 10.0).encode());
      Map<String, JsonObject> loaded = phase(vertx, client, seconds, concurrency, "loaded");
      for (String workload : empty.keySet()) {
        JsonObject before = empty.get(workload);
        JsonObject after = loaded.get(workload);
        System.out.println(new JsonObject().put("workload", workload)
            .put("empty_per_second", before.getLong("per_second")).put("loaded_per_second", after.getLong("per_second"))
            .put("empty_ratio_to_baseline", before.getDouble("ratio_to_baseline"))
            .put("loaded_ratio_to_baseline", after.getDouble("ratio_to_baseline"))
            .put("loaded_over_empty", round(after.getDouble("ratio_to_baseline") / before.getDouble("ratio_to_baseline")))
            .put("loaded_over_empty_absolute", round(after.getDouble("per_second") / before.getDouble("per_second")))
            .put("empty_p99_ms", before.getDouble("p99_ms")).put("loaded_p99_ms", after.getDouble("p99_ms"))
            .put("failed", before.getLong("failed") + after.getLong("failed")).encode());
      }
    } finally {
      vertx.close().await();
    }
  }

  /** The baseline and the four workloads, each in a session of its own phase; prints each result with its phase. */
  private static Map<String, JsonObject> phase(Vertx vertx, WebClient client, int seconds, int concurrency, String name) {
    String session = createSession(client);
    JsonObject event = new JsonObject().put("event_type", "bench.tick").put("data", new JsonObject().put("payload", "x".repeat(200)));
    JsonObject command = new JsonObject().put("command_type", "echo").put("parameters", new JsonObject().put("n", 1));
    Map<String, JsonObject> results = new LinkedHashMap<>();
    JsonObject baseline = LoadBench.run(vertx, "baseline_health_live", seconds, concurrency,
        () -> client.request(HttpMethod.GET, "/api/v1/health/live").send(), 200);
    results.put("session_create", LoadBench.run(vertx, "session_create", seconds, concurrency,
        () -> client.request(HttpMethod.POST, "/api/v1/sessions").sendJsonObject(new JsonObject().put("name", "bench")), 201));
    results.put("command_echo_wait", LoadBench.run(vertx, "command_echo_wait", seconds, concurrency,
        () -> client.request(HttpMethod.POST, "/api/v1/sessions/" + session + "/commands?wait=30").sendJsonObject(command), 200));
    results.put("event_publish", LoadBench.run(vertx, "event_publish", seconds, concurrency,
        () -> client.request(HttpMethod.POST, "/api/v1/sessions/" + session + "/events").sendJsonObject(event), 201));
    // The session holds its session.created and every acknowledged publish: replay pages start anywhere in it.
    long stored = 1 + results.get("event_publish").getLong("requests");
    results.put("event_replay_page", LoadBench.run(vertx, "event_replay_page", seconds, concurrency,
        () -> client.request(HttpMethod.GET, "/api/v1/sessions/" + session + "/events?limit=50&after_seq="
            + ThreadLocalRandom.current().nextLong(Math.max(1, stored - 50))).send(), 200));
    for (JsonObject result : results.values()) {
      result.put("ratio_to_baseline", round(result.getDouble("per_second") / baseline.getDouble("per_second")));
    }
    System.out.println(baseline.put("phase", name).encode());
    results.values().forEach(result -> System.out.println(result.copy().put("phase", name).encode()));
    return results;
  }

  private static String createSession(WebClient client) {
    return client.request(HttpMethod.POST, "/api/v1/sessions").sendJsonObject(new JsonObject().put("name", "bench-history"))
        .await().bodyAsJsonObject().getString("session_id");
  }

  /**
   * {@code SESSIONS} sessions through the API (so their documents, cache and first event are
   * real), then their history straight into the store: events from seq 2 on (seq 1 is their
   * {@code session.created}) and completed commands, in bulk writes of {@code BULK}, four at a time.
   */
  private static void preload(WebClient client, MongoClient mongo, int events, int commands) throws Exception {
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      sessions.add(createSession(client));
    }
    Method eventId = eventIds();
    String now = Times.now();
    List<List<BulkOperation>> batches = new ArrayList<>();
    List<BulkOperation> batch = new ArrayList<>();
    int perSession = events / SESSIONS;
    for (String session : sessions) {
      for (long seq = 2; seq < 2 + perSession; seq++) {
        String id = eventId != null ? (String) eventId.invoke(null, session, seq) : Ids.next("evt");
        batch.add(BulkOperation.createInsert(new JsonObject().put("_id", id).put("session_id", session).put("seq", seq)
            .put("event_type", "bench.preload").put("data", new JsonObject().put("payload", "x".repeat(200)))
            .put("metadata", new JsonObject()).put("source", "client").put("created_at", now)));
        batch = flushIfFull(batches, batch);
      }
    }
    AtomicLong n = new AtomicLong();
    for (int i = 0; i < commands; i++) {
      String session = sessions.get((int) (n.getAndIncrement() % SESSIONS));
      batch.add(BulkOperation.createInsert(new JsonObject().put("_id", Ids.next("cmd")).put("session_id", session)
          .put("command_type", "echo").put("parameters", new JsonObject().put("n", i))
          .put("metadata", new JsonObject().put("priority", "normal").put("timeout", 300))
          .put("status", "completed").put("result", new JsonObject().put("n", i)).putNull("error")
          .put("created_at", now).put("updated_at", now).put("started_at", now).put("completed_at", now)
          .put("deadline_ms", System.currentTimeMillis() + 300_000).put("request_id", Ids.next("req")).put("node_id", "preload")));
      batch = flushIfFull(batches, batch);
    }
    if (!batch.isEmpty()) {
      batches.add(batch);
    }
    String[] collections = new String[batches.size()];
    for (int i = 0; i < batches.size(); i++) {
      collections[i] = batches.get(i).get(0).getDocument().containsKey("seq") ? "events" : "commands";
    }
    for (int i = 0; i < batches.size(); i += 4) {
      List<Future<?>> writes = new ArrayList<>();
      for (int j = i; j < Math.min(i + 4, batches.size()); j++) {
        writes.add(mongo.bulkWriteWithOptions(collections[j], batches.get(j), new BulkWriteOptions(false)));
      }
      Future.all(writes).await();
    }
  }

  private static List<BulkOperation> flushIfFull(List<List<BulkOperation>> batches, List<BulkOperation> batch) {
    if (batch.size() < BULK) {
      return batch;
    }
    batches.add(batch);
    return new ArrayList<>();
  }

  /** The running build's event id function when it derives ids from (session, seq); null when ids are random. */
  private static Method eventIds() {
    try {
      Method method = Class.forName("dev.agentbus.event.SeqWriter").getDeclaredMethod("eventId", String.class, long.class);
      method.setAccessible(true);
      return method;
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  private static double round(double value) {
    return Math.round(1000.0 * value) / 1000.0;
  }
}
