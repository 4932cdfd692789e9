package dev.agentbus.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Times;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.event.KeyValuePair;

/**
 * The stored shape of a log record: {@code {_id, timestamp, level, logger, message, node_id,
 * request_id, trace_id, session_id, command_id, tenant_id, fields}}. {@code _id} is a time-ordered
 * id ({@link Ids}: {@code log_} + milliseconds + a per-process sequence + random), so the records of
 * every node sort by time on {@code _id} alone and a time range is an {@code _id} range.
 *
 * <p>The ids come, the first one set winning, from the record's own key-value pairs ({@code
 * LOG.atInfo().addKeyValue("command_id", id)}), SLF4J's MDC (for threads outside Vert.x), and the
 * work's {@link LogContext}. Every other key-value pair goes into {@code fields}.
 */
public final class LogRecords {
  public static final String ID_PREFIX = "log";
  /** The keys that are top-level fields of a record rather than {@code fields}. */
  static final Set<String> ID_KEYS = Set.of("request_id", "trace_id", "session_id", "command_id", "tenant_id");
  /** The levels, from the least severe. */
  public static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR");
  static final int MAX_MESSAGE = 8192;
  private static final int MAX_FRAMES = 12;

  private LogRecords() {}

  /** The record of a logging event, written on {@code nodeId}; called on the thread that logged. */
  public static JsonObject of(ILoggingEvent event, String nodeId) {
    LogIds context = LogContext.current();
    Map<String, String> mdc = event.getMDCPropertyMap();
    JsonObject fields = new JsonObject().put("thread", event.getThreadName());
    JsonObject explicit = new JsonObject();
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs != null) {
      for (KeyValuePair pair : pairs) {
        Object value = pair.value instanceof Number || pair.value instanceof Boolean || pair.value == null
            ? pair.value : String.valueOf(pair.value);
        (ID_KEYS.contains(pair.key) ? explicit : fields).put(pair.key, value);
      }
    }
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      fields.put("error", thrown.getClassName() + ": " + thrown.getMessage()).put("stack", frames(thrown));
    }
    String message = event.getFormattedMessage();
    JsonObject record = new JsonObject()
        .put("_id", Ids.next(ID_PREFIX))
        .put("timestamp", Times.format(Instant.ofEpochMilli(event.getTimeStamp())))
        .put("level", event.getLevel().toString())
        .put("logger", event.getLoggerName())
        .put("message", message != null && message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message)
        .put("node_id", nodeId);
    String[] fromContext = {context.requestId(), context.traceId(), context.sessionId(), context.commandId(), context.tenantId()};
    String[] keys = {"request_id", "trace_id", "session_id", "command_id", "tenant_id"};
    for (int i = 0; i < keys.length; i++) {
      Object value = explicit.getValue(keys[i]);
      if (value == null && mdc != null) {
        value = mdc.get(keys[i]);
      }
      record.put(keys[i], value != null ? String.valueOf(value) : fromContext[i]);
    }
    return record.put("fields", fields);
  }

  /** A record as the API shows it: {@code log_id} for {@code _id}. */
  public static JsonObject toApi(JsonObject stored) {
    JsonObject shown = stored.copy();
    shown.put("log_id", shown.remove("_id"));
    return shown;
  }

  /** The levels at or above {@code level} (a {@code ?level=} filter is a minimum severity). */
  public static List<String> atLeast(String level) {
    int from = LEVELS.indexOf(level);
    return from < 0 ? LEVELS : LEVELS.subList(from, LEVELS.size());
  }

  /** The smallest record id made at or after {@code instant} ({@code ?since=} as an {@code _id} bound). */
  public static String idFloor(Instant instant) {
    return Ids.floor(ID_PREFIX, instant.toEpochMilli());
  }

  private static JsonArray frames(IThrowableProxy thrown) {
    JsonArray frames = new JsonArray();
    StackTraceElementProxy[] stack = thrown.getStackTraceElementProxyArray();
    for (int i = 0; stack != null && i < Math.min(MAX_FRAMES, stack.length); i++) {
      frames.add(stack[i].getSTEAsString());
    }
    return frames;
  }
}
