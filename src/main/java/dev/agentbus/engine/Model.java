package dev.agentbus.engine;

import io.vertx.core.Future;

/**
 * A language model behind one wire protocol. One {@link #call} is one assistant turn: the model
 * reads the conversation and streams back text, reasoning and tool calls. Everything around it
 * (the tool-call loop, retries, stall timeouts, cancellation, events, persistence) is shared code
 * in {@link AgentLoop}, not per provider.
 */
public interface Model {
  /** Where a call reports what arrives, as it arrives (on the call's event loop). */
  interface Deltas {
    /** A piece of the answer text. */
    void content(String text);

    /** A piece of the model's reasoning ("thinking") text. */
    void reasoning(String text);

    /** Anything at all arrived (a chunk, a tool-call fragment, a keep-alive): the call is not stalled. */
    void alive();
  }

  /** One call in progress. */
  interface Call {
    /** The assembled turn; fails with a {@link ModelError} (or a {@link dev.agentbus.bus.BusError}). */
    Future<ModelTurn> result();

    /** Aborts the call, closing its outgoing request. Its result fails, if it has not completed. */
    void cancel();
  }

  Call call(ModelRequest request, Deltas deltas);
}
