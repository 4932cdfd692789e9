package dev.agentbus.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.logstash.logback.composite.AbstractJsonProvider;
import org.slf4j.event.KeyValuePair;

/**
 * Adds the work's ids to each JSON line of logstash-logback-encoder's {@code LogstashEncoder}:
 * {@code node_id}, and {@code request_id}, {@code trace_id}, {@code session_id}, {@code command_id},
 * {@code tenant_id} from the {@link LogContext} — each only when the event's own key-value pairs or
 * MDC (which the encoder writes itself) do not carry it. Runs on the logging thread (the console
 * appender is synchronous), where the context is.
 */
public class LogIdsJsonProvider extends AbstractJsonProvider<ILoggingEvent> {
  @Override
  public void writeTo(JsonGenerator generator, ILoggingEvent event) throws IOException {
    Set<String> written = new HashSet<>();
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs != null) {
      pairs.forEach(pair -> written.add(pair.key));
    }
    Map<String, String> mdc = event.getMDCPropertyMap();
    if (mdc != null) {
      written.addAll(mdc.keySet());
    }
    LogIds ids = LogContext.current();
    write(generator, written, "node_id", LogSinks.currentNodeId());
    write(generator, written, "request_id", ids.requestId());
    write(generator, written, "trace_id", ids.traceId());
    write(generator, written, "session_id", ids.sessionId());
    write(generator, written, "command_id", ids.commandId());
    write(generator, written, "tenant_id", ids.tenantId());
  }

  private static void write(JsonGenerator generator, Set<String> written, String field, String value) throws IOException {
    if (value != null && !written.contains(field)) {
      generator.writeStringField(field, value);
    }
  }
}
