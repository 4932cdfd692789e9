package dev.agentbus.mcp;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.Settings;
import dev.agentbus.net.UrlGuard;
import dev.agentbus.trace.Traces;
import io.modelcontextprotocol.client.McpAsyncClient;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpTransportSessionClosedException;
import io.modelcontextprotocol.spec.McpTransportSessionNotFoundException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import reactor.core.publisher.Mono;

/**
 * This node's MCP client sessions, one per server, reused by every call and re-established after a
 * failure. Lives on its verticle's context: the SDK's Reactor signals (on its HTTP client's threads)
 * hop back there through {@link #await}, and the blocking parts (the SSRF guard's DNS look-up, building
 * a client) run in {@code executeBlocking}. Every (re)connection passes {@link UrlGuard} again.
 *
 * <p>A call that fails because the server forgot the session (HTTP 404 on {@code Mcp-Session-Id}) or
 * could not be reached at all reconnects once ({@code initialize}, {@code tools/list}) and is sent
 * again: the server never ran it. A call broken off mid-way is not repeated (it may have run): it
 * fails {@code MCP_UNAVAILABLE}, and the next call reconnects.
 */
final class McpConnections {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(McpConnections.class);
  static final String CONNECTED = "connected";
  static final String CONNECTING = "connecting";
  static final String UNAVAILABLE = "unavailable";

  /**
   * What a session needs: header values in clear (never logged, never in a reply), and the tenant
   * that registered the server (null for an ad hoc URL: it carries no credential, any run may name it).
   */
  record Spec(String id, String name, String url, Map<String, String> headers, String tenant) {
    /** Whether a run of {@code tenant} may use the server ({@code tenant} null: agentbus's own request, any). */
    boolean serves(String tenant) {
      return this.tenant == null || tenant == null || this.tenant.equals(tenant);
    }
  }

  /** One server's session on this node. */
  static final class Connection {
    final Spec spec;
    McpAsyncClient client;
    String status = CONNECTING;
    String lastError;
    List<JsonObject> tools = List.of();
    Future<Connection> opening;
    int generation;
    /** Set (on the SDK's threads) when the server answered 404 to this session's id: it forgot the session. */
    final AtomicBoolean sessionLost = new AtomicBoolean();

    Connection(Spec spec) {
      this.spec = spec;
    }

    JsonObject state() {
      return new JsonObject().put("server_id", spec.id()).put("name", spec.name()).put("url", spec.url())
          .put("status", status).put("last_error", lastError).put("tool_count", tools.size());
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final Settings.Mcp settings;
  private final Settings.Security security;
  private final Map<String, Connection> connections = new HashMap<>();

  McpConnections(Vertx vertx, Context context, Settings settings) {
    this.vertx = vertx;
    this.context = context;
    this.settings = settings.mcp();
    this.security = settings.security();
  }

  Connection get(String serverId) {
    return connections.get(serverId);
  }

  List<Connection> all() {
    return List.copyOf(connections.values());
  }

  /** The open session of {@code spec}, opening it when there is none or it failed. */
  Future<Connection> ensure(Spec spec) {
    Connection known = connections.get(spec.id());
    if (known != null && known.spec.equals(spec)) {
      if (known.opening != null) {
        return known.opening;
      }
      if (CONNECTED.equals(known.status)) {
        return Future.succeededFuture(known);
      }
    }
    return open(spec);
  }

  /** A fresh session for {@code spec} (the old one, if any, closed): guard, {@code initialize}, {@code tools/list}. */
  Future<Connection> open(Spec spec) {
    Connection previous = connections.get(spec.id());
    Connection connection = new Connection(spec);
    if (previous != null) {
      connection.generation = previous.generation + 1;
      connection.tools = previous.tools;
      if (UNAVAILABLE.equals(previous.status)) { // a retry: still unavailable, with its last error, until it succeeds
        connection.status = UNAVAILABLE;
        connection.lastError = previous.lastError;
      }
      close(previous);
    }
    connections.put(spec.id(), connection);
    int generation = connection.generation;
    Future<Connection> opening = vertx.executeBlocking(() -> build(connection, generation), false)
        .compose(client -> {
          connection.client = client;
          return superseded(connection) ? Future.failedFuture(removed(spec))
              : await(client.initialize().then(client.listTools()), settings.initTimeoutMs());
        })
        .compose(listed -> superseded(connection) ? Future.failedFuture(removed(spec)) : Future.succeededFuture(listed))
        .map(listed -> {
          connection.tools = views(spec, listed.tools());
          connection.status = CONNECTED;
          connection.lastError = null;
          LOG.info("MCP server {} ({}) connected: {} tools", spec.id(), spec.name(), connection.tools.size());
          return connection;
        })
        .recover(failure -> {
          if (superseded(connection)) { // dropped meanwhile (fail), or a newer attempt replaced this one (join it)
            close(connection);
            Connection current = connections.get(spec.id());
            return current == null ? Future.failedFuture(removed(spec))
                : current.opening != null ? current.opening : ensure(current.spec);
          }
          BusError error = failure instanceof BusError known ? known : unavailable(spec, "connect", failure);
          connection.status = UNAVAILABLE;
          connection.lastError = error.getMessage();
          close(connection);
          if (previous != null && UNAVAILABLE.equals(previous.status) && error.getMessage().equals(previous.lastError)) {
            LOG.debug("MCP server {} ({}) still unavailable: {}", spec.id(), spec.name(), error.getMessage());
          } else {
            LOG.warn("MCP server {} ({}) unavailable: {}", spec.id(), spec.name(), error.getMessage());
          }
          return Future.failedFuture(error);
        })
        .onComplete(done -> connection.opening = null);
    connection.opening = opening;
    return opening;
  }

  /** Whether this session was dropped, or replaced by a newer attempt, while it was opening. */
  private boolean superseded(Connection connection) {
    return connections.get(connection.spec.id()) != connection;
  }

  private static BusError removed(Spec spec) {
    return new BusError(ErrorCode.MCP_UNAVAILABLE, "MCP server '" + spec.name() + "' was removed meanwhile",
        new JsonObject().put("server_id", spec.id()));
  }

  /** The tools, asking {@code tools/list} again first when {@code refresh}. */
  Future<Connection> tools(Spec spec, boolean refresh) {
    return ensure(spec).compose(connection -> !refresh ? Future.succeededFuture(connection)
        : await(connection.client.listTools(), settings.initTimeoutMs())
            .map(listed -> {
              connection.tools = views(spec, listed.tools());
              return connection;
            })
            .recover(failure -> open(spec)));
  }

  /**
   * {@code tools/call}: {@code {result, is_error}}; fails {@code MCP_UNAVAILABLE} or {@code TIMEOUT}.
   * In a span of its own (the SDK's java.net.http client is not traced by Vert.x), whose {@code
   * traceparent} the request carries to the server ({@link #TRACEPARENT} in the SDK's transport context).
   */
  Future<JsonObject> call(Spec spec, String tool, JsonObject arguments, long timeoutMs) {
    return Traces.around("mcp tools/call " + tool, "mcp.server_id", spec.id(),
        () -> callTraced(spec, tool, arguments, timeoutMs, Traces.traceparent()));
  }

  private Future<JsonObject> callTraced(Spec spec, String tool, JsonObject arguments, long timeoutMs, String traceparent) {
    return ensure(spec).compose(connection -> callOnce(connection, tool, arguments, timeoutMs, traceparent)
        .recover(failure -> {
          if (!neverSent(failure) && !connection.sessionLost.get()) {
            return Future.failedFuture(failure);
          }
          LOG.info("MCP server {} lost its session ({}); reconnecting once", spec.id(), reason(failure));
          return open(spec).compose(fresh -> callOnce(fresh, tool, arguments, timeoutMs, traceparent));
        }))
        .recover(failure -> Future.failedFuture(callError(spec, tool, timeoutMs, failure)));
  }

  private Future<JsonObject> callOnce(Connection connection, String tool, JsonObject arguments, long timeoutMs,
                                      String traceparent) {
    McpSchema.CallToolRequest request = new McpSchema.CallToolRequest.Builder().name(tool)
        .arguments(plain(arguments)).build();
    var call = connection.client.callTool(request);
    if (traceparent != null) {
      call = call.contextWrite(reactor.util.context.Context.of(McpTransportContext.KEY,
          McpTransportContext.create(Map.of(TRACEPARENT, traceparent))));
    }
    return await(call, timeoutMs)
        .map(result -> {
          connection.status = CONNECTED;
          connection.lastError = null;
          return new JsonObject().put("result", result(result)).put("is_error", Boolean.TRUE.equals(result.isError()));
        })
        .recover(failure -> {
          McpError rpc = cause(failure, McpError.class);
          if (rpc != null) { // the server answered with a JSON-RPC error (unknown tool, bad arguments): the model reads it
            return Future.succeededFuture(new JsonObject().put("result", "MCP error: " + scrub(connection.spec, rpc.getMessage()))
                .put("is_error", true));
          }
          if (cause(failure, TimeoutException.class) == null) {
            connection.status = UNAVAILABLE;
            connection.lastError = scrub(connection.spec, reason(failure));
          }
          return Future.failedFuture(failure);
        });
  }

  /** Closes and forgets this node's session of a server (deleted, or its registration changed). */
  void drop(String serverId) {
    Connection connection = connections.remove(serverId);
    if (connection != null) {
      connection.generation++;
      close(connection);
    }
  }

  Future<Void> closeAll() {
    List<Future<Void>> closing = new ArrayList<>();
    for (Connection connection : List.copyOf(connections.values())) {
      if (connection.client != null) {
        closing.add(await(connection.client.closeGracefully(), 2_000).otherwiseEmpty());
      }
    }
    connections.clear();
    return Future.join(new ArrayList<>(closing)).mapEmpty();
  }

  // ---- the SDK ----

  /** The W3C header, and the key under which a call's span travels in the SDK's transport context to its HTTP request. */
  private static final String TRACEPARENT = "traceparent";

  private McpAsyncClient build(Connection connection, int generation) {
    Spec spec = connection.spec;
    Optional<String> refused = UrlGuard.check(spec.url(), security);
    if (refused.isPresent()) {
      throw BusError.invalid("url", refused.get());
    }
    HttpRequest.Builder requests = HttpRequest.newBuilder();
    spec.headers().forEach(requests::header);
    HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport.builder(spec.url())
        .endpoint(spec.url())
        .requestBuilder(requests)
        .connectTimeout(Duration.ofMillis(settings.connectTimeoutMs()))
        .maxResponseSize(settings.maxResponseBytes())
        .asyncHttpRequestCustomizer((request, method, uri, body, carried) -> {
          if (carried != null && carried.get(TRACEPARENT) instanceof String traceparent) {
            request.setHeader(TRACEPARENT, traceparent);
          }
          return Mono.just(request);
        })
        .build();
    return McpClient.async(new SessionWatch(transport, connection.sessionLost))
        .clientInfo(new McpSchema.Implementation("agentbus", "0.1.0"))
        .requestTimeout(Duration.ofMillis(settings.maxCallTimeoutMs()))
        .initializationTimeout(Duration.ofMillis(settings.initTimeoutMs()))
        .toolsChangeConsumer(tools -> {
          // notifications/tools/list_changed: the SDK listed the tools again; keep them if this session is still the current one
          context.runOnContext(v -> {
            if (connections.get(spec.id()) == connection && connection.generation == generation) {
              connection.tools = views(spec, tools);
              LOG.info("MCP server {} changed its tools: {} now", spec.id(), connection.tools.size());
            }
          });
          return Mono.empty();
        })
        .build();
  }

  /**
   * The SDK's transport, watched: when the server no longer knows the session (404), the SDK drops it
   * and fails the pending requests with a generic "session terminated"; the flag tells such a request
   * apart from one broken off mid-way, so it can be sent again on a fresh session.
   */
  private record SessionWatch(McpClientTransport transport, AtomicBoolean lost) implements McpClientTransport {
    @Override
    public Mono<Void> connect(Function<Mono<McpSchema.JSONRPCMessage>, Mono<McpSchema.JSONRPCMessage>> handler) {
      return transport.connect(handler);
    }

    @Override
    public void setExceptionHandler(Consumer<Throwable> handler) {
      transport.setExceptionHandler(failure -> {
        if (failure instanceof McpTransportSessionNotFoundException) {
          lost.set(true);
        }
        handler.accept(failure);
      });
    }

    @Override
    public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
      return transport.sendMessage(message);
    }

    @Override
    public Mono<Void> closeGracefully() {
      return transport.closeGracefully();
    }

    @Override
    public void close() {
      transport.close();
    }

    @Override
    public <T> T unmarshalFrom(Object data, TypeRef<T> type) {
      return transport.unmarshalFrom(data, type);
    }

    @Override
    public List<String> protocolVersions() {
      return transport.protocolVersions();
    }
  }

  /** Bridges a Mono to a Future completed on this verticle's context, failing {@link TimeoutException} after {@code timeoutMs}. */
  private <T> Future<T> await(Mono<T> mono, long timeoutMs) {
    Promise<T> promise = Promise.promise();
    mono.timeout(Duration.ofMillis(timeoutMs)).subscribe(
        value -> context.runOnContext(v -> promise.tryComplete(value)),
        failure -> context.runOnContext(v -> promise.tryFail(failure)),
        () -> context.runOnContext(v -> promise.tryComplete(null)));
    return promise.future();
  }

  private static void close(Connection connection) {
    McpAsyncClient client = connection.client;
    connection.client = null;
    if (client != null) {
      client.closeGracefully().timeout(Duration.ofSeconds(2)).onErrorComplete().subscribe();
    }
  }

  // ---- shapes ----

  /** Plain Java maps and lists (what the SDK's mapper serialises), whatever JSON types the arguments hold. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> plain(JsonObject arguments) {
    return arguments == null ? Map.of() : (Map<String, Object>) Json.decodeValue(arguments.encode(), Map.class);
  }

  static List<JsonObject> views(Spec spec, List<McpSchema.Tool> tools) {
    List<JsonObject> views = new ArrayList<>();
    for (McpSchema.Tool tool : tools == null ? List.<McpSchema.Tool>of() : tools) {
      JsonObject parameters = tool.inputSchema() == null ? new JsonObject().put("type", "object")
          : new JsonObject(Json.encode(tool.inputSchema()));
      String description = tool.description() != null ? tool.description() : tool.title() != null ? tool.title() : "";
      views.add(new JsonObject().put("name", spec.name() + "." + tool.name()).put("description", description)
          .put("parameters", parameters).put("server_id", spec.id()).put("tool", tool.name()));
    }
    return List.copyOf(views);
  }

  /** The joined text content, else the structured content, else the content list as JSON. */
  private static Object result(McpSchema.CallToolResult result) {
    List<McpSchema.Content> content = result.content() == null ? List.of() : result.content();
    List<String> texts = content.stream().filter(McpSchema.TextContent.class::isInstance)
        .map(part -> ((McpSchema.TextContent) part).text()).toList();
    if (!texts.isEmpty() && texts.size() == content.size()) {
      return String.join("\n", texts);
    }
    if (result.structuredContent() != null) {
      return Json.decodeValue(Json.encode(result.structuredContent()));
    }
    try {
      return new JsonArray(McpJsonDefaults.getMapper().writeValueAsString(content));
    } catch (java.io.IOException e) {
      return texts.stream().collect(Collectors.joining("\n"));
    }
  }

  // ---- failures ----

  /** Whether the request surely never reached a session that could run it: the session was gone, or the server unreachable. */
  private static boolean neverSent(Throwable failure) {
    return cause(failure, McpTransportSessionNotFoundException.class) != null
        || cause(failure, McpTransportSessionClosedException.class) != null
        || cause(failure, ConnectException.class) != null;
  }

  private static BusError callError(Spec spec, String tool, long timeoutMs, Throwable failure) {
    if (failure instanceof BusError known) {
      return known;
    }
    if (cause(failure, TimeoutException.class) != null) {
      return new BusError(ErrorCode.TIMEOUT, "MCP server '" + spec.name() + "' did not answer tools/call " + tool
          + " within " + timeoutMs + " ms", new JsonObject().put("server_id", spec.id()).put("tool", tool).put("timeout_ms", timeoutMs));
    }
    return unavailable(spec, "call " + tool, failure);
  }

  static BusError unavailable(Spec spec, String what, Throwable failure) {
    String reason = scrub(spec, cause(failure, TimeoutException.class) != null ? "no answer in time" : reason(failure));
    return new BusError(ErrorCode.MCP_UNAVAILABLE, "MCP server '" + spec.name() + "' is unavailable (" + what + "): " + reason,
        new JsonObject().put("server_id", spec.id()).put("url", spec.url()).put("reason", reason));
  }

  /** The innermost useful message of a failure chain (never a header value: the SDK's messages carry none). */
  static String reason(Throwable failure) {
    if (cause(failure, java.net.http.HttpConnectTimeoutException.class) != null) {
      return "connecting timed out";
    }
    if (cause(failure, ConnectException.class) != null) {
      return "cannot connect (connection refused or host unreachable)";
    }
    String message = null;
    Throwable last = failure;
    for (Throwable at = failure; at != null; at = at.getCause() == at ? null : at.getCause()) {
      last = at;
      String text = at.getMessage();
      if (text != null && !text.isBlank() && !text.startsWith("Client failed to initialize")) {
        message = text;
      }
    }
    if (last.getMessage() == null || last.getMessage().isBlank()) {
      String kind = last.getClass().getSimpleName();
      message = message == null ? kind : message.contains(kind) ? message : message + " (" + kind + ")";
    }
    return message.length() > 500 ? message.substring(0, 500) : message;
  }

  /** {@code text} without any of the server's header values (a server may echo a request in its error). */
  static String scrub(Spec spec, String text) {
    String clean = text == null ? "" : text;
    for (String value : spec.headers().values()) {
      if (value.length() >= 4) {
        clean = clean.replace(value, "[redacted]");
      }
      for (String part : value.split("\\s+")) { // the token of "Bearer <token>" on its own too
        if (part.length() >= 8) {
          clean = clean.replace(part, "[redacted]");
        }
      }
    }
    return clean;
  }

  private static <T extends Throwable> T cause(Throwable failure, Class<T> type) {
    for (Throwable at = failure; at != null; at = at.getCause() == at ? null : at.getCause()) {
      if (type.isInstance(at)) {
        return type.cast(at);
      }
    }
    return null;
  }
}
