package dev.agentbus.tool;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Tool names as a model sees them: OpenAI-safe, unique and reversible within one offer. */
class ToolWireNamesTest {
  private static final String SAFE = "[a-zA-Z0-9_-]{1,64}";

  @Test
  @DisplayName("a safe name travels as is, a dotted one with underscores, and a name already taken gets a numbered suffix")
  void collisions() {
    WireNames names = new WireNames(List.of("a.b", "a_b", "math.evaluate", "a-b", "a.b.c", "a_b_2"));
    assertThat(names.wire("a_b")).isEqualTo("a_b");
    assertThat(names.wire("a_b_2")).isEqualTo("a_b_2");
    assertThat(names.wire("a.b")).isEqualTo("a_b_3");
    assertThat(names.wire("math.evaluate")).isEqualTo("math_evaluate");
    assertThat(names.wire("a-b")).isEqualTo("a-b");
    assertThat(names.wire("a.b.c")).isEqualTo("a_b_c");
    assertThat(new HashSet<>(names.asMap().values())).hasSize(6);
    names.asMap().forEach((name, wire) -> {
      assertThat(wire).matches(SAFE);
      assertThat(names.name(wire)).isEqualTo(name);
    });
    assertThat(names.name("nope")).isNull();
  }

  @Test
  @DisplayName("MCP names with any characters and long names stay within 64 safe characters, and stay distinct")
  void unsafeAndLong() {
    String longName = "server.".repeat(12) + "tool";
    WireNames names = new WireNames(List.of("weird server.get sum!", "weird_server_get_sum_", longName, longName + "2"));
    assertThat(names.wire("weird_server_get_sum_")).as("the safe name keeps itself").isEqualTo("weird_server_get_sum_");
    assertThat(names.wire("weird server.get sum!")).isEqualTo("weird_server_get_sum__2");
    assertThat(new HashSet<>(names.asMap().values())).hasSize(4);
    names.asMap().forEach((name, wire) -> assertThat(wire).matches(SAFE));
    assertThat(names.name(names.wire("weird server.get sum!"))).isEqualTo("weird server.get sum!");
  }
}
