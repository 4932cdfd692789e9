package dev.agentbus.stream;

import dev.agentbus.bus.StreamEnd;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A WebSocket that carries several feeds ({@code WS /ws}: runs and session subscriptions), one
 * {@link Lane} each, all written through the socket's one bounded writer. A lane that ends for its
 * own reasons (a run finished, a session deleted) leaves the socket open. Two ends are the
 * socket's:
 * <ul>
 *   <li>a reader too slow (any lane refused): every open subscription is told where to resume
 *       ({@code unsubscribed}, reason {@code too_slow}, written past the bound: at most one small
 *       frame per subscription), then the socket closes 1013;
 *   <li>the node shuts down (any lane ended {@link StreamEnd#SHUTDOWN}): every other lane is ended
 *       so too (each subscription's {@code unsubscribed} frame, reason {@code shutdown}, a run's
 *       interrupted error), then the socket closes 1012.
 * </ul>
 * The close reason is {@code ... resume with after_seq=N} as on a per-session socket when the socket
 * had one subscription (or only runs); with several it points to the {@code unsubscribed} frames.
 */
public final class MultiplexTransport {
  private static final String SEVERAL = "resume each session after the resume_after_seq of its unsubscribed frame";

  private final SocketTransport socket;
  private final Set<Lane> lanes = new LinkedHashSet<>();
  private boolean closing;
  private int subscriptionsEnded;
  private long lastCursor;

  public MultiplexTransport(SocketTransport socket) {
    this.socket = socket;
  }

  /** Whether the socket is still open (a feed started after it closed would never be told). */
  public boolean isOpen() {
    return !socket.socket().isClosed();
  }

  /** A lane for a run (no resume frame of its own). */
  public Lane run() {
    return open(null);
  }

  /** A lane for a subscription in {@code format}. */
  public Lane subscription(SubscriptionFormat format) {
    return open(format);
  }

  private Lane open(SubscriptionFormat format) {
    Lane lane = new Lane(format);
    lanes.add(lane);
    return lane;
  }

  /** One feed's view of the socket. */
  public final class Lane implements Transport {
    private final SubscriptionFormat format;
    private EventFeed feed;

    private Lane(SubscriptionFormat format) {
      this.format = format;
    }

    /** The feed that writes through this lane (just started by {@link Follower#follow}). */
    public void attach(EventFeed started) {
      feed = started;
      started.whenEnded(() -> lanes.remove(this));
    }

    @Override
    public boolean write(String frames) {
      return socket.write(frames);
    }

    @Override
    public boolean writable() {
      return socket.writable();
    }

    @Override
    public void whenWritable(Runnable next) {
      socket.whenWritable(next);
    }

    @Override
    public Runnable onGone(Runnable action) {
      return socket.onGone(action);
    }

    @Override
    public void end(StreamEnd reason, long lastSeq) {
      lanes.remove(this);
      if (reason == StreamEnd.OVERFLOW) {
        tooSlow(this, lastSeq);
      } else if (reason == StreamEnd.SHUTDOWN) {
        shutDown(this, lastSeq);
      }
    }
  }

  private void tooSlow(Lane refused, long lastSeq) {
    if (closing || socket.socket().isClosed()) {
      return;
    }
    closing = true;
    int subscriptions = 0;
    long cursor = lastSeq;
    if (refused.format != null) {
      subscriptions++;
      socket.socket().writeTextMessage(refused.format.ended("too_slow", lastSeq));
    }
    for (Lane lane : List.copyOf(lanes)) {
      if (lane.format != null && lane.feed != null) {
        subscriptions++;
        cursor = lane.feed.cursor();
        socket.socket().writeTextMessage(lane.format.ended("too_slow", cursor));
      }
      if (lane.feed != null) {
        lane.feed.close();
      }
    }
    socket.close((short) 1013, "too slow; " + (subscriptions > 1 ? SEVERAL : "resume with after_seq=" + cursor));
  }

  private void shutDown(Lane ended, long lastSeq) {
    if (ended.format != null) {
      subscriptionsEnded++;
      lastCursor = lastSeq;
    } else if (subscriptionsEnded == 0) {
      lastCursor = lastSeq;
    }
    if (closing) {
      return;
    }
    closing = true;
    // The others too, now (their closing frames first): one not among the node's open feeds yet must not hold the socket open.
    for (Lane lane : List.copyOf(lanes)) {
      if (lane.feed != null) {
        lane.feed.endForShutdown();
      }
    }
    socket.close((short) 1012, "server shutting down; " + (subscriptionsEnded > 1 ? SEVERAL : "resume with after_seq=" + lastCursor));
  }
}
