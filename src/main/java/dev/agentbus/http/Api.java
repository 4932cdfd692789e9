package dev.agentbus.http;

import dev.agentbus.auth.Principal;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.Headers;
import dev.agentbus.trace.Traces;
import dev.agentbus.util.Ids;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import dev.agentbus.limit.RateLimiter;
import dev.agentbus.log.LogContext;
import dev.agentbus.log.LogIds;
import dev.agentbus.stream.Follower;
import dev.agentbus.config.Settings;
import java.util.function.Function;
import java.util.function.Supplier;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every route shares: request ids and trace context, JSON bodies, one bus request per
 * route, and the one error mapper that turns any failure into the error envelope.
 */
final class Api {
  static final String BASE = "/api/v1";
  private static final Logger LOG = LoggerFactory.getLogger("agentbus.http");
  private static final String REQUEST_ID_KEY = "request_id";
  private static final Pattern SAFE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
  private static final Pattern TRACEPARENT = Pattern.compile("00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Vertx vertx;
  private final long requestTimeoutMs;
  private final Follower follower;
  private final RateLimiter limiter;

  Api(Vertx vertx, Settings settings) {
    this.vertx = vertx;
    this.requestTimeoutMs = settings.http().requestTimeoutMs();
    this.follower = new Follower(vertx, settings.streams(),
        settings.limits().enabled() ? settings.limits().maxStreamsPerPrincipal() : Integer.MAX_VALUE);
    this.limiter = new RateLimiter(vertx, settings.limits(), StreamRequests::test, Api::fail);
  }

  Vertx vertx() {
    return vertx;
  }

  /** Follows events to clients: every SSE and WebSocket front door goes through it. */
  /** The rate limits: the router's handler, and {@link RateLimiter#charge} for prompts sent over a WebSocket. */
  RateLimiter limiter() {
    return limiter;
  }

  Follower follower() {
    return follower;
  }

  /**
   * An SSE front door: one bus request, then the stream its reply plans. A failed request is an
   * error envelope; a streaming POST is not replayed (a claimed {@code Idempotency-Key} is released).
   */
  void stream(RoutingContext ctx, String address, JsonObject body, Function<JsonObject, Follower.Plan> plan) {
    stream(ctx, () -> send(ctx, address, body), plan);
  }

  void stream(RoutingContext ctx, Supplier<Future<JsonObject>> request, Function<JsonObject, Follower.Plan> plan) {
    follower.sse(ctx, requestId(ctx), request, reply -> {
      Idempotency.settle(ctx, 0, null);
      return plan.apply(reply);
    }, failure -> fail(ctx, failure));
  }

  /** First handler of every request: ids on the response, an access log line with the request id. */
  void begin(RoutingContext ctx) {
    String given = ctx.request().getHeader("X-Request-ID");
    String requestId = given != null && SAFE_REQUEST_ID.matcher(given).matches() ? given : Ids.next("req");
    ctx.put(REQUEST_ID_KEY, requestId);
    // The HTTP server span's context (Vert.x honoured an incoming traceparent); made up when tracing is off.
    String traceparent = Traces.traceparent();
    if (traceparent == null) {
      var incoming = ctx.request().getHeader(Headers.TRACEPARENT);
      var match = incoming == null ? null : TRACEPARENT.matcher(incoming);
      String traceId = match != null && match.matches() ? match.group(1) : randomHex(16);
      traceparent = "00-" + traceId + "-" + randomHex(8) + "-01";
    }
    ctx.put(Headers.TRACEPARENT, traceparent);
    ctx.response().putHeader("X-Request-ID", requestId).putHeader(Headers.TRACEPARENT, traceparent);
    // every record logged while this request is served (on its duplicated context) carries its ids
    // traceparent = 00-<trace id>-<span id>-<flags>
    LogContext.bind(new LogIds(requestId, traceparent.substring(3, 35), null, null, null));
    long started = System.nanoTime();
    ctx.addEndHandler(done -> LOG.atInfo().addKeyValue("method", ctx.request().method().name())
        .addKeyValue("path", ctx.request().path()).addKeyValue("status", ctx.response().getStatusCode())
        .addKeyValue("duration_ms", (System.nanoTime() - started) / 1_000_000)
        .addKeyValue("session_id", ctx.pathParam("session_id")).addKeyValue("command_id", ctx.pathParam("command_id"))
        .addKeyValue("tenant_id", LogIds.tenantOf(principal(ctx)))
        .log("{} {} {} {}ms request_id={}", ctx.request().method(), ctx.request().path(),
            ctx.response().getStatusCode(), (System.nanoTime() - started) / 1_000_000, requestId));
    ctx.next();
  }

  /** The named path parameters as a request body: {@code path(ctx, "session_id", "command_id")}. */
  static JsonObject path(RoutingContext ctx, String... names) {
    JsonObject ref = new JsonObject();
    for (String name : names) {
      ref.put(name, ctx.pathParam(name));
    }
    return ref;
  }

  static String requestId(RoutingContext ctx) {
    return ctx.get(REQUEST_ID_KEY);
  }

  /** The body as a JSON object: 415 for a non-JSON content type, 400 for malformed JSON. Empty body → {}. */
  static JsonObject body(RoutingContext ctx) {
    Buffer raw = ctx.body().buffer();
    if (raw == null || raw.length() == 0) {
      return new JsonObject();
    }
    String type = ctx.request().getHeader("Content-Type");
    if (type == null || !type.toLowerCase().startsWith("application/json")) {
      throw new BusError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Request bodies must be application/json",
          new JsonObject().put("field", "Content-Type").put("content_type", type));
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(raw);
    } catch (DecodeException e) {
      throw BusError.invalid("body", "is not valid JSON");
    }
    if (!(parsed instanceof JsonObject object)) {
      throw BusError.invalid("body", "must be a JSON object");
    }
    return object;
  }

  /** A bus request's options: the request id, trace context and the principal ({@link Headers#PRINCIPAL}) it acts for. */
  DeliveryOptions delivery(RoutingContext ctx) {
    DeliveryOptions options = Bus.withRequestId(requestId(ctx)).addHeader(Headers.TRACEPARENT, ctx.get(Headers.TRACEPARENT))
        .setSendTimeout(requestTimeoutMs);
    Principal principal = ctx.get(Principal.CONTEXT_KEY);
    if (principal != null) {
      options.addHeader(Headers.PRINCIPAL, encoded(principal));
    }
    return options;
  }

  private Principal lastPrincipal;
  private String lastEncoded;

  /**
   * The header form of a principal. A key's or JWT's principal is the same object request after
   * request (the authenticator caches it), so the last one's encoding is kept: this instance runs
   * on one event loop, and a principal never changes.
   */
  private String encoded(Principal principal) {
    if (principal != lastPrincipal) {
      lastEncoded = principal.toJson().encode();
      lastPrincipal = principal;
    }
    return lastEncoded;
  }

  /** The principal the request acts for (set by {@link AuthHandler}). */
  static Principal principal(RoutingContext ctx) {
    return ctx.get(Principal.CONTEXT_KEY);
  }

  /** One bus request. */
  Future<JsonObject> send(RoutingContext ctx, String address, JsonObject body) {
    return Bus.request(vertx, address, body, delivery(ctx));
  }

  /** One bus request whose reply may take the whole {@code ?wait}: the request outlives it, whatever request_timeout_ms is. */
  Future<JsonObject> send(RoutingContext ctx, String address, JsonObject body, long waitSeconds) {
    return Bus.request(vertx, address, body, Bus.outliving(delivery(ctx), waitSeconds));
  }

  /** A route that takes no query parameters: refuses any (400), then {@link #forward}. */
  void forwardPlain(RoutingContext ctx, String address, JsonObject body, int status) {
    Validator.of(ctx).throwIfInvalid();
    forward(ctx, address, body, status);
  }

  /** One bus request, its reply written with {@code status}, failures through {@link #fail}. */
  void forward(RoutingContext ctx, String address, JsonObject body, int status) {
    send(ctx, address, body).onSuccess(reply -> json(ctx, status, reply)).onFailure(failure -> fail(ctx, failure));
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended()) {
      return;
    }
    // A claimed Idempotency-Key is settled before the client sees the response, so its retry finds it settled.
    Idempotency.settle(ctx, status, body).onComplete(settled -> {
      if (!ctx.response().ended() && !ctx.response().closed()) {
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
      }
    });
  }

  /**
   * A create route's one request once {@code checked} (the URL guard, or nothing) passed: 201 with
   * {@code Location: <collection>/<the reply's idField>}, failures through {@link #fail}.
   */
  void create(RoutingContext ctx, Future<?> checked, String address, JsonObject body, String collection, String idField) {
    checked.compose(valid -> send(ctx, address, body))
        .onSuccess(made -> created(ctx, BASE + collection + "/" + made.getString(idField), made))
        .onFailure(failure -> fail(ctx, failure));
  }

  /** Where an accepted command is polled. */
  static String commandLocation(JsonObject command) {
    return BASE + "/sessions/" + command.getString("session_id") + "/commands/" + command.getString("command_id");
  }

  /** 201 with {@code Location} pointing at what was created. */
  static void created(RoutingContext ctx, String location, JsonObject body) {
    ctx.response().putHeader("Location", location);
    json(ctx, 201, body);
  }

  /** The one error mapper: any failure → stable code, HTTP status and the error envelope. */
  static void fail(RoutingContext ctx, Throwable failure) {
    BusError error = BusError.from(failure, ctx.request().path(), requestId(ctx));
    HttpServerResponse response = ctx.response();
    if (response.ended() || response.headWritten()) {
      if (!response.ended()) {
        response.end();
      }
      return;
    }
    if (error.code() == ErrorCode.UNAUTHENTICATED && response.headers().get("WWW-Authenticate") == null) {
      // Every 401 names its scheme (RFC 9110), a handler callback's missing token too.
      response.putHeader("WWW-Authenticate", AuthHandler.REALM);
    }
    if (error.code() == ErrorCode.RATE_LIMITED && response.headers().get("Retry-After") == null
        && error.details() != null && error.details().getValue("retry_after_s") != null) {
      // A limit enforced past the edge (in-flight runs, open streams) says when to retry in its details.
      response.putHeader("Retry-After", String.valueOf(error.details().getValue("retry_after_s")));
    }
    json(ctx, error.code().httpStatus(), envelope(error, requestId(ctx)));
  }

  static JsonObject envelope(BusError error, String requestId) {
    return new JsonObject().put("error", error.toJson()).put("timestamp", Times.now()).put("request_id", requestId);
  }

  /** The router's failure handler: route failures and status-only failures (404, 405, 413, ...). */
  static void routeFailure(RoutingContext ctx) {
    if (ctx.failure() != null) {
      fail(ctx, ctx.failure());
      return;
    }
    int status = ctx.statusCode();
    BusError error = switch (status) {
      case 404 -> new BusError(ErrorCode.NOT_FOUND, "No such endpoint: " + ctx.request().method() + " " + ctx.request().path(),
          new JsonObject().put("field", "path").put("path", ctx.request().path()));
      case 405 -> new BusError(ErrorCode.METHOD_NOT_ALLOWED, "Method " + ctx.request().method() + " is not allowed here",
          new JsonObject().put("field", "method").put("method", ctx.request().method().name()));
      case 413 -> new BusError(ErrorCode.PAYLOAD_TOO_LARGE, "Request body is larger than the limit",
          new JsonObject().put("field", "body"));
      case 415 -> new BusError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Unsupported content type",
          new JsonObject().put("field", "Content-Type"));
      case 400 -> BusError.invalid("body", "could not be read");
      default -> new BusError(ErrorCode.INTERNAL_ERROR, "Internal error");
    };
    if (status >= 500) {
      LOG.error("request failed with {} request_id={}", status, requestId(ctx));
    }
    fail(ctx, error);
  }

  private static String randomHex(int bytes) {
    byte[] random = new byte[bytes];
    RANDOM.nextBytes(random);
    return HexFormat.of().formatHex(random);
  }
}
