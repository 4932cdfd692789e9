package dev.agentbus.tool;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * The subset of JSON Schema that tool arguments need: {@code type} (a name or an array of names),
 * {@code properties}, {@code required}, {@code additionalProperties} (false or a schema), {@code
 * enum}, {@code const}, {@code minimum}, {@code maximum}, {@code exclusiveMinimum}, {@code
 * exclusiveMaximum}, {@code minLength}, {@code maxLength}, {@code pattern}, {@code items}, {@code
 * minItems}, {@code maxItems}. Other keywords are ignored. Boolean schemas ({@code true}/{@code
 * false}) are accepted wherever a schema is.
 *
 * <p>Problems are readable sentences prefixed by the path of the offending value ({@code
 * "count: must be <= 10"}, {@code "items[2].name: is required"}; the value itself is {@code
 * "(root)"}), so a language model can fix its call. Bounded: nesting beyond {@value #MAX_DEPTH}
 * levels is a problem, at most {@value #MAX_PROBLEMS} problems are reported, and a {@code pattern}
 * gets a fixed budget of character reads so a pathological expression cannot hang a thread.
 */
public final class JsonSchema {
  public static final int MAX_DEPTH = 32;
  public static final int MAX_PROBLEMS = 50;
  static final String ROOT = "(root)";

  private static final List<String> TYPES = List.of("object", "string", "number", "integer", "boolean", "array", "null");
  /** Character reads allowed to one pattern match: ample for sane patterns, a stop for catastrophic backtracking. */
  private static final long PATTERN_BUDGET = 1_000_000;
  private static final int MAX_LISTED = 10;

  private final List<String> problems = new ArrayList<>();

  private JsonSchema() {}

  /** Every problem of {@code value} against {@code schema} (at most {@value #MAX_PROBLEMS}); empty when valid. */
  public static List<String> validate(JsonObject schema, Object value) {
    JsonSchema checker = new JsonSchema();
    checker.validate(schema, json(value), "", 0);
    return List.copyOf(checker.problems);
  }

  /**
   * What is wrong with {@code schema} as the schema of tool arguments: it must be an object schema
   * ({@code "type": "object"}) and every keyword of the supported subset must have the right type,
   * at every level. Empty when usable.
   */
  public static List<String> checkSchema(JsonObject schema) {
    JsonSchema checker = new JsonSchema();
    if (schema == null) {
      checker.add("", "must be a JSON Schema object");
    } else {
      if (!"object".equals(schema.getValue("type"))) {
        checker.add("type", "must be \"object\": tool arguments are a JSON object");
      }
      checker.checkSchema(schema, "", 0);
    }
    return List.copyOf(checker.problems);
  }

  // ---- validation ----

  private void validate(Object schema, Object value, String path, int depth) {
    if (full()) {
      return;
    }
    if (depth > MAX_DEPTH) {
      add(path, "is nested too deeply (more than " + MAX_DEPTH + " levels)");
      return;
    }
    if (schema instanceof Boolean allowed) {
      if (!allowed) {
        add(path, "is not allowed");
      }
      return;
    }
    if (!(schema instanceof JsonObject s)) {
      return; // not a schema: nothing to check (checkSchema reports it)
    }
    if (!typeMatches(s.getValue("type"), value, path)) {
      return; // further checks would only add noise
    }
    if (s.containsKey("const") && !same(s.getValue("const"), value)) {
      add(path, "must be " + describe(s.getValue("const")));
    }
    if (s.getValue("enum") instanceof JsonArray options && options.stream().noneMatch(o -> same(o, value))) {
      add(path, "must be one of: " + listed(options.stream().map(JsonSchema::describe).toList()));
    }
    if (value instanceof String text) {
      validateString(s, text, path);
    } else if (value instanceof Number number) {
      validateNumber(s, number, path);
    } else if (value instanceof JsonArray array) {
      validateArray(s, array, path, depth);
    } else if (value instanceof JsonObject object) {
      validateObject(s, object, path, depth);
    }
  }

  private boolean typeMatches(Object type, Object value, String path) {
    List<String> names;
    if (type instanceof String name) {
      names = List.of(name);
    } else if (type instanceof JsonArray array) {
      names = array.stream().filter(String.class::isInstance).map(String.class::cast).toList();
    } else {
      return true;
    }
    if (names.isEmpty() || names.stream().anyMatch(name -> hasType(name, value))) {
      return true;
    }
    add(path, "must be " + names.stream().map(JsonSchema::article).collect(Collectors.joining(" or "))
        + " (got " + article(typeOf(value)) + ")");
    return false;
  }

  private void validateString(JsonObject s, String text, String path) {
    int length = text.codePointCount(0, text.length());
    Integer min = integer(s, "minLength");
    Integer max = integer(s, "maxLength");
    if (min != null && length < min) {
      add(path, min == 1 ? "must not be empty" : "must be at least " + min + " characters long");
    }
    if (max != null && length > max) {
      add(path, "must be at most " + max + " characters long (got " + length + ")");
    }
    if (s.getValue("pattern") instanceof String regex) {
      try {
        if (!Pattern.compile(regex).matcher(new BudgetedChars(text, PATTERN_BUDGET)).find()) {
          add(path, "must match the pattern " + regex);
        }
      } catch (PatternSyntaxException e) {
        add(path, "cannot be checked: the schema's pattern is not a valid regular expression");
      } catch (BudgetedChars.Exhausted | StackOverflowError e) {
        add(path, "cannot be checked: the pattern " + regex + " is too expensive for this value");
      }
    }
  }

  private void validateNumber(JsonObject s, Number number, String path) {
    BigDecimal value = decimal(number);
    if (value == null) {
      add(path, "must be a finite number");
      return;
    }
    boolean draft4ExclusiveMin = Boolean.TRUE.equals(s.getValue("exclusiveMinimum"));
    boolean draft4ExclusiveMax = Boolean.TRUE.equals(s.getValue("exclusiveMaximum"));
    BigDecimal minimum = decimal(s.getValue("minimum"));
    BigDecimal maximum = decimal(s.getValue("maximum"));
    BigDecimal exclusiveMinimum = decimal(s.getValue("exclusiveMinimum"));
    BigDecimal exclusiveMaximum = decimal(s.getValue("exclusiveMaximum"));
    if (minimum != null && (draft4ExclusiveMin ? value.compareTo(minimum) <= 0 : value.compareTo(minimum) < 0)) {
      add(path, "must be " + (draft4ExclusiveMin ? "> " : ">= ") + plain(minimum));
    }
    if (maximum != null && (draft4ExclusiveMax ? value.compareTo(maximum) >= 0 : value.compareTo(maximum) > 0)) {
      add(path, "must be " + (draft4ExclusiveMax ? "< " : "<= ") + plain(maximum));
    }
    if (exclusiveMinimum != null && value.compareTo(exclusiveMinimum) <= 0) {
      add(path, "must be > " + plain(exclusiveMinimum));
    }
    if (exclusiveMaximum != null && value.compareTo(exclusiveMaximum) >= 0) {
      add(path, "must be < " + plain(exclusiveMaximum));
    }
  }

  private void validateArray(JsonObject s, JsonArray array, String path, int depth) {
    Integer min = integer(s, "minItems");
    Integer max = integer(s, "maxItems");
    if (min != null && array.size() < min) {
      add(path, "must have at least " + min + " item" + (min == 1 ? "" : "s"));
    }
    if (max != null && array.size() > max) {
      add(path, "must have at most " + max + " item" + (max == 1 ? "" : "s") + " (got " + array.size() + ")");
    }
    Object items = s.getValue("items");
    if (items instanceof JsonObject || items instanceof Boolean) {
      for (int i = 0; i < array.size() && !full(); i++) {
        validate(items, array.getValue(i), path + "[" + i + "]", depth + 1);
      }
    }
  }

  private void validateObject(JsonObject s, JsonObject object, String path, int depth) {
    JsonObject properties = s.getValue("properties") instanceof JsonObject p ? p : new JsonObject();
    if (s.getValue("required") instanceof JsonArray required) {
      for (Object name : required) {
        if (name instanceof String key && !object.containsKey(key)) {
          add(child(path, key), "is required");
        }
      }
    }
    for (Map.Entry<String, Object> entry : object) {
      String key = entry.getKey();
      if (full()) {
        return;
      }
      if (properties.containsKey(key)) {
        validate(properties.getValue(key), entry.getValue(), child(path, key), depth + 1);
      } else if (Boolean.FALSE.equals(s.getValue("additionalProperties"))) {
        add(child(path, key), properties.isEmpty()
            ? "is not allowed (no properties are expected)"
            : "is not allowed; allowed: " + listed(List.copyOf(properties.fieldNames())));
      } else if (s.getValue("additionalProperties") instanceof JsonObject additional) {
        validate(additional, entry.getValue(), child(path, key), depth + 1);
      }
    }
  }

  // ---- schema check ----

  private void checkSchema(Object schema, String path, int depth) {
    if (full()) {
      return;
    }
    if (depth > MAX_DEPTH) {
      add(path, "is nested too deeply (more than " + MAX_DEPTH + " levels)");
      return;
    }
    if (schema instanceof Boolean) {
      return;
    }
    if (!(schema instanceof JsonObject s)) {
      add(path, "must be a schema (a JSON object or a boolean)");
      return;
    }
    checkType(s.getValue("type"), child(path, "type"));
    if (s.containsKey("properties")) {
      if (s.getValue("properties") instanceof JsonObject properties) {
        for (Map.Entry<String, Object> entry : properties) {
          checkSchema(entry.getValue(), child(child(path, "properties"), entry.getKey()), depth + 1);
        }
      } else {
        add(child(path, "properties"), "must be an object mapping property names to schemas");
      }
    }
    if (s.containsKey("required") && !(s.getValue("required") instanceof JsonArray required
        && required.stream().allMatch(String.class::isInstance))) {
      add(child(path, "required"), "must be an array of property names");
    }
    if (s.containsKey("additionalProperties")) {
      Object additional = s.getValue("additionalProperties");
      if (additional instanceof JsonObject) {
        checkSchema(additional, child(path, "additionalProperties"), depth + 1);
      } else if (!(additional instanceof Boolean)) {
        add(child(path, "additionalProperties"), "must be a boolean or a schema");
      }
    }
    if (s.containsKey("items")) {
      Object items = s.getValue("items");
      if (items instanceof JsonObject || items instanceof Boolean) {
        checkSchema(items, child(path, "items"), depth + 1);
      } else {
        add(child(path, "items"), "must be a schema (a JSON object or a boolean)");
      }
    }
    if (s.containsKey("enum") && !(s.getValue("enum") instanceof JsonArray options && !options.isEmpty())) {
      add(child(path, "enum"), "must be a non-empty array");
    }
    for (String keyword : List.of("minimum", "maximum")) {
      if (s.containsKey(keyword) && decimal(s.getValue(keyword)) == null) {
        add(child(path, keyword), "must be a number");
      }
    }
    for (String keyword : List.of("exclusiveMinimum", "exclusiveMaximum")) {
      Object bound = s.getValue(keyword);
      if (s.containsKey(keyword) && !(bound instanceof Boolean) && decimal(bound) == null) {
        add(child(path, keyword), "must be a number");
      }
    }
    for (String keyword : List.of("minLength", "maxLength", "minItems", "maxItems")) {
      if (s.containsKey(keyword) && integer(s, keyword) == null) {
        add(child(path, keyword), "must be a non-negative integer");
      }
    }
    if (s.containsKey("pattern")) {
      if (s.getValue("pattern") instanceof String regex) {
        try {
          Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
          add(child(path, "pattern"), "is not a valid regular expression: " + e.getDescription());
        }
      } else {
        add(child(path, "pattern"), "must be a string (a regular expression)");
      }
    }
  }

  private void checkType(Object type, String path) {
    if (type == null) {
      return;
    }
    List<?> names = type instanceof JsonArray array ? array.getList() : List.of(type);
    if (names.isEmpty()) {
      add(path, "must not be an empty array");
    }
    for (Object name : names) {
      if (!(name instanceof String text) || !TYPES.contains(text)) {
        add(path, "must be one of " + String.join(", ", TYPES) + ", or an array of them");
        return;
      }
    }
  }

  // ---- helpers ----

  private static boolean hasType(String type, Object value) {
    return switch (type) {
      case "object" -> value instanceof JsonObject;
      case "array" -> value instanceof JsonArray;
      case "string" -> value instanceof String;
      case "boolean" -> value instanceof Boolean;
      case "null" -> value == null;
      case "number" -> value instanceof Number;
      case "integer" -> value instanceof Number n && isIntegral(n);
      default -> false;
    };
  }

  private static boolean isIntegral(Number number) {
    BigDecimal value = decimal(number);
    return value != null && value.stripTrailingZeros().scale() <= 0;
  }

  private static String typeOf(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof Number n) {
      return isIntegral(n) ? "integer" : "number";
    }
    if (value instanceof JsonObject) {
      return "object";
    }
    if (value instanceof JsonArray) {
      return "array";
    }
    return value instanceof Boolean ? "boolean" : "string";
  }

  private static String article(String type) {
    return switch (type) {
      case "null", "boolean" -> type;
      case "integer", "object", "array" -> "an " + type;
      default -> "a " + type;
    };
  }

  /** JSON equality: numbers by value ({@code 1 == 1.0}), objects and arrays member by member. */
  private static boolean same(Object a, Object b) {
    a = json(a);
    b = json(b);
    if (a instanceof Number x && b instanceof Number y) {
      BigDecimal dx = decimal(x);
      BigDecimal dy = decimal(y);
      return dx != null && dy != null && dx.compareTo(dy) == 0;
    }
    if (a instanceof JsonObject x && b instanceof JsonObject y) {
      return x.size() == y.size()
          && x.fieldNames().stream().allMatch(k -> y.containsKey(k) && same(x.getValue(k), y.getValue(k)));
    }
    if (a instanceof JsonArray x && b instanceof JsonArray y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!same(x.getValue(i), y.getValue(i))) {
          return false;
        }
      }
      return true;
    }
    return a == null ? b == null : a.equals(b);
  }

  /** Maps and lists (as Java callers may pass) seen as JSON objects and arrays. */
  @SuppressWarnings("unchecked")
  private static Object json(Object value) {
    if (value instanceof Map<?, ?> map) {
      return new JsonObject((Map<String, Object>) map);
    }
    if (value instanceof List<?> list) {
      return new JsonArray(list);
    }
    return value;
  }

  private static BigDecimal decimal(Object value) {
    if (value instanceof BigDecimal d) {
      return d;
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      return Double.isFinite(d) ? BigDecimal.valueOf(d) : null;
    }
    if (value instanceof Number n) {
      try {
        return new BigDecimal(n.toString());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static String plain(BigDecimal value) {
    return value.stripTrailingZeros().toPlainString();
  }

  private static Integer integer(JsonObject s, String keyword) {
    Object value = s.getValue(keyword);
    if (value instanceof Number n && isIntegral(n) && n.doubleValue() >= 0) {
      return (int) Math.min(n.doubleValue(), Integer.MAX_VALUE);
    }
    return null;
  }

  private static String describe(Object value) {
    value = json(value);
    String text = value instanceof JsonObject o ? o.encode()
        : value instanceof JsonArray a ? a.encode()
        : value instanceof String str ? "\"" + str + "\""
        : String.valueOf(value);
    return text.length() > 100 ? text.substring(0, 97) + "..." : text;
  }

  private static String listed(List<String> items) {
    String shown = String.join(", ", items.subList(0, Math.min(items.size(), MAX_LISTED)));
    return items.size() > MAX_LISTED ? shown + ", ... (" + items.size() + " in all)" : shown;
  }

  private static String child(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private boolean full() {
    return problems.size() >= MAX_PROBLEMS;
  }

  private void add(String path, String issue) {
    if (!full()) {
      problems.add((path.isEmpty() ? ROOT : path) + ": " + issue);
    }
  }

  /** A string whose characters may be read a bounded number of times, to cap a regex match's work. */
  private static final class BudgetedChars implements CharSequence {
    static final class Exhausted extends RuntimeException {
      Exhausted() {
        super(null, null, false, false);
      }
    }

    private final String text;
    private final long[] remaining;

    BudgetedChars(String text, long budget) {
      this(text, new long[] {budget});
    }

    private BudgetedChars(String text, long[] remaining) {
      this.text = text;
      this.remaining = remaining;
    }

    @Override
    public char charAt(int index) {
      if (--remaining[0] < 0) {
        throw new Exhausted();
      }
      return text.charAt(index);
    }

    @Override
    public int length() {
      return text.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new BudgetedChars(text.substring(start, end), remaining);
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
