package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * A durable subscriber's acked cursor in one session ({@code subscriber_id}): the highest {@code seq}
 * the client acked, stored ({@link Addresses#SUBSCRIBER_ACK}) at once when asked, else at most every
 * 200 ms and when the stream ends, so a reconnect without {@code after_seq} resumes after it.
 */
final class DurableCursor {
  private static final long FLUSH_MS = 200;

  private final Api api;
  private final RoutingContext ctx;
  private final String sessionId;
  private final String subscriberId;
  private long ackedSeq;
  private long storedSeq;
  private long timer = -1;

  DurableCursor(Api api, RoutingContext ctx, String sessionId, String subscriberId) {
    this.api = api;
    this.ctx = ctx;
    this.sessionId = sessionId;
    this.subscriberId = subscriberId;
  }

  /** The client has everything up to {@code seq}: stored within 200 ms. */
  void ack(long seq) {
    ackedSeq = Math.max(ackedSeq, seq);
    if (timer == -1) {
      timer = api.vertx().setTimer(FLUSH_MS, t -> {
        timer = -1;
        store();
      });
    }
  }

  /** Stores the highest ack so far (if it moved); completes with the stored cursor. */
  Future<Long> store() {
    if (timer != -1) {
      api.vertx().cancelTimer(timer);
      timer = -1;
    }
    long seq = ackedSeq;
    if (seq <= storedSeq) {
      return Future.succeededFuture(storedSeq);
    }
    return api.send(ctx, Addresses.SUBSCRIBER_ACK, new JsonObject().put("session_id", sessionId)
            .put("subscriber_id", subscriberId).put("seq", seq))
        .map(stored -> {
          storedSeq = Math.max(storedSeq, seq);
          return storedSeq;
        });
  }
}
