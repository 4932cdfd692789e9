package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/** {@code /engines}: the minimal create and get the dummy engine needs (the full API comes with real engines). */
final class EngineRoutes {
  private final Api api;

  EngineRoutes(Api api) {
    this.api = api;
  }

  void mount(Router router) {
    router.post(Api.BASE + "/engines").handler(this::create);
    router.get(Api.BASE + "/engines/:engine_id").handler(ctx -> api.forward(ctx, Addresses.ENGINE_GET,
        new JsonObject().put("engine_id", ctx.pathParam("engine_id")), 200));
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = new Validator();
    check.onlyKeys(body, "", List.of("engine_type", "model_name", "session_id", "configuration"));
    JsonObject engine = new JsonObject()
        .put("engine_type", check.string(body, "", "engine_type", true, 100))
        .put("model_name", check.string(body, "", "model_name", false, 200))
        .put("session_id", check.string(body, "", "session_id", true, 100));
    JsonObject configuration = check.object(body, "", "configuration", false);
    if (configuration != null) {
      check.integer(configuration, "configuration.", "token_delay_ms", false, 0, 60_000);
      check.string(configuration, "configuration.", "response", false, 100_000);
    }
    check.throwIfInvalid();
    engine.put("configuration", configuration == null ? new JsonObject() : configuration);
    api.send(ctx, Addresses.ENGINE_CREATE, engine).onSuccess(created -> {
      ctx.response().putHeader("Location", Api.BASE + "/engines/" + created.getString("engine_id"));
      Api.json(ctx, 201, created);
    }).onFailure(failure -> Api.fail(ctx, failure));
  }
}
