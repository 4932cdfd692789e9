package dev.agentbus.mcp;

import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.Settings;
import dev.agentbus.mcp.McpConnections.Connection;
import dev.agentbus.mcp.McpConnections.Spec;
import dev.agentbus.security.SecretBox;
import dev.agentbus.store.Store;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Owns registered MCP servers ({@link McpStore}) and this node's sessions with them ({@link
 * McpConnections}): registers (connecting first), lists, removes, lists tools, offers an agent's
 * servers' tools and calls them. Every address is served clustered, on every node; each node keeps its
 * own sessions, opened at start for every registered server and on {@link Addresses#MCP_CHANGED}, and
 * retried every {@code mcp.reconnect_interval_ms} while unavailable. One instance per node, deployed
 * before the engines and HTTP.
 *
 * <p>Header values are sealed with {@link SecretBox} before they are stored and opened only to build a
 * session; replies show header names only. Without {@code security.secret_key} a registration with
 * headers is refused (400 naming {@code headers}) rather than stored in clear.
 */
public class McpVerticle extends VerticleBase {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(McpVerticle.class);

  private Settings settings;
  private McpStore store;
  private SecretBox box;
  private McpConnections connections;
  private long retryTimer = -1;

  @Override
  public Future<?> start() {
    settings = Settings.of(config());
    store = new McpStore(Store.client(vertx, settings.mongo()));
    box = SecretBox.of(settings.security().secretKey());
    connections = new McpConnections(vertx, context, settings);
    retryTimer = vertx.setPeriodic(settings.mcp().reconnectIntervalMs(), tick -> retryUnavailable());
    return Future.all(List.of(
        Bus.serve(vertx, Addresses.MCP_REGISTER, this::register).completion(),
        Bus.serve(vertx, Addresses.MCP_LIST, (body, h) -> store.list(Tenancy.filter(h, body.getString(Tenancy.FIELD))).map(docs -> new JsonObject()
            .put("data", new JsonArray(docs.stream().map(this::view).toList())).put("next_cursor", null).put("has_more", false))).completion(),
        Bus.serve(vertx, Addresses.MCP_GET, (body, h) -> visible(body.getString("server_id"), h).map(this::view)).completion(),
        Bus.serve(vertx, Addresses.MCP_DELETE, (body, h) -> visible(body.getString("server_id"), h)
            .compose(doc -> delete(doc.getString("_id")))).completion(),
        Bus.serve(vertx, Addresses.MCP_TOOLS, (body, h) -> visible(body.getString("server_id"), h)
            .compose(doc -> spec(body.getString("server_id")))
            .compose(spec -> connections.tools(spec, body.getBoolean("refresh", false)))
            .map(c -> new JsonObject().put("server_id", c.spec.id()).put("status", c.status).put("tools", new JsonArray(c.tools)))).completion(),
        Bus.serve(vertx, Addresses.MCP_OFFER, (body, h) -> offer(body.getJsonArray("servers", new JsonArray()),
            body.getString(Tenancy.FIELD))).completion(),
        Bus.serve(vertx, Addresses.MCP_CALL, (body, h) -> spec(body.getString("server_id"), body.getString(Tenancy.FIELD))
            .compose(spec -> connections.call(spec, body.getString("tool"), body.getJsonObject("arguments"),
                callTimeout(body.getLong("timeout_ms"))))).completion(),
        Bus.serveLocal(vertx, Addresses.MCP_STATUS, (body, h) -> status()).completion(),
        vertx.eventBus().<JsonObject>consumer(Addresses.MCP_CHANGED, message -> changed(message.body().getString("server_id"))).completion()))
        .onSuccess(served -> store.list(new JsonObject()).onSuccess(docs -> docs.forEach(this::connect)));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(retryTimer);
    return connections.closeAll();
  }

  /** Registers for the caller's tenant ({@link Tenancy#home}): names are unique per tenant. */
  private Future<JsonObject> register(JsonObject body, MultiMap caller) {
    String tenant = Tenancy.home(caller);
    String id = Ids.next("mcp");
    JsonObject headers = body.getJsonObject("headers", new JsonObject());
    if (!headers.isEmpty() && !box.available()) {
      return Future.failedFuture(BusError.invalid("headers", "cannot be stored: this node has no security.secret_key "
          + "(AGENTBUS_SECRET_KEY) to encrypt them with"));
    }
    Map<String, String> clear = new LinkedHashMap<>();
    JsonObject sealed = new JsonObject();
    headers.forEach(entry -> {
      clear.put(entry.getKey(), String.valueOf(entry.getValue()));
      sealed.put(entry.getKey(), box.seal(String.valueOf(entry.getValue()), id + "/" + entry.getKey()));
    });
    String name = body.getString("name");
    Spec spec = new Spec(id, name, body.getString("url"), Map.copyOf(clear), tenant);
    JsonObject doc = new JsonObject().put("_id", id).put(Tenancy.FIELD, tenant).put("name", name).put("url", spec.url()).put("headers", sealed)
        .put("created_at", Times.now());
    BusError taken = new BusError(ErrorCode.CONFLICT, "An MCP server named '" + name + "' is already registered",
        new JsonObject().put("field", "name").put("name", name));
    return store.count().compose(count -> count >= settings.mcp().maxServers()
            ? Future.failedFuture(new BusError(ErrorCode.CONFLICT, "At most " + settings.mcp().maxServers()
                + " MCP servers can be registered", new JsonObject().put("max_servers", settings.mcp().maxServers())))
            : store.findIn(tenant, "name", name))
        .compose(existing -> existing != null ? Future.failedFuture(taken) : connections.open(spec))
        .compose(connected -> store.insert(doc).recover(failure -> {
          connections.drop(id);
          return Future.failedFuture(Store.isDuplicateKey(failure) ? taken : failure);
        }))
        .map(stored -> {
          vertx.eventBus().publish(Addresses.MCP_CHANGED, new JsonObject().put("server_id", id));
          LOG.info("MCP server {} registered: {} {} (headers: {})", id, name, spec.url(), clear.keySet());
          return view(doc);
        })
        .onFailure(failure -> connections.drop(id));
  }

  private Future<JsonObject> delete(String serverId) {
    return store.remove(serverId).compose(removed -> {
      if (removed == null) {
        return Future.failedFuture(notFound(serverId));
      }
      connections.drop(serverId);
      vertx.eventBus().publish(Addresses.MCP_CHANGED, new JsonObject().put("server_id", serverId));
      LOG.info("MCP server {} ({}) removed", serverId, removed.getString("name"));
      return Future.succeededFuture(new JsonObject().put("server_id", serverId).put("deleted", true));
    });
  }

  /**
   * The tools of each named server (id or URL) for a run of {@code tenant}: another tenant's server is
   * unknown, and a URL is one of the tenant's registrations or else an ad hoc server. One that fails is
   * reported in {@code errors}, the others still offered.
   */
  private Future<JsonObject> offer(JsonArray servers, String tenant) {
    List<String> named = servers.stream().map(String::valueOf).distinct().toList();
    List<Future<Connection>> opened = new ArrayList<>();
    for (String server : named) {
      Future<Spec> spec = server.startsWith("mcp_") ? spec(server, tenant)
          : (tenant == null ? store.findBy("url", server) : store.findIn(tenant, "url", server)).compose(doc -> doc != null ? Future.succeededFuture(spec(doc)) : McpAdHoc.spec(vertx, server));
      opened.add(spec.compose(connections::ensure));
    }
    return Future.join(new ArrayList<>(opened)).transform(done -> {
      JsonArray tools = new JsonArray();
      JsonArray errors = new JsonArray();
      java.util.Set<String> offered = new java.util.HashSet<>();
      for (int i = 0; i < named.size(); i++) {
        Future<Connection> one = opened.get(i);
        if (one.succeeded()) {
          if (offered.add(one.result().spec.id())) { // a server named twice (by id and by URL) is offered once
            one.result().tools.forEach(tools::add);
          }
        } else {
          errors.add(new JsonObject().put("server", named.get(i)).put("message", BusError.from(one.cause(), "mcp.offer", null).getMessage()));
        }
      }
      return Future.succeededFuture(new JsonObject().put("tools", tools).put("errors", errors));
    });
  }

  /** {@link #spec(String)} for a request of {@code tenant} (null: agentbus's own, any): another tenant's server is not found. */
  private Future<Spec> spec(String serverId, String tenant) {
    return spec(serverId).compose(spec -> spec.serves(tenant) ? Future.succeededFuture(spec) : Future.failedFuture(notFound(serverId)));
  }

  /** The registration if the caller of {@code headers} may see it ({@link Tenancy}): another tenant's is not found. */
  private Future<JsonObject> visible(String serverId, MultiMap headers) {
    return registered(serverId).compose(doc -> Tenancy.sees(headers, doc) ? Future.succeededFuture(doc)
        : Future.failedFuture(notFound(serverId)));
  }

  /** What a session of the server needs: from this node's session, the store (headers opened), or the ad hoc map. */
  private Future<Spec> spec(String serverId) {
    Connection known = serverId == null ? null : connections.get(serverId);
    if (known != null) {
      return Future.succeededFuture(known.spec);
    }
    if (serverId != null && serverId.startsWith(McpAdHoc.PREFIX)) {
      return McpAdHoc.find(vertx, serverId).compose(spec -> spec == null ? Future.failedFuture(notFound(serverId))
          : Future.succeededFuture(spec));
    }
    return registered(serverId).map(this::spec);
  }

  /** Opens this node's session of a stored registration in the background (its failure is its state). */
  private void connect(JsonObject doc) {
    try {
      connections.open(spec(doc));
    } catch (BusError unreadable) {
      LOG.warn("MCP server {} not connected: {}", doc.getString("_id"), unreadable.getMessage());
    }
  }

  private Spec spec(JsonObject doc) {
    String id = doc.getString("_id");
    Map<String, String> headers = new LinkedHashMap<>();
    try {
      doc.getJsonObject("headers", new JsonObject()).forEach(entry ->
          headers.put(entry.getKey(), box.open((String) entry.getValue(), id + "/" + entry.getKey())));
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new BusError(ErrorCode.MCP_UNAVAILABLE, "MCP server '" + doc.getString("name") + "' has stored headers that this "
          + "node cannot decrypt: its security.secret_key is missing or differs from the one they were stored with",
          new JsonObject().put("server_id", id));
    }
    return new Spec(id, doc.getString("name"), doc.getString("url"), Map.copyOf(headers), Tenancy.of(doc));
  }

  private Future<JsonObject> registered(String serverId) {
    return serverId == null ? Future.failedFuture(notFound(null))
        : store.find(serverId).compose(doc -> doc == null ? Future.failedFuture(notFound(serverId)) : Future.succeededFuture(doc));
  }

  /** A registration was added or removed somewhere: open this node's session of it, or drop it. */
  private void changed(String serverId) {
    store.find(serverId).onSuccess(doc -> {
      if (doc == null) {
        connections.drop(serverId);
      } else if (connections.get(serverId) == null) {
        connect(doc);
      }
    });
  }

  private void retryUnavailable() {
    for (Connection connection : connections.all()) {
      if (McpConnections.UNAVAILABLE.equals(connection.status) && connection.opening == null
          && !connection.spec.id().startsWith(McpAdHoc.PREFIX)) {
        connections.open(connection.spec);
      }
    }
  }

  private Future<JsonObject> status() {
    return store.list(new JsonObject()).map(docs -> new JsonObject().put("servers", new JsonArray(docs.stream()
        .map(doc -> state(doc).put("url", doc.getString("url"))).toList())));
  }

  /** A registration as the API shows it: header names only, this node's session state and tools. */
  private JsonObject view(JsonObject doc) {
    Connection connection = connections.get(doc.getString("_id"));
    return state(doc).put("url", doc.getString("url")).put(Tenancy.FIELD, Tenancy.of(doc))
        .put("headers", new JsonArray(new ArrayList<>(doc.getJsonObject("headers", new JsonObject()).fieldNames())))
        .put("tools", new JsonArray(connection == null ? List.of() : connection.tools.stream().map(t -> t.getString("tool")).toList()))
        .put("created_at", doc.getString("created_at"));
  }

  private JsonObject state(JsonObject doc) {
    Connection connection = connections.get(doc.getString("_id"));
    return new JsonObject().put("server_id", doc.getString("_id")).put("name", doc.getString("name"))
        .put("status", connection == null ? McpConnections.UNAVAILABLE : connection.status)
        .put("last_error", connection == null ? "no session on this node" : connection.lastError)
        .put("tool_count", connection == null ? 0 : connection.tools.size());
  }

  private long callTimeout(Long asked) {
    long wanted = asked == null || asked <= 0 ? settings.mcp().callTimeoutMs() : asked;
    return Math.min(wanted, settings.mcp().maxCallTimeoutMs());
  }

  private static BusError notFound(String serverId) {
    return BusError.notFound(ErrorCode.NOT_FOUND, "MCP server", "server_id", serverId);
  }

}
