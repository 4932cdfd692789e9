package dev.agentbus.trace;

import dev.agentbus.store.Store;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.BulkWriteOptions;
import io.vertx.ext.mongo.MongoClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@value #TRACES} collection: one document per trace, {@code _id} the trace id, its spans from
 * every node in {@code spans} (at most {@code maxSpansPerTrace}: {@code $push} with {@code $slice}),
 * the tenants of its requests in {@code tenant_ids}, and {@code updated_ms} for retention. A trace
 * is read by {@code _id} (index-served on MongoDB and on the embedded store alike); each node
 * writes one upsert per trace per batch; the retention sweep is a range on {@code updated_ms}
 * (indexed on MongoDB; a scan of the traces, not of their spans, on the embedded store).
 *
 * <p>Span attributes are stored as {@code [{key, value}]}: their names have dots, which a stored
 * field name should not.
 */
public final class TraceStore {
  public static final String TRACES = "traces";

  private final MongoClient mongo;
  private final int maxSpansPerTrace;

  TraceStore(MongoClient mongo, int maxSpansPerTrace) {
    this.mongo = mongo;
    this.maxSpansPerTrace = maxSpansPerTrace;
  }

  /** The retention sweep's index (used on a real MongoDB; the embedded store ignores it); run by {@link Store#ensureIndexes}. */
  public static Future<Void> ensureIndexes(MongoClient mongo) {
    return Store.index(mongo, TRACES, new JsonObject().put("updated_ms", 1), TRACES + "_updated");
  }

  /** Stores a batch of this node's spans: one unordered bulk of one upsert per trace. */
  Future<Void> write(List<SpanData> spans, String nodeId) {
    Map<String, List<SpanData>> byTrace = new LinkedHashMap<>();
    spans.forEach(span -> byTrace.computeIfAbsent(span.getTraceId(), id -> new ArrayList<>()).add(span));
    long now = System.currentTimeMillis();
    List<BulkOperation> upserts = new ArrayList<>(byTrace.size());
    byTrace.forEach((traceId, ofTrace) -> {
      JsonArray docs = new JsonArray();
      Set<String> tenants = new LinkedHashSet<>();
      for (SpanData span : ofTrace) {
        docs.add(toStored(span, nodeId));
        String tenant = span.getAttributes().get(SpanQueue.TENANT_ID);
        if (tenant != null) {
          tenants.add(tenant);
        }
      }
      JsonObject update = new JsonObject()
          .put("$push", new JsonObject().put("spans", new JsonObject().put("$each", docs).put("$slice", maxSpansPerTrace)))
          .put("$set", new JsonObject().put("updated_ms", now));
      if (!tenants.isEmpty()) {
        update.put("$addToSet", new JsonObject().put("tenant_ids", new JsonObject().put("$each", new JsonArray(new ArrayList<>(tenants)))));
      }
      upserts.add(BulkOperation.createUpdate(new JsonObject().put("_id", traceId), update, true, false));
    });
    return mongo.bulkWriteWithOptions(TRACES, upserts, new BulkWriteOptions(false)).mapEmpty();
  }

  /** The stored trace, or null. */
  Future<JsonObject> find(String traceId) {
    return mongo.findOne(TRACES, new JsonObject().put("_id", traceId), null);
  }

  /** Deletes the traces nobody added a span to since {@code before} (epoch ms); how many. */
  Future<Long> expire(long before) {
    return mongo.removeDocuments(TRACES, new JsonObject().put("updated_ms", new JsonObject().put("$lt", before)))
        .map(removed -> removed == null ? 0L : removed.getRemovedCount());
  }

  /** A stored trace as the API shows it: its spans oldest first, each with its attributes as an object. */
  static JsonObject toApi(JsonObject stored) {
    List<JsonObject> spans = new ArrayList<>();
    stored.getJsonArray("spans", new JsonArray()).forEach(value -> spans.add(((JsonObject) value).copy()));
    spans.sort(Comparator.comparingLong(span -> span.getLong("start_ns", 0L)));
    JsonArray out = new JsonArray();
    Set<String> nodes = new LinkedHashSet<>();
    for (JsonObject span : spans) {
      span.remove("start_ns");
      JsonObject attributes = new JsonObject();
      span.getJsonArray("attributes", new JsonArray()).forEach(entry -> {
        JsonObject pair = (JsonObject) entry;
        if (!SpanQueue.NODE_ID.getKey().equals(pair.getString("key"))) {
          attributes.put(pair.getString("key"), pair.getValue("value"));
        }
      });
      span.put("attributes", attributes);
      nodes.add(span.getString("node_id"));
      out.add(span);
    }
    return new JsonObject().put("trace_id", stored.getString("_id")).put("span_count", out.size())
        .put("node_ids", new JsonArray(new ArrayList<>(nodes))).put("spans", out);
  }

  private static JsonObject toStored(SpanData span, String nodeId) {
    JsonArray attributes = new JsonArray();
    span.getAttributes().forEach((AttributeKey<?> key, Object value) -> attributes.add(new JsonObject()
        .put("key", key.getKey()).put("value", value instanceof List<?> list ? new JsonArray(new ArrayList<>(list)) : value)));
    String recordedBy = span.getAttributes().get(SpanQueue.NODE_ID);
    long durationNs = Math.max(0, span.getEndEpochNanos() - span.getStartEpochNanos());
    JsonObject stored = new JsonObject()
        .put("span_id", span.getSpanId())
        .put("parent_span_id", span.getParentSpanContext().isValid() ? span.getParentSpanId() : null)
        .put("name", span.getName())
        .put("kind", span.getKind().name().toLowerCase())
        .put("node_id", recordedBy != null ? recordedBy : nodeId)
        .put("start", Instant.ofEpochSecond(0, span.getStartEpochNanos()).toString())
        .put("start_ns", span.getStartEpochNanos())
        .put("duration_ms", Math.round(durationNs / 1_000.0) / 1_000.0)
        .put("attributes", attributes)
        .put("status", span.getStatus().getStatusCode() == StatusCode.ERROR ? "error" : "ok");
    if (span.getStatus().getStatusCode() == StatusCode.ERROR && !span.getStatus().getDescription().isEmpty()) {
      stored.put("status_message", span.getStatus().getDescription());
    }
    return stored;
  }
}
