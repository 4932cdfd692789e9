package dev.agentbus.log;

import dev.agentbus.store.Store;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The log package's two collections.
 * <ul>
 *   <li>{@value #RECORDS}: one document per record ({@link LogRecords}), {@code _id} time-ordered.</li>
 *   <li>{@value #KEYS}: one document per request, session and command that has records: {@code _id}
 *       {@code "request_id:<id>"} (or {@code session_id:}, {@code command_id:}), {@code ids}: its
 *       newest record ids (at most {@code max_ids_per_lookup}, oldest first), {@code updated_at}.</li>
 * </ul>
 * A lookup by request, session or command is therefore two reads by {@code _id} (the key documents,
 * then the records {@code _id: {$in}}), which both stores serve from the {@code _id} index — the
 * embedded store uses an index only for an exact {@code _id} or unique-key match. What is a scan
 * on the embedded store (an {@code _id} range on MongoDB, with the indexes below for the rest): the
 * lists without such a filter ({@code level}, {@code since}, {@code cursor}, tenant only) and the
 * retention sweep, both over a collection whose size retention bounds.
 */
public final class LogStore {
  public static final String RECORDS = "log_records";
  public static final String KEYS = "log_keys";
  /** The record fields a key document is kept for. */
  static final List<String> KEYED = List.of("request_id", "session_id", "command_id");

  private final MongoClient mongo;
  private final int maxIdsPerLookup;

  LogStore(MongoClient mongo, int maxIdsPerLookup) {
    this.mongo = mongo;
    this.maxIdsPerLookup = maxIdsPerLookup;
  }

  /** The indexes of the unkeyed lists and the sweep on MongoDB (the embedded store ignores them). */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Future.all(
        Store.index(mongo, RECORDS, new JsonObject().put("tenant_id", 1).put("_id", -1), RECORDS + "_tenant"),
        Store.index(mongo, RECORDS, new JsonObject().put("level", 1).put("_id", -1), RECORDS + "_level"),
        Store.index(mongo, KEYS, new JsonObject().put("updated_at", 1), KEYS + "_updated"))
        .mapEmpty();
  }

  static String key(String field, String value) {
    return field + ":" + value;
  }

  /** One group insert of {@code records}, then one bulk upsert of their key documents. */
  Future<Void> write(List<JsonObject> records) {
    if (records.isEmpty()) {
      return Future.succeededFuture();
    }
    List<BulkOperation> inserts = records.stream().map(BulkOperation::createInsert).toList();
    Map<String, JsonArray> idsByKey = new LinkedHashMap<>();
    for (JsonObject record : records) {
      for (String field : KEYED) {
        String value = record.getString(field);
        if (value != null) {
          idsByKey.computeIfAbsent(key(field, value), k -> new JsonArray()).add(record.getString("_id"));
        }
      }
    }
    String now = Times.now();
    List<BulkOperation> keys = new ArrayList<>();
    idsByKey.forEach((key, ids) -> keys.add(BulkOperation.createUpdate(new JsonObject().put("_id", key), new JsonObject()
        .put("$push", new JsonObject().put("ids", new JsonObject().put("$each", ids).put("$slice", -maxIdsPerLookup)))
        .put("$set", new JsonObject().put("updated_at", now)), true, false)));
    BulkWriteOptions unordered = new BulkWriteOptions(false);
    return mongo.bulkWriteWithOptions(RECORDS, inserts, unordered)
        .compose(written -> keys.isEmpty() ? Future.succeededFuture() : mongo.bulkWriteWithOptions(KEYS, keys, unordered))
        .mapEmpty();
  }

  /** The record ids listed under each of {@code keys} (a key without records maps to an empty list). */
  Future<Map<String, List<String>>> idsOf(List<String> keys) {
    return mongo.find(KEYS, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(keys)))).map(found -> {
      Map<String, List<String>> ids = new LinkedHashMap<>();
      keys.forEach(key -> ids.put(key, List.of()));
      for (JsonObject doc : found) {
        List<String> listed = new ArrayList<>();
        doc.getJsonArray("ids", new JsonArray()).forEach(id -> listed.add((String) id));
        ids.put(doc.getString("_id"), listed);
      }
      return ids;
    });
  }

  /** The records of {@code ids} that are still stored (any order). */
  Future<List<JsonObject>> byIds(List<String> ids) {
    return ids.isEmpty() ? Future.succeededFuture(List.of())
        : mongo.find(RECORDS, new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids))));
  }

  /** At most {@code limit} records matching {@code filter}, newest first. */
  Future<List<JsonObject>> newest(JsonObject filter, int limit) {
    return mongo.findWithOptions(RECORDS, filter, new FindOptions().setSort(new JsonObject().put("_id", -1)).setLimit(limit));
  }

  /**
   * Retention: removes the records made before {@code oldestId}, then all but the {@code maxRecords}
   * newest, then the key documents not updated since the oldest record left. Returns how many records went.
   */
  Future<Long> trim(String oldestId, long maxRecords) {
    return mongo.removeDocuments(RECORDS, new JsonObject().put("_id", new JsonObject().put("$lt", oldestId)))
        .map(removed -> removed == null ? 0L : removed.getRemovedCount())
        .compose(byAge -> mongo.count(RECORDS, new JsonObject()).compose(count -> count <= maxRecords
            ? Future.succeededFuture(byAge)
            : mongo.findWithOptions(RECORDS, new JsonObject(), new FindOptions().setSort(new JsonObject().put("_id", -1))
                    .setSkip((int) Math.min(Integer.MAX_VALUE, maxRecords)).setLimit(1).setFields(new JsonObject().put("_id", 1)))
                .compose(cut -> cut.isEmpty() ? Future.succeededFuture(byAge)
                    : mongo.removeDocuments(RECORDS, new JsonObject().put("_id", new JsonObject().put("$lte", cut.get(0).getString("_id"))))
                        .map(removed -> byAge + (removed == null ? 0L : removed.getRemovedCount())))))
        .compose(removed -> mongo.findWithOptions(RECORDS, new JsonObject(), new FindOptions()
                .setSort(new JsonObject().put("_id", 1)).setLimit(1).setFields(new JsonObject().put("timestamp", 1)))
            // none left: nothing to compare with (and a batch may be between its two writes): keep the keys
            .compose(oldest -> oldest.isEmpty() ? Future.succeededFuture() : mongo.removeDocuments(KEYS, new JsonObject()
                .put("updated_at", new JsonObject().put("$lt", oldest.get(0).getString("timestamp")))))
            .map(keysRemoved -> removed));
  }
}
