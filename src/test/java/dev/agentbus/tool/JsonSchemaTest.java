package dev.agentbus.tool;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The JSON Schema subset that tool arguments are checked against. */
class JsonSchemaTest {
  private static final JsonObject SEARCH = new JsonObject("""
      {"type": "object",
       "properties": {
         "query": {"type": "string", "minLength": 1, "maxLength": 5},
         "count": {"type": "integer", "minimum": 1, "maximum": 10},
         "ratio": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
         "mode": {"enum": ["fast", "exact"]},
         "version": {"const": 2},
         "code": {"type": "string", "pattern": "^[A-Z]{3}$"},
         "tags": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 2},
         "when": {"type": ["string", "null"]},
         "filter": {"type": "object", "properties": {"lang": {"type": "string"}}, "required": ["lang"],
                    "additionalProperties": false}
       },
       "required": ["query"],
       "additionalProperties": false}
      """);

  private static List<String> validate(String json) {
    return JsonSchema.validate(SEARCH, new JsonObject(json));
  }

  @Test
  @DisplayName("accepts arguments that satisfy every keyword")
  void acceptsValid() {
    assertThat(validate("""
        {"query": "abc", "count": 10, "ratio": 0.5, "mode": "exact", "version": 2.0, "code": "EUR",
         "tags": ["a", "b"], "when": null, "filter": {"lang": "en"}}
        """)).isEmpty();
    assertThat(validate("{\"query\": \"a\", \"count\": 3.0, \"when\": \"today\"}"))
        .as("3.0 is an integer; a union type accepts either").isEmpty();
  }

  @Test
  @DisplayName("names a missing required property and a wrong type by path")
  void requiredAndType() {
    assertThat(validate("{}")).containsExactly("query: is required");
    assertThat(validate("{\"query\": 5}")).containsExactly("query: must be a string (got an integer)");
    assertThat(validate("{\"query\": \"a\", \"count\": 2.5}")).containsExactly("count: must be an integer (got a number)");
    assertThat(validate("{\"query\": \"a\", \"when\": 1}")).containsExactly("when: must be a string or null (got an integer)");
    assertThat(JsonSchema.validate(SEARCH, "text")).containsExactly("(root): must be an object (got a string)");
  }

  @Test
  @DisplayName("checks ranges, lengths, enums, constants and patterns")
  void ranges() {
    assertThat(validate("""
        {"query": "", "count": 11, "ratio": 1, "mode": "slow", "version": 3, "code": "eur"}
        """)).containsExactlyInAnyOrder(
        "query: must not be empty",
        "count: must be <= 10",
        "ratio: must be < 1",
        "mode: must be one of: \"fast\", \"exact\"",
        "version: must be 2",
        "code: must match the pattern ^[A-Z]{3}$");
    assertThat(validate("{\"query\": \"abcdef\", \"count\": 0, \"ratio\": 0}")).containsExactlyInAnyOrder(
        "query: must be at most 5 characters long (got 6)", "count: must be >= 1", "ratio: must be > 0");
  }

  @Test
  @DisplayName("checks arrays, their items and nested objects with indexed paths")
  void nested() {
    assertThat(validate("{\"query\": \"a\", \"tags\": []}")).containsExactly("tags: must have at least 1 item");
    assertThat(validate("{\"query\": \"a\", \"tags\": [\"x\", 2, \"z\"]}")).containsExactlyInAnyOrder(
        "tags: must have at most 2 items (got 3)", "tags[1]: must be a string (got an integer)");
    assertThat(validate("{\"query\": \"a\", \"filter\": {\"region\": \"eu\"}}")).containsExactlyInAnyOrder(
        "filter.lang: is required", "filter.region: is not allowed; allowed: lang");
  }

  @Test
  @DisplayName("refuses unknown properties when additionalProperties is false, and checks them against a schema otherwise")
  void additionalProperties() {
    assertThat(validate("{\"query\": \"a\", \"limit\": 3}"))
        .singleElement().asString().startsWith("limit: is not allowed; allowed: query, count");
    JsonObject map = new JsonObject().put("type", "object").put("additionalProperties", new JsonObject().put("type", "number"));
    assertThat(JsonSchema.validate(map, new JsonObject().put("a", 1).put("b", "x")))
        .containsExactly("b: must be a number (got a string)");
  }

  @Test
  @DisplayName("ignores unknown keywords and applies the draft-4 boolean exclusive bounds")
  void lenient() {
    JsonObject schema = new JsonObject().put("type", "number").put("format", "whatever").put("x-custom", 1)
        .put("minimum", 0).put("exclusiveMinimum", true);
    assertThat(JsonSchema.validate(schema, 1)).isEmpty();
    assertThat(JsonSchema.validate(schema, 0)).containsExactly("(root): must be > 0");
  }

  @Test
  @DisplayName("bounds its work: nesting beyond 32 levels and more than 50 problems are cut off")
  void bounded() {
    JsonObject schema = new JsonObject().put("type", "array");
    JsonObject innermost = schema;
    for (int i = 0; i < 40; i++) {
      JsonObject items = new JsonObject().put("type", "array");
      innermost.put("items", items);
      innermost = items;
    }
    Object value = new JsonArray();
    for (int i = 0; i < 40; i++) {
      value = new JsonArray().add(value);
    }
    assertThat(JsonSchema.validate(schema, value)).singleElement().asString().contains("nested too deeply");

    JsonArray many = new JsonArray();
    IntStream.range(0, 200).forEach(many::add);
    JsonObject strings = new JsonObject().put("type", "array").put("items", new JsonObject().put("type", "string"));
    assertThat(JsonSchema.validate(strings, many)).hasSize(JsonSchema.MAX_PROBLEMS);
  }

  @Test
  @DisplayName("stops a catastrophically backtracking pattern instead of hanging")
  void patternBudget() {
    JsonObject schema = new JsonObject().put("type", "string").put("pattern", "^(a+)+\\1$");
    assertThat(JsonSchema.validate(schema, "a".repeat(40) + "!"))
        .singleElement().asString().contains("too expensive");
    assertThat(JsonSchema.validate(schema, "aaaa")).as("aa then aa").isEmpty();
  }

  @Test
  @DisplayName("checkSchema accepts an object schema and reports wrong-typed keywords with their path")
  void checkSchema() {
    assertThat(JsonSchema.checkSchema(SEARCH)).isEmpty();
    assertThat(JsonSchema.checkSchema(new JsonObject().put("type", "string")))
        .containsExactly("type: must be \"object\": tool arguments are a JSON object");
    assertThat(JsonSchema.checkSchema(null)).containsExactly("(root): must be a JSON Schema object");
    JsonObject bad = new JsonObject("""
        {"type": "object",
         "required": "query",
         "additionalProperties": "no",
         "properties": {
           "query": {"type": "text", "minLength": -1, "pattern": "("},
           "count": {"type": "integer", "maximum": "10"},
           "tags": {"type": "array", "items": [{"type": "string"}]},
           "mode": {"enum": []},
           "flag": 3
         }}
        """);
    assertThat(JsonSchema.checkSchema(bad)).containsExactlyInAnyOrder(
        "required: must be an array of property names",
        "additionalProperties: must be a boolean or a schema",
        "properties.query.type: must be one of object, string, number, integer, boolean, array, null, or an array of them",
        "properties.query.minLength: must be a non-negative integer",
        "properties.query.pattern: is not a valid regular expression: Unclosed group",
        "properties.count.maximum: must be a number",
        "properties.tags.items: must be a schema (a JSON object or a boolean)",
        "properties.mode.enum: must be a non-empty array",
        "properties.flag: must be a schema (a JSON object or a boolean)");
  }
}
