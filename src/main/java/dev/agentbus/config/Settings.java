package dev.agentbus.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Every configuration key, read in this one place, typed. Defaults live in one place too: the
 * bundled {@code conf/config.json} ({@link AppConfig#defaults()}); a partial config (a test's
 * overrides) is read on top of them, so no key has a second default in code.
 */
public record Settings(Http http, Mongo mongo, Store store, Cluster cluster, Pages pages, Sessions sessions,
                       Events events, Commands commands, Streams streams, Engines engines, Handlers handlers,
                       Mcp mcp, Tools tools, Security security, Auth auth, Cors cors, RateLimits limits,
                       Metrics metrics, Shutdown shutdown, Logs logs, Tracing tracing, TcpBridge tcpBridge) {

  /**
   * {@code bridge.tcp.*}: the TCP event-bus bridge for workers ({@code dev.agentbus.bridge.TcpBridgeVerticle}),
   * listening on {@code port} of the HTTP host (0: off, the default); at most {@code max_connections}
   * workers, frames of at most {@code max_frame_bytes}, {@code max_registrations} addresses and
   * {@code max_pending} unanswered requests per connection; a connection silent for {@code
   * idle_timeout_s} is closed (a worker pings to stay connected).
   */
  public record TcpBridge(int port, int maxConnections, int maxFrameBytes, int maxRegistrations, int maxPending,
                          int idleTimeoutSeconds) {
    public boolean enabled() {
      return port > 0;
    }
  }

  /**
   * {@code http.cors.*}: the origins ({@code scheme://host[:port]}) whose pages may call the API from
   * a browser; empty: none but the node's own origin. See {@code http.Cors} and {@code http.OriginCheck}.
   */
  public record Cors(List<String> allowedOrigins) {}

  /**
   * {@code limits.*}: rate limits ({@code enabled}), cluster-wide token buckets of {@code tiers}
   * (tier → requests per {@code window_s}) per principal; {@code route_costs} ({@code "METHOD
   * /path"}, {@code *} one path segment → tokens a request takes, else 1); {@code
   * stream_connects_per_ip} stream openings per {@code stream_connects_window_s} per client IP;
   * {@code max_streams_per_principal} streams open at once per principal on one node; {@code
   * max_inflight_runs} unfinished commands (pending or executing) per principal, cluster-wide
   * ({@code limit.InflightRuns}); at most {@code max_tracked_keys} buckets kept in a node's memory
   * when it is not clustered.
   */
  public record RateLimits(boolean enabled, int windowSeconds, java.util.Map<String, Integer> tiers,
                           java.util.Map<String, Integer> routeCosts, int streamConnectsPerIp,
                           int streamConnectsWindowSeconds, int maxStreamsPerPrincipal, int maxInflightRuns,
                           int maxTrackedKeys) {}

  /** {@code http.*}: the listener and request limits. */
  public record Http(String host, int port, int instances, long maxBodyBytes, int maxWsFrameBytes,
                     long requestTimeoutMs, int idleTimeoutSeconds) {}

  /** {@code mongodb.*}: an external MongoDB ({@code uri} null: the embedded store). */
  public record Mongo(String uri, String database, int serverSelectionTimeoutMs, int connectTimeoutMs, int maxPoolSize) {
    /** These settings with {@code uri} resolved (the embedded store's, when none is configured). */
    public Mongo withUri(String resolved) {
      return new Mongo(resolved, database, serverSelectionTimeoutMs, connectTimeoutMs, maxPoolSize);
    }
  }

  /** {@code store.*}: the embedded store ({@code embedded}: h2 or memory; port 0: any free one). */
  /**
   * {@code store.*}: the embedded store, and the group commits of commands, sessions and messages
   * ({@code write_batch} operations per store write at most, {@code max_queued_writes} waiting).
   */
  public record Store(String embedded, String dataDir, String host, int port, int writeBatch, int maxQueuedWrites) {}

  /** {@code cluster.*}: Hazelcast membership. */
  public record Cluster(boolean enabled, String config, String host) {}

  /** {@code metrics.*}: {@code enabled} puts Vert.x's and agentbus's meters on {@code /metrics}. */
  public record Metrics(boolean enabled) {}

  /**
   * {@code logs.*}: whether log records are kept in the store ({@code enabled}), the least severe
   * level kept ({@code store_level}), the writer's queue ({@code queue_capacity} records; past it
   * records are dropped and counted), how it drains ({@code batch_size} records per group insert,
   * every {@code flush_ms}), and the retention: at most {@code max_records} records and none older
   * than {@code max_age_s}, enforced every {@code sweep_ms}; each request, session and command lists
   * at most its {@code max_ids_per_lookup} newest records. See {@code dev.agentbus.log}.
   */
  public record Logs(boolean enabled, String storeLevel, int queueCapacity, int batchSize, long flushMs,
                     long maxRecords, long maxAgeSeconds, long sweepMs, int maxIdsPerLookup) {}

  /**
   * {@code tracing.*} (see {@code dev.agentbus.trace}): {@code enabled} records spans (off: no
   * tracer; {@code traceparent} is still answered); spans go to the store {@code batchSize} per
   * write every {@code flushMs}; past {@code maxQueued} waiting spans new ones are dropped (and
   * counted); a trace untouched for {@code retentionMs} is deleted; {@code maxSpansPerTrace} are
   * kept per trace; {@code otlpEndpoint} (env {@code OTEL_EXPORTER_OTLP_ENDPOINT}), an OTLP/HTTP
   * base URL spans are also exported to ({@code <it>/v1/traces}), null: no export; {@code
   * sampleRatio} of the traces that start here are recorded (a caller's sampled {@code traceparent}
   * always is).
   */
  public record Tracing(boolean enabled, int batchSize, int maxQueued, long flushMs, long retentionMs,
                        int maxSpansPerTrace, String otlpEndpoint, double sampleRatio) {}

  /** {@code pagination.*}: list page sizes. */
  public record Pages(int defaultLimit, int maxLimit) {}

  /** {@code sessions.*}. */
  public record Sessions(int maxBulk, long expirySweepMs, long cacheTtlMs, int cacheMaxEntries) {}

  /**
   * {@code events.*}: the group commit (drafts per bulk write, queued drafts), how long a forward
   * to a session's owner may take, and how many sessions' last seq a node keeps in memory.
   */
  public record Events(int maxBatch, int maxQueued, long forwardTimeoutMs, int maxCachedSessions) {}

  /**
   * {@code commands.*}: slots, queue, timeouts, waits, batches, the reaper; {@code event_hold_ms}:
   * how long a command's events and its {@code pending → executing} write may be held so they
   * go out with the next transition.
   */
  public record Commands(int maxConcurrent, int maxQueued, int defaultTimeoutSeconds, int maxTimeoutSeconds,
                         int maxWaitSeconds, int maxBatch, long reaperPeriodMs, long eventHoldMs) {}

  /**
   * {@code shutdown.*}: a graceful shutdown ({@code POST /shutdown} or SIGTERM) gives the commands
   * running on the node {@code grace_ms} to finish before its verticles stop.
   */
  public record Shutdown(long graceMs) {}

  /** {@code streams.*}: client streams (SSE and WebSocket). */
  public record Streams(int maxQueuedFrames, long keepaliveMs, int replayPage, int writeQueueMaxBytes, int maxConnections) {}

  /** {@code engines.openai.*}: the operator's OpenAI-compatible endpoint ({@code apiKey} is a secret: never log it). */
  public record OpenAi(String baseUrl, String apiKey, String model, int connectTimeoutMs, long idleTimeoutMs,
                       int maxLineBytes, int maxConnections) {}

  /** {@code engines.*}: the tool-call loop and the models. */
  public record Engines(String defaultType, int maxIterations, int maxIterationsLimit, int maxHistoryMessages,
                        long dummyTokenDelayMs, OpenAi openai, long stallTimeoutMs, int maxRetries, long retryBaseMs,
                        long retryMaxMs, long tokenFlushMs, long tokenMaxHoldMs) {}

  /**
   * {@code handlers.*}: registered command handlers. A webhook attempt times out after {@code
   * timeout_ms} (unless the registration sets its own), a response body over {@code
   * max_response_bytes} is a failure; retries back off from {@code retry_base_ms}, doubling with
   * jitter up to {@code retry_max_ms}, at most {@code max_attempts} per command. {@code
   * callback_base_url} (null: {@code http://<http.host>:<http.port>}) is where asynchronous webhooks
   * post results; {@code callback_secret} (a secret: never log it; null: one generated per cluster)
   * signs their callback tokens. {@code cache_ttl_ms}: how long a node trusts its cached lookups.
   * The same limits apply to event handlers' deliveries (per event), with {@code events.*}.
   */
  public record Handlers(long timeoutMs, long retryBaseMs, long retryMaxMs, int maxAttempts, int maxResponseBytes,
                         String callbackBaseUrl, String callbackSecret, long cacheTtlMs, EventHandlers events) {}

  /**
   * {@code handlers.events.*}: event handlers. {@code max_per_scope} handlers per session (and
   * globally); a delivery lane holds at most {@code lane_buffer} events in memory and reads
   * {@code read_page} events per request when it catches up from the store; at most {@code
   * max_lanes} idle lanes are remembered per node; every {@code membership_check_ms} a node looks
   * whether the cluster's members changed (then it resumes the open cursors it now owns).
   */
  public record EventHandlers(int maxPerScope, int laneBuffer, int readPage, int maxLanes, long membershipCheckMs) {}

  /**
   * {@code mcp.*}: MCP server clients. A connection attempt gives up after {@code connect_timeout_ms}
   * (TCP) and {@code init_timeout_ms} ({@code initialize} and {@code tools/list}); a {@code tools/call}
   * after {@code call_timeout_ms} unless the call asks for another, at most {@code max_call_timeout_ms}.
   * An unavailable registered server is tried again every {@code reconnect_interval_ms}; one MCP
   * message may be at most {@code max_response_bytes}; at most {@code max_servers} are registered.
   */
  public record Mcp(long connectTimeoutMs, long initTimeoutMs, long callTimeoutMs, long maxCallTimeoutMs,
                    long reconnectIntervalMs, int maxResponseBytes, int maxServers) {}

  /**
   * {@code security.*}: hosts a user-given URL may reach although they are internal, and {@code
   * secret_key} (a secret: never log it; null: none), the key that stored credentials (MCP server
   * header values) are encrypted with. Without it, credentials cannot be stored.
   */
  public record Security(List<String> allowedHosts, String secretKey) {
    /** Only the allowed hosts (no secret key): for code and tests that only guard URLs. */
    public Security(List<String> allowedHosts) {
      this(allowedHosts, null);
    }
  }

  /**
   * {@code tools.*}: registered tools. A call of an http or bus tool times out after {@code
   * timeout_ms} (unless the registration sets its own); an http tool's response body over {@code
   * max_response_bytes} is a tool error; a tool's {@code parameters} schema may be at most {@code
   * max_schema_bytes} encoded; {@code cache_ttl_ms}: how long a node trusts its cached lookups.
   */
  public record Tools(long timeoutMs, int maxResponseBytes, int maxSchemaBytes, long cacheTtlMs) {}

  /**
   * {@code auth.*}: {@code admin_key} (a secret: never log it; null: none), how long a node trusts a
   * cached API-key lookup ({@code cache_ttl_ms}; a revocation evicts it on every node at once), session
   * tokens' default and maximum lifetime, and the JWT verification of {@code jwt.*}. With neither an
   * admin key nor a JWT key the node is in protected mode (loopback clients only).
   */
  public record Auth(String adminKey, long cacheTtlMs, int sessionTokenDefaultTtlSeconds, int sessionTokenMaxTtlSeconds,
                     Jwt jwt) {
    /** Whether any authentication is configured (else: protected mode). */
    public boolean configured() {
      return present(adminKey) || jwt.configured();
    }
  }

  /**
   * {@code auth.jwt.*}: the expected {@code iss} and {@code aud} (null: not checked), the HS256
   * {@code secret} or the RS256/ES256 {@code public_key} (PEM; both secrets: never log them), the claim
   * naming the tenant, and the clock skew allowed on {@code exp}/{@code nbf}.
   */
  public record Jwt(String issuer, String audience, String secret, String publicKey, String tenantClaim, int clockSkewSeconds) {
    public boolean configured() {
      return present(secret) || present(publicKey);
    }
  }

  private static boolean present(String value) {
    return value != null && !value.isBlank();
  }

  private static EventHandlers eventHandlers(JsonObject events) {
    return new EventHandlers(events.getInteger("max_per_scope"), events.getInteger("lane_buffer"), events.getInteger("read_page"),
        events.getInteger("max_lanes"), events.getLong("membership_check_ms"));
  }

  /** The settings of {@code config}, read over the bundled defaults. */
  public static Settings of(JsonObject config) {
    JsonObject c = AppConfig.defaults().mergeIn(config, true);
    JsonObject http = c.getJsonObject("http");
    JsonObject mongo = c.getJsonObject("mongodb");
    JsonObject store = c.getJsonObject("store");
    JsonObject cluster = c.getJsonObject("cluster");
    JsonObject pages = c.getJsonObject("pagination");
    JsonObject sessions = c.getJsonObject("sessions");
    JsonObject events = c.getJsonObject("events");
    JsonObject commands = c.getJsonObject("commands");
    JsonObject streams = c.getJsonObject("streams");
    JsonObject engines = c.getJsonObject("engines");
    JsonObject openai = engines.getJsonObject("openai");
    JsonObject handlers = c.getJsonObject("handlers");
    JsonObject mcp = c.getJsonObject("mcp");
    JsonObject security = c.getJsonObject("security");
    JsonObject tools = c.getJsonObject("tools");
    JsonObject auth = c.getJsonObject("auth");
    JsonObject jwt = auth.getJsonObject("jwt");
    return new Settings(
        new Http(http.getString("host"), http.getInteger("port"), http.getInteger("instances"),
            http.getLong("max_body_bytes"), http.getInteger("max_ws_frame_bytes"), http.getLong("request_timeout_ms"),
            http.getInteger("idle_timeout_s")),
        new Mongo(mongo.getString("uri"), mongo.getString("database"), mongo.getInteger("server_selection_timeout_ms"),
            mongo.getInteger("connect_timeout_ms"), mongo.getInteger("max_pool_size")),
        new Store(store.getString("embedded"), store.getString("data_dir"), store.getString("host"), store.getInteger("port"),
            store.getInteger("write_batch"), store.getInteger("max_queued_writes")),
        new Cluster(cluster.getBoolean("enabled"), cluster.getString("config"), cluster.getString("host")),
        new Pages(pages.getInteger("default_limit"), pages.getInteger("max_limit")),
        new Sessions(sessions.getInteger("max_bulk"), sessions.getLong("expiry_sweep_ms"), sessions.getLong("cache_ttl_ms"),
            sessions.getInteger("cache_max_entries")),
        new Events(events.getInteger("max_batch"), events.getInteger("max_queued"), events.getLong("forward_timeout_ms"),
            events.getInteger("max_cached_sessions")),
        new Commands(commands.getInteger("max_concurrent"), commands.getInteger("max_queued"),
            commands.getInteger("default_timeout_s"), commands.getInteger("max_timeout_s"), commands.getInteger("max_wait_s"),
            commands.getInteger("max_batch"), commands.getLong("reaper_period_ms"), commands.getLong("event_hold_ms")),
        new Streams(streams.getInteger("max_queued_frames"), streams.getLong("keepalive_ms"), streams.getInteger("replay_page"),
            streams.getInteger("write_queue_max_bytes"), streams.getInteger("max_connections")),
        new Engines(engines.getString("default_type"), engines.getInteger("max_iterations"),
            engines.getInteger("max_iterations_limit"), engines.getInteger("max_history_messages"),
            engines.getJsonObject("dummy").getLong("token_delay_ms"),
            new OpenAi(openai.getString("base_url"), openai.getString("api_key"), openai.getString("model"),
                openai.getInteger("connect_timeout_ms"), openai.getLong("idle_timeout_ms"), openai.getInteger("max_line_bytes"),
                openai.getInteger("max_connections")),
            engines.getLong("stall_timeout_ms"), engines.getInteger("max_retries"), engines.getLong("retry_base_ms"),
            engines.getLong("retry_max_ms"), engines.getLong("token_flush_ms"),
            engines.getLong("token_max_hold_ms")),
        new Handlers(handlers.getLong("timeout_ms"), handlers.getLong("retry_base_ms"), handlers.getLong("retry_max_ms"),
            handlers.getInteger("max_attempts"), handlers.getInteger("max_response_bytes"),
            handlers.getString("callback_base_url"), handlers.getString("callback_secret"), handlers.getLong("cache_ttl_ms"),
            eventHandlers(handlers.getJsonObject("events"))),
        new Mcp(mcp.getLong("connect_timeout_ms"), mcp.getLong("init_timeout_ms"), mcp.getLong("call_timeout_ms"),
            mcp.getLong("max_call_timeout_ms"), mcp.getLong("reconnect_interval_ms"), mcp.getInteger("max_response_bytes"),
            mcp.getInteger("max_servers")),
        new Tools(tools.getLong("timeout_ms"), tools.getInteger("max_response_bytes"), tools.getInteger("max_schema_bytes"),
            tools.getLong("cache_ttl_ms")),
        new Security(strings(security.getJsonArray("allowed_hosts")), security.getString("secret_key")),
        new Auth(auth.getString("admin_key"), auth.getLong("cache_ttl_ms"), auth.getInteger("session_token_default_ttl_s"),
            auth.getInteger("session_token_max_ttl_s"),
            new Jwt(jwt.getString("issuer"), jwt.getString("audience"), jwt.getString("secret"), jwt.getString("public_key"),
                jwt.getString("tenant_claim"), jwt.getInteger("clock_skew_s"))),
        new Cors(strings(http.getJsonObject("cors").getJsonArray("allowed_origins"))),
        rateLimits(c.getJsonObject("limits")),
        new Metrics(c.getJsonObject("metrics").getBoolean("enabled")),
        new Shutdown(c.getJsonObject("shutdown").getLong("grace_ms")),
        logs(c.getJsonObject("logs")),
        tracing(c.getJsonObject("tracing")),
        tcpBridge(c.getJsonObject("bridge").getJsonObject("tcp")));
  }

  private static TcpBridge tcpBridge(JsonObject tcp) {
    Integer port = tcp.getInteger("port");
    return new TcpBridge(port == null ? 0 : port, Math.max(1, tcp.getInteger("max_connections")),
        Math.max(256, tcp.getInteger("max_frame_bytes")), Math.max(1, tcp.getInteger("max_registrations")),
        Math.max(1, tcp.getInteger("max_pending")), Math.max(1, tcp.getInteger("idle_timeout_s")));
  }

  private static Logs logs(JsonObject logs) {
    return new Logs(logs.getBoolean("enabled"), logs.getString("store_level").toUpperCase(java.util.Locale.ROOT),
        logs.getInteger("queue_capacity"), logs.getInteger("batch_size"), logs.getLong("flush_ms"),
        logs.getLong("max_records"), logs.getLong("max_age_s"), logs.getLong("sweep_ms"), logs.getInteger("max_ids_per_lookup"));
  }

  private static Tracing tracing(JsonObject tracing) {
    String endpoint = tracing.getString("otlp_endpoint");
    return new Tracing(tracing.getBoolean("enabled"), Math.max(1, tracing.getInteger("batch_size")),
        Math.max(1, tracing.getInteger("max_queued")), Math.max(10, tracing.getLong("flush_ms")),
        Math.max(1_000, tracing.getLong("retention_ms")), Math.max(1, tracing.getInteger("max_spans_per_trace")),
        endpoint == null || endpoint.isBlank() ? null : endpoint.trim(),
        Math.max(0.0, Math.min(1.0, tracing.getDouble("sample_ratio"))));
  }

  private static RateLimits rateLimits(JsonObject limits) {
    return new RateLimits(limits.getBoolean("enabled"), limits.getInteger("window_s"), counts(limits.getJsonObject("tiers")),
        counts(limits.getJsonObject("route_costs")), limits.getInteger("stream_connects_per_ip"),
        limits.getInteger("stream_connects_window_s"), limits.getInteger("max_streams_per_principal"),
        limits.getInteger("max_inflight_runs"),         limits.getInteger("max_tracked_keys"));
  }

  /** A JSON object of numbers as an ordered map (its keys in file order). */
  private static java.util.Map<String, Integer> counts(JsonObject object) {
    java.util.Map<String, Integer> counts = new java.util.LinkedHashMap<>();
    object.forEach(entry -> counts.put(entry.getKey(), ((Number) entry.getValue()).intValue()));
    return java.util.Collections.unmodifiableMap(counts);
  }

  private static List<String> strings(JsonArray array) {
    return array == null ? List.of()
        : array.stream().filter(item -> item instanceof String s && !s.isBlank()).map(String.class::cast).toList();
  }
}
