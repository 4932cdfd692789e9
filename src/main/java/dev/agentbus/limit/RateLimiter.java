package dev.agentbus.limit;

import dev.agentbus.auth.Principal;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.Settings;
import dev.agentbus.metrics.Metrics;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request rate limits, cluster-wide ({@link Buckets}): each request takes its route's cost
 * ({@code limits.route_costs}, else 1) from its principal's bucket ({@link Principal#rateKey}) of
 * its tier's quota per {@code limits.window_s}; a stream request also takes one from its client
 * IP's stream-connect bucket. Every counted response carries the IETF httpapi ratelimit headers in
 * structured-field form — {@code RateLimit-Policy: "<tier>";q=<quota>;w=<window s>} and {@code
 * RateLimit: "<tier>";r=<remaining>;t=<s until full>} — and a refusal is 429 {@code RATE_LIMITED}
 * with {@code Retry-After} (seconds). Health checks and the API's description ({@code /openapi.json},
 * the {@code /docs} UI and its files) and the console's static files ({@code /}, {@code /console/*}) are not counted. If the cluster's buckets cannot
 * be reached the request passes (fail open, logged): a limit must not take the API down with it.
 */
public final class RateLimiter implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
  private static final String STREAMS = "streams";
  private static final String PAUSED = "agentbus.rate-paused";

  private record Cost(String method, Pattern path, int tokens) {}

  private final Settings.RateLimits settings;
  private final Buckets buckets;
  private final Predicate<RoutingContext> isStream;
  private final BiConsumer<RoutingContext, Throwable> fail;
  private final List<Cost> costs = new ArrayList<>();
  /** The methods some {@link #costs} entry names: any other request costs 1 without a pattern match. */
  private final java.util.Set<String> costedMethods = new java.util.HashSet<>();
  /** Each tier's {@code RateLimit-Policy} value, built once. */
  private final Map<String, String> policies = new java.util.HashMap<>();

  /**
   * @param isStream which requests open a stream (SSE or WebSocket)
   * @param fail     how a refusal is answered (the API's error envelope)
   */
  public RateLimiter(Vertx vertx, Settings.RateLimits settings, Predicate<RoutingContext> isStream,
                     BiConsumer<RoutingContext, Throwable> fail) {
    this.settings = settings;
    this.buckets = Buckets.of(vertx, settings.maxTrackedKeys());
    this.isStream = isStream;
    this.fail = fail;
    for (Map.Entry<String, Integer> entry : settings.routeCosts().entrySet()) {
      String[] parts = entry.getKey().trim().split("\\s+", 2);
      if (parts.length != 2) {
        throw new IllegalArgumentException("limits.route_costs keys are \"METHOD /path\", got '" + entry.getKey() + "'");
      }
      String regex = Pattern.quote(parts[1]).replace("*", "\\E[^/]+\\Q");
      costs.add(new Cost(parts[0].toUpperCase(), Pattern.compile(regex), entry.getValue()));
      costedMethods.add(parts[0].toUpperCase());
    }
    settings.tiers().forEach((tier, quota) -> policies.put(tier, policy(tier, quota)));
  }

  /**
   * Whether a request is never counted: health checks, the API's description and its UI (one page
   * load is a dozen files), and the console's static files (its API calls are counted like any).
   */
  static boolean exempt(String path) {
    return path.equals("/health") || path.startsWith("/health/") || path.startsWith("/api/v1/health")
        || path.equals("/openapi.json") || path.equals("/api/v1/openapi.json") || path.equals("/docs") || path.startsWith("/docs/")
        || path.equals("/") || path.startsWith("/console/");
  }

  /** The tokens a request takes: the first matching {@code limits.route_costs} entry, else 1. */
  int cost(String method, String path) {
    if (!costedMethods.contains(method)) {
      return 1;
    }
    for (Cost cost : costs) {
      if (cost.method().equals(method) && cost.path().matcher(path).matches()) {
        return cost.tokens();
      }
    }
    return 1;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.request().path();
    if (!settings.enabled() || exempt(path)) {
      ctx.next();
      return;
    }
    Principal principal = Callers.of(ctx);
    String tier = settings.tiers().containsKey(principal.tier()) ? principal.tier() : "default";
    int quota = settings.tiers().getOrDefault(tier, 1000);
    long windowMs = settings.windowSeconds() * 1000L;
    boolean stream = isStream.test(ctx);
    Future<Take> taken = buckets.take(principal.rateKey(), quota, windowMs, cost(ctx.request().method().name(), path));
    if (!taken.isComplete()) {
      ctx.request().pause(); // the cluster answers later: hold the request (and a WebSocket upgrade) unread
      ctx.put(PAUSED, true);
    }
    taken.onComplete(done -> {
      if (done.failed()) {
        LOG.warn("rate limits unavailable, request passes: {}", done.cause().getMessage());
        proceed(ctx);
        return;
      }
      Take take = done.result();
      HttpServerResponse response = ctx.response();
      String policy = policies.get(tier);
      response.putHeader("RateLimit-Policy", policy != null ? policy : policy(tier, quota));
      response.putHeader("RateLimit", "\"" + tier + "\";r=" + take.remaining() + ";t=" + take.resetSeconds());
      if (!take.allowed()) {
        refuse(ctx, take, "Rate limit of tier " + tier + " (" + quota + " per " + settings.windowSeconds() + " s) reached");
      } else if (stream) {
        streamConnect(ctx);
      } else {
        proceed(ctx);
      }
    });
  }

  private String policy(String tier, int quota) {
    return "\"" + tier + "\";q=" + quota + ";w=" + settings.windowSeconds();
  }

  /**
   * Takes the cost of {@code method path} from the request's principal's bucket for something sent
   * after the request (a prompt frame on a WebSocket): succeeds when allowed (or limits are off),
   * fails with 429 {@code RATE_LIMITED} (details {@code retry_after_s}) when not.
   */
  public Future<Void> charge(RoutingContext ctx, String method, String path) {
    if (!settings.enabled()) {
      return Future.succeededFuture();
    }
    Principal principal = Callers.of(ctx);
    String tier = settings.tiers().containsKey(principal.tier()) ? principal.tier() : "default";
    int quota = settings.tiers().getOrDefault(tier, 1000);
    return buckets.take(principal.rateKey(), quota, settings.windowSeconds() * 1000L, cost(method, path))
        .recover(failure -> {
          LOG.warn("rate limits unavailable, frame passes: {}", failure.getMessage());
          return Future.succeededFuture(new Take(true, 0, 0, 0));
        })
        .<Void>compose(take -> take.allowed() ? Future.succeededFuture()
            : Future.failedFuture(new BusError(ErrorCode.RATE_LIMITED, "Rate limit of tier " + tier + " (" + quota + " per "
                + settings.windowSeconds() + " s) reached; retry after " + take.retryAfterSeconds() + " s",
                new JsonObject().put("retry_after_s", take.retryAfterSeconds()))))
        .onFailure(refused -> Metrics.rateLimited());
  }

  private void streamConnect(RoutingContext ctx) {
    int quota = settings.streamConnectsPerIp();
    long windowS = settings.streamConnectsWindowSeconds();
    buckets.take("streams:" + Callers.ip(ctx), quota, windowS * 1000L, 1).onComplete(done -> {
      if (done.failed()) {
        LOG.warn("stream-connect limits unavailable, stream passes: {}", done.cause().getMessage());
        proceed(ctx);
        return;
      }
      Take take = done.result();
      HttpServerResponse response = ctx.response();
      response.headers().set("RateLimit-Policy", response.headers().get("RateLimit-Policy")
          + ", \"" + STREAMS + "\";q=" + quota + ";w=" + windowS);
      response.headers().set("RateLimit", response.headers().get("RateLimit")
          + ", \"" + STREAMS + "\";r=" + take.remaining() + ";t=" + take.resetSeconds());
      if (take.allowed()) {
        proceed(ctx);
      } else {
        refuse(ctx, take, "At most " + quota + " streams may be opened per " + windowS + " s from one address");
      }
    });
  }

  private static void proceed(RoutingContext ctx) {
    resume(ctx);
    ctx.next();
  }

  private static void resume(RoutingContext ctx) {
    if (ctx.remove(PAUSED) != null) {
      ctx.request().resume();
    }
  }

  private void refuse(RoutingContext ctx, Take take, String message) {
    Metrics.rateLimited();
    resume(ctx);
    ctx.response().putHeader("Retry-After", String.valueOf(take.retryAfterSeconds()));
    fail.accept(ctx, new BusError(ErrorCode.RATE_LIMITED, message + "; retry after " + take.retryAfterSeconds() + " s",
        new JsonObject().put("retry_after_s", take.retryAfterSeconds())));
  }
}
