package dev.agentbus.event;

import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

/**
 * The collections of the event log, owned by {@link EventLogVerticle} (written by
 * {@link SeqWriter}): {@code events} {@code {_id: "evt_...", session_id, seq, event_type, data,
 * metadata, source, created_at, command_id?}} and {@code subscriber_cursors} {@code {_id:
 * "<session_id>/<subscriber_id>", session_id, subscriber_id, acked_seq, updated_at}}.
 */
public final class EventStore {
  private EventStore() {}

  public static final String EVENTS = "events";
  public static final String SUBSCRIBER_CURSORS = "subscriber_cursors";

  /** The unique {@code (session_id, seq)} (no duplicate seq, ever) and the filters of the event list. */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Future.all(List.of(
        mongo.createIndexWithOptions(EVENTS, new JsonObject().put("session_id", 1).put("seq", 1),
            new IndexOptions().unique(true).name("session_seq")),
        Store.index(mongo, EVENTS, new JsonObject().put("session_id", 1).put("event_type", 1).put("seq", 1), "session_type_seq"),
        Store.index(mongo, EVENTS, new JsonObject().put("session_id", 1).put("command_id", 1).put("seq", 1), "session_command_seq"),
        Store.index(mongo, SUBSCRIBER_CURSORS, new JsonObject().put("session_id", 1), "session")))
        .mapEmpty();
  }
}
