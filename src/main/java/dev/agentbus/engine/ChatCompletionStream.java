package dev.agentbus.engine;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the Server-Sent Events body of a streaming OpenAI {@code /chat/completions} answer, fed
 * as bytes arrive, reports each piece to the {@link Model.Deltas} and assembles the {@link ModelTurn}.
 * One per call; not thread-safe (fed from the call's event loop).
 *
 * <p>Lines are {@code data: <chunk json>}; comments ({@code :}), blank lines and other fields
 * ({@code event:}, {@code id:}, {@code retry:}) are skipped; {@code data: [DONE]} ends the turn.
 * A bad stream (line over the limit, chunk that is not a JSON object, error chunk) throws a
 * non-retryable {@link ModelError}.
 */
final class ChatCompletionStream {
  private static final int EXCERPT_CHARS = 200;

  private final int maxLineBytes;
  private final Model.Deltas deltas;
  private Buffer partialLine = Buffer.buffer();
  private final StringBuilder content = new StringBuilder();
  private final StringBuilder reasoning = new StringBuilder();
  private final Map<Integer, ToolCallParts> toolCalls = new TreeMap<>();
  private int lastToolCallIndex = -1;
  private JsonObject usage;
  private String finishReason;
  private boolean done;

  ChatCompletionStream(int maxLineBytes, Model.Deltas deltas) {
    this.maxLineBytes = maxLineBytes;
    this.deltas = deltas;
  }

  /** Consumes the next bytes of the body; returns true once {@code [DONE]} was read (later bytes are ignored). */
  boolean feed(Buffer bytes) {
    int start = 0;
    for (int i = 0; i < bytes.length() && !done; i++) {
      if (bytes.getByte(i) == '\n') {
        checkLineLength(partialLine.length() + i - start);
        Buffer line = partialLine.length() == 0 ? bytes.getBuffer(start, i) : partialLine.appendBuffer(bytes, start, i - start);
        partialLine = Buffer.buffer();
        start = i + 1;
        line(line);
      }
    }
    if (!done && start < bytes.length()) {
      checkLineLength(partialLine.length() + bytes.length() - start);
      partialLine.appendBuffer(bytes, start, bytes.length() - start);
    }
    return done;
  }

  /** Whether the turn may end here: {@code [DONE]} was read, or at least a finish reason. */
  boolean finished() {
    return done || finishReason != null;
  }

  /** The turn assembled so far. */
  ModelTurn turn() {
    List<ModelTurn.ToolCall> calls = new ArrayList<>();
    for (Map.Entry<Integer, ToolCallParts> entry : toolCalls.entrySet()) {
      ToolCallParts parts = entry.getValue();
      if (parts.name == null || parts.name.isEmpty()) {
        throw new ModelError("the model's tool call #" + entry.getKey() + " has no function name", 0, false, -1);
      }
      String id = parts.id != null && !parts.id.isEmpty() ? parts.id : "call_" + entry.getKey();
      calls.add(new ModelTurn.ToolCall(id, parts.name, parts.arguments.toString()));
    }
    return new ModelTurn(content.toString(), reasoning.toString(), List.copyOf(calls), usage, finishReason);
  }

  private void checkLineLength(int length) {
    if (length > maxLineBytes) {
      throw new ModelError("the model server sent a line longer than " + maxLineBytes + " bytes", 0, false, -1);
    }
  }

  private void line(Buffer bytes) {
    int end = bytes.length();
    if (end > 0 && bytes.getByte(end - 1) == '\r') {
      end--;
    }
    if (end == 0) {
      return;
    }
    String line = bytes.getString(0, end, StandardCharsets.UTF_8.name());
    if (line.startsWith(":")) {
      deltas.alive(); // a keep-alive comment
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    if (!field.equals("data")) {
      return;
    }
    String value = line.substring(colon + 1);
    data(value.startsWith(" ") ? value.substring(1) : value);
  }

  private void data(String value) {
    deltas.alive();
    if (value.strip().equals("[DONE]")) {
      done = true;
      return;
    }
    JsonObject chunk = parse(value);
    Object error = chunk.getValue("error");
    if (error != null) {
      throw new ModelError("the model server reported an error: " + errorMessage(error), 0, false, -1);
    }
    JsonObject usage = chunk.getValue("usage") instanceof JsonObject object ? object : null;
    if (usage != null) {
      this.usage = usageOf(usage);
    }
    JsonArray choices = chunk.getValue("choices") instanceof JsonArray array ? array : null;
    if (choices == null || choices.isEmpty() || !(choices.getValue(0) instanceof JsonObject choice)) {
      return;
    }
    if (choice.getValue("delta") instanceof JsonObject delta) {
      delta(delta);
    }
    if (choice.getValue("finish_reason") instanceof String reason) {
      finishReason = reason;
    }
  }

  private void delta(JsonObject delta) {
    if (delta.getValue("reasoning_content") instanceof String text && !text.isEmpty()) {
      reasoning.append(text);
      deltas.reasoning(text);
    } else if (delta.getValue("reasoning") instanceof String text && !text.isEmpty()) {
      reasoning.append(text);
      deltas.reasoning(text);
    }
    if (delta.getValue("content") instanceof String text && !text.isEmpty()) {
      content.append(text);
      deltas.content(text);
    }
    if (delta.getValue("tool_calls") instanceof JsonArray calls) {
      for (Object call : calls) {
        if (call instanceof JsonObject fragment) {
          toolCallFragment(fragment);
        }
      }
    }
  }

  private void toolCallFragment(JsonObject fragment) {
    String id = fragment.getValue("id") instanceof String text && !text.isEmpty() ? text : null;
    int index;
    if (fragment.getValue("index") instanceof Number number) {
      index = number.intValue();
    } else {
      // Some servers omit the index: a new id starts a new call, anything else continues the last one.
      boolean known = id != null && toolCalls.values().stream().anyMatch(parts -> id.equals(parts.id));
      index = lastToolCallIndex < 0 || (id != null && !known) ? toolCalls.size() : lastToolCallIndex;
    }
    lastToolCallIndex = index;
    ToolCallParts parts = toolCalls.computeIfAbsent(index, i -> new ToolCallParts());
    if (id != null && parts.id == null) {
      parts.id = id;
    }
    if (fragment.getValue("function") instanceof JsonObject function) {
      if (function.getValue("name") instanceof String name && !name.isEmpty() && parts.name == null) {
        parts.name = name;
      }
      if (function.getValue("arguments") instanceof String arguments) {
        parts.arguments.append(arguments);
      }
    }
  }

  private static JsonObject parse(String value) {
    try {
      return new JsonObject(value);
    } catch (DecodeException | ClassCastException e) {
      String excerpt = value.length() > EXCERPT_CHARS ? value.substring(0, EXCERPT_CHARS) + "…" : value;
      throw new ModelError("the model server sent a chunk that is not a JSON object: " + excerpt, 0, false, -1);
    }
  }

  /**
   * The counts the server reported, as longs; a count it did not send stays absent (not 0), except a
   * missing total of a reported prompt and completion, which is their sum.
   */
  private static JsonObject usageOf(JsonObject usage) {
    JsonObject counts = new JsonObject();
    for (String key : ModelTurn.USAGE_KEYS) {
      if (usage.getValue(key) instanceof Number n) {
        counts.put(key, n.longValue());
      }
    }
    if (!counts.containsKey("total_tokens") && counts.containsKey("prompt_tokens") && counts.containsKey("completion_tokens")) {
      counts.put("total_tokens", counts.getLong("prompt_tokens") + counts.getLong("completion_tokens"));
    }
    return counts;
  }

  /** The readable message of an OpenAI error value: {@code {message, ...}} or a plain string. */
  static String errorMessage(Object error) {
    if (error instanceof JsonObject object && object.getValue("message") instanceof String message) {
      return message;
    }
    if (error instanceof String message) {
      return message;
    }
    return String.valueOf(error);
  }

  private static final class ToolCallParts {
    String id;
    String name;
    final StringBuilder arguments = new StringBuilder();
  }
}
