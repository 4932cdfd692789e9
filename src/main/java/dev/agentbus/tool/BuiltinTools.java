package dev.agentbus.tool;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/** STUB (contract only; being implemented): the built-in global tools {@code clock.now} and {@code math.evaluate}. */
public final class BuiltinTools implements ToolBox {
  public static final Set<String> NAMES = Set.of("clock.now", "math.evaluate");

  public BuiltinTools(Vertx vertx) {}

  @Override
  public List<ToolSpec> specs(Collection<String> names) {
    return List.of();
  }

  @Override
  public boolean has(String name) {
    return NAMES.contains(name);
  }

  @Override
  public Future<ToolOutcome> call(String sessionId, String name, JsonObject arguments) {
    return Future.succeededFuture(new ToolOutcome("not implemented", true, 0));
  }
}
