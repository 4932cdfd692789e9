package dev.agentbus.engine;

import dev.agentbus.bus.FieldErrors.FieldError;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The settings an engine takes — an engine's {@code configuration}, and an agent's or a prompt's
 * {@code llm_config} (the same plus {@code provider} and {@code model}) — and the rule that API
 * keys never arrive in a request: the server reads them from its config or environment, so a
 * key sent by a client is refused before anything stores it.
 */
public final class EngineKeys {
  private EngineKeys() {}

  /** Keys every engine understands (the dummy-only ones are ignored by real models). */
  public static final List<String> CONFIGURATION = List.of("temperature", "max_tokens", "top_p", "system_prompt",
      "base_url", "tools", "max_iterations", "response", "token_delay_ms", "script");
  public static final List<String> LLM_CONFIG;
  public static final String NO_KEYS =
      "API keys are never accepted in requests; the server reads them from its config or environment (OPENAI_API_KEY)";
  private static final Set<String> NOT_SECRETS = Set.of("max_tokens", "token_delay_ms");

  static {
    List<String> keys = new ArrayList<>(List.of("provider", "model"));
    keys.addAll(CONFIGURATION);
    LLM_CONFIG = List.copyOf(keys);
  }

  public static boolean isSecret(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return !NOT_SECRETS.contains(lower)
        && (lower.contains("key") || lower.contains("secret") || lower.contains("token") || lower.contains("password"));
  }

  /** Every key of {@code settings} that is a secret or not in {@code allowed}, named {@code prefix + key}. */
  public static List<FieldError> badKeys(JsonObject settings, String prefix, List<String> allowed) {
    List<FieldError> errors = new ArrayList<>();
    for (String name : settings.fieldNames()) {
      if (isSecret(name)) {
        errors.add(new FieldError(prefix + name, NO_KEYS));
      } else if (!allowed.contains(name)) {
        errors.add(new FieldError(prefix + name, "is not a known setting; allowed: " + String.join(", ", allowed)));
      }
    }
    return errors;
  }
}
