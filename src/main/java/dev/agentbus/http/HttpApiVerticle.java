package dev.agentbus.http;

import dev.agentbus.auth.Authenticator;
import dev.agentbus.bridge.OpenBridgeSockets;
import dev.agentbus.config.Settings;
import dev.agentbus.stream.OpenFeeds;
import dev.agentbus.stream.SocketLimits;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The HTTP and WebSocket edge. Every route validates its input, sends one bus request and maps
 * the reply (or failure) through {@link Api#fail}. Deploy one instance per core; they share the port.
 */
public class HttpApiVerticle extends VerticleBase {
  @Override
  public Future<?> start() {
    JsonObject config = config();
    Settings settings = Settings.of(config);
    Settings.Http http = settings.http();
    SystemRoutes system = new SystemRoutes(vertx, config, settings);
    Router router = router(vertx, config, system);

    // WebSocket messages over the limit are closed with 1009, compressed or not (see SocketLimits).
    int messageLimit = http.maxWsFrameBytes();
    HttpServerOptions options = SocketLimits.apply(new HttpServerOptions(), messageLimit)
        .setHost(http.host())
        .setPort(http.port())
        // Streams write at least a keep-alive every 15 s, and ?wait is at most 60 s: idle past this is abandoned.
        .setIdleTimeout(http.idleTimeoutSeconds());
    return SocketLimits.install(vertx.createHttpServer(options), options, messageLimit).requestHandler(router).listen()
        .compose(server -> system.announce(server.actualPort()));
  }

  /**
   * The first steps of a graceful shutdown of this node's HTTP edge, once {@link
   * dev.agentbus.util.Draining} is set (new work is refused from then on): the node is announced
   * not ready in {@link dev.agentbus.bus.SharedNames#HTTP_NODES}, and every open stream ends with its
   * resume cursor (SSE: {@code event: server.shutdown}; WebSocket: close 1012), and every SockJS bridge
   * socket closes (its client reconnects elsewhere). The server itself
   * closes when this verticle is undeployed.
   */
  public static Future<Void> drain(Vertx vertx) {
    return Future.join(SystemRoutes.withdraw(vertx), OpenFeeds.endAll(vertx), OpenBridgeSockets.closeAll(vertx)).mapEmpty();
  }

  /**
   * The router with every handler and route of the API mounted: what a node serves, what {@code
   * /openapi.json} describes (a test walks {@link Router#getRoutes()} against it).
   */
  static Router router(Vertx vertx, JsonObject config) {
    return router(vertx, config, new SystemRoutes(vertx, config, Settings.of(config)));
  }

  private static Router router(Vertx vertx, JsonObject config, SystemRoutes system) {
    Settings settings = Settings.of(config);
    Settings.Http http = settings.http();
    Api api = new Api(vertx, settings);
    Limits limits = Limits.from(settings);

    Router router = Router.router(vertx);
    router.route().handler(api::begin);
    // CORS first: a preflight is answered, and a disallowed origin's stream or POST refused, before anything else.
    router.route().handler(new Cors(settings.cors()));
    // A draining node refuses new work before anything is read or claimed for it.
    router.route().handler(new DrainGate(vertx));
    // Not a method-restricted route: a route that matches every path but only some methods makes
    // the router answer 405 (not 404) for any unknown GET or DELETE path.
    BodyHandler bodies = BodyHandler.create(false).setBodyLimit(http.maxBodyBytes());
    router.route().handler(ctx -> {
      HttpMethod method = ctx.request().method();
      if (method == HttpMethod.POST || method == HttpMethod.PATCH || method == HttpMethod.PUT) {
        bodies.handle(ctx);
      } else {
        ctx.next();
      }
    });
    // Authentication after the body (a handler's progress callback is told apart by its body), before everything else.
    router.route().handler(new AuthHandler(new Authenticator(vertx, settings.auth()), api.limiter()));
    // After authentication (which names the principal) and the body; before anything is claimed or run.
    router.route().handler(api.limiter());
    Idempotency idempotency = new Idempotency(api);
    router.route().handler(ctx -> {
      if (ctx.request().method() == HttpMethod.POST && !KeyRoutes.carriesSecret(ctx.request().path())) {
        idempotency.handle(ctx);
      } else {
        ctx.next();
      }
    });
    new HealthRoutes(vertx, settings.engines()).mount(router);
    new ObservabilityRoutes(vertx).mount(router);
    new LogRoutes(api, limits).mount(router);
    new TraceRoutes(api).mount(router);
    system.mount(router);
    new DocsRoutes().mount(router);
    new SessionRoutes(api, limits).mount(router);
    new KeyRoutes(api, settings.auth()).mount(router);
    new StreamRoutes(api, limits).mount(router);
    new CommandRoutes(api, limits).mount(router);
    new HandlerRoutes(api).mount(router);
    new McpRoutes(api).mount(router);
    new ToolRoutes(api, settings.tools()).mount(router);
    new EventHandlerRoutes(api, limits).mount(router);
    new EventRoutes(api, limits).mount(router);
    EngineSettings engineSettings = new EngineSettings(vertx, settings);
    new EngineRoutes(api, limits, engineSettings).mount(router);
    new AgentRoutes(api, limits, engineSettings).mount(router);
    new ThreadRoutes(api, limits).mount(router);
    new ExecuteRoutes(api, limits, engineSettings).mount(router);
    new ChatStreamRoutes(api, engineSettings).mount(router);
    new InferRoutes(api, limits).mount(router);
    new SemanticStreamRoutes(api).mount(router);
    new EventBusBridge(api, limits, settings).mount(router);
    // Last: the console's page and files shadow no API route.
    new ConsoleRoutes().mount(router);
    router.route().failureHandler(Api::routeFailure);
    router.errorHandler(404, Api::routeFailure);
    router.errorHandler(405, Api::routeFailure);
    router.errorHandler(500, Api::routeFailure);
    return router;
  }
}
