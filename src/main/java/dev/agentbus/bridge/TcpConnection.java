package dev.agentbus.bridge;

import dev.agentbus.auth.Principal;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.Headers;
import dev.agentbus.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker's TCP connection: reads its frames ({@link TcpFrames}) one after another — each
 * authenticated ({@link TcpGate}) before the next is looked at, so a {@code ping} after a {@code
 * register} is answered once the registration is in effect — and keeps what it serves.
 *
 * <ul>
 *   <li>{@code register}: a clustered consumer on the address; each message is written as {@code
 *       {type: "message", address, replyAddress?, headers, body, send}} (headers: only the request id
 *       and traceparent). A request (it has a reply address) is remembered until the worker answers
 *       it, at most {@code max_pending} at once (beyond: failed {@code HANDLER_UNAVAILABLE}, which a
 *       command's delivery retries) and at most {@code commands.max_timeout_s}.
 *   <li>{@code send} to a remembered reply address: the reply ({@code body}), or a failure when the
 *       frame has {@code failureCode} ({@code message}: a sentence, or an error JSON {@code {code,
 *       message}}). Sending anywhere else, and {@code publish}, is refused.
 *   <li>{@code unregister}, {@code ping} ({@code pong}).
 * </ul>
 *
 * <p>Refusals are {@code err} frames; an oversized frame or a credential that stops authenticating
 * (revoked) closes the connection. On close every consumer goes and every unanswered request fails
 * {@code HANDLER_UNAVAILABLE} (503), so a command's delivery retries it — on another worker of the
 * address, or on this one when it reconnects before the command's deadline.
 */
final class TcpConnection implements TcpFrames.Sink {
  private static final Logger LOG = LoggerFactory.getLogger(TcpConnection.class);
  private static final Set<String> TYPES = Set.of("send", "publish", "register", "unregister", "ping");
  /** Frames read but not yet handled beyond which the socket is paused. */
  private static final int MAX_QUEUED_FRAMES = 32;

  private final Vertx vertx;
  private final NetSocket socket;
  private final TcpGate gate;
  private final Settings.TcpBridge limits;
  private final String peer;
  private final TcpFrames frames;
  private final Map<String, MessageConsumer<Object>> consumers = new LinkedHashMap<>();
  private final TcpReplies replies;
  private final Runnable onClose;
  private Future<Void> tail = Future.succeededFuture();
  private int queued;
  private boolean paused;
  private String identity;
  private boolean closed;

  TcpConnection(Vertx vertx, NetSocket socket, TcpGate gate, Settings.TcpBridge limits, long maxReplyMs, Runnable onClose) {
    this.vertx = vertx;
    this.socket = socket;
    this.gate = gate;
    this.limits = limits;
    this.replies = new TcpReplies(vertx, limits.maxPending(), maxReplyMs);
    this.onClose = onClose;
    this.peer = socket.remoteAddress() == null ? "unknown" : socket.remoteAddress().hostAddress();
    this.frames = new TcpFrames(limits.maxFrameBytes(), this);
    socket.handler(frames);
    socket.closeHandler(v -> closed());
    socket.exceptionHandler(failure -> LOG.debug("tcp bridge connection from {} failed: {}", peer, failure.getMessage()));
  }

  /** Closes the connection (the node stops): its requests fail over. */
  Future<Void> close() {
    return socket.close();
  }

  // ---- reading ----

  @Override
  public void frame(JsonObject frame) {
    if (++queued > MAX_QUEUED_FRAMES && !paused) {
      paused = true;
      socket.pause();
    }
    tail = tail.transform(previous -> closed ? Future.succeededFuture() : handle(frame))
        .transform(done -> {
          if (--queued <= MAX_QUEUED_FRAMES && paused && !closed) {
            paused = false;
            socket.resume();
          }
          return Future.succeededFuture();
        });
  }

  @Override
  public void oversized(long length) {
    refuse(ErrorCode.PAYLOAD_TOO_LARGE.name(), "A frame may be at most " + limits.maxFrameBytes() + " bytes (announced: "
        + length + "); closing", null);
    socket.close();
  }

  private Future<Void> handle(JsonObject frame) {
    if (frame == null) {
      refuse(ErrorCode.VALIDATION_ERROR.name(), "A frame must be a JSON object", null);
      return Future.succeededFuture();
    }
    Object type = frame.getValue("type");
    if (!(type instanceof String named) || !TYPES.contains(named)) {
      refuse("unknown_type", "type must be one of send, publish, register, unregister, ping", null);
      return Future.succeededFuture();
    }
    return gate.authenticate(frame, peer).transform(authenticated -> {
      if (authenticated.failed()) {
        BusError error = authenticated.cause() instanceof BusError known ? known
            : new BusError(ErrorCode.INTERNAL_ERROR, "Internal error");
        refuse(error.code().name(), error.getMessage(), address(frame));
        if (identity != null && error.code() == ErrorCode.UNAUTHENTICATED) {
          LOG.info("tcp bridge connection from {} closed: its credential no longer authenticates", peer);
          socket.close();
        }
        return Future.succeededFuture();
      }
      Principal principal = authenticated.result();
      String who = TcpGate.identity(principal);
      if (identity == null) {
        identity = who;
        LOG.info("tcp bridge connection from {} authenticated as {}:{} (tenant {})", peer, principal.kind(), principal.id(),
            principal.tenantId() == null ? "*" : principal.tenantId());
      } else if (!identity.equals(who)) {
        refuse(ErrorCode.FORBIDDEN.name(), "A connection speaks for one credential: open another connection for this one",
            address(frame));
        return Future.succeededFuture();
      }
      return act(named, frame, principal);
    });
  }

  private Future<Void> act(String type, JsonObject frame, Principal principal) {
    String address = address(frame);
    if ("ping".equals(type)) {
      TcpFrames.write(new JsonObject().put("type", "pong"), socket);
      return Future.succeededFuture();
    }
    if (address == null) {
      refuse("missing_address", "This frame needs an address", null);
      return Future.succeededFuture();
    }
    return switch (type) {
      case "register" -> register(principal, address);
      case "unregister" -> unregister(principal, address);
      case "send" -> {
        reply(address, frame);
        yield Future.succeededFuture();
      }
      default -> {
        refuse("access_denied", "Workers do not publish; they answer the requests they receive", address);
        yield Future.succeededFuture();
      }
    };
  }

  private Future<Void> register(Principal principal, String address) {
    String why = TcpGate.whyNotServe(principal, address);
    if (why != null) {
      refuse("access_denied", why, address);
      return Future.succeededFuture();
    }
    if (consumers.containsKey(address)) {
      refuse(ErrorCode.CONFLICT.name(), "This connection already serves " + address, address);
      return Future.succeededFuture();
    }
    if (consumers.size() >= limits.maxRegistrations()) {
      refuse("too_many_registrations", "A connection may serve at most " + limits.maxRegistrations() + " addresses", address);
      return Future.succeededFuture();
    }
    MessageConsumer<Object> consumer = vertx.eventBus().consumer(address, this::deliver);
    consumers.put(address, consumer);
    LOG.info("tcp bridge worker {} serves {}", peer, address);
    return consumer.completion().recover(failure -> {
      consumers.remove(address);
      refuse(ErrorCode.SERVICE_UNAVAILABLE.name(), "The address could not be registered in the cluster", address);
      return Future.succeededFuture();
    });
  }

  private Future<Void> unregister(Principal principal, String address) {
    MessageConsumer<Object> consumer = consumers.remove(address);
    if (consumer == null) {
      refuse("unknown_address", "This connection does not serve " + address, address);
      return Future.succeededFuture();
    }
    return consumer.unregister().otherwiseEmpty();
  }

  /** A worker's answer to a request it received. */
  private void reply(String address, JsonObject frame) {
    Message<Object> request = replies.take(address);
    if (request == null) {
      refuse("access_denied", "Workers send only replies, to the replyAddress of a message they received and have not answered",
          address);
      return;
    }
    if (frame.getValue("failureCode") != null) {
      int code = frame.getValue("failureCode") instanceof Number number ? number.intValue() : 500;
      String message = frame.getValue("message") instanceof String text ? text : "The worker failed the request";
      request.fail(code, message);
    } else {
      request.reply(busValue(frame.getValue("body")));
    }
  }

  private static String address(JsonObject frame) {
    return frame.getValue("address") instanceof String given ? given : null;
  }

  // ---- writing ----

  /** A message for an address this connection serves. */
  private void deliver(Message<Object> message) {
    String replyAddress = message.replyAddress();
    if (closed) {
      TcpReplies.unavailable(message, "The worker serving " + message.address() + " disconnected");
      return;
    }
    if (replyAddress != null) {
      if (replies.full() || socket.writeQueueFull()) {
        TcpReplies.unavailable(message, "The worker serving " + message.address() + " is busy (" + replies.size()
            + " unanswered requests)");
        return;
      }
      replies.hold(message);
    } else if (socket.writeQueueFull()) {
      LOG.debug("tcp bridge worker {} is not reading: a message for {} is dropped", peer, message.address());
      return;
    }
    JsonObject headers = new JsonObject();
    for (String name : new String[] {Headers.REQUEST_ID, Headers.TRACEPARENT}) {
      String value = message.headers().get(name);
      if (value != null) {
        headers.put(name, value);
      }
    }
    JsonObject frame = new JsonObject().put("type", "message").put("address", message.address()).put("headers", headers)
        .put("body", frameValue(message.body())).put("send", message.isSend());
    if (replyAddress != null) {
      frame.put("replyAddress", replyAddress);
    }
    TcpFrames.write(frame, socket);
  }

  private void refuse(String code, String message, String address) {
    if (!closed) {
      TcpFrames.write(TcpFrames.err(code, message, address), socket);
    }
  }

  private void closed() {
    if (closed) {
      return;
    }
    closed = true;
    frames.stop();
    consumers.values().forEach(MessageConsumer::unregister);
    List<Message<Object>> unanswered = replies.drain();
    unanswered.forEach(request -> TcpReplies.unavailable(request, "The worker serving " + request.address()
        + " disconnected before answering"));
    LOG.info("tcp bridge connection from {} closed ({} addresses served, {} requests unanswered)", peer, consumers.size(), unanswered.size());
    consumers.clear();
    onClose.run();
  }

  /** A bus body as frame JSON: JSON values as they are, a buffer as its text, anything else as its string. */
  private static Object frameValue(Object body) {
    if (body == null || body instanceof JsonObject || body instanceof JsonArray || body instanceof String
        || body instanceof Number || body instanceof Boolean) {
      return body;
    }
    return body instanceof Buffer buffer ? buffer.toString() : String.valueOf(body);
  }

  /** A frame's JSON value as a bus body (the event bus carries integers, longs and doubles, not big numbers). */
  private static Object busValue(Object value) {
    if (value instanceof Number number && !(value instanceof Integer || value instanceof Long || value instanceof Double)) {
      return number.doubleValue();
    }
    return value;
  }
}
