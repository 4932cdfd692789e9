package dev.agentbus.log;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;

/**
 * The logback appender that keeps records in the store: it builds the record on the logging thread
 * (where the work's {@link LogContext} is) and offers it to the node's {@link LogSink}, which never
 * blocks. Records of this package's own loggers and of the MongoDB driver are not kept: the writer's
 * own trouble must not feed the queue it drains.
 */
public class StoreAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  private static final String OWN = "dev.agentbus.log.";

  @Override
  protected void append(ILoggingEvent event) {
    String logger = event.getLoggerName();
    if (logger != null && (logger.startsWith(OWN) || logger.startsWith("org.mongodb"))) {
      return;
    }
    LogSink sink = LogSinks.current();
    if (sink == null || !sink.keeps(event.getLevel().toString())) {
      return;
    }
    try {
      sink.offer(LogRecords.of(event, sink.nodeId()));
    } catch (RuntimeException e) {
      addError("log record not kept", e);
    }
  }
}
