package dev.agentbus.tool;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The built-in global tools every session can use: {@code clock.now} (the current time in a time
 * zone) and {@code math.evaluate} (safe arithmetic, see {@link Arithmetic}).
 *
 * <p>Both are pure, fast and bounded (a clock read; an expression of at most {@value
 * Arithmetic#MAX_LENGTH} characters), so they run inline on the caller's thread, event loop
 * included, instead of paying for a worker hop.
 */
public final class BuiltinTools implements ToolBox {
  /** The built-in tool names, in the order {@link #specs} lists them. */
  public static final Set<String> NAMES =
      Collections.unmodifiableSet(new LinkedHashSet<>(List.of("clock.now", "math.evaluate")));

  /** A tool body: returns the result text, or throws {@link IllegalArgumentException} with a message for the model. */
  private record Tool(ToolSpec spec, Function<JsonObject, String> body) {}

  private final Map<String, Tool> tools = new LinkedHashMap<>();

  /** {@code vertx} is unused by the built-ins (they never block) but keeps the constructor of every tool box alike. */
  public BuiltinTools(Vertx vertx) {
    Objects.requireNonNull(vertx, "vertx");
    register(new ToolSpec("clock.now",
        "Returns the current date and time. Answer: {\"iso\": ISO-8601 timestamp with offset, "
            + "\"epoch_ms\": milliseconds since 1970-01-01T00:00:00Z, \"timezone\": the zone used}.",
        objectSchema(new JsonObject().put("timezone", new JsonObject()
            .put("type", "string").put("minLength", 1).put("maxLength", 64)
            .put("description", "IANA time zone id such as \"Europe/Paris\" or \"America/New_York\"; default \"UTC\"")),
            List.of())),
        BuiltinTools::clockNow);
    register(new ToolSpec("math.evaluate",
        "Evaluates an arithmetic expression exactly as written and returns the number, e.g. \"42\" or \"0.1\". "
            + "Supports + - * / % ^ (power, right-associative), unary minus, parentheses, decimals and "
            + "exponents (1e3), the constants pi and e, and the functions sqrt, abs, min, max (any number "
            + "of arguments), round, floor, ceil, ln, log10, log2, sin, cos, tan (radians) and exp.",
        objectSchema(new JsonObject().put("expression", new JsonObject()
            .put("type", "string").put("minLength", 1).put("maxLength", Arithmetic.MAX_LENGTH)
            .put("description", "The expression, e.g. \"(2 + 3) * sqrt(16) / 2^3\"")),
            List.of("expression"))),
        arguments -> Arithmetic.format(Arithmetic.evaluate(arguments.getString("expression"))));
  }

  /** Copies, so a caller that edits a schema (to send it to a model, say) cannot change the tool. */
  @Override
  public List<ToolSpec> specs(Collection<String> names) {
    Collection<String> wanted = names == null ? tools.keySet() : names;
    return wanted.stream().filter(tools::containsKey).map(name -> copy(tools.get(name).spec())).toList();
  }

  @Override
  public boolean has(String name) {
    return name != null && tools.containsKey(name);
  }

  @Override
  public Future<ToolOutcome> call(String sessionId, String name, JsonObject arguments) {
    long started = System.nanoTime();
    Tool tool = name == null ? null : tools.get(name);
    if (tool == null) {
      return done("Unknown tool '" + name + "'; available: " + String.join(", ", tools.keySet()), true, started);
    }
    JsonObject args = arguments == null ? new JsonObject() : arguments;
    List<String> problems = JsonSchema.validate(tool.spec().parameters(), args);
    if (!problems.isEmpty()) {
      return done("Invalid arguments for " + name + ": " + String.join("; ", problems), true, started);
    }
    try {
      return done(tool.body().apply(args), false, started);
    } catch (IllegalArgumentException e) {
      return done(e.getMessage(), true, started);
    } catch (RuntimeException e) {
      return done("The tool " + name + " failed unexpectedly", true, started);
    }
  }

  private static ToolSpec copy(ToolSpec spec) {
    return new ToolSpec(spec.name(), spec.description(), spec.parameters().copy());
  }

  private void register(ToolSpec spec, Function<JsonObject, String> body) {
    tools.put(spec.name(), new Tool(spec, body));
  }

  private static String clockNow(JsonObject arguments) {
    String timezone = arguments.getString("timezone", "UTC");
    ZoneId zone;
    try {
      zone = ZoneId.of(timezone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("Unknown timezone '" + timezone
          + "'; use an IANA zone id such as \"UTC\", \"Europe/Paris\" or \"America/New_York\"");
    }
    Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    return new JsonObject()
        .put("iso", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(now.atZone(zone)))
        .put("epoch_ms", now.toEpochMilli())
        .put("timezone", zone.getId())
        .encode();
  }

  private static JsonObject objectSchema(JsonObject properties, List<String> required) {
    return new JsonObject()
        .put("type", "object")
        .put("properties", properties)
        .put("required", new JsonArray(required))
        .put("additionalProperties", false);
  }

  private static Future<ToolOutcome> done(String result, boolean isError, long startedNanos) {
    long durationMs = (System.nanoTime() - startedNanos) / 1_000_000;
    return Future.succeededFuture(new ToolOutcome(result, isError, durationMs));
  }
}
