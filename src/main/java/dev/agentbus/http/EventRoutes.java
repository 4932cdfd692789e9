package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code /sessions/{id}/events}: publish, list, get. (Streams: {@link StreamRoutes}.) A publish
 * naming a {@code command_id} is a command handler's progress event: it needs that command's
 * callback token ({@code Authorization: Bearer}) and is stored under the command.
 */
record EventRoutes(Api api, Limits limits) {

  /** Mount after {@link StreamRoutes}, whose {@code /events/sse} and {@code /events/stream} would otherwise read as ids. */
  void mount(Router router) {
    String base = Api.BASE + "/sessions/:session_id/events";
    router.post(base).handler(this::publish);
    router.get(base).handler(this::list);
    router.get(base + "/:event_id").handler(ctx -> api.forwardPlain(ctx, Addresses.EVENT_GET,
        Api.path(ctx, "session_id", "event_id"), 200));
  }

  private void publish(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    JsonObject event = Shapes.clientEvent(check, body, List.of("command_id"));
    String commandId = check.string(body, "", "command_id", false, 200);
    check.throwIfInvalid();
    event.put("session_id", ctx.pathParam("session_id"));
    // A command's handler publishing its progress proves it with the command's callback token.
    String address = commandId == null ? Addresses.EVENT_PUBLISH : Addresses.HANDLER_PROGRESS;
    if (commandId != null) {
      event.put("command_id", commandId).put("token", HandlerRoutes.callbackToken(ctx));
    }
    api.send(ctx, address, event).onSuccess(stored -> {
      ctx.response().putHeader("Location", Api.BASE + "/sessions/" + stored.getString("session_id") + "/events/" + stored.getString("event_id"));
      Api.json(ctx, 201, stored);
    }).onFailure(failure -> Api.fail(ctx, failure));
  }

  private void list(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "after_seq", "cursor", "limit", "offset", "event_type");
    long afterSeq = check.queryLong(ctx, "after_seq", 0, 0, Long.MAX_VALUE);
    if (ctx.request().getParam("cursor") != null) {
      afterSeq = check.queryLong(ctx, "cursor", 0, 0, Long.MAX_VALUE);
    }
    JsonObject query = Api.path(ctx, "session_id")
        .put("after_seq", afterSeq)
        .put("limit", check.limit(ctx, limits))
        .put("offset", (int) check.queryLong(ctx, "offset", 0, 0, limits.maxOffset()))
        .put("event_type", check.queryString(ctx, "event_type"));
    check.throwIfInvalid();
    api.forward(ctx, Addresses.EVENT_LIST, query, 200);
  }
}
