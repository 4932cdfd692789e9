package dev.agentbus.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A configuration as {@code GET /config} shows it: every secret replaced by {@link #MARK}. A field is
 * secret when its name contains {@code key}, {@code secret}, {@code password}, {@code passwd},
 * {@code token}, {@code credential} or {@code private} (so {@code admin_key},
 * {@code jwt.secret}, {@code security.secret_key}, {@code openai.api_key}, {@code callback_secret},
 * {@code public_key}); numbers and booleans under such names stay (they are limits, such as
 * {@code session_token_max_ttl_s}), a null stays null (so "not configured" is still visible). Any
 * string holding a URI with credentials ({@code mongodb://user:pass@host}) keeps the URI but loses
 * them. Nothing is redacted by value: the rule is by name, so a secret added later is covered.
 */
public final class Redacted {
  public static final String MARK = "[redacted]";
  private static final List<String> SECRET_WORDS = List.of("key", "secret", "password", "passwd", "token", "credential", "private");
  private static final Pattern URI_CREDENTIALS = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\\s]+@");

  private Redacted() {}

  /** A redacted deep copy of {@code config}. */
  public static JsonObject of(JsonObject config) {
    JsonObject copy = new JsonObject();
    for (Map.Entry<String, Object> field : config) {
      copy.put(field.getKey(), isSecretName(field.getKey()) ? secret(field.getValue()) : value(field.getValue()));
    }
    return copy;
  }

  /** Whether a field of this name holds a secret. */
  static boolean isSecretName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return SECRET_WORDS.stream().anyMatch(lower::contains);
  }

  private static Object secret(Object value) {
    if (value == null || value instanceof Number || value instanceof Boolean) {
      return value;
    }
    if (value instanceof JsonObject object) {
      // a map of secrets (headers by name): the names are not secret, every value is
      JsonObject masked = new JsonObject();
      object.fieldNames().forEach(name -> masked.put(name, object.getValue(name) == null ? null : MARK));
      return masked;
    }
    return MARK;
  }

  private static Object value(Object value) {
    if (value instanceof JsonObject object) {
      return of(object);
    }
    if (value instanceof JsonArray array) {
      JsonArray copy = new JsonArray();
      array.forEach(item -> copy.add(value(item)));
      return copy;
    }
    if (value instanceof String text) {
      return withoutCredentials(text);
    }
    return value;
  }

  /** {@code text} with the credentials of any URI in it replaced ({@code mongodb://[redacted]@host/db}). */
  public static String withoutCredentials(String text) {
    return text == null ? null : URI_CREDENTIALS.matcher(text).replaceAll("$1" + MARK + "@");
  }
}
