package dev.agentbus.trace;

import dev.agentbus.auth.Principal;
import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.Settings;
import dev.agentbus.store.Store;
import dev.agentbus.util.Nodes;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.vertx.micrometer.backends.BackendRegistries;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stores this node's spans and answers trace lookups ({@link dev.agentbus.bus.Addresses#TRACE_GET}: {@code {trace_id}} → the
 * trace with the spans of every node).
 *
 * <p>Every {@code tracing.flush_ms} it writes what the {@link SpanQueue} holds, {@code
 * tracing.batch_size} spans per store write, one write in flight; a batch whose write fails twice
 * is dropped and counted with the queue's drops. Every {@code tracing.retention_ms / 10} (at most
 * a minute) it deletes the traces untouched for {@code tracing.retention_ms}. On stop it writes
 * what is left. A node without tracing ({@code tracing.enabled: false}) still answers lookups.
 *
 * <p>Who may read a trace: agentbus itself and the admin key, any; a tenant's key, a trace that
 * one of its own requests is part of (its {@code tenant_ids}, from the HTTP server spans; a trace
 * of no authenticated request belongs to {@code default}); any other is {@code NOT_FOUND}.
 */
public class TraceVerticle extends VerticleBase {
  /** A trace id as W3C writes it. */
  public static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
  static final String DROPPED_METER = "agentbus_trace_spans_dropped";
  private static final Logger LOG = LoggerFactory.getLogger(TraceVerticle.class);

  private NodeTracing tracing;
  private TraceStore store;
  private String nodeId;
  private boolean writing;
  private long flushTimer = -1;
  private long sweepTimer = -1;

  @Override
  public Future<?> start() {
    Settings settings = Settings.of(config());
    Settings.Tracing traceSettings = settings.tracing();
    tracing = NodeTracing.of(vertx);
    store = new TraceStore(Store.client(vertx, settings.mongo()), traceSettings.maxSpansPerTrace());
    nodeId = Nodes.self(vertx);
    if (tracing != null) {
      tracing.spans().nodeId(nodeId);
      countDrops(tracing.spans());
      flushTimer = vertx.setPeriodic(traceSettings.flushMs(), t -> flush());
      long sweepMs = Math.min(60_000, Math.max(1_000, traceSettings.retentionMs() / 10));
      sweepTimer = vertx.setPeriodic(sweepMs, t -> store.expire(System.currentTimeMillis() - traceSettings.retentionMs())
          .onFailure(failure -> LOG.warn("trace retention sweep failed: {}", failure.getMessage())));
    }
    return Bus.serveLocal(vertx, dev.agentbus.bus.Addresses.TRACE_GET, this::get).completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(flushTimer);
    vertx.cancelTimer(sweepTimer);
    if (tracing == null) {
      return Future.succeededFuture();
    }
    Promise<Void> drained = Promise.promise();
    drain(drained, 0);
    return drained.future();
  }

  /** Writes what is queued, batch after batch, until the queue is empty (or nothing more can be written). */
  private void drain(Promise<Void> drained, int attempt) {
    List<SpanData> batch = tracing.spans().take(tracing.settings().batchSize());
    if (batch.isEmpty() || attempt > 1_000) {
      drained.tryComplete();
      return;
    }
    writeTwice(batch).onComplete(done -> drain(drained, attempt + 1));
  }

  private void flush() {
    if (writing) {
      return;
    }
    List<SpanData> batch = tracing.spans().take(tracing.settings().batchSize());
    if (batch.isEmpty()) {
      return;
    }
    writing = true;
    writeTwice(batch).onComplete(done -> {
      writing = false;
      if (tracing.spans().queued() >= tracing.settings().batchSize()) {
        flush();
      }
    });
  }

  /** One write, retried once (an upsert can race another node's on a new trace: E11000 on MongoDB). */
  private Future<Void> writeTwice(List<SpanData> batch) {
    return store.write(batch, nodeId).recover(first -> store.write(batch, nodeId)).onFailure(failure -> {
      tracing.spans().droppedOnWrite(batch.size());
      LOG.warn("dropped {} spans: the store write failed: {}", batch.size(), failure.getMessage());
    });
  }

  private Future<JsonObject> get(JsonObject body, MultiMap headers) {
    String traceId = body.getString("trace_id");
    BusError notFound = BusError.notFound(ErrorCode.NOT_FOUND, "Trace", "trace_id", traceId);
    if (traceId == null || !TRACE_ID.matcher(traceId).matches()) {
      return Future.failedFuture(BusError.invalid("trace_id", "must be 32 lowercase hex digits (a W3C trace id)"));
    }
    return store.find(traceId).compose(stored -> stored != null && visible(headers, stored)
        ? Future.succeededFuture(TraceStore.toApi(stored)) : Future.failedFuture(notFound));
  }

  /** {@value #DROPPED_METER}: spans not stored (queue full or write failed), when metrics are on. */
  private static void countDrops(SpanQueue spans) {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry != null) {
      FunctionCounter.builder(DROPPED_METER, spans, SpanQueue::dropped)
          .description("Spans not stored: the queue was full or the store write failed").register(registry);
    }
  }

  private static boolean visible(MultiMap headers, JsonObject stored) {
    JsonArray tenants = stored.getJsonArray("tenant_ids");
    if (tenants == null || tenants.isEmpty()) {
      return Tenancy.sees(headers, Principal.DEFAULT_TENANT);
    }
    return tenants.stream().anyMatch(tenant -> Tenancy.sees(headers, String.valueOf(tenant)));
  }
}
