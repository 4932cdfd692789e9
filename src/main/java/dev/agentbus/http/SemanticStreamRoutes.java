package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.stream.Follow;
import dev.agentbus.stream.Follower;
import dev.agentbus.stream.SemanticFormat;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code POST /internal/chat/stream} (also under {@code /api/v1}): {@code {input: {message},
 * conversation: {id, user_id, company_id}}} runs the conversation's engine and streams it in the
 * {@link SemanticFormat}. The same conversation always runs in the same session, so its history
 * carries over.
 */
record SemanticStreamRoutes(Api api) {

  void mount(Router router) {
    router.post("/internal/chat/stream").handler(this::stream);
    router.post(Api.BASE + "/internal/chat/stream").handler(this::stream);
  }

  private void stream(RoutingContext ctx) {
    long started = System.currentTimeMillis();
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("input", "conversation"));
    JsonObject input = nested(check, body, "input");
    JsonObject conversation = nested(check, body, "conversation");
    String conversationId = check.string(conversation, "conversation.", "id", true, 200);
    JsonObject prompt = new JsonObject()
        .put("conversation_id", conversationId)
        .put("user_id", check.string(conversation, "conversation.", "user_id", true, 200))
        .put("company_id", check.string(conversation, "conversation.", "company_id", true, 200))
        .put("prompt", check.text(input, "input.", "message"));
    check.throwIfInvalid();
    api.stream(ctx, Addresses.CONVERSATION_PROMPT, prompt, accepted -> new Follower.Plan(Follow.accepted(accepted),
        new SemanticFormat(accepted.getString("command_id"), conversationId, accepted.getString("session_id"), started)));
  }

  /** A nested object of the body; absent counts as empty, so every missing field inside it is named. */
  private static JsonObject nested(Validator check, JsonObject body, String key) {
    Object value = body.getValue(key);
    if (value != null && !(value instanceof JsonObject)) {
      check.add(key, "must be a JSON object");
      return new JsonObject();
    }
    return value == null ? new JsonObject() : (JsonObject) value;
  }
}
