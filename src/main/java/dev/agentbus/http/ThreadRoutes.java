package dev.agentbus.http;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Set;

/**
 * Chat threads (a thread is a session) and the messages of any session:
 * {@code POST /chat}, {@code GET /chat/{thread_id}} (history, newest page first, paged backwards
 * with {@code before}), {@code GET /sessions/{id}/messages} (oldest first, filters and search),
 * and one message at a time under its session: {@code POST /sessions/{id}/messages} (a message a
 * client adds, no model run), {@code GET|PATCH|DELETE /sessions/{id}/messages/{message_id}}.
 */
record ThreadRoutes(Api api, Limits limits) {
  static final Set<String> ROLES = Set.of("user", "assistant", "tool");
  static final Set<String> TYPES = Set.of("message", "reasoning", "tool_call", "tool_result");
  /** Who a message a client adds speaks for: the run's history reads it as that turn. */
  static final Set<String> ADDED_ROLES = Set.of("user", "assistant");
  /** Session metadata keys a thread sets itself. */
  private static final List<String> RESERVED_METADATA = List.of("user_id", "kind");

  void mount(Router router) {
    router.post(Api.BASE + "/chat").handler(this::create);
    router.get(Api.BASE + "/chat/:thread_id").handler(this::history);
    router.get(Api.BASE + "/sessions/:session_id/messages").handler(this::messages);
    String message = Api.BASE + "/sessions/:session_id/messages/:message_id";
    router.post(Api.BASE + "/sessions/:session_id/messages").handler(this::add);
    router.get(message).handler(ctx -> api.forwardPlain(ctx, Addresses.MESSAGE_GET, Api.path(ctx, "session_id", "message_id"), 200));
    router.patch(message).handler(this::edit);
    router.delete(message).handler(ctx -> api.forwardPlain(ctx, Addresses.MESSAGE_DELETE, Api.path(ctx, "session_id", "message_id"), 200));
  }

  /** {@code {role: user|assistant, content, parent_id?, metadata?}} → 201 the stored message, with {@code Location}. */
  private void add(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("role", "content", "parent_id", "metadata"));
    String role = check.oneOf(body, "", "role", ADDED_ROLES);
    if (role == null && body.getValue("role") == null) {
      check.add("role", "is required: one of " + String.join(", ", ADDED_ROLES.stream().sorted().toList()));
    }
    JsonObject message = Api.path(ctx, "session_id").put("role", role).put("content", check.text(body, "", "content"))
        .put("parent_id", check.string(body, "", "parent_id", false, 200))
        .put("metadata", check.object(body, "", "metadata", false));
    check.throwIfInvalid();
    api.send(ctx, Addresses.MESSAGE_CREATE, message)
        .onSuccess(made -> Api.created(ctx, Api.BASE + "/sessions/" + made.getString("session_id") + "/messages/" + made.getString("id"), made))
        .onFailure(failure -> Api.fail(ctx, failure));
  }

  /** {@code {content?, metadata?}} (at least one): the content is replaced, metadata merged key by key (null removes a key). */
  private void edit(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("content", "metadata"));
    if (body.getValue("content") == null && body.getValue("metadata") == null) {
      check.add("body", "must contain content or metadata");
    }
    JsonObject patch = Api.path(ctx, "session_id", "message_id");
    if (body.getValue("content") != null) {
      patch.put("content", check.text(body, "", "content"));
    }
    patch.put("metadata", check.object(body, "", "metadata", false));
    check.throwIfInvalid();
    api.forward(ctx, Addresses.MESSAGE_PATCH, patch, 200);
  }

  private void create(RoutingContext ctx) {
    JsonObject body = Api.body(ctx);
    Validator check = Validator.of(ctx);
    check.onlyKeys(body, "", List.of("user_id", "metadata"));
    String userId = check.string(body, "", "user_id", false, 200);
    JsonObject metadata = check.object(body, "", "metadata", false);
    JsonObject given = metadata == null ? new JsonObject() : metadata;
    for (String reserved : RESERVED_METADATA) {
      if (given.containsKey(reserved)) {
        check.add("metadata." + reserved, "is set by the server; use the top-level field instead"
            + ("kind".equals(reserved) ? " (threads are kind \"chat\")" : ""));
      }
    }
    check.throwIfInvalid();
    JsonObject sessionMetadata = given.copy().put("kind", "chat");
    if (userId != null) {
      sessionMetadata.put("user_id", userId);
    }
    JsonObject session = new JsonObject().put("name", "chat").put("metadata", sessionMetadata);
    api.send(ctx, Addresses.SESSION_CREATE, session).onSuccess(created -> {
      String threadId = created.getString("session_id");
      ctx.response().putHeader("Location", Api.BASE + "/chat/" + threadId);
      Api.json(ctx, 201, new JsonObject().put("thread_id", threadId).put("user_id", userId)
          .put("created_at", created.getString("created_at")).put("metadata", given));
    }).onFailure(failure -> Api.fail(ctx, failure));
  }

  /** A thread's history: the newest {@code limit} messages (older than {@code before}), oldest first. */
  private void history(RoutingContext ctx) {
    String threadId = ctx.pathParam("thread_id");
    Validator check = Validator.of(ctx, "limit", "before");
    JsonObject query = new JsonObject().put("session_id", threadId).put("latest", true)
        .put("limit", check.limit(ctx, limits))
        .put("before", check.queryString(ctx, "before"));
    check.throwIfInvalid();
    api.send(ctx, Addresses.MESSAGE_LIST, query)
        .recover(failure -> Future.failedFuture(BusError.is(failure, ErrorCode.SESSION_NOT_FOUND)
            ? BusError.notFound(ErrorCode.THREAD_NOT_FOUND, "Thread", "thread_id", threadId) : failure))
        .onSuccess(page -> Api.json(ctx, 200, new JsonObject()
            .put("thread_id", threadId)
            .put("user_id", page.getString("user_id"))
            .put("messages", page.getJsonArray("data"))
            .put("has_more", page.getBoolean("has_more"))))
        .onFailure(failure -> Api.fail(ctx, failure));
  }

  /** A session's messages, oldest first, filtered by role, type, parent and a content search. */
  private void messages(RoutingContext ctx) {
    Validator check = Validator.of(ctx, "limit", "cursor", "role", "type", "parent_id", "q");
    JsonObject query = Api.path(ctx, "session_id")
        .put("limit", check.limit(ctx, limits))
        .put("cursor", check.idCursor(ctx))
        .put("role", check.queryOneOf(ctx, "role", ROLES))
        .put("type", check.queryOneOf(ctx, "type", TYPES))
        .put("parent_id", check.queryString(ctx, "parent_id"))
        .put("q", check.queryString(ctx, "q"));
    check.throwIfInvalid();
    api.send(ctx, Addresses.MESSAGE_LIST, query)
        .onSuccess(page -> Api.json(ctx, 200, new JsonObject()
            .put("data", page.getJsonArray("data"))
            .put("next_cursor", page.getString("next_cursor"))
            .put("has_more", page.getBoolean("has_more"))))
        .onFailure(failure -> Api.fail(ctx, failure));
  }
}
