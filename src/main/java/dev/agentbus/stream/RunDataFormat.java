package dev.agentbus.stream;

import io.vertx.core.json.JsonObject;

/**
 * What the flat SSE formats of one run ({@code data: {...}} frames: chat, semantic stream) share:
 * the run's id, when its request arrived, one frame per JSON object, and at most one outcome frame.
 */
abstract class RunDataFormat implements StreamFormat {
  final String runId;
  final long started;
  private boolean outcomeSent;

  /** {@code started}: epoch millis when the request arrived (durations count from it). */
  RunDataFormat(String runId, long started) {
    this.runId = runId;
    this.started = started;
  }

  static String frame(JsonObject json) {
    return "data: " + json.encode() + "\n\n";
  }

  /** Milliseconds since the request arrived. */
  long elapsed() {
    return System.currentTimeMillis() - started;
  }

  /** The run's outcome frame (an error, or completion), only the first time one is sent. */
  String outcome(JsonObject json) {
    if (outcomeSent) {
      return "";
    }
    outcomeSent = true;
    return frame(json);
  }
}
