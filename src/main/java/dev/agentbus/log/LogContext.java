package dev.agentbus.log;

import io.vertx.core.MultiMap;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;

/**
 * The {@link LogIds} of the work running now, kept where Vert.x keeps per-request state: the local
 * data of the <em>duplicated</em> context every HTTP request and every event-bus message is handled
 * on. Futures and timers started from a handler complete on that same context, so ids bound once
 * when the work arrives are on every record it logs, through all its asynchronous hops on this node
 * (SLF4J's MDC is thread-local, and an event loop interleaves many requests on one thread, so it
 * cannot do this). Between nodes and verticles the ids travel as bus headers ({@code x-request-id},
 * {@code traceparent}, the principal), which {@link #bind(MultiMap, JsonObject)} reads back.
 *
 * <p>Nothing is bound on a non-duplicated context (a verticle's own event-loop context is shared by
 * everything it runs, so ids put there would leak onto unrelated records).
 */
public final class LogContext {
  private static final String KEY = "agentbus.log.ids";

  private LogContext() {}

  /** Adds {@code ids} to those of the current work (each set id replacing the bound one). */
  public static void bind(LogIds ids) {
    ContextInternal context = ContextInternal.current();
    if (context == null || !context.isDuplicate() || ids == null) {
      return;
    }
    Object bound = context.localContextData().get(KEY);
    context.localContextData().put(KEY, bound instanceof LogIds current ? current.with(ids) : ids);
  }

  /** Binds the ids of a bus message ({@link LogIds#of}) to the work that handles it. */
  public static void bind(MultiMap headers, JsonObject body) {
    bind(LogIds.of(headers, body));
  }

  /** The ids of the work running on the calling thread now, or {@link LogIds#NONE}. */
  public static LogIds current() {
    ContextInternal context = ContextInternal.current();
    if (context == null || !context.isDuplicate()) {
      return LogIds.NONE;
    }
    return context.localContextData().get(KEY) instanceof LogIds ids ? ids : LogIds.NONE;
  }
}
