package dev.agentbus.tool;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A safe arithmetic evaluator: a hand-written recursive-descent parser over numbers, {@code + - * /
 * % ^}, unary signs, parentheses, the constants {@code pi} and {@code e} and a fixed set of functions.
 * No script engine, no reflection: nothing but arithmetic can run.
 *
 * <p>Grammar, loosest first ({@code ^} binds tighter than a unary sign, so {@code -2^2 = -4}, and is
 * right-associative, so {@code 2^3^2 = 512}):
 *
 * <pre>
 * expression = term (("+" | "-") term)*
 * term       = unary (("*" | "/" | "%") unary)*
 * unary      = ("+" | "-") unary | power
 * power      = primary ("^" unary)?
 * primary    = number | constant | function "(" expression ("," expression)* ")" | "(" expression ")"
 * </pre>
 *
 * <p>Bounded: at most {@value #MAX_LENGTH} characters and {@value #MAX_DEPTH} levels of nesting, so
 * no input can exhaust the stack. Every failure is an {@link IllegalArgumentException} whose message
 * says what is wrong and at which (1-based) position.
 */
public final class Arithmetic {
  public static final int MAX_LENGTH = 1000;
  public static final int MAX_DEPTH = 100;

  /** Beyond this, integral results are written in exponent form (as JavaScript does), not as 300 digits. */
  private static final double PLAIN_INTEGER_LIMIT = 1e21;

  private static final List<String> FUNCTIONS = List.of(
      "sqrt", "abs", "min", "max", "round", "floor", "ceil", "ln", "log10", "log2", "sin", "cos", "tan", "exp");

  private final String text;
  private int pos;
  private int depth;

  private Arithmetic(String text) {
    this.text = text;
  }

  /** Evaluates {@code expression}; the result is always finite. */
  public static double evaluate(String expression) {
    if (expression == null || expression.isBlank()) {
      throw new IllegalArgumentException("The expression is empty");
    }
    if (expression.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "The expression is too long: " + expression.length() + " characters (at most " + MAX_LENGTH + ")");
    }
    Arithmetic parser = new Arithmetic(expression);
    double value = parser.expression();
    parser.skipSpaces();
    if (parser.pos < expression.length()) {
      char c = expression.charAt(parser.pos);
      throw parser.error(c == ')' ? "Unbalanced ')'" : "Unexpected '" + c + "'", parser.pos);
    }
    return value;
  }

  /** Integral values without a fraction ({@code 42}), others as Java's shortest double string ({@code 0.1}). */
  public static String format(double value) {
    if (value == 0) {
      return "0"; // also -0.0
    }
    if (value == Math.rint(value) && Math.abs(value) < PLAIN_INTEGER_LIMIT) {
      return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
    return Double.toString(value);
  }

  // ---- grammar ----

  private double expression() {
    enter();
    double value = term();
    while (true) {
      skipSpaces();
      int at = pos;
      if (accept('+')) {
        value = finite(value + term(), "The sum", at);
      } else if (accept('-')) {
        value = finite(value - term(), "The difference", at);
      } else {
        leave();
        return value;
      }
    }
  }

  private double term() {
    double value = unary();
    while (true) {
      skipSpaces();
      int at = pos;
      if (accept('*')) {
        value = finite(value * unary(), "The product", at);
      } else if (accept('/')) {
        double divisor = unary();
        if (divisor == 0) {
          throw error("Division by zero", at);
        }
        value = finite(value / divisor, "The quotient", at);
      } else if (accept('%')) {
        double divisor = unary();
        if (divisor == 0) {
          throw error("Division by zero (remainder)", at);
        }
        value = finite(value % divisor, "The remainder", at);
      } else {
        return value;
      }
    }
  }

  private double unary() {
    skipSpaces();
    if (accept('-')) {
      enter();
      double value = -unary();
      leave();
      return value;
    }
    if (accept('+')) {
      enter();
      double value = unary();
      leave();
      return value;
    }
    return power();
  }

  private double power() {
    double base = primary();
    skipSpaces();
    int at = pos;
    if (!accept('^')) {
      return base;
    }
    enter();
    double exponent = unary();
    leave();
    double value = Math.pow(base, exponent);
    if (Double.isNaN(value)) {
      throw error("The power is not a real number", at);
    }
    if (Double.isInfinite(value)) {
      throw error(base == 0 ? "Division by zero (zero to a negative power)" : "The power overflows", at);
    }
    return value;
  }

  private double primary() {
    skipSpaces();
    int start = pos;
    if (pos >= text.length()) {
      throw error("The expression ends where a number was expected", pos);
    }
    char c = text.charAt(pos);
    if (c == '(') {
      pos++;
      double value = expression();
      expectClosing(start);
      return value;
    }
    if (isDigit(c) || c == '.') {
      return number();
    }
    if (Character.isLetter(c)) {
      String name = identifier();
      return named(name, start);
    }
    if (c == ')') {
      throw error("Unexpected ')' where a number was expected", pos);
    }
    throw error("Unexpected '" + c + "' where a number was expected", pos);
  }

  private double named(String name, int start) {
    String key = name.toLowerCase(Locale.ROOT);
    skipSpaces();
    boolean call = pos < text.length() && text.charAt(pos) == '(';
    if (key.equals("pi") || key.equals("e")) {
      if (call) {
        throw error("'" + name + "' is a constant, not a function", start);
      }
      return key.equals("pi") ? Math.PI : Math.E;
    }
    if (!FUNCTIONS.contains(key)) {
      throw error("Unknown identifier '" + name + "'; known: pi, e, " + String.join(", ", FUNCTIONS), start);
    }
    if (!call) {
      throw error("'" + name + "' is a function: write " + key + "(x)", start);
    }
    int open = pos++;
    List<Double> args = new ArrayList<>();
    args.add(expression());
    skipSpaces();
    while (accept(',')) {
      args.add(expression());
      skipSpaces();
    }
    expectClosing(open);
    return apply(key, args, start);
  }

  private double apply(String function, List<Double> args, int at) {
    boolean variadic = function.equals("min") || function.equals("max");
    if (!variadic && args.size() != 1) {
      throw error(function + "() takes exactly one argument, got " + args.size(), at);
    }
    double x = args.get(0);
    double value = switch (function) {
      case "min" -> args.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
      case "max" -> args.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
      case "sqrt" -> Math.sqrt(x);
      case "abs" -> Math.abs(x);
      // half away from zero (round(2.5) = 3, round(-2.5) = -3), as people expect
      case "round" -> roundHalfAwayFromZero(x);
      case "floor" -> Math.floor(x);
      case "ceil" -> Math.ceil(x);
      case "ln" -> Math.log(x);
      case "log10" -> Math.log10(x);
      case "log2" -> Math.log(x) / Math.log(2);
      case "sin" -> Math.sin(x);
      case "cos" -> Math.cos(x);
      case "tan" -> Math.tan(x);
      case "exp" -> Math.exp(x);
      default -> throw new IllegalStateException(function);
    };
    if (function.equals("log2") && Double.isFinite(value)) {
      value = exactLog2(x, value);
    }
    return finite(value, function + "(" + format(x) + ")", at);
  }

  private static double roundHalfAwayFromZero(double x) {
    double magnitude = Math.abs(x);
    if (magnitude >= 0x1p52) {
      return x; // already integral
    }
    double floor = Math.floor(magnitude);
    return Math.copySign(magnitude - floor >= 0.5 ? floor + 1 : floor, x);
  }

  /** log(x)/log(2) is off by an ulp for some powers of two; give those their exact integer. */
  private static double exactLog2(double x, double approximate) {
    double rounded = Math.rint(approximate);
    return Math.scalb(1.0, (int) rounded) == x ? rounded : approximate;
  }

  private double number() {
    int start = pos;
    while (pos < text.length() && isDigit(text.charAt(pos))) {
      pos++;
    }
    if (pos < text.length() && text.charAt(pos) == '.') {
      pos++;
      while (pos < text.length() && isDigit(text.charAt(pos))) {
        pos++;
      }
    }
    if (pos == start + 1 && text.charAt(start) == '.') {
      throw error("A lone '.' is not a number", start);
    }
    if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
      int mark = pos + 1;
      if (mark < text.length() && (text.charAt(mark) == '+' || text.charAt(mark) == '-')) {
        mark++;
      }
      if (mark < text.length() && isDigit(text.charAt(mark))) {
        pos = mark;
        while (pos < text.length() && isDigit(text.charAt(pos))) {
          pos++;
        }
      }
    }
    double value = Double.parseDouble(text.substring(start, pos));
    if (Double.isInfinite(value)) {
      throw error("The number " + text.substring(start, pos) + " is too large", start);
    }
    return value;
  }

  private String identifier() {
    int start = pos;
    while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_')) {
      pos++;
    }
    return text.substring(start, pos);
  }

  // ---- helpers ----

  private void expectClosing(int open) {
    skipSpaces();
    if (!accept(')')) {
      if (pos >= text.length()) {
        throw error("Unbalanced parentheses: this '(' is never closed", open);
      }
      throw error("Expected ')' to close the '(' at position " + (open + 1) + " but found '"
          + text.charAt(pos) + "'", pos);
    }
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw error("The expression is nested too deeply (at most " + MAX_DEPTH + " levels)", pos);
    }
  }

  private void leave() {
    depth--;
  }

  private double finite(double value, String what, int at) {
    if (Double.isNaN(value)) {
      throw error(what + " is not a real number", at);
    }
    if (Double.isInfinite(value)) {
      throw error(what + " is not finite", at);
    }
    return value;
  }

  private boolean accept(char c) {
    if (pos < text.length() && text.charAt(pos) == c) {
      pos++;
      return true;
    }
    return false;
  }

  private void skipSpaces() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private IllegalArgumentException error(String message, int at) {
    return new IllegalArgumentException(message + " at position " + (at + 1));
  }
}
