package dev.agentbus.event;

import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.List;

/**
 * The collections of the event log, owned by {@link EventLogVerticle} (written by
 * {@link SeqWriter}): {@code events} {@code {_id: "evt_...", session_id, seq, event_type, data,
 * metadata, source, created_at, command_id?, tenant_id}} ({@code tenant_id}: its session's; absent on events stored before tenancy, which are {@code default}'s) and {@code subscriber_cursors} {@code {_id:
 * "<session_id>/<subscriber_id>", session_id, subscriber_id, tenant_id, acked_seq, updated_at}}.
 */
public final class EventStore {
  private EventStore() {}

  public static final String EVENTS = "events";
  public static final String SUBSCRIBER_CURSORS = "subscriber_cursors";

  /**
   * The unique {@code (session_id, seq)} (no duplicate seq, ever) and the filters of the event list;
   * fails, touching nothing, when the store holds events of the older layout (see {@link #checkLayout}).
   */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return checkLayout(mongo).compose(current -> Future.all(List.of(
        mongo.createIndexWithOptions(EVENTS, new JsonObject().put("session_id", 1).put("seq", 1),
            new IndexOptions().unique(true).name("session_seq")),
        Store.index(mongo, EVENTS, new JsonObject().put("session_id", 1).put("event_type", 1).put("seq", 1), "session_type_seq"),
        Store.index(mongo, EVENTS, new JsonObject().put("session_id", 1).put("command_id", 1).put("seq", 1), "session_command_seq"),
        Store.index(mongo, SUBSCRIBER_CURSORS, new JsonObject().put("session_id", 1), "session"))))
        .mapEmpty();
  }

  /**
   * Event ids are derived from (session, seq) (see {@link SeqWriter}); events stored by an older
   * agentbus have random ids, which replay and the last-seq probe would not find (a session would
   * replay nothing and could not take new events). One document tells: if the first stored event's
   * id is not derived, the node refuses to start and says so, rather than serve that data wrongly.
   */
  static Future<Void> checkLayout(MongoClient mongo) {
    return mongo.findWithOptions(EVENTS, new JsonObject(), new FindOptions().setLimit(1)).compose(docs -> {
      if (docs.isEmpty()) {
        return Future.succeededFuture();
      }
      JsonObject doc = docs.get(0);
      Long seq = doc.getLong("seq");
      String sessionId = doc.getString("session_id");
      if (seq != null && sessionId != null && SeqWriter.eventId(sessionId, seq).equals(doc.getString("_id"))) {
        return Future.succeededFuture();
      }
      return Future.failedFuture(new IllegalStateException("The store holds events written by an older agentbus"
          + " (random event ids); this version derives them from (session, seq) and cannot serve that data."
          + " Start with a fresh store (another DATA_DIR, or another MONGODB_DATABASE); nothing was changed."));
    });
  }
}
