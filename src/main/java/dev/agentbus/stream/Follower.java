package dev.agentbus.stream;

import dev.agentbus.config.Settings;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.StreamEnd;
import dev.agentbus.limit.Callers;
import dev.agentbus.limit.PrincipalStreams;
import dev.agentbus.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a session's or a command's events to a client, whatever the front door. The lifecycle,
 * written once: take one of this node's stream slots → send the front door's one bus request (a
 * submit, a lookup) → open the connection (SSE response or WebSocket) and write the format's opening
 * → replay, then live ({@link EventFeed}) through a bounded writer → the format's closing frames
 * and the transport's end → cleanup (slot, feed, timers) however it ends. A front door brings only
 * its request and its {@link StreamFormat}.
 */
public final class Follower {
  private static final Logger LOG = LoggerFactory.getLogger(Follower.class);

  /**
   * What to stream once the request succeeded: what to follow, in which format, and whether the
   * followed command is cancelled when the client leaves before it ended.
   */
  public record Plan(Follow follow, StreamFormat format, boolean cancelOnGone) {
    public Plan(Follow follow, StreamFormat format) {
      this(follow, format, false);
    }
  }

  private final Vertx vertx;
  private final Settings.Streams settings;
  private final StreamSlots slots;
  private final PrincipalStreams perPrincipal;

  public Follower(Vertx vertx, Settings.Streams settings) {
    this(vertx, settings, Integer.MAX_VALUE);
  }

  /** {@code maxPerPrincipal}: streams one principal ({@link Callers#of}) may have open on this node at once. */
  public Follower(Vertx vertx, Settings.Streams settings, int maxPerPrincipal) {
    this.vertx = vertx;
    this.settings = settings;
    this.slots = new StreamSlots(vertx, settings.maxConnections());
    this.perPrincipal = new PrincipalStreams(vertx, maxPerPrincipal);
  }

  /** A node slot and one of the principal's, released together (or neither taken, and the failure thrown). */
  private Runnable acquire(RoutingContext ctx) {
    Runnable node = slots.acquire();
    try {
      Runnable own = perPrincipal.acquire(Callers.of(ctx).rateKey());
      return () -> {
        own.run();
        node.run();
      };
    } catch (RuntimeException e) {
      node.run();
      throw e;
    }
  }

  /**
   * One more of the principal's streams ({@code RATE_LIMITED} when none is left), for a stream that
   * shares an open connection (a subscription on {@code /ws}); the returned release is idempotent.
   */
  public Runnable principalStream(RoutingContext ctx) {
    return perPrincipal.acquire(Callers.of(ctx).rateKey());
  }

  /**
   * An SSE stream: a slot (or {@code SERVICE_UNAVAILABLE} at once), then {@code request}; its reply
   * gives the {@link Plan}. A failed request releases the slot and goes to {@code failed} (the
   * response is still unwritten, so it can be an error envelope).
   */
  public void sse(RoutingContext ctx, String requestId, Supplier<Future<JsonObject>> request,
                  Function<JsonObject, Plan> plan, Consumer<Throwable> failed) {
    Runnable release = acquire(ctx);
    request.get().onSuccess(reply -> {
      Plan chosen = plan.apply(reply);
      SseTransport sse = SseTransport.open(vertx, ctx, settings, chosen.format().opening(), release);
      follow(chosen, sse, requestId);
    }).onFailure(failure -> {
      release.run();
      failed.accept(failure);
    });
  }

  /**
   * A WebSocket: a slot, then {@code request} with the upgrade request held unread, then the
   * upgrade; {@code opened} gets the socket and the reply. {@code dedicated}: see {@link SocketTransport}.
   */
  public void socket(RoutingContext ctx, boolean dedicated, Supplier<Future<JsonObject>> request,
                     BiConsumer<SocketTransport, JsonObject> opened, Consumer<Throwable> failed) {
    Runnable release = acquire(ctx);
    // Vert.x must not read the request's end before the upgrade, or toWebSocket() fails
    // ("Request has already been read") when the upgrade comes after an asynchronous step.
    ctx.request().pause();
    request.get()
        .compose(reply -> ctx.request().toWebSocket()
            .onSuccess(socket -> opened.accept(SocketTransport.open(vertx, socket, settings, dedicated, release), reply)))
        .onFailure(failure -> {
          release.run();
          ctx.request().resume();
          failed.accept(failure);
        });
  }

  /** Starts following {@code plan} on an open transport → the running feed. */
  public EventFeed follow(Plan plan, Transport transport, String requestId) {
    Follow follow = plan.follow();
    StreamFormat format = plan.format();
    boolean[] over = {false};
    Runnable[] forget = {() -> { }};
    EventFeed feed = new EventFeed(vertx, follow.sessionId(), follow.afterSeq(), follow.filter(), follow::endsWith,
        settings.replayPage(), settings.maxQueuedFrames(), new EventFeed.Subscriber() {
          @Override
          public boolean deliver(SharedEvent event) {
            return transport.write(format.frames(event));
          }

          @Override
          public boolean writable() {
            return transport.writable();
          }

          @Override
          public void whenWritable(Runnable next) {
            transport.whenWritable(next);
          }

          @Override
          public void end(StreamEnd reason, long lastSeq) {
            over[0] = true;
            forget[0].run();
            if (reason == StreamEnd.OVERFLOW) {
              Metrics.slowConsumerClosed();
            }
            if (reason != StreamEnd.OVERFLOW) {
              transport.write(format.closing(reason, lastSeq));
            }
            transport.end(reason, lastSeq);
          }
        });
    forget[0] = transport.onGone(() -> {
      feed.close();
      if (plan.cancelOnGone() && !over[0] && follow.commandId() != null) {
        cancel(follow, requestId);
      }
    });
    OpenFeeds.track(vertx, feed);
    feed.start();
    return feed;
  }

  private void cancel(Follow follow, String requestId) {
    JsonObject command = new JsonObject().put("session_id", follow.sessionId()).put("command_id", follow.commandId());
    Bus.request(vertx, Addresses.COMMAND_CANCEL, command, requestId)
        .onFailure(failure -> LOG.warn("could not cancel command {} after its client left: {} request_id={}",
            follow.commandId(), failure.getMessage(), requestId));
  }
}
