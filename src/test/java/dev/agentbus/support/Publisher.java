package dev.agentbus.support;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;

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
