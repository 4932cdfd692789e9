package dev.agentbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Streaming benchmark for {@code scripts/bench-stream.sh}: time to first token and token
 * throughput of the {@code dummy} engine streamed through {@code POST /chat/{id}/stream} (SSE), with
 * {@code n} concurrent streams. Baselines measured in the same run: the round trip of {@code GET
 * /health/live} (for time to first token) and the dummy's own pace, {@code 1000 / token_delay_ms}
 * tokens per second per stream (for throughput).
 *
 * <p>Usage: {@code StreamBench <base-url> <streams,...> <words> <token_delay_ms,...> [<store-wire-url>]}; with
 * the URL of a {@link StoreWire} counter between the node and its store, each case also reports the
 * store requests its streams caused, per stream and per token. Prints one JSON line per case.
 */
public final class StreamBench {
  private StreamBench() {}

  private record Sample(long firstTokenNanos, long totalNanos, int tokens, boolean ok) {}

  public static void main(String[] args) {
    java.net.URI base = java.net.URI.create(args.length > 0 ? args[0] : "http://127.0.0.1:8080");
    String[] streamCounts = (args.length > 1 ? args[1] : "1,200").split(",");
    int words = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    String[] delays = (args.length > 3 ? args[3] : "0,10").split(",");
    String wire = args.length > 4 ? args[4] : null;
    Vertx vertx = Vertx.vertx();
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(base.getHost()).setDefaultPort(base.getPort())
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(512));
    try {
      // Warm-up (JIT, connection pools), not reported.
      runCase(vertx, http, 20, 0, "warm up the node", new StoreCounter(vertx, null));
      double baselineMs = baselineRoundTripMs(http);
      StringBuilder answer = new StringBuilder();
      for (int i = 0; i < words; i++) {
        answer.append(i == 0 ? "" : " ").append("w").append(i);
      }
      for (String delayText : delays) {
        long delay = Long.parseLong(delayText.trim());
        for (String countText : streamCounts) {
          int count = Integer.parseInt(countText.trim());
          JsonObject result = runCase(vertx, http, count, delay, answer.toString(), new StoreCounter(vertx, wire));
          if (wire != null) {
            result.put("store_requests_per_stream", StoreCounter.per(result, count))
                .put("store_requests_per_token", StoreCounter.per(result, result.getLong("tokens")));
          }
          result.put("baseline_health_live_ms", round(baselineMs))
              .put("ttft_ratio_to_baseline", round(result.getDouble("ttft_p50_ms") / baselineMs));
          if (delay > 0) {
            double pace = 1000.0 / delay;
            result.put("baseline_pace_tokens_per_s_per_stream", round(pace))
                .put("throughput_ratio_to_pace", round(result.getDouble("tokens_per_s_per_stream") / pace));
          }
          System.out.println(result.encode());
        }
      }
    } finally {
      vertx.close().await();
    }
  }

  private static double baselineRoundTripMs(HttpClient http) {
    List<Long> samples = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      long started = System.nanoTime();
      http.request(HttpMethod.GET, "/api/v1/health/live").compose(r -> r.send().compose(resp -> resp.body())).await();
      samples.add(System.nanoTime() - started);
    }
    Collections.sort(samples);
    return samples.get(samples.size() / 2) / 1e6;
  }

  /** Creates {@code count} threads, then streams one answer on each at once; the store requests counted are the streams' only. */
  private static JsonObject runCase(Vertx vertx, HttpClient http, int count, long delay, String answer, StoreCounter store) {
    List<String> threads = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      JsonObject thread = post(http, "/api/v1/chat", new JsonObject().put("user_id", "bench"));
      threads.add(thread.getString("thread_id"));
    }
    return store.around(() -> streamAll(vertx, http, threads, delay, answer));
  }

  private static JsonObject streamAll(Vertx vertx, HttpClient http, List<String> threads, long delay, String answer) {
    int count = threads.size();
    JsonObject body = new JsonObject().put("content", "bench").put("llm_config", new JsonObject()
        .put("provider", "dummy").put("token_delay_ms", delay).put("response", answer));
    long started = System.nanoTime();
    List<Future<Sample>> runs = new ArrayList<>();
    for (String thread : threads) {
      Promise<Sample> sample = Promise.promise();
      vertx.runOnContext(v -> stream(http, thread, body).onComplete(sample));
      runs.add(sample.future());
    }
    Future.join(runs).await();
    double wallSeconds = (System.nanoTime() - started) / 1e9;
    List<Sample> samples = runs.stream().filter(Future::succeeded).map(Future::result).filter(Sample::ok).toList();
    List<Long> ttft = new ArrayList<>(samples.stream().map(Sample::firstTokenNanos).toList());
    Collections.sort(ttft);
    long tokens = samples.stream().mapToLong(Sample::tokens).sum();
    double perStream = samples.stream().mapToDouble(s -> s.tokens() / (s.totalNanos() / 1e9)).average().orElse(0);
    return new JsonObject().put("case", "dummy_sse_chat_stream").put("streams", count).put("token_delay_ms", delay)
        .put("tokens_per_stream", answer.split(" ").length).put("completed", samples.size())
        .put("ttft_p50_ms", round(percentile(ttft, 0.5))).put("ttft_p95_ms", round(percentile(ttft, 0.95)))
        .put("ttft_max_ms", round(percentile(ttft, 1.0)))
        .put("tokens", tokens).put("tokens_per_s_total", round(tokens / wallSeconds)).put("tokens_per_s_per_stream", round(perStream));
  }

  private static Future<Sample> stream(HttpClient http, String thread, JsonObject body) {
    long started = System.nanoTime();
    long[] firstToken = {-1};
    int[] tokens = {0};
    boolean[] success = {false};
    StringBuilder pending = new StringBuilder();
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/api/v1/chat/" + thread + "/stream")
            .putHeader("Content-Type", "application/json").putHeader("Accept", "text/event-stream"))
        .compose(request -> request.send(body.toBuffer()))
        .compose(response -> {
          Promise<Sample> done = Promise.promise();
          response.handler(chunk -> {
            pending.append(chunk.toString());
            int end;
            while ((end = pending.indexOf("\n\n")) >= 0) {
              String frame = pending.substring(0, end);
              pending.delete(0, end + 2);
              if (frame.contains("\"type\":\"message\"")) {
                if (firstToken[0] < 0) {
                  firstToken[0] = System.nanoTime() - started;
                }
                // A frame may carry several tokens (deltas are coalesced): the dummy's tokens are words.
                String content = new JsonObject(frame.substring(frame.indexOf('{'))).getString("content", "");
                tokens[0] += content.isBlank() ? 0 : content.trim().split(" ").length;
              } else if (frame.contains("\"type\":\"end_stream\"")) {
                success[0] = frame.contains("\"status\":\"success\"");
              }
            }
          });
          response.endHandler(v -> done.tryComplete(new Sample(firstToken[0], System.nanoTime() - started, tokens[0], success[0])));
          response.exceptionHandler(done::tryFail);
          return done.future();
        });
  }

  private static JsonObject post(HttpClient http, String path, JsonObject body) {
    Buffer reply = http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(path).putHeader("Content-Type", "application/json"))
        .compose(request -> request.send(body.toBuffer()).compose(response -> response.body())).await();
    return reply.toJsonObject();
  }

  private static double percentile(List<Long> sortedNanos, double q) {
    if (sortedNanos.isEmpty()) {
      return Double.NaN;
    }
    int index = (int) Math.min(sortedNanos.size() - 1, Math.ceil(q * sortedNanos.size()) - 1);
    return sortedNanos.get(Math.max(0, index)) / 1e6;
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
