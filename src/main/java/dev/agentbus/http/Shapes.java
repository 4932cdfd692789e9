package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.CommandTypes;
import dev.agentbus.util.Json;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The request shapes more than one front door accepts — an HTTP body, a batch item or a WebSocket
 * frame: a command, a client event, an inference request. Each checks its fields into the
 * request's {@link Validator} ({@code frameKeys}: the extra keys a WebSocket frame may carry) and
 * returns the body of its bus request.
 */
final class Shapes {
  static final Pattern EVENT_TYPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:\\-]{0,199}");
  private static final List<String> COMMAND = List.of("command_type", "parameters", "metadata");
  private static final List<String> EVENT = List.of("event_type", "data", "metadata");
  private static final List<String> INFERENCE = List.of("prompt", "session_id", "metadata");

  private Shapes() {}

  /** A command for {@link Addresses#COMMAND_SUBMIT}: {@code {command_type, parameters, metadata?}}. */
  static JsonObject command(Validator check, JsonObject body, String prefix, Limits limits, List<String> frameKeys) {
    check.onlyKeys(body, prefix, with(COMMAND, frameKeys));
    JsonObject command = new JsonObject().put("command_type", check.string(body, prefix, "command_type", true, 200));
    JsonObject parameters = check.object(body, prefix, "parameters", false);
    command.put("parameters", parameters == null ? new JsonObject() : parameters);
    return Json.putIfPresent(command, "metadata", check.commandMetadata(body, prefix, limits));
  }

  /** A client event for {@link Addresses#EVENT_PUBLISH}: {@code {event_type, data, metadata}}. */
  static JsonObject clientEvent(Validator check, JsonObject body, List<String> frameKeys) {
    check.onlyKeys(body, "", with(EVENT, frameKeys));
    String type = check.string(body, "", "event_type", true, 200);
    check.pattern("event_type", type, EVENT_TYPE, "letters, digits and _ . : - (starting with a letter or digit)");
    JsonObject data = check.object(body, "", "data", false);
    JsonObject metadata = check.object(body, "", "metadata", false);
    return new JsonObject().put("event_type", type)
        .put("data", data == null ? new JsonObject() : data).put("metadata", metadata == null ? new JsonObject() : metadata);
  }

  /**
   * An inference request {@code {prompt, session_id?, metadata?}} → the {@code engine.prompt} submit:
   * in the given session, else in a new session named "infer".
   */
  static JsonObject inference(Validator check, JsonObject body, Limits limits, List<String> frameKeys) {
    check.onlyKeys(body, "", with(INFERENCE, frameKeys));
    JsonObject submit = new JsonObject().put("command_type", CommandTypes.ENGINE_PROMPT)
        .put("parameters", new JsonObject().put("prompt", check.text(body, "", "prompt")));
    String sessionId = check.string(body, "", "session_id", false, 200);
    if (sessionId != null) {
      submit.put("session_id", sessionId);
    } else {
      submit.put("new_session", new JsonObject().put("name", "infer"));
    }
    return Json.putIfPresent(submit, "metadata", check.commandMetadata(body, "", limits));
  }

  private static List<String> with(List<String> fields, List<String> frameKeys) {
    List<String> allowed = new ArrayList<>(fields);
    allowed.addAll(frameKeys);
    return allowed;
  }
}
