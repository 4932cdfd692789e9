package dev.agentbus.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * What authentication and rate limiting cost: the same request ({@code GET /sessions/{id}}, one
 * bus request and a cached read) against two nodes started alike except that the baseline node is
 * in protected mode with limits off, and the guarded one checks an API key and takes from its
 * rate-limit bucket on every request. Rounds alternate in ABBA order (baseline then guarded, then
 * guarded then baseline, …) so drift of the shared machine hits both; prints one JSON line per round and a summary with the median of
 * the rounds' ratios of the guarded to the baseline rate. Args: baseline URL, guarded URL, admin key, seconds, concurrency, rounds.
 */
public final class AuthBench {
  private AuthBench() {}

  public static void main(String[] args) {
    URI baseline = URI.create(args[0]);
    URI guarded = URI.create(args[1]);
    String adminKey = args[2];
    int seconds = Integer.parseInt(args[3]);
    int concurrency = Integer.parseInt(args[4]);
    int rounds = Integer.parseInt(args[5]);
    Vertx vertx = Vertx.vertx();
    try {
      WebClient plain = client(vertx, baseline, concurrency);
      WebClient checked = client(vertx, guarded, concurrency);
      String plainSession = plain.request(HttpMethod.POST, "/api/v1/sessions").sendJsonObject(new JsonObject())
          .await().bodyAsJsonObject().getString("session_id");
      String apiKey = checked.request(HttpMethod.POST, "/api/v1/keys").putHeader("Authorization", "Bearer " + adminKey)
          .sendJsonObject(new JsonObject().put("name", "bench").put("tenant_id", "default").put("tier", "default")
              .put("scopes", new JsonArray().add("sessions:read").add("sessions:write")))
          .await().bodyAsJsonObject().getString("key");
      String checkedSession = checked.request(HttpMethod.POST, "/api/v1/sessions").putHeader("X-API-Key", apiKey)
          .sendJsonObject(new JsonObject()).await().bodyAsJsonObject().getString("session_id");
      // Warm both JVMs first (the rate of a cold node climbs several-fold over its first seconds), twice each, alternating.
      for (int i = 0; i < 2; i++) {
        LoadBench.run(vertx, "warm_up", seconds, concurrency,
            () -> plain.request(HttpMethod.GET, "/api/v1/sessions/" + plainSession).send(), 200);
        LoadBench.run(vertx, "warm_up", seconds, concurrency,
            () -> checked.request(HttpMethod.GET, "/api/v1/sessions/" + checkedSession).putHeader("X-API-Key", apiKey).send(), 200);
      }
      List<Long> plainRates = new ArrayList<>();
      List<Long> checkedRates = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      for (int round = 0; round < rounds; round++) {
        // ABBA: the order flips every round, so a drift of the machine during a pair favours neither side.
        java.util.function.Supplier<JsonObject> baselineRound = () -> LoadBench.run(vertx, "baseline_protected_mode_no_limits",
            seconds, concurrency, () -> plain.request(HttpMethod.GET, "/api/v1/sessions/" + plainSession).send(), 200);
        java.util.function.Supplier<JsonObject> guardedRound = () -> LoadBench.run(vertx, "api_key_and_rate_limit", seconds,
            concurrency, () -> checked.request(HttpMethod.GET, "/api/v1/sessions/" + checkedSession).putHeader("X-API-Key", apiKey)
                .send(), 200);
        JsonObject a;
        JsonObject b;
        if (round % 2 == 0) {
          a = baselineRound.get();
          b = guardedRound.get();
        } else {
          b = guardedRound.get();
          a = baselineRound.get();
        }
        System.out.println(a.put("round", round).encode());
        System.out.println(b.put("round", round).encode());
        plainRates.add(a.getLong("per_second"));
        checkedRates.add(b.getLong("per_second"));
        ratios.add((double) b.getLong("per_second") / a.getLong("per_second"));
      }
      double plainMean = plainRates.stream().mapToLong(Long::longValue).average().orElse(0);
      double checkedMean = checkedRates.stream().mapToLong(Long::longValue).average().orElse(0);
      List<Double> sorted = ratios.stream().sorted().toList();
      double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
          : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
      System.out.println(new JsonObject().put("summary", "auth_and_limits").put("baseline_per_second", Math.round(plainMean))
          .put("guarded_per_second", Math.round(checkedMean))
          .put("round_ratios", new JsonArray(ratios.stream().map(r -> Math.round(r * 1000) / 1000.0).toList()))
          .put("median_ratio", Math.round(median * 1000) / 1000.0)
          .put("cost_percent", Math.round((1 - median) * 1000) / 10.0).encode());
    } finally {
      vertx.close().await();
    }
  }

  private static WebClient client(Vertx vertx, URI uri, int concurrency) {
    return WebClient.create(vertx, new WebClientOptions().setDefaultHost(uri.getHost()).setDefaultPort(uri.getPort())
        .setKeepAlive(true), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(concurrency));
  }
}
