package dev.agentbus.tool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The safe arithmetic evaluator behind {@code math.evaluate}. */
class ArithmeticTest {

  private static String eval(String expression) {
    return Arithmetic.format(Arithmetic.evaluate(expression));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', value = {
      "42                  | 42",
      "1 + 2 * 3           | 7",
      "(1 + 2) * 3         | 9",
      "10 - 4 - 3          | 3",
      "100 / 10 / 5        | 2",
      "7 % 4               | 3",
      "-7 % 4              | -3",
      "2 ^ 10              | 1024",
      "2 ^ 3 ^ 2           | 512",
      "-2 ^ 2              | -4",
      "(-2) ^ 2            | 4",
      "2 ^ -1              | 0.5",
      "--3                 | 3",
      "+3 - -3             | 6",
      "2 * -3              | -6",
      "1.5 + .5            | 2",
      "1e3 + 2.5E-1        | 1000.25",
      "0.1 + 0.2           | 0.30000000000000004",
      "10 / 3              | 3.3333333333333335",
      "0.1                 | 0.1",
      "sqrt(16) + abs(-2)  | 6",
      "min(3, 1, 2)        | 1",
      "max(3, 1, 2, 9 - 1) | 8",
      "max(5)              | 5",
      "round(2.5)          | 3",
      "round(-2.5)         | -3",
      "round(2.4999)       | 2",
      "floor(-1.5)         | -2",
      "ceil(1.2)           | 2",
      "ln(e)               | 1",
      "log10(1000)         | 3",
      "log2(1024)          | 10",
      "exp(0)              | 1",
      "sin(0) + cos(0)     | 1",
      "tan(0)              | 0",
      "round(pi * 100)     | 314",
      "2 * PI / pi         | 2",
  })
  @DisplayName("evaluates numbers, operators with the usual precedence, constants and functions")
  void evaluates(String expression, String expected) {
    assertThat(eval(expression)).isEqualTo(expected);
  }

  @Test
  @DisplayName("formats integral results without a fraction and others as the shortest double")
  void formats() {
    assertThat(Arithmetic.format(42.0)).isEqualTo("42");
    assertThat(Arithmetic.format(-0.0)).isEqualTo("0");
    assertThat(Arithmetic.format(1e20)).isEqualTo("100000000000000000000");
    assertThat(Arithmetic.format(1e21)).isEqualTo("1.0E21");
    assertThat(Arithmetic.format(0.1)).isEqualTo("0.1");
    assertThat(Arithmetic.format(10.0 / 3)).isEqualTo("3.3333333333333335");
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(delimiter = '|', value = {
      "1 / 0              | Division by zero at position 3",
      "5 % (2 - 2)        | Division by zero (remainder) at position 3",
      "2 * foo            | Unknown identifier 'foo'",
      "(1 + 2             | Unbalanced parentheses: this '(' is never closed at position 1",
      "1 + 2)             | Unbalanced ')' at position 6",
      "1 2                | Unexpected '2' at position 3",
      "2 pi               | Unexpected 'p' at position 3",
      "1 + * 2            | Unexpected '*' where a number was expected at position 5",
      "1 +                | The expression ends where a number was expected",
      "3 & 4              | Unexpected '&' at position 3",
      "10 ^ 400           | The power overflows at position 4",
      "1e308 * 10         | The product is not finite at position 7",
      "1e999              | The number 1e999 is too large at position 1",
      "sqrt(-1)           | sqrt(-1) is not a real number at position 1",
      "ln(0)              | ln(0) is not finite at position 1",
      "(-8) ^ (1/3)       | The power is not a real number",
      "0 ^ -1             | Division by zero (zero to a negative power)",
      "sqrt(1, 2)         | sqrt() takes exactly one argument, got 2",
      "sqrt               | 'sqrt' is a function: write sqrt(x)",
      "pi(2)              | 'pi' is a constant, not a function",
      "max()              | Unexpected ')' where a number was expected",
      "'   '              | The expression is empty",
  })
  @DisplayName("refuses bad expressions with a message naming the problem and its position")
  void refuses(String expression, String message) {
    assertThatThrownBy(() -> Arithmetic.evaluate(expression))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  @DisplayName("refuses an expression over 1000 characters, such as 10 000 nested parentheses, without overflowing the stack")
  void refusesLongExpressions() {
    String deep = "(".repeat(10_000) + "1" + ")".repeat(10_000);
    assertThatThrownBy(() -> Arithmetic.evaluate(deep))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too long");
    assertThat(eval("1+".repeat(499) + "1")).as("999 characters are fine").isEqualTo("500");
  }

  @Test
  @DisplayName("refuses nesting deeper than 100 levels even within the length limit")
  void refusesDeepNesting() {
    assertThat(eval("(".repeat(90) + "1" + ")".repeat(90))).isEqualTo("1");
    assertThatThrownBy(() -> Arithmetic.evaluate("(".repeat(200) + "1" + ")".repeat(200)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nested too deeply");
    assertThatThrownBy(() -> Arithmetic.evaluate("-".repeat(500) + "1"))
        .hasMessageContaining("nested too deeply");
    assertThatThrownBy(() -> Arithmetic.evaluate("2^".repeat(300) + "1"))
        .hasMessageContaining("nested too deeply");
  }
}
