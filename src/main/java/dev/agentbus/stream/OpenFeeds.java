package dev.agentbus.stream;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The feeds that clients follow on this node, each with the event-loop context it runs on (shared
 * by every HTTP verticle instance), so that a shutdown can end them all ({@link #endAll}) with a
 * final frame carrying each one's resume cursor.
 */
public final class OpenFeeds {
  private static final String MAP = "agentbus.open-feeds";

  private static final class Registry implements Shareable {
    final Map<EventFeed, Context> feeds = new ConcurrentHashMap<>();
  }

  private OpenFeeds() {}

  /** Remembers {@code feed} (on the calling context) until it is over. */
  static void track(Vertx vertx, EventFeed feed) {
    Map<EventFeed, Context> feeds = registry(vertx).feeds;
    feeds.put(feed, vertx.getOrCreateContext());
    feed.whenEnded(() -> feeds.remove(feed));
  }

  /**
   * Ends every open feed of this node ({@link EventFeed#endForShutdown}, on its own context); completes
   * once each has been told.
   */
  public static Future<Void> endAll(Vertx vertx) {
    List<Future<Void>> ended = new ArrayList<>();
    registry(vertx).feeds.forEach((feed, context) -> {
      Promise<Void> done = Promise.promise();
      context.runOnContext(v -> {
        feed.endForShutdown();
        done.complete();
      });
      ended.add(done.future());
    });
    return Future.all(ended).mapEmpty();
  }

  private static Registry registry(Vertx vertx) {
    return vertx.sharedData().<String, Registry>getLocalMap(MAP).computeIfAbsent("feeds", k -> new Registry());
  }
}
