package dev.agentbus.tool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.tool.ToolBox.ToolOutcome;
import dev.agentbus.tool.ToolBox.ToolSpec;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.OffsetDateTime;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The built-in tools, called the way an engine calls them: through {@link ToolBox}. */
class BuiltinToolsTest {
  static Vertx vertx;
  static ToolBox tools;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    tools = new BuiltinTools(vertx);
  }

  @AfterAll
  static void stop() {
    vertx.close().await();
  }

  private static ToolOutcome call(String name, JsonObject arguments) {
    return tools.call("ses_test", name, arguments).await();
  }

  @Test
  @DisplayName("lists every tool in a stable order, or the named ones in the given order skipping unknown names")
  void specs() {
    assertThat(tools.specs(null)).extracting(ToolSpec::name).containsExactly("clock.now", "math.evaluate");
    assertThat(tools.specs(List.of("math.evaluate", "nope", "clock.now")))
        .extracting(ToolSpec::name).containsExactly("math.evaluate", "clock.now");
    assertThat(tools.specs(null)).allSatisfy(spec -> {
      assertThat(spec.description()).isNotBlank();
      assertThat(JsonSchema.checkSchema(spec.parameters())).as("a usable object schema").isEmpty();
      assertThat(spec.parameters().getBoolean("additionalProperties")).isFalse();
    });
    assertThat(tools.has("math.evaluate")).isTrue();
    assertThat(tools.has("shell.exec")).isFalse();
  }

  @Test
  @DisplayName("a spec handed out is a copy: editing it does not change the tool")
  void specsAreCopies() {
    tools.specs(null).get(1).parameters().put("required", "broken");
    assertThat(call("math.evaluate", new JsonObject()).result()).contains("expression: is required");
  }

  @Test
  @DisplayName("math.evaluate answers the number as text")
  void evaluates() {
    ToolOutcome outcome = call("math.evaluate", new JsonObject().put("expression", "(2 + 3) * sqrt(16) / 2^3"));
    assertThat(outcome.isError()).isFalse();
    assertThat(outcome.result()).isEqualTo("2.5");
    assertThat(outcome.durationMs()).isGreaterThanOrEqualTo(0);
    assertThat(call("math.evaluate", new JsonObject().put("expression", "6 * 7")).result()).isEqualTo("42");
  }

  @Test
  @DisplayName("math.evaluate turns an evaluation error into an error outcome with the evaluator's message")
  void evaluationError() {
    ToolOutcome outcome = call("math.evaluate", new JsonObject().put("expression", "1 / (2 - 2)"));
    assertThat(outcome.isError()).isTrue();
    assertThat(outcome.result()).isEqualTo("Division by zero at position 3");
  }

  @Test
  @DisplayName("invalid arguments are an error outcome naming the tool and every problem")
  void invalidArguments() {
    ToolOutcome missing = call("math.evaluate", new JsonObject());
    assertThat(missing.isError()).isTrue();
    assertThat(missing.result()).isEqualTo("Invalid arguments for math.evaluate: expression: is required");
    ToolOutcome outcome = call("math.evaluate", new JsonObject().put("expression", 42).put("precision", 2));
    assertThat(outcome.isError()).isTrue();
    assertThat(outcome.result()).startsWith("Invalid arguments for math.evaluate: ")
        .contains("expression: must be a string (got an integer)")
        .contains("precision: is not allowed; allowed: expression");
    assertThat(call("math.evaluate", new JsonObject().put("expression", "1+".repeat(600) + "1")).result())
        .isEqualTo("Invalid arguments for math.evaluate: expression: must be at most 1000 characters long (got 1201)");
    assertThat(call("clock.now", null).isError()).as("no arguments are empty arguments").isFalse();
  }

  @Test
  @DisplayName("an unknown tool is an error outcome listing the available tools")
  void unknownTool() {
    ToolOutcome outcome = call("shell.exec", new JsonObject());
    assertThat(outcome.isError()).isTrue();
    assertThat(outcome.result()).isEqualTo("Unknown tool 'shell.exec'; available: clock.now, math.evaluate");
  }

  @Test
  @DisplayName("clock.now answers the current time in UTC by default")
  void clockInUtc() {
    long before = System.currentTimeMillis();
    ToolOutcome outcome = call("clock.now", new JsonObject());
    long after = System.currentTimeMillis();
    assertThat(outcome.isError()).isFalse();
    JsonObject now = new JsonObject(outcome.result());
    assertThat(now.fieldNames()).containsExactlyInAnyOrder("iso", "epoch_ms", "timezone");
    assertThat(now.getString("timezone")).isEqualTo("UTC");
    assertThat(now.getLong("epoch_ms")).isBetween(before, after);
    OffsetDateTime iso = OffsetDateTime.parse(now.getString("iso"));
    assertThat(iso.toInstant().toEpochMilli()).isEqualTo(now.getLong("epoch_ms"));
    assertThat(iso.getOffset().getTotalSeconds()).isZero();
  }

  @Test
  @DisplayName("clock.now answers in the asked IANA zone, and refuses an unknown zone")
  void clockInZone() {
    JsonObject tokyo = new JsonObject(call("clock.now", new JsonObject().put("timezone", "Asia/Tokyo")).result());
    assertThat(tokyo.getString("timezone")).isEqualTo("Asia/Tokyo");
    assertThat(tokyo.getString("iso")).endsWith("+09:00");
    assertThat(OffsetDateTime.parse(tokyo.getString("iso")).toInstant().toEpochMilli()).isEqualTo(tokyo.getLong("epoch_ms"));

    ToolOutcome unknown = call("clock.now", new JsonObject().put("timezone", "Mars/Olympus_Mons"));
    assertThat(unknown.isError()).isTrue();
    assertThat(unknown.result()).startsWith("Unknown timezone 'Mars/Olympus_Mons'");
    assertThat(call("clock.now", new JsonObject().put("timezone", "")).result())
        .isEqualTo("Invalid arguments for clock.now: timezone: must not be empty");
  }
}
