package dev.agentbus.session;

import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** The opaque cursor of the session list: the sort key of the last item seen. */
public final class SessionCursor {
  private SessionCursor() {}

  static String encode(JsonObject lastSession) {
    JsonObject key = new JsonObject().put("c", lastSession.getString("created_at")).put("i", lastSession.getString("session_id"));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(key.encode().getBytes(StandardCharsets.UTF_8));
  }

  /** The decoded key, or null when the cursor is not one of ours. */
  public static JsonObject decode(String cursor) {
    try {
      JsonObject key = new JsonObject(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8));
      return key.getValue("c") instanceof String && key.getValue("i") instanceof String ? key : null;
    } catch (RuntimeException e) {
      return null;
    }
  }
}
