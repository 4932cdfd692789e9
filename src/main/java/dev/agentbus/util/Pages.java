package dev.agentbus.util;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Function;

/** The list envelope {@code {data, next_cursor, has_more}} built from a page fetched with limit + 1. */
public final class Pages {
  private Pages() {}

  public static JsonObject of(List<JsonObject> fetched, int limit, Function<JsonObject, String> cursorOf) {
    boolean hasMore = fetched.size() > limit;
    List<JsonObject> page = hasMore ? fetched.subList(0, limit) : fetched;
    JsonObject result = new JsonObject().put("data", new JsonArray(page)).put("has_more", hasMore);
    result.put("next_cursor", hasMore && !page.isEmpty() ? cursorOf.apply(page.get(page.size() - 1)) : null);
    return result;
  }
}
