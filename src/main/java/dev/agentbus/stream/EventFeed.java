package dev.agentbus.stream;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.EventTypes;
import dev.agentbus.bus.StreamEnd;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.function.Predicate;

/**
 * One subscriber's view of a session's events: replay from the store after a cursor, then live
 * from the bus, with no gap and no duplicate across the handover.
 *
 * <p>It subscribes first (joins its event loop's {@link SessionHub}: one bus consumer per session
 * there, live events shared by all its feeds) and buffers live events while replaying. Events are delivered strictly
 * in {@code seq} order: an old {@code seq} is dropped, the next one is delivered, and a gap makes
 * it read the store again (every {@code seq} below an announced one is durable, see the event
 * log). The live buffer is bounded; a subscriber that falls too far behind is ended with a reason
 * and resumes from its last {@code seq}.
 */
public final class EventFeed {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EventFeed.class);
  /** Where the feed delivers. */
  public interface Subscriber {
    /** Delivers one event; false means the subscriber could not keep up and the feed must stop. */
    boolean deliver(SharedEvent event);

    /** Whether the subscriber can take more right now (used to pace the replay). */
    boolean writable();

    /** Runs {@code next} once the subscriber can take more. */
    void whenWritable(Runnable next);

    /** The feed is over; {@code lastSeq} is the last event delivered (where the subscriber resumes). */
    void end(StreamEnd reason, long lastSeq);

  }

  private final Vertx vertx;
  private final String sessionId;
  private final Predicate<JsonObject> filter;
  private final Predicate<JsonObject> endAfter;
  private final int pageSize;
  private final int maxBuffered;
  private final Subscriber subscriber;
  private final PriorityQueue<SharedEvent> live = new PriorityQueue<>(Comparator.comparingLong(SharedEvent::seq));
  private SessionHub.Membership membership;
  private long cursor;
  private boolean fetching;
  private boolean gapFill;
  private boolean closed;
  private Runnable onClosed;

  public EventFeed(Vertx vertx, String sessionId, long afterSeq, Predicate<JsonObject> filter,
                   Predicate<JsonObject> endAfter, int pageSize, int maxBuffered, Subscriber subscriber) {
    this.vertx = vertx;
    this.sessionId = sessionId;
    this.cursor = afterSeq;
    this.filter = filter;
    this.endAfter = endAfter;
    this.pageSize = pageSize;
    this.maxBuffered = maxBuffered;
    this.subscriber = subscriber;
  }

  public void start() {
    membership = SessionHub.of(vertx, vertx.getOrCreateContext()).join(sessionId, this::onLive);
    fetching = true;
    membership.ready().onComplete(registered -> {
      if (closed) {
        return;
      }
      if (registered.succeeded()) {
        fetch();
      } else {
        finish(StreamEnd.ERROR);
      }
    });
  }

  public long cursor() {
    return cursor;
  }

  /** Stops the feed (the subscriber is not told); safe to call more than once. */
  public void close() {
    if (!closed) {
      closed = true;
      if (membership != null) {
        membership.leave();
      }
      if (onClosed != null) {
        onClosed.run();
      }
    }
  }

  /** Ends the feed because the node shuts down: the subscriber is told ({@link StreamEnd#SHUTDOWN}, the cursor). */
  public void endForShutdown() {
    finish(StreamEnd.SHUTDOWN);
  }

  /** Runs {@code action} once the feed is over, however it ended. */
  public EventFeed whenEnded(Runnable action) {
    if (closed) {
      action.run();
    } else {
      Runnable before = onClosed;
      onClosed = before == null ? action : () -> {
        before.run();
        action.run();
      };
    }
    return this;
  }

  private void onLive(SharedEvent event) {
    if (closed) {
      return;
    }
    live.add(event);
    if (live.size() > maxBuffered) {
      finish(StreamEnd.OVERFLOW);
    } else if (!fetching) {
      drainLive();
    }
  }

  private void fetch() {
    fetching = true;
    JsonObject query = new JsonObject().put("session_id", sessionId).put("after_seq", cursor).put("limit", pageSize);
    Bus.request(vertx, Addresses.EVENT_LIST, query, Bus.withRequestId(null)).onComplete(page -> {
      if (closed) {
        return;
      }
      if (page.failed()) {
        boolean deleted = BusError.is(page.cause(), ErrorCode.SESSION_NOT_FOUND);
        if (!deleted) {
          LOG.warn("replay of session {} after seq {} failed ({}); the stream ends with its resume cursor", sessionId, cursor,
              BusError.codeOf(page.cause()) + ": " + page.cause().getMessage());
        }
        finish(deleted ? StreamEnd.SESSION_DELETED : StreamEnd.ERROR);
        return;
      }
      deliverPage(page.result(), 0, cursor);
    });
  }

  /**
   * Delivers a replayed page from {@code from} on, pausing whenever the subscriber's socket is full
   * and going on once it drained: replay is paced by the reader, so a reader that keeps reading is
   * never cut off for a page larger than its write backlog.
   */
  private void deliverPage(JsonObject page, int from, long before) {
    JsonArray items = page.getJsonArray("data");
    for (int i = from; i < items.size(); i++) {
      if (!deliver(new SharedEvent(items.getJsonObject(i))) || closed) {
        return;
      }
      if (i + 1 < items.size() && !subscriber.writable()) {
        int next = i + 1;
        subscriber.whenWritable(() -> {
          if (!closed) {
            deliverPage(page, next, before);
          }
        });
        return;
      }
    }
    if (page.getBoolean("has_more")) {
      subscriber.whenWritable(() -> {
        if (!closed) {
          fetch();
        }
      });
      return;
    }
    // A gap the store cannot fill (it never can, by the event log's invariant) must not stall the feed.
    gapFill = gapFill && cursor == before;
    fetching = false;
    drainLive();
  }

  private void drainLive() {
    while (!closed && !live.isEmpty()) {
      SharedEvent next = live.peek();
      long seq = next.seq();
      if (seq <= cursor) {
        live.poll();
      } else if (seq == cursor + 1 || gapFill) {
        gapFill = false;
        live.poll();
        if (!deliver(next)) {
          return;
        }
      } else {
        gapFill = true;
        fetch();
        return;
      }
    }
  }

  private boolean deliver(SharedEvent shared) {
    long seq = shared.seq();
    JsonObject event = shared.json();
    if (seq <= cursor) {
      return true;
    }
    if (filter.test(event) && !subscriber.deliver(shared)) {
      // Not delivered: the cursor (the resume point handed to the subscriber) stays on the last event it took.
      finish(StreamEnd.OVERFLOW);
      return false;
    }
    cursor = seq;
    if (EventTypes.SESSION_DELETED.equals(event.getString("event_type"))) {
      finish(StreamEnd.SESSION_DELETED);
      return false;
    }
    if (endAfter.test(event)) {
      finish(StreamEnd.FINISHED);
      return false;
    }
    return true;
  }

  private void finish(StreamEnd reason) {
    if (!closed) {
      close();
      subscriber.end(reason, cursor);
    }
  }
}
