package dev.agentbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A closed-loop load generator for {@code scripts/bench.sh}: {@code concurrency} clients each send
 * the next request when the previous answered, for a fixed duration, against a running node. It
 * measures a baseline (GET /health/live, no bus or store work) and the real workloads in the same
 * run, so results are reported as ratios to the baseline as well as absolute rates.
 *
 * <p>Usage: {@code LoadBench <base-url>[,<base-url>…] <seconds> <concurrency> [<store-wire-url>]}; with
 * several nodes the clients are spread over them round-robin (all into the same session). With the
 * URL of a {@link StoreWire} counter between the node and its store, each workload also reports the
 * store requests it caused, per HTTP request. Prints one JSON line per workload.
 */
public final class LoadBench {
  private LoadBench() {}

  public static void main(String[] args) {
    String base = args.length > 0 ? args[0] : "http://127.0.0.1:8080";
    int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 32;
    String wire = args.length > 3 ? args[3] : null;
    Vertx vertx = Vertx.vertx();
    List<WebClient> clients = new ArrayList<>();
    for (String url : base.split(",")) {
      java.net.URI uri = java.net.URI.create(url.trim());
      clients.add(WebClient.create(vertx, new WebClientOptions().setDefaultHost(uri.getHost())
          .setDefaultPort(uri.getPort()).setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(concurrency)));
    }
    AtomicLong turn = new AtomicLong();
    Supplier<WebClient> next = () -> clients.get((int) (turn.getAndIncrement() % clients.size()));
    WebClient client = clients.get(0);
    try {
      String session = client.request(HttpMethod.POST, "/api/v1/sessions")
          .sendJsonObject(new JsonObject().put("name", "bench")).await().bodyAsJsonObject().getString("session_id");
      JsonObject event = new JsonObject().put("event_type", "bench.tick").put("data", new JsonObject().put("payload", "x".repeat(200)));
      JsonObject command = new JsonObject().put("command_type", "echo").put("parameters", new JsonObject().put("n", 1));

      List<String> many = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        many.add(client.request(HttpMethod.POST, "/api/v1/sessions").sendJsonObject(new JsonObject().put("name", "bench-" + i))
            .await().bodyAsJsonObject().getString("session_id"));
      }
      AtomicLong spread = new AtomicLong();
      Map<String, Workload> workloads = new LinkedHashMap<>();
      workloads.put("baseline_health_live", new Workload(() -> next.get().request(HttpMethod.GET, "/api/v1/health/live").send(), 200));
      workloads.put("sessions_created", new Workload(
          () -> next.get().request(HttpMethod.POST, "/api/v1/sessions").sendJsonObject(new JsonObject().put("name", "b")), 201));
      workloads.put("events_one_session", new Workload(
          () -> next.get().request(HttpMethod.POST, "/api/v1/sessions/" + session + "/events").sendJsonObject(event), 201));
      workloads.put("events_32_sessions", new Workload(() -> next.get().request(HttpMethod.POST,
          "/api/v1/sessions/" + many.get((int) (spread.getAndIncrement() % many.size())) + "/events").sendJsonObject(event), 201));
      workloads.put("commands_submitted_and_completed", new Workload(
          () -> next.get().request(HttpMethod.POST, "/api/v1/sessions/" + session + "/commands?wait=30").sendJsonObject(command), 200));

      // A cold JVM's first seconds are JIT warm-up (the node's and this one's): every workload runs
      // once unreported first, so the measured runs compare warm code with warm code.
      workloads.forEach((name, workload) -> run(vertx, "warm_up", Math.max(2, seconds / 3), concurrency, workload.request(), workload.status()));
      StoreRequests store = new StoreRequests(vertx, wire);
      List<JsonObject> results = new ArrayList<>();
      workloads.forEach((name, workload) -> results.add(name.startsWith("baseline")
          ? run(vertx, name, seconds, concurrency, workload.request(), workload.status())
          : store.around(() -> run(vertx, name, seconds, concurrency, workload.request(), workload.status()))));
      JsonObject baseline = results.get(0);
      for (JsonObject result : results) {
        result.put("ratio_to_baseline", Math.round(1000.0 * result.getDouble("per_second") / baseline.getDouble("per_second")) / 1000.0);
        System.out.println(result.encode());
      }
    } finally {
      vertx.close().await();
    }
  }

  /** One workload: the request each client sends next, and the status it must answer. */
  private record Workload(Supplier<Future<HttpResponse<Buffer>>> request, int status) {}

  /** A workload's store requests, and per HTTP request (nothing without a counter). */
  private record StoreRequests(Vertx vertx, String url) {
    JsonObject around(Supplier<JsonObject> workload) {
      JsonObject result = new StoreCounter(vertx, url).around(workload);
      return url == null ? result : result.put("store_requests_per_request", StoreCounter.per(result, result.getLong("requests")));
    }
  }

  static JsonObject run(Vertx vertx, String name, int seconds, int concurrency,
                                Supplier<Future<HttpResponse<Buffer>>> request, int expectedStatus) {
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    List<Long> latenciesMicros = java.util.Collections.synchronizedList(new ArrayList<>());
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    long started = System.nanoTime();
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      Promise<Void> loop = Promise.promise();
      vertx.runOnContext(v -> next(request, expectedStatus, deadline, ok, failed, latenciesMicros, loop));
      loops.add(loop.future());
    }
    Future.all(loops).await();
    double elapsed = (System.nanoTime() - started) / 1e9;
    List<Long> sorted = new ArrayList<>(latenciesMicros);
    java.util.Collections.sort(sorted);
    return new JsonObject().put("workload", name).put("concurrency", concurrency)
        .put("requests", ok.get()).put("failed", failed.get())
        .put("per_second", Math.round(ok.get() / elapsed))
        .put("p50_ms", percentile(sorted, 0.50)).put("p99_ms", percentile(sorted, 0.99));
  }

  private static void next(Supplier<Future<HttpResponse<Buffer>>> request, int expectedStatus, long deadline,
                           AtomicLong ok, AtomicLong failed, List<Long> latencies, Promise<Void> loop) {
    if (System.nanoTime() >= deadline) {
      loop.tryComplete();
      return;
    }
    long sent = System.nanoTime();
    request.get().onComplete(reply -> {
      if (reply.succeeded() && reply.result().statusCode() == expectedStatus) {
        ok.incrementAndGet();
        latencies.add((System.nanoTime() - sent) / 1000);
      } else {
        failed.incrementAndGet();
      }
      next(request, expectedStatus, deadline, ok, failed, latencies, loop);
    });
  }

  private static double percentile(List<Long> sortedMicros, double p) {
    if (sortedMicros.isEmpty()) {
      return 0;
    }
    return sortedMicros.get((int) Math.min(sortedMicros.size() - 1, Math.floor(p * sortedMicros.size()))) / 1000.0;
  }
}
