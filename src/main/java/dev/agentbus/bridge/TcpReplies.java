package dev.agentbus.bridge;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The requests one worker connection received and has not answered, by reply address: at most
 * {@code max} at once, each for at most {@code maxReplyMs} (then failed {@code TIMEOUT}; its
 * requester has given up by then). A worker may send only to these addresses, once each.
 */
final class TcpReplies {
  private record Pending(Message<Object> message, long timer) {}

  private final Vertx vertx;
  private final int max;
  private final long maxReplyMs;
  private final Map<String, Pending> pending = new LinkedHashMap<>();

  TcpReplies(Vertx vertx, int max, long maxReplyMs) {
    this.vertx = vertx;
    this.max = max;
    this.maxReplyMs = maxReplyMs;
  }

  int size() {
    return pending.size();
  }

  boolean full() {
    return pending.size() >= max;
  }

  /** Remembers a request (its reply address is not null) until {@link #take} or expiry. */
  void hold(Message<Object> message) {
    String replyAddress = message.replyAddress();
    long timer = vertx.setTimer(maxReplyMs, t -> {
      Pending expired = pending.remove(replyAddress);
      if (expired != null) {
        expired.message().fail(ErrorCode.TIMEOUT.httpStatus(), new BusError(ErrorCode.TIMEOUT,
            "The worker did not answer within " + maxReplyMs + " ms").toWire());
      }
    });
    pending.put(replyAddress, new Pending(message, timer));
  }

  /** The request whose reply address this is (forgotten now), or null when there is none. */
  Message<Object> take(String replyAddress) {
    Pending request = pending.remove(replyAddress);
    if (request == null) {
      return null;
    }
    vertx.cancelTimer(request.timer());
    return request.message();
  }

  /** Every request still unanswered (forgotten now): the connection closed. */
  List<Message<Object>> drain() {
    List<Message<Object>> all = new ArrayList<>();
    pending.values().forEach(request -> {
      vertx.cancelTimer(request.timer());
      all.add(request.message());
    });
    pending.clear();
    return all;
  }

  /** Fails {@code message} {@code HANDLER_UNAVAILABLE} (503): a command's delivery retries it until its deadline. */
  static void unavailable(Message<Object> message, String why) {
    message.fail(ErrorCode.HANDLER_UNAVAILABLE.httpStatus(), new BusError(ErrorCode.HANDLER_UNAVAILABLE, why,
        new JsonObject().put("address", message.address())).toWire());
  }
}
