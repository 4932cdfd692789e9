package dev.agentbus.support;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;

/** Publishes client events over real HTTP ({@code POST /sessions/{id}/events}). */
public final class Publisher {
  private Publisher() {}

  /** Publishes one event and returns the stored event (with its seq); fails unless 201. */
  public static JsonObject one(TestNode node, String sessionId, String type, JsonObject data) {
    return send(node, sessionId, new JsonObject().put("event_type", type).put("data", data)).await();
  }

  /** Publishes one event asynchronously; the future fails unless the answer is 201. */
  public static Future<JsonObject> send(TestNode node, String sessionId, JsonObject body) {
    return node.client().request(HttpMethod.POST, "/api/v1/sessions/" + sessionId + "/events")
        .sendJsonObject(body)
        .compose(response -> response.statusCode() == 201
            ? Future.succeededFuture(response.bodyAsJsonObject())
            : Future.failedFuture(new IllegalStateException("publish -> " + response.statusCode() + " " + response.bodyAsString())));
  }

  /**
   * Publishes {@code count} events over {@code parallel} concurrent request chains and returns the
   * stored events in acknowledgement order; {@code onAck} sees each one as it is acknowledged.
   */
  public static Future<List<JsonObject>> many(TestNode node, String sessionId, int count, int parallel,
                                              IntFunction<JsonObject> body, Consumer<JsonObject> onAck) {
    List<JsonObject> stored = new CopyOnWriteArrayList<>();
    AtomicInteger next = new AtomicInteger();
    List<Future<?>> chains = new ArrayList<>();
    for (int c = 0; c < parallel; c++) {
      chains.add(chain(node, sessionId, count, next, body, event -> {
        stored.add(event);
        onAck.accept(event);
      }));
    }
    return Future.all(chains).map(done -> stored);
  }

  public static List<JsonObject> manyAndWait(TestNode node, String sessionId, int count, IntFunction<JsonObject> body) {
    return many(node, sessionId, count, 4, body, event -> { }).await();
  }

  /**
   * Publishes {@code count} events fast over one WebSocket ({@code publish} frames, up to 60
   * unanswered at a time, so the event log commits them in large groups) and returns the stored
   * seqs in request order. Fails on the first error frame.
   */
  public static List<Long> manyOverWebSocket(WebSocketClient client, TestNode node, String sessionId, int count,
                                             IntFunction<JsonObject> body) {
    Map<String, JsonObject> answers = new ConcurrentHashMap<>();
    WsClient socket = WsClient.connect(client, node, "/sessions/" + sessionId + "/events/stream?types=none.at.all", frame -> {
      String requestId = frame.getString("request_id");
      if (requestId != null) {
        answers.put(requestId, frame);
      }
    }).await();
    try {
      List<Long> seqs = new ArrayList<>(count);
      for (int start = 0; start < count; start += 60) {
        int end = Math.min(count, start + 60);
        for (int i = start; i < end; i++) {
          socket.send(body.apply(i).copy().put("type", "publish").put("request_id", "bulk-" + i));
        }
        int waitFor = end;
        Awaitility.await().atMost(Duration.ofSeconds(30))
            .until(() -> IntStream.range(0, waitFor).allMatch(i -> answers.containsKey("bulk-" + i)));
        for (int i = start; i < end; i++) {
          JsonObject answer = answers.get("bulk-" + i);
          if (!"ack".equals(answer.getString("type"))) {
            throw new IllegalStateException("publish " + i + " -> " + answer.encode());
          }
          seqs.add(answer.getLong("seq"));
        }
      }
      return seqs;
    } finally {
      socket.close();
    }
  }

  private static Future<Void> chain(TestNode node, String sessionId, int count, AtomicInteger next,
                                    IntFunction<JsonObject> body, Consumer<JsonObject> onAck) {
    int index = next.getAndIncrement();
    if (index >= count) {
      return Future.succeededFuture();
    }
    return send(node, sessionId, body.apply(index))
        .compose(event -> {
          onAck.accept(event);
          return chain(node, sessionId, count, next, body, onAck);
        });
  }
}
