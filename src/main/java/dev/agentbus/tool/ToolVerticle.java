package dev.agentbus.tool;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.EventTypes;
import dev.agentbus.bus.FieldErrors;
import dev.agentbus.bus.FieldErrors.FieldError;
import dev.agentbus.bus.Headers;
import dev.agentbus.config.Settings;
import dev.agentbus.event.Events;
import dev.agentbus.net.Signatures;
import dev.agentbus.net.UrlGuard;
import dev.agentbus.net.Webhook;
import dev.agentbus.store.Store;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Owns registered tools ({@link ToolStore}): registers, lists, shows and removes them, runs them
 * ({@link ToolExecutor}) for the execute endpoint, {@code tool.call} commands and engine runs, tells
 * an engine run what to offer its model ({@link Addresses#TOOL_OFFER}), and removes a deleted
 * session's tools. One instance per node, deployed before HTTP. Lookups and each scope's list come
 * from a node cache ({@link ToolCatalog}) that {@link Addresses#TOOL_CHANGED} notices invalidate ({@code tools.cache_ttl_ms}
 * bounds a missed notice). Secrets leave this verticle only in a registration's reply and in the
 * signatures of its calls.
 */
public class ToolVerticle extends VerticleBase {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ToolVerticle.class);
  /** A registered tool's name: letters, digits and {@code . _ -}, starting with a letter or digit, at most 64 characters. */
  public static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  /** A name in {@code configuration.tools}: a registered or built-in name, or an MCP tool's {@code <server name>.<tool>}. */
  public static final java.util.regex.Pattern OFFERED_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._/:-]{0,199}");

  private ToolStore store;
  private Settings settings;
  private HttpClient http;
  private BuiltinTools builtins;
  private ToolExecutor executor;
  private ToolCatalog catalog;

  @Override
  public Future<?> start() {
    settings = Settings.of(config());
    store = new ToolStore(Store.client(vertx, settings.mongo()));
    http = vertx.createHttpClient(Webhook.clientOptions(), new PoolOptions().setHttp1MaxSize(50));
    builtins = new BuiltinTools(vertx);
    catalog = new ToolCatalog(store, builtins, settings.tools().cacheTtlMs());
    executor = new ToolExecutor(vertx, new Webhook(vertx, http, settings.security()), builtins, settings.tools());
    return Future.all(List.of(
        Bus.serve(vertx, Addresses.TOOL_REGISTER, this::register).completion(),
        Bus.serve(vertx, Addresses.TOOL_LIST, this::list).completion(),
        Bus.serve(vertx, Addresses.TOOL_GET, this::get).completion(),
        Bus.serve(vertx, Addresses.TOOL_UNREGISTER, this::unregister).completion(),
        Bus.serveLocal(vertx, Addresses.TOOL_CHECK, (body, h) -> check(body)).completion(),
        Bus.serve(vertx, Addresses.TOOL_EXECUTE, this::execute).completion(),
        Bus.serveLocal(vertx, Addresses.TOOL_OFFER, (body, h) -> offer(body, h.get(Headers.REQUEST_ID))).completion(),
        Bus.serve(vertx, Addresses.TOOL_PURGE_SESSION, (body, h) -> purge(body.getString("session_id"))).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.TOOL_CHANGED, message -> catalog.forget(message.body())).completion()));
  }

  @Override
  public Future<?> stop() {
    return http.close();
  }

  // ---- registrations ----

  private Future<JsonObject> register(JsonObject body, MultiMap headers) {
    String requestId = headers.get(Headers.REQUEST_ID);
    String sessionId = body.getString("session_id");
    String name = body.getString("name");
    String scope = sessionId == null ? "global" : "session";
    if (BuiltinTools.NAMES.contains(name)) {
      return Future.failedFuture(new BusError(ErrorCode.CONFLICT, "Tool '" + name + "' is built in: its name cannot be registered",
          new JsonObject().put("field", "name").put("name", name)));
    }
    JsonObject implementation = body.getJsonObject("implementation").copy();
    boolean httpKind = "http".equals(implementation.getString("kind"));
    if (httpKind && implementation.getString("secret") == null) {
      implementation.put("secret", Signatures.newSecret());
    }
    JsonObject doc = new JsonObject().put("name", name).put("session_id", sessionId)
        .put("scope", scope).put("description", body.getString("description", ""))
        .put("parameters_json", body.getJsonObject("parameters").encode()).put("implementation", implementation)
        .put("created_at", Times.now());
    return ToolStore.tenantOfScope(vertx, sessionId, headers)
        .compose(tenant -> {
          doc.put("_id", ToolStore.key(sessionId, tenant, name)).put(Tenancy.FIELD, tenant);
          if ("bus".equals(implementation.getString("kind")) && !Addresses.givableTo(implementation.getString("address"), tenant)) {
            return Future.failedFuture(BusError.invalid("implementation.address", "must be an address of this tenant's workers "
                + "(agentbus.ext." + tenant + ".<name>), not another tenant's"));
          }
          return httpKind ? UrlGuard.verify(vertx, implementation.getString("url"), settings.security(), "implementation.url")
              : "mcp".equals(implementation.getString("kind")) ? mcpServerVisible(implementation.getString("server_id"), headers)
              : Future.<Void>succeededFuture();
        })
        .compose(allowed -> store.insert(doc).recover(failure -> Future.failedFuture(Store.isDuplicateKey(failure)
            ? new BusError(ErrorCode.CONFLICT, "Tool '" + name + "' is already registered in " + scope + " scope",
                new JsonObject().put("field", "name").put("name", name).put("scope", scope))
            : failure)))
        .compose(stored -> changed(doc.getString("_id"), sessionId, EventTypes.TOOL_REGISTERED, ToolCatalog.view(ToolCatalog.tool(doc), false)))
        .map(noted -> {
          LOG.info("tool registered: {} {} ({}) request_id={}", scope, name, implementation.getString("kind"), requestId);
          return ToolCatalog.view(ToolCatalog.tool(doc), true);
        });
  }

  /**
   * An {@code mcp} tool may not name another tenant's server: that is 404 naming the server, as if
   * it did not exist. A server not registered (yet) is accepted, as before tenancy: a call reports it.
   */
  private Future<Void> mcpServerVisible(String serverId, MultiMap headers) {
    return Bus.request(vertx, Addresses.MCP_GET, new JsonObject().put("server_id", serverId), Bus.withRequestId(headers.get(Headers.REQUEST_ID)))
        .transform(found -> found.succeeded() && !Tenancy.sees(headers, found.result())
            ? Future.failedFuture(BusError.notFound(ErrorCode.NOT_FOUND, "MCP server", "server_id", serverId))
            : Future.succeededFuture());
  }

  /**
   * A session's tools (its own, its tenant's global ones, the built-ins), or the global list: the
   * caller's tenant's global tools; the admin's: every tenant's, or {@code tenant_id}'s.
   */
  private Future<JsonObject> list(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    if (sessionId == null) {
      return store.globals(Tenancy.filter(headers, body.getString(Tenancy.FIELD)))
          .map(docs -> page(List.of(), docs.stream().map(ToolCatalog::tool).toList()));
    }
    return ToolStore.tenantOfScope(vertx, sessionId, headers)
        .compose(tenant -> Future.all(catalog.scope(sessionId), catalog.scope(ToolStore.globalScope(tenant))))
        .map(both -> page(both.resultAt(0), both.resultAt(1)));
  }

  private JsonObject page(List<JsonObject> session, List<JsonObject> global) {
    JsonArray data = new JsonArray();
    session.forEach(tool -> data.add(ToolCatalog.view(tool, false)));
    global.forEach(tool -> data.add(ToolCatalog.view(tool, false)));
    catalog.builtinTools().forEach(tool -> data.add(ToolCatalog.view(tool, false)));
    return new JsonObject().put("data", data).put("next_cursor", null).put("has_more", false);
  }

  private Future<JsonObject> get(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    return ToolStore.tenantOfScope(vertx, sessionId, body.getString(Tenancy.FIELD), headers, notFound(body.getString("name"), "global"))
        .compose(tenant -> catalog.resolve(sessionId, tenant, body.getString("name"))).map(tool -> ToolCatalog.view(tool, false));
  }

  /** Checks the scope first: removing by key alone would let a caller remove another tenant's session tool. */
  private Future<JsonObject> unregister(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    String name = body.getString("name");
    String scope = sessionId == null ? "global" : "session";
    if (BuiltinTools.NAMES.contains(name)) {
      return Future.failedFuture(new BusError(ErrorCode.CONFLICT, "Tool '" + name + "' is built in: it cannot be removed",
          new JsonObject().put("field", "name").put("name", name)));
    }
    return ToolStore.tenantOfScope(vertx, sessionId, body.getString(Tenancy.FIELD), headers, notFound(name, scope)).compose(tenant -> {
      String key = ToolStore.key(sessionId, tenant, name);
      return store.remove(key).compose(removed -> removed == null ? Future.failedFuture(notFound(name, scope))
          : changed(key, sessionId, EventTypes.TOOL_UNREGISTERED, ToolCatalog.view(ToolCatalog.tool(removed), false))
          .map(noted -> new JsonObject().put("name", name).put("scope", scope).put("deleted", true)));
    });
  }

  private static BusError notFound(String name, String scope) {
    return new BusError(ErrorCode.TOOL_NOT_FOUND, "Tool '" + name + "' is not registered in " + scope + " scope",
        new JsonObject().put("field", "name").put("name", name));
  }

  private Future<JsonObject> purge(String sessionId) {
    return store.purge(sessionId).map(removed -> {
      JsonObject notice = new JsonObject().put("session_id", sessionId);
      catalog.forget(notice);
      vertx.eventBus().publish(Addresses.TOOL_CHANGED, notice);
      return new JsonObject().put("tools", removed);
    });
  }

  /**
   * Drops the key here, tells every other node, and notes the change in the session (none for global
   * scope). The event leaves out the schema: it may hold keys a stored event may not ({@code $schema}).
   */
  private Future<Void> changed(String key, String sessionId, String eventType, JsonObject view) {
    JsonObject notice = new JsonObject().put("key", key);
    catalog.forget(notice);
    vertx.eventBus().publish(Addresses.TOOL_CHANGED, notice);
    JsonObject data = view.copy();
    data.remove("parameters");
    return sessionId == null ? Future.succeededFuture() : Events.append(vertx, sessionId, eventType, data, null).mapEmpty();
  }

  /** The problems of {@code arguments} against a tool's schema, each naming {@code <prefix>.<path>}. */
  static List<FieldError> argumentErrors(JsonObject schema, Object arguments, String prefix) {
    List<FieldError> errors = new ArrayList<>();
    for (String problem : JsonSchema.validate(schema, arguments)) {
      int colon = problem.indexOf(": ");
      String path = colon < 0 ? JsonSchema.ROOT : problem.substring(0, colon);
      errors.add(new FieldError(path.equals(JsonSchema.ROOT) ? prefix : prefix + (path.startsWith("[") ? "" : ".") + path,
          colon < 0 ? problem : problem.substring(colon + 2)));
    }
    return errors;
  }

  // ---- calls ----

  /** See {@link Addresses#TOOL_CHECK}: internal, so the session's tenant comes from the session. */
  private Future<JsonObject> check(JsonObject body) {
    String sessionId = body.getString("session_id");
    return sessionTenant(body).compose(tenant -> catalog.resolve(sessionId, tenant, body.getString("name")))
        .recover(failure -> Future.failedFuture(BusError.is(failure, ErrorCode.TOOL_NOT_FOUND)
            ? new BusError(ErrorCode.TOOL_NOT_FOUND, failure.getMessage(), new JsonObject().put("field", "parameters.name")
                .put("name", body.getString("name"))) : failure))
        .compose(tool -> {
          List<FieldError> errors = argumentErrors(tool.getJsonObject("parameters"), body.getValue("arguments", new JsonObject()),
              "parameters.arguments");
          return errors.isEmpty() ? Future.succeededFuture(new JsonObject().put("name", tool.getString("name"))
              .put("scope", tool.getString("scope"))) : Future.failedFuture(FieldErrors.toError(errors));
        });
  }

  /** See {@link Addresses#TOOL_EXECUTE}. */
  private Future<JsonObject> execute(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    String name = body.getString("name");
    boolean direct = body.getBoolean("direct", false);
    String commandId = body.getString("command_id");
    String callId = body.getString("tool_call_id") != null ? body.getString("tool_call_id") : Ids.next("call");
    JsonObject arguments = body.getJsonObject("arguments", new JsonObject());
    long started = System.currentTimeMillis();
    JsonObject mcp = body.getJsonObject("mcp");
    Future<JsonObject> found = mcp != null
        ? sessionTenant(body).map(tenant -> new JsonObject().put("name", name).put("scope", "mcp").put(Tenancy.FIELD, tenant)
            .put("parameters", mcp.getJsonObject("parameters", new JsonObject().put("type", "object")))
            .put("implementation", new JsonObject().put("kind", "mcp").put("server_id", mcp.getString("server_id"))
                .put("tool", mcp.getString("tool"))))
        : (direct ? ToolStore.tenantOfScope(vertx, sessionId, headers) : sessionTenant(body))
            .compose(tenant -> catalog.resolve(sessionId, tenant, name));
    return found.transform(resolved -> {
      if (resolved.failed()) {
        return direct || !BusError.is(resolved.cause(), ErrorCode.TOOL_NOT_FOUND) ? Future.failedFuture(resolved.cause())
            : Future.succeededFuture(answer(callId, name, ToolExecutor.Outcome.error(resolved.cause().getMessage()), started));
      }
      JsonObject tool = resolved.result();
      List<FieldError> errors = argumentErrors(tool.getJsonObject("parameters"), arguments, "arguments");
      if (!errors.isEmpty()) {
        return direct ? Future.failedFuture(FieldErrors.toError(errors))
            : Future.succeededFuture(answer(callId, name, ToolExecutor.Outcome.error("Invalid arguments for " + name + ": "
                + String.join("; ", errors.stream().map(e -> e.field() + " " + e.issue()).toList())), started));
      }
      JsonObject implementation = tool.getJsonObject("implementation");
      JsonObject call = new JsonObject().put("tool", name).put("call_id", callId).put("arguments", arguments)
          .put("session_id", sessionId);
      if (commandId != null) {
        call.put("command_id", commandId);
      }
      long timeout = executor.timeout(implementation, body.getLong("deadline_ms", 0L));
      if (!direct) {
        return executor.run(tool, call, timeout).map(outcome -> answer(callId, name, outcome, started));
      }
      JsonObject startedData = new JsonObject().put("tool_call_id", callId).put("name", name).put("scope", tool.getString("scope"))
          .put("kind", implementation.getString("kind")).put("arguments", arguments);
      return Events.append(vertx, sessionId, EventTypes.TOOL_STARTED, startedData, commandId)
          .compose(noted -> executor.run(tool, call, timeout))
          .compose(outcome -> {
            JsonObject done = answer(callId, name, outcome, started);
            return Events.append(vertx, sessionId, outcome.isError() ? EventTypes.TOOL_FAILED : EventTypes.TOOL_COMPLETED, done.copy(),
                commandId).map(done);
          });
    });
  }

  private static JsonObject answer(String callId, String name, ToolExecutor.Outcome outcome, long startedMs) {
    return new JsonObject().put("tool_call_id", callId).put("name", name).put("result", outcome.result())
        .put("is_error", outcome.isError()).put("duration_ms", System.currentTimeMillis() - startedMs);
  }

  /** The tenant of a request's session: its {@code tenant_id} when the sender knows it, else the session's (agentbus's own lookup). */
  private Future<String> sessionTenant(JsonObject body) {
    String known = body.getString(Tenancy.FIELD);
    return known != null ? Future.succeededFuture(known) : ToolStore.tenantOfSession(vertx, body.getString("session_id"));
  }

  /** See {@link Addresses#TOOL_OFFER}. */
  private Future<JsonObject> offer(JsonObject body, String requestId) {
    return sessionTenant(body).compose(tenant -> offer(body, tenant, requestId));
  }

  private Future<JsonObject> offer(JsonObject body, String tenant, String requestId) {
    String sessionId = body.getString("session_id");
    JsonArray servers = body.getJsonArray("mcp_servers", new JsonArray());
    Future<JsonObject> mcp = servers.isEmpty() ? Future.succeededFuture(new JsonObject())
        : Bus.request(vertx, Addresses.MCP_OFFER, new JsonObject().put("servers", servers).put(Tenancy.FIELD, tenant),
                Bus.withRequestId(requestId))
            .otherwise(failure -> {
              LOG.warn("MCP tools of {} not offered: {} request_id={}", servers, failure.getMessage(), requestId);
              return new JsonObject().put("errors", new JsonArray().add(new JsonObject().put("server", "*")
                  .put("message", "The MCP service did not answer: " + failure.getMessage())));
            });
    return Future.all(catalog.scope(sessionId), catalog.scope(ToolStore.globalScope(tenant)), mcp).map(all -> {
      Map<String, JsonObject> byName = new LinkedHashMap<>();
      List<JsonObject> candidates = new ArrayList<>();
      candidates.addAll(all.resultAt(0));
      candidates.addAll(all.resultAt(1));
      candidates.addAll(catalog.builtinTools());
      JsonObject mcpAnswer = all.resultAt(2);
      mcpAnswer.getJsonArray("tools", new JsonArray()).forEach(item -> {
        JsonObject t = (JsonObject) item;
        candidates.add(new JsonObject().put("name", t.getString("name")).put("scope", "mcp").put("description", t.getString("description", ""))
            .put("parameters", t.getJsonObject("parameters", new JsonObject().put("type", "object")))
            .put("server_id", t.getString("server_id")).put("tool", t.getString("tool")));
      });
      candidates.forEach(tool -> byName.putIfAbsent(tool.getString("name"), tool));
      JsonArray names = body.getJsonArray("names");
      List<JsonObject> offered = names == null ? List.copyOf(byName.values())
          : names.stream().map(String::valueOf).distinct().map(byName::get).filter(java.util.Objects::nonNull).toList();
      JsonArray tools = new JsonArray();
      offered.forEach(tool -> {
        JsonObject spec = new JsonObject().put("name", tool.getString("name")).put("description", tool.getString("description", ""))
            .put("parameters", tool.getJsonObject("parameters")).put("scope", tool.getString("scope"));
        if (tool.getString("server_id") != null) {
          spec.put("server_id", tool.getString("server_id")).put("tool", tool.getString("tool"));
        }
        tools.add(spec);
      });
      return new JsonObject().put("tools", tools).put("errors", mcpAnswer.getJsonArray("errors", new JsonArray()))
          .put(Tenancy.FIELD, tenant);
    });
  }
}
