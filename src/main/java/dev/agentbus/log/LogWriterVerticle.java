package dev.agentbus.log;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.Settings;
import dev.agentbus.store.Store;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Nodes;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Gets this node's log records into the store: registers the node's {@link LogSink} (which the
 * {@link StoreAppender} fills), drains it every {@code logs.flush_ms} with group inserts of up to
 * {@code logs.batch_size} records, one write in flight at a time (a full batch left behind is written
 * right after), and writes what is queued once more when it stops. Records that fail to write are
 * counted ({@code failed}), not retried. Also serves {@link Addresses#LOG_ADD}: a record a client
 * posts is written at once (never dropped) and the reply is the stored record.
 */
public class LogWriterVerticle extends VerticleBase {
  /** The {@code logger} of records posted through the API. */
  public static final String CLIENT_LOGGER = "client";

  private Settings.Logs settings;
  private LogStore store;
  private LogSink sink;
  private Vertx owner;
  private long timer = -1;
  private boolean writing;

  @Override
  public Future<?> start() {
    settings = Settings.of(config()).logs();
    store = new LogStore(Store.client(vertx, Settings.of(config()).mongo()), settings.maxIdsPerLookup());
    sink = new LogSink(Nodes.self(vertx), settings.storeLevel(), settings.queueCapacity());
    owner = context.owner();
    LogMeters.declare();
    if (settings.enabled()) {
      LogSinks.register(owner, sink);
      timer = vertx.setPeriodic(settings.flushMs(), tick -> flush());
    }
    return Bus.serve(vertx, Addresses.LOG_ADD, this::add).completion();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    LogSinks.unregister(owner, sink);
    // what is still queued, in one last write (the store is closed only after every verticle stopped)
    List<JsonObject> rest = sink.drain(Integer.MAX_VALUE);
    return store.write(rest).onSuccess(done -> sink.written(rest.size())).otherwiseEmpty();
  }

  private void flush() {
    if (writing) {
      return;
    }
    List<JsonObject> batch = sink.drain(settings.batchSize());
    if (batch.isEmpty()) {
      return;
    }
    writing = true;
    store.write(batch).onComplete(done -> {
      writing = false;
      if (done.succeeded()) {
        sink.written(batch.size());
      } else {
        sink.failed(batch.size());
      }
      if (sink.queued() >= settings.batchSize()) {
        flush();
      }
    });
  }

  /** {@code {level, message, metadata?}} (checked by the HTTP edge) → the stored record. */
  private Future<JsonObject> add(JsonObject body, MultiMap headers) {
    if (!settings.enabled()) {
      return Future.failedFuture(new BusError(ErrorCode.SERVICE_UNAVAILABLE, "Log records are not kept on this node (logs.enabled: false)"));
    }
    LogIds ids = LogIds.of(headers, null);
    JsonObject fields = body.getJsonObject("metadata", new JsonObject()).copy();
    Object session = fields.remove("session_id");
    Object command = fields.remove("command_id");
    JsonObject record = new JsonObject()
        .put("_id", Ids.next(LogRecords.ID_PREFIX))
        .put("timestamp", Times.now())
        .put("level", body.getString("level"))
        .put("logger", CLIENT_LOGGER)
        .put("message", body.getString("message"))
        .put("node_id", sink.nodeId())
        .put("request_id", ids.requestId())
        .put("trace_id", ids.traceId())
        .put("session_id", session instanceof String text ? text : null)
        .put("command_id", command instanceof String text ? text : null)
        .put("tenant_id", ids.tenantId())
        .put("fields", fields);
    return store.write(List.of(record)).map(written -> LogRecords.toApi(record));
  }
}
