package dev.agentbus.handler;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.trace.Traces;
import dev.agentbus.util.Retry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/**
 * The delivery lane of one cursor (one event handler, one session) on the node that owns the
 * session: one attempt in flight, events strictly in {@code seq} order, each retried with jittered
 * exponential backoff up to {@code handlers.max_attempts}, then dead-lettered ({@link Needs#deadLetter})
 * and passed. After each success or dead letter the durable {@code delivered_seq} moves forward
 * (grouped writes; a node dying before one lands re-delivers that event: at least once).
 *
 * <p>Events come from the dispatch of the writes this node makes ({@link #offer}, all events of the
 * session in one write, in order) into a bounded buffer; whatever the buffer missed (a gap, an
 * overflow, a resumed cursor) is read back from the event log ({@link Addresses#EVENT_LIST}, {@code
 * handlers.events.read_page} per request). The buffer holds the matching events of seqs {@code
 * (coveredFrom, coveredTo]}; it is usable only when {@code coveredFrom <= delivered}. Event-loop
 * confined (the event-handler verticle's context).
 */
final class Lane {
  /** What a lane needs from its verticle. */
  interface Needs {
    Vertx vertx();

    EventHandlerStore store();

    EventDelivery delivery();

    int bufferMax();

    int readPage();

    /** Stores a dead letter of {@code event} (and announces it); completes either way. */
    Future<Void> deadLetter(JsonObject registration, JsonObject event, int attempts, String error);

    /** The lane caught up (nothing left to deliver): its open entry may go. */
    void caughtUp(Lane lane);
  }

  private final Needs needs;
  private final JsonObject registration;
  private final String sessionId;
  private final String id;
  private final ArrayDeque<JsonObject> buffer = new ArrayDeque<>();
  /** The buffered events' producers' sampled traces, by event id (no more entries than the buffer has events). */
  private final Map<String, String> traces = new HashMap<>();
  private Long delivered;
  private long target;
  private long coveredFrom = -1;
  private long coveredTo = -1;
  private boolean busy;
  private boolean reading;
  /** A wake arrived while busy: re-read the cursor before closing. */
  private boolean recheck;
  /** The highest seq this lane passed (a re-read cursor whose grouped write lags never goes back). */
  private long floor = -1;
  private boolean stopped;
  private long timer = -1;
  private HttpClientRequest inFlight;
  private Future<Void> lastWrite = Future.succeededFuture();
  /** Whether the cluster's open set has (or is being given) this cursor; the dispatch keeps it. */
  boolean open;
  /** The open-set operations of this cursor, in order (a put and a remove never overtake each other). */
  Future<Void> openOps = Future.succeededFuture();

  /** {@code delivered} null: read from the cursor before the first delivery. */
  Lane(Needs needs, JsonObject registration, String sessionId, Long delivered) {
    this.needs = needs;
    this.registration = registration;
    this.sessionId = sessionId;
    this.id = EventHandlerStore.cursorId(registration.getString("handler_id"), sessionId);
    this.delivered = delivered;
    if (delivered != null) {
      coveredFrom = coveredTo = delivered;
      target = delivered;
    }
  }

  String id() {
    return id;
  }

  String sessionId() {
    return sessionId;
  }

  String handlerId() {
    return registration.getString("handler_id");
  }

  /** Whether every event it knows of was delivered (or dead-lettered), nothing in flight. */
  boolean idle() {
    return !busy && delivered != null && delivered >= target;
  }

  /** Whether {@code pattern} (exact, {@code prefix*}, or {@code *}) matches an event type. */
  static boolean matches(String pattern, String type) {
    return pattern.endsWith("*") ? type.startsWith(pattern.substring(0, pattern.length() - 1)) : pattern.equals(type);
  }

  /**
   * The events of this session of one write (contiguous seqs, in order): raises the target, buffers
   * the matching ones, and keeps their producers' traces ({@code traces}: event id → traceparent).
   */
  void offer(List<JsonObject> events, JsonObject traces) {
    if (stopped || events.isEmpty()) {
      return;
    }
    String pattern = registration.getString("event_type");
    List<JsonObject> matching = events.stream().filter(e -> matches(pattern, e.getString("event_type"))).toList();
    long first = events.get(0).getLong("seq");
    long last = events.get(events.size() - 1).getLong("seq");
    if (!matching.isEmpty()) {
      target = Math.max(target, matching.get(matching.size() - 1).getLong("seq"));
    }
    boolean fits = buffer.size() + matching.size() <= needs.bufferMax();
    if (!reading) {
      if (coveredTo >= 0 && first == coveredTo + 1 && fits) {
        buffer(matching, traces);
        coveredTo = last;
      } else if (buffer.isEmpty() && fits && (delivered == null || first - 1 <= delivered)) {
        buffer(matching, traces);
        coveredFrom = first - 1;
        coveredTo = last;
      }
    }
    next();
  }

  private void buffer(List<JsonObject> matching, JsonObject traces) {
    buffer.addAll(matching);
    if (!traces.isEmpty()) {
      matching.forEach(event -> {
        String traceparent = traces.getString(event.getString("event_id"));
        if (traceparent != null) {
          this.traces.put(event.getString("event_id"), traceparent);
        }
      });
    }
  }

  /** Starts (or goes on) delivering. */
  void next() {
    if (stopped || busy) {
      return;
    }
    if (delivered == null) {
      busy = true;
      needs.store().cursor(id).onComplete(read -> {
        busy = false;
        if (read.failed()) {
          later(1);
          return;
        }
        if (read.result() == null) {
          stop(); // removed (unregistered, purged): nothing to deliver, its open entry goes
          needs.caughtUp(this);
          return;
        }
        delivered = Math.max(floor, read.result().getLong("delivered_seq", 0L));
        target = Math.max(target, read.result().getLong("target_seq", 0L));
        next();
      });
      return;
    }
    while (!buffer.isEmpty() && buffer.peek().getLong("seq") <= delivered) {
      traces.remove(buffer.poll().getString("event_id"));
    }
    if (coveredFrom > delivered || coveredTo < delivered) {
      buffer.clear();
      traces.clear();
      coveredFrom = coveredTo = delivered;
    }
    if (!buffer.isEmpty()) {
      deliver(buffer.peek(), 1);
    } else if (coveredTo < target) {
      read();
    } else if (recheck) {
      recheck = false;
      floor = Math.max(floor, delivered);
      delivered = null; // the cursor's target may have moved on another node: read it again
      next();
    } else {
      if (delivered < target) { // nothing left up to the target (its events were purged): the cursor passes it
        delivered = target;
        lastWrite = needs.store().delivered(id, target);
      }
      needs.caughtUp(this);
    }
  }

  /** Another node stored events for this cursor: re-read its target (now, or once the work in hand is done). */
  void wake() {
    if (stopped) {
      return;
    }
    if (busy || delivered == null) {
      recheck = true;
      return;
    }
    floor = Math.max(floor, delivered);
    delivered = null;
    next();
  }

  /** Stops for good: no new attempt, the one in flight is reset; the cursor stays as it is. */
  void stop() {
    stopped = true;
    needs.vertx().cancelTimer(timer);
    if (inFlight != null) {
      inFlight.reset();
    }
  }

  boolean stopped() {
    return stopped;
  }

  /** The last {@code delivered_seq} write (an open entry goes only once it landed). */
  Future<Void> lastWrite() {
    return lastWrite;
  }

  private void later(int attempt) {
    busy = true;
    long delay = Retry.jitteredBackoff(needs.delivery().limits().retryBaseMs(), needs.delivery().limits().retryMaxMs(), attempt - 1);
    timer = needs.vertx().setTimer(delay, t -> {
      busy = false;
      next();
    });
  }

  private void read() {
    busy = true;
    reading = true;
    long after = coveredTo;
    JsonObject query = new JsonObject().put("session_id", sessionId).put("after_seq", after).put("limit", needs.readPage());
    Bus.request(needs.vertx(), Addresses.EVENT_LIST, query, Bus.withRequestId(null)).onComplete(page -> {
      busy = false;
      reading = false;
      if (stopped) {
        return;
      }
      if (page.failed()) {
        if (BusError.is(page.cause(), ErrorCode.SESSION_NOT_FOUND)) {
          stop();
        } else {
          later(2);
        }
        return;
      }
      List<JsonObject> events = page.result().getJsonArray("data").stream().map(JsonObject.class::cast).toList();
      if (events.isEmpty()) {
        coveredTo = Math.max(coveredTo, target); // nothing more is stored (a purge): nothing to deliver
      } else if (coveredTo == after) {
        String pattern = registration.getString("event_type");
        events.stream().filter(e -> matches(pattern, e.getString("event_type"))).forEach(buffer::add);
        coveredTo = events.get(events.size() - 1).getLong("seq");
      }
      next();
    });
  }

  /** One attempt, in the trace of the event's producer when it was sampled (each attempt a span of that trace). */
  private void deliver(JsonObject event, int attempt) {
    busy = true;
    Traces.resume(needs.vertx(), traces.get(event.getString("event_id")), () -> attempt(event, attempt));
  }

  private void attempt(JsonObject event, int attempt) {
    needs.delivery().attempt(registration, event, request -> inFlight = request).onComplete(outcome -> {
      if (stopped) {
        return;
      }
      if (outcome.succeeded()) {
        passed(event);
        return;
      }
      EventDelivery.Failed failure = outcome.cause() instanceof EventDelivery.Failed f ? f
          : new EventDelivery.Failed(String.valueOf(outcome.cause().getMessage()), true);
      needs.store().failed(id, failure.getMessage());
      if (!failure.retryable || attempt >= needs.delivery().limits().maxAttempts()) {
        needs.deadLetter(registration, event, attempt, failure.getMessage()).onComplete(stored -> {
          if (!stopped) {
            passed(event);
          }
        });
        return;
      }
      long delay = Retry.jitteredBackoff(needs.delivery().limits().retryBaseMs(), needs.delivery().limits().retryMaxMs(), attempt - 1);
      timer = needs.vertx().setTimer(delay, t -> {
        if (!stopped) {
          deliver(event, attempt + 1);
        }
      });
    });
  }

  /** Delivered or dead-lettered: the cursor moves past it, durably (grouped), and the lane goes on. */
  private void passed(JsonObject event) {
    long seq = event.getLong("seq");
    delivered = Math.max(delivered, seq);
    floor = Math.max(floor, delivered);
    buffer.poll();
    traces.remove(event.getString("event_id"));
    lastWrite = needs.store().delivered(id, seq);
    busy = false;
    next();
  }
}
