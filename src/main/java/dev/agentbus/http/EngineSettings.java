package dev.agentbus.http;

import dev.agentbus.bus.BusError;
import dev.agentbus.config.Settings;
import dev.agentbus.engine.EngineKeys;
import dev.agentbus.engine.EngineVerticle;
import dev.agentbus.net.UrlGuard;
import dev.agentbus.tool.BuiltinTools;
import dev.agentbus.tool.ToolVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one validator of engine settings: an engine's {@code configuration} ({@code POST /engines})
 * and an agent's {@code llm_config} (the same keys plus {@code provider} and {@code model}), and
 * the outgoing URLs they carry ({@code base_url}, an agent's {@code mcp_servers}).
 *
 * <p>Field problems collect in the request's {@link Validator}; URLs are then put through the SSRF
 * guard off the event loop by {@link Checks#verify}, which fails once, naming every bad field.
 * API keys are never accepted: the server reads them from its config or environment.
 */
final class EngineSettings {
  static final int MAX_URL = 2000;
  static final int MAX_TOOLS = 32;
  static final int MAX_SCRIPT_TURNS = 50;
  static final int MAX_TOOL_CALLS = 16;
  /** A registered MCP server's id, as {@code POST /mcp-servers} answers it. */
  static final java.util.regex.Pattern MCP_SERVER_ID = java.util.regex.Pattern.compile("mcp_[a-z0-9]{1,64}");

  private static final List<String> TURN_KEYS = List.of("reasoning", "content", "tool_calls", "fail", "stall");
  private static final List<String> FAIL_KEYS = List.of("message", "code", "retryable", "after_tokens");

  private final Vertx vertx;
  private final Settings.Security security;
  private final int maxIterations;

  EngineSettings(Vertx vertx, Settings settings) {
    this.vertx = vertx;
    this.security = settings.security();
    this.maxIterations = settings.engines().maxIterationsLimit();
  }

  /** Starts checking one request whose other fields go to {@code check}. */
  Checks checks(Validator check) {
    return new Checks(check);
  }

  /** The checks of one request: field problems now, the URL guard in {@link #verify}. */
  final class Checks {
    private final Validator check;
    private final Map<String, String> urls = new LinkedHashMap<>();

    private Checks(Validator check) {
      this.check = check;
    }

    /** An engine {@code configuration}: {@code {}} when absent, null when invalid. */
    JsonObject configuration(JsonObject body, String key) {
      return settings(body, key, EngineKeys.CONFIGURATION);
    }

    /** An agent's {@code llm_config}: the configuration keys plus {@code provider} and {@code model}. */
    JsonObject llmConfig(JsonObject body, String key) {
      JsonObject settings = settings(body, key, EngineKeys.LLM_CONFIG);
      if (settings != null) {
        check.oneOf(settings, key + ".", "provider", EngineVerticle.ENGINE_TYPES);
        check.string(settings, key + ".", "model", false, 200);
      }
      return settings;
    }

    /**
     * An agent's {@code mcp_servers}: registered MCP server ids ({@code mcp_...}) and outgoing URLs,
     * given as an array or as one comma-separated string; empty when absent, null when invalid. URLs
     * go through the SSRF guard in {@link #verify}; whether an id is registered is the agent
     * verticle's check.
     */
    JsonArray serverList(JsonObject body, String key, int max) {
      Object value = body.getValue(key);
      List<Object> items = new ArrayList<>();
      if (value == null) {
        return new JsonArray();
      } else if (value instanceof String text) {
        for (String part : text.split(",")) {
          if (!part.isBlank()) {
            items.add(part.trim());
          }
        }
      } else if (value instanceof JsonArray array) {
        items.addAll(array.getList());
      } else {
        check.add(key, "must be an array of MCP server ids or URLs, or a comma-separated string of them");
        return null;
      }
      if (items.size() > max) {
        check.add(key, "must list at most " + max + " MCP servers");
        return null;
      }
      JsonArray list = new JsonArray();
      boolean valid = true;
      for (int i = 0; i < items.size(); i++) {
        if (items.get(i) instanceof String id && MCP_SERVER_ID.matcher(id).matches()) {
          list.add(id);
          continue;
        }
        String url = url(items.get(i), key + "[" + i + "]");
        valid &= url != null;
        list.add(url);
      }
      return valid ? list : null;
    }

    /** An absolute http(s) URL, kept for the SSRF guard; null when invalid. */
    String url(Object value, String field) {
      if (!(value instanceof String text)) {
        check.add(field, "must be a string");
        return null;
      }
      if (text.length() > MAX_URL) {
        check.add(field, "must be at most " + MAX_URL + " characters");
        return null;
      }
      try {
        URI uri = new URI(text);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
          check.add(field, "must be an absolute http or https URL with a host");
          return null;
        }
      } catch (URISyntaxException e) {
        check.add(field, "must be an absolute http or https URL with a host");
        return null;
      }
      urls.put(field, text);
      return text;
    }

    /**
     * Puts every collected URL through the SSRF guard (off the event loop), then fails with
     * {@code VALIDATION_ERROR} naming every bad field of the request, or succeeds.
     */
    Future<Void> verify() {
      if (urls.isEmpty()) {
        return outcome();
      }
      List<Future<Optional<String>>> guarded = new ArrayList<>();
      List<String> fields = new ArrayList<>(urls.keySet());
      for (String field : fields) {
        String url = urls.get(field);
        guarded.add(vertx.executeBlocking(() -> UrlGuard.check(url, security), false));
      }
      return Future.join(new ArrayList<>(guarded)).transform(done -> {
        for (int i = 0; i < fields.size(); i++) {
          Future<Optional<String>> verdict = guarded.get(i);
          if (verdict.failed()) {
            check.add(fields.get(i), "could not be checked right now; try again");
          } else if (verdict.result().isPresent()) {
            check.add(fields.get(i), verdict.result().get());
          }
        }
        return outcome();
      });
    }

    private Future<Void> outcome() {
      try {
        check.throwIfInvalid();
        return Future.succeededFuture();
      } catch (BusError invalid) {
        return Future.failedFuture(invalid);
      }
    }

    private JsonObject settings(JsonObject body, String key, List<String> allowed) {
      JsonObject settings = check.object(body, "", key, false);
      if (settings == null) {
        return body.getValue(key) == null ? new JsonObject() : null;
      }
      String prefix = key + ".";
      EngineKeys.badKeys(settings, prefix, allowed).forEach(error -> check.add(error.field(), error.issue()));
      number(settings, prefix, "temperature", 0, 2);
      check.integer(settings, prefix, "max_tokens", false, 1, 1_000_000);
      number(settings, prefix, "top_p", 0, 1);
      check.string(settings, prefix, "system_prompt", false, Limits.MAX_TEXT);
      if (settings.getValue("base_url") != null) {
        url(settings.getValue("base_url"), prefix + "base_url");
      }
      tools(settings, prefix);
      check.integer(settings, prefix, "max_iterations", false, 1, maxIterations);
      check.string(settings, prefix, "response", false, Limits.MAX_TEXT);
      check.integer(settings, prefix, "token_delay_ms", false, 0, 60_000);
      script(settings, prefix);
      return settings;
    }

    private void tools(JsonObject settings, String prefix) {
      if (settings.getValue("tools") == null) {
        return;
      }
      JsonArray tools = check.array(settings, prefix, "tools", 0, MAX_TOOLS);
      if (tools == null) {
        return;
      }
      for (int i = 0; i < tools.size(); i++) {
        Object name = tools.getValue(i);
        // Registered and MCP tools may come and go: a name is checked for shape, an unknown one is not offered.
        if (!(name instanceof String tool) || !ToolVerticle.OFFERED_NAME.matcher(tool).matches()) {
          check.add(prefix + "tools[" + i + "]", "must be the name of a tool (a built-in such as "
              + String.join(", ", BuiltinTools.NAMES.stream().sorted().toList())
              + ", a registered tool, or an MCP tool <server name>.<tool>)");
        }
      }
    }

    private void script(JsonObject settings, String prefix) {
      if (settings.getValue("script") == null) {
        return;
      }
      JsonArray turns = check.array(settings, prefix, "script", 0, MAX_SCRIPT_TURNS);
      if (turns == null) {
        return;
      }
      for (int i = 0; i < turns.size(); i++) {
        String at = prefix + "script[" + i + "]";
        if (!(turns.getValue(i) instanceof JsonObject turn)) {
          check.add(at, "must be a JSON object");
          continue;
        }
        String turnPrefix = at + ".";
        check.onlyKeys(turn, turnPrefix, TURN_KEYS);
        check.string(turn, turnPrefix, "reasoning", false, Limits.MAX_TEXT);
        check.string(turn, turnPrefix, "content", false, Limits.MAX_TEXT);
        check.bool(turn, turnPrefix, "stall");
        toolCalls(turn, turnPrefix);
        JsonObject fail = check.object(turn, turnPrefix, "fail", false);
        if (fail != null) {
          String failPrefix = turnPrefix + "fail.";
          check.onlyKeys(fail, failPrefix, FAIL_KEYS);
          check.string(fail, failPrefix, "message", true, 10_000);
          check.string(fail, failPrefix, "code", false, 100);
          check.bool(fail, failPrefix, "retryable");
          check.integer(fail, failPrefix, "after_tokens", false, 0, 1_000_000);
        }
      }
    }

    private void toolCalls(JsonObject turn, String turnPrefix) {
      if (turn.getValue("tool_calls") == null) {
        return;
      }
      JsonArray calls = check.array(turn, turnPrefix, "tool_calls", 0, MAX_TOOL_CALLS);
      if (calls == null) {
        return;
      }
      for (int j = 0; j < calls.size(); j++) {
        String at = turnPrefix + "tool_calls[" + j + "]";
        if (!(calls.getValue(j) instanceof JsonObject call)) {
          check.add(at, "must be a JSON object {name, arguments}");
          continue;
        }
        check.onlyKeys(call, at + ".", List.of("name", "arguments"));
        check.string(call, at + ".", "name", true, 200);
        Object arguments = call.getValue("arguments");
        if (arguments instanceof String text) {
          if (text.length() > Limits.MAX_TEXT) {
            check.add(at + ".arguments", "must be at most " + Limits.MAX_TEXT + " characters");
          }
        } else if (arguments != null && !(arguments instanceof JsonObject)) {
          check.add(at + ".arguments", "must be a JSON object or a string");
        }
      }
    }

    private void number(JsonObject settings, String prefix, String key, double min, double max) {
      Object value = settings.getValue(key);
      if (value == null) {
        return;
      }
      if (!(value instanceof Number number) || !Double.isFinite(number.doubleValue())
          || number.doubleValue() < min || number.doubleValue() > max) {
        check.add(prefix + key, "must be a number from " + trim(min) + " to " + trim(max));
      }
    }
  }

  /** A setting that looks like a credential; {@code max_tokens} and {@code token_delay_ms} are not. */
  private static String trim(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }
}
