package dev.agentbus.http;

import dev.agentbus.auth.RouteScopes;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.ErrorCode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The OpenAPI 3.1 document of the HTTP API — its one source, built here in code so that what is
 * derivable is derived: each operation's security comes from {@link RouteScopes} (the table the
 * guard enforces), each error response's codes from {@link ErrorCode} (grouped by HTTP status).
 *
 * <p>Paths are absolute (the API under {@code /api/v1}; {@code /health}, {@code /openapi.json} and
 * {@code /docs} also at the root, {@code /internal/chat/stream} at both), so there is no {@code
 * servers} list: the default server {@code /} is the node that serves the document. SSE routes answer {@code text/event-stream} (each event described in the
 * operation); WebSocket routes are {@code GET} with a {@code 101} response, and their frames are
 * described by the schemas {@code WsClientFrame} / {@code WsServerFrame} (OpenAPI has no WebSocket
 * object). {@code OpenApiDocumentTest} fails when a route is served but not described here, or the
 * other way round.
 */
final class OpenApiDocument {
  static final String VERSION = "3.1.0";
  private static final Pattern PATH_PARAM = Pattern.compile("\\{([a-z_]+)}");
  private static final String JSON = "application/json";
  private static final String SSE = "text/event-stream";

  private final JsonObject paths = new JsonObject();
  private final JsonObject schemas = new JsonObject();
  private final List<Op> operations = new ArrayList<>();
  private static volatile String encoded;

  private OpenApiDocument() {}

  /** The document, encoded once. */
  static String json() {
    String json = encoded;
    if (json == null) {
      json = document().encodePrettily();
      encoded = json;
    }
    return json;
  }

  /** A new copy of the document. */
  static JsonObject document() {
    OpenApiDocument doc = new OpenApiDocument();
    doc.schemas();
    doc.system();
    doc.sessions();
    doc.commands();
    doc.events();
    doc.streams();
    doc.engines();
    doc.chat();
    doc.tools();
    doc.handlers();
    doc.identity();
    doc.shortcuts();
    doc.operations.forEach(Op::finish);
    return new JsonObject()
        .put("openapi", VERSION)
        .put("info", obj("title", "agentbus HTTP API", "version", HealthRoutes.VERSION,
            "summary", "Event-bus orchestrator for LLM agents: sessions, commands, events, engines, tools and handlers",
            "description", """
                The API lives under `/api/v1`; `/health…`, `/openapi.json` and `/docs` are also served at the root.
                Every error is the envelope `{"error": {"code", "message", "details"}, "timestamp", "request_id"}` \
                with a stable `code` (each error response below lists the codes of its status). Every response \
                carries `X-Request-ID` and `traceparent`; counted responses carry `RateLimit` and `RateLimit-Policy`. \
                Every POST honours `Idempotency-Key`. Lists take `limit` (default 50, max 500) and `cursor` and \
                answer `{data, next_cursor, has_more}`. Unknown body fields and query parameters are refused (400). \
                SSE routes stream `text/event-stream`; WebSocket routes (`GET` with `Upgrade: websocket`, answered \
                `101`) exchange the JSON frames of the schemas `WsClientFrame` and `WsServerFrame`. Browsers reach \
                the event bus through the SockJS bridge at `/eventbus` (`@vertx/eventbus-bridge-client.js`).""",
            "license", obj("name", "Apache-2.0", "identifier", "Apache-2.0")))
        .put("tags", doc.tags())
        .put("paths", doc.paths)
        .put("components", new JsonObject()
            .put("schemas", doc.schemas)
            .put("responses", errorResponses())
            .put("parameters", obj(
                "IdempotencyKey", obj("name", "Idempotency-Key", "in", "header", "required", false,
                    "description", "1–255 visible ASCII characters, kept 24 h cluster-wide: the same key and request replay "
                        + "the first 2xx (with `Idempotent-Replayed: true`); another request with it is 422 "
                        + "`IDEMPOTENCY_KEY_REUSED`; while the first runs, 409 `IDEMPOTENCY_IN_PROGRESS`",
                    "schema", obj("type", "string", "minLength", 1, "maxLength", 255)),
                "Limit", obj("name", "limit", "in", "query", "required", false, "description", "page size",
                    "schema", obj("type", "integer", "minimum", 1, "maximum", 500, "default", 50)),
                "Cursor", obj("name", "cursor", "in", "query", "required", false,
                    "description", "the `next_cursor` of the previous page", "schema", str()),
                "TenantId", obj("name", "tenant_id", "in", "query", "required", false,
                    "description", "admin only: list this tenant's resources (another tenant's credential lists nothing for it)",
                    "schema", str())))
            .put("securitySchemes", obj(
                "bearer", obj("type", "http", "scheme", "bearer",
                    "description", "`Authorization: Bearer <API key | JWT | session token>`; the admin key (`AGENTBUS_ADMIN_KEY`) holds every scope"),
                "apiKey", obj("type", "apiKey", "in", "header", "name", "X-API-Key", "description", "an API key (`abk_…`) or the admin key"),
                "sessionToken", obj("type", "apiKey", "in", "header", "name", "X-Session-Token",
                    "description", "a session token (`abt_…`, `POST /sessions/{session_id}/tokens`): its one session only"),
                "accessToken", obj("type", "apiKey", "in", "query", "name", "access_token",
                    "description", "any credential, on SSE and WebSocket routes only (browsers cannot set headers there); refused elsewhere"),
                "callbackToken", obj("type", "http", "scheme", "bearer",
                    "description", "a handler's callback token (`callback.token` of the webhook delivery): that command only, until its deadline"))));
  }

  // ---------------------------------------------------------------- operations

  private void system() {
    for (String base : List.of("", Api.BASE)) {
      String where = base.isEmpty() ? " (at the root)" : "";
      op("get", base + "/health", "system", "Health and readiness" + where).id(base.isEmpty() ? "rootHealth" : "health")
          .describe("200 `healthy` or 503 `unhealthy` (the store or the cluster is down); `dependencies` also lists "
              + "the engines (configuration only: no model is called) and each MCP server, which never make the node unhealthy")
          .json(200, "healthy", "Health").json(503, "unhealthy", "Health");
      op("get", base + "/health/ready", "system", "Readiness" + where).id(base.isEmpty() ? "rootHealthReady" : "healthReady")
          .json(200, "ready", "Health").json(503, "not ready", "Health");
      op("get", base + "/health/live", "system", "Liveness" + where).id(base.isEmpty() ? "rootHealthLive" : "healthLive")
          .json(200, "the process is up", "Live");
      op("get", base + "/openapi.json", "system", "This OpenAPI document" + where).id(base.isEmpty() ? "rootOpenApi" : "openApi")
          .json(200, "the OpenAPI 3.1 document", null);
    }
    op("get", "/docs", "system", "Interactive API docs (Swagger UI)").html("Swagger UI, pointed at `/openapi.json`");
    op("get", "/", "system", "The web console").id("console")
        .html("The console's page (its files are under `/console/`); it calls this API with the pasted key, or none in protected mode");
    op("get", Api.BASE + "/status", "system", "This node and the cluster")
        .describe("Node id, version, uptime, the cluster's members with their HTTP addresses and readiness, streams open "
            + "on this node, commands not yet final across the cluster, the store's latency. Read from memory and one store "
            + "ping: nothing is counted by scanning stored data, so sessions are not counted.")
        .json(200, "the status", "Status");
    op("get", "/metrics", "system", "Prometheus metrics of this node")
        .describe("Vert.x HTTP server and client (`method`, `code`), event bus (`side`), pools, JVM, and agentbus meters: "
            + "`agentbus_commands_total{command_type,status}` (built-in types by name, any other as `other`), "
            + "`agentbus_command_duration_seconds`, `agentbus_events_appended_total`, `agentbus_event_write_batch_size`, "
            + "`agentbus_streams_open`, `agentbus_stream_slow_consumer_closes_total`, "
            + "`agentbus_engine_time_to_first_token_seconds`, `agentbus_engine_tokens_total{kind}`, "
            + "`agentbus_engine_model_retries_total`, `agentbus_webhook_deliveries_total{outcome}`, "
            + "`agentbus_rate_limit_rejections_total`. No label names a session, command, key, tenant, path or address.")
        .prometheus("the scrape", "# TYPE agentbus_events_appended_total counter\nagentbus_events_appended_total 42.0\n")
        .errors(503);
    op("get", Api.BASE + "/observability/metrics", "system", "A JSON summary of this node's metrics")
        .describe("Counts, and p50/p95/p99 in ms over about the last two minutes; `?session_id=` is refused (metrics are "
            + "not kept per session)")
        .json(200, "the summary", null).errors(503);
    // ---- structured logs (log package): one block
    JsonObject logRecord = obj("log_id", "log_01kbf3", "timestamp", "2026-01-01T00:00:00.000Z", "level", "INFO",
        "logger", "agentbus.http", "message", "POST /api/v1/sessions 201 3ms request_id=req_01", "node_id", "node-a",
        "request_id", "req_01", "trace_id", "4bf92f3577b34da6a3ce929d0e0e4736", "session_id", "ses_01", "command_id", null,
        "tenant_id", "default", "fields", obj("method", "POST", "path", "/api/v1/sessions", "status", 201));
    schema("LogRecord", example(props(obj("log_id", str(), "timestamp", obj("type", "string", "format", "date-time"),
        "level", enumOf("TRACE", "DEBUG", "INFO", "WARN", "ERROR"), "logger", str(), "message", str(), "node_id", str(),
        "request_id", nullable("string"), "trace_id", nullable("string"), "session_id", nullable("string"),
        "command_id", nullable("string"), "tenant_id", nullable("string"),
        "fields", obj("type", "object", "additionalProperties", true))), logRecord));
    schema("LogRecordCreate", example(props(obj("level", obj("type", "string", "description", "TRACE, DEBUG, INFO, WARN or ERROR (any case)"),
        "message", obj("type", "string", "minLength", 1, "maxLength", LogRoutes.MAX_MESSAGE),
        "metadata", obj("type", "object", "additionalProperties", true,
            "description", "the record's `fields`; string `session_id` and `command_id` become the record's own")))
        .put("required", arr("level", "message")), obj("level", "WARN", "message", "checkout retried", "metadata", obj("session_id", "ses_01"))));
    JsonObject logPage = page("LogRecord");
    logPage.getJsonObject("properties").put("writer", obj("type", arr("object", "null"),
        "description", "this node's writer: `{node_id, queued, capacity, dropped, written, failed, unattributed}`"));
    schema("LogRecordList", example(logPage,
        obj("data", arr(logRecord), "next_cursor", null, "has_more", false,
            "writer", obj("node_id", "node-a", "queued", 0, "capacity", 10000, "dropped", 0, "written", 42, "failed", 0, "unattributed", 0))));
    op("get", LogRoutes.PATH, "system", "Structured log records of every node, newest first")
        .describe("Records kept in the store by every node's bounded writer (which drops, and counts in `writer.dropped` and "
            + "`agentbus_log_records_dropped_total`, rather than slow a request), with bounded retention (`logs.max_records`, "
            + "`logs.max_age_s`). `level` is a minimum severity; `request_id`, `session_id` and `command_id` are served by id; "
            + "a tenant's credential sees its tenant's records, the admin all (records without a tenant are the admin's only).")
        .query("level", str(), "TRACE, DEBUG, INFO, WARN or ERROR: that level and above")
        .query("session_id", str(), "records of this session").query("command_id", str(), "records of this command")
        .query("request_id", str(), "records of this request (its `X-Request-ID`)")
        .query("since", obj("type", "string", "format", "date-time"), "records made at or after this instant")
        .page().tenant().json(200, "a page of records", "LogRecordList");
    op("post", LogRoutes.PATH, "system", "Add a log record").idempotent().body("LogRecordCreate")
        .describe("Written at once (never dropped), with this request's ids, this node's id and the caller's tenant.")
        .json(201, "the stored record", "LogRecord");
    JsonObject span = props(obj("span_id", str(), "parent_span_id", nullable("string"), "name", str(),
        "kind", enumOf("server", "client", "producer", "consumer", "internal"), "node_id", str(),
        "start", obj("type", "string", "format", "date-time"), "duration_ms", obj("type", "number"),
        "attributes", obj("type", "object", "additionalProperties", true), "status", enumOf("ok", "error"),
        "status_message", str()));
    op("get", Api.BASE + "/observability/traces/{trace_id}", "system", "One request's spans from every node")
        .describe("The spans OpenTelemetry recorded for the trace (the `traceparent` trace id every response carries) on "
            + "every node: HTTP server and client calls, event-bus messages, group commits to the store. Oldest first; "
            + "URL queries redacted. Kept `tracing.retention_ms` after the trace's last span. A tenant's key reads only "
            + "traces of its own requests (another is 404).")
        .json(200, "the trace", example(props(obj("trace_id", str(), "span_count", obj("type", "integer"),
            "node_ids", obj("type", "array", "items", str()), "spans", obj("type", "array", "items", span))),
            obj("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736", "span_count", 1, "node_ids", arr("node_01"), "spans",
                arr(obj("span_id", "00f067aa0ba902b7", "parent_span_id", null, "name", "POST /api/v1/chat/ses_01/stream",
                    "kind", "server", "node_id", "node_01", "start", "2026-01-01T00:00:00.000123Z", "duration_ms", 12.5,
                    "attributes", obj("http.request.method", "POST", "http.response.status_code", "200"), "status", "ok")))))
        .errors(400, 404);
    op("get", Api.BASE + "/config", "system", "The effective configuration, secrets redacted")
        .describe("Every field whose name contains key, secret, password, passwd, token, credential or private shows "
            + "`[redacted]` (null when unset); credentials in URIs (`mongodb://user:pass@…`) are redacted too.")
        .json(200, "the configuration", "Config");
    op("post", Api.BASE + "/shutdown", "system", "Shut this node down gracefully")
        .describe("The same path as SIGTERM: readiness answers 503 at once; new work (writes, new streams) is refused with "
            + "503 `SERVICE_UNAVAILABLE` and `Retry-After`; queued commands are handed to another node; running commands get "
            + "`shutdown.grace_ms` to finish; SSE streams end with `event: server.shutdown` (`data: {\"reason\": \"shutdown\", "
            + "\"resume_after_seq\": N}`, `id:` N; a run's stream — chat, infer, semantic — adds `type` (or `event`) "
            + "`server.shutdown`, `run_id` and `resume`, the path that follows the rest of the run) and WebSockets close 1012 with the reason `resume with after_seq=N`; "
            + "then the node leaves the cluster.")
        .json(202, "the shutdown has begun", "Shutdown");
  }

  private void sessions() {
    String base = Api.BASE + "/sessions";
    op("post", base, "sessions", "Create a session").idempotent().body("SessionCreate")
        .json(201, "created (`Location` names it)", "Session");
    op("get", base, "sessions", "List sessions").page().tenant()
        .query("status", enumOf("active", "expired", "deleted"), "only sessions in this status")
        .query("name_prefix", str(), "names starting with this")
        .query("sort", enumOf("created_at", "-created_at"), "order (newest first with `-created_at`)")
        .queryObject("metadata", "`metadata.<key>=<value>`: sessions whose metadata has that value")
        .json(200, "a page of sessions", page("Session"));
    op("post", base + "/bulk-create", "sessions", "Create several sessions").idempotent().body("SessionBulkCreate")
        .json(200, "one result per session, in order (each item its own status)", "BulkResults");
    op("post", base + "/bulk-delete", "sessions", "Delete several sessions").idempotent().body("SessionBulkDelete")
        .json(200, "one result per session id, in order", "BulkResults");
    op("get", base + "/{session_id}", "sessions", "Get a session").json(200, "the session", "Session");
    op("patch", base + "/{session_id}", "sessions", "Update a session's name, metadata or expiry").body("SessionPatch")
        .json(200, "the session as updated", "Session");
    op("delete", base + "/{session_id}", "sessions", "Delete a session")
        .describe("Cancels its running commands, ends its streams with a final `session.deleted` event, removes its handlers and tools")
        .json(200, "deleted", "Deleted");
    op("post", base + "/{session_id}/tokens", "identity", "Issue a session token").idempotent().body("SessionTokenCreate")
        .describe("A token for this session only (default scopes `events:read`, `events:write`, `commands:write`); "
            + "401 after it expires or the session is deleted")
        .json(201, "the token, shown once", "SessionToken");
    op("get", base + "/{session_id}/messages", "chat", "A session's conversation messages").page()
        .query("role", enumOf("user", "assistant", "tool"), "only this role")
        .query("type", enumOf("message", "reasoning", "tool_call", "tool_result"), "only this kind")
        .query("parent_id", str(), "replies to this message")
        .query("q", str(), "messages whose text contains this")
        .json(200, "a page of messages", page("Message"));
    op("post", base + "/{session_id}/messages", "chat", "Add a message to the conversation").body("MessageCreate")
        .describe("A turn the client adds without running the model (a user turn, an imported history): later runs of the "
            + "session read it as history. `parent_id` must be a message of this session. Announced as `message.created`.")
        .json(201, "the stored message (`source: client`)", "Message");
    op("get", base + "/{session_id}/messages/{message_id}", "chat", "Get one message").json(200, "the message", "Message");
    op("patch", base + "/{session_id}/messages/{message_id}", "chat", "Edit a message's content or metadata").body("MessagePatch")
        .describe("Content is replaced, metadata merged key by key (a null value removes its key); `edited_at` is set and "
            + "`message.updated` announced. Later runs read the edited text.")
        .json(200, "the message as edited", "Message");
    op("delete", base + "/{session_id}/messages/{message_id}", "chat", "Delete a message")
        .describe("Its children take its parent, so the thread stays one tree; later runs no longer read it. Announced as "
            + "`message.deleted`.")
        .json(200, "deleted", "MessageDeleted");
  }

  private void commands() {
    String base = Api.BASE + "/sessions/{session_id}/commands";
    op("post", base, "commands", "Submit a command").idempotent().body("CommandSubmit")
        .query("wait", obj("type", "integer", "minimum", 0, "maximum", 60), "wait up to this many seconds for the final state")
        .describe("Resolved to the session's handler, then the tenant's, then a built-in (`echo`, `engine.prompt`, `tool.call`); "
            + "none is 422 `HANDLER_NOT_FOUND`.")
        .json(202, "accepted (`Location` is where to poll)", "Command")
        .json(200, "finished within `?wait`", "Command").errors(409, 422, 503);
    op("get", base, "commands", "List a session's commands").page()
        .query("status", enumOf("pending", "executing", "completed", "failed", "cancelled", "timed_out"), "only this status")
        .query("command_type", str(), "only this type")
        .json(200, "a page of commands", page("Command"));
    op("post", base + "/batch", "commands", "Submit several commands").idempotent().body("CommandBatch")
        .json(202, "one entry per command, in order", "CommandBatchResult").errors(409, 422, 503);
    op("get", base + "/{command_id}", "commands", "Get (or long-poll) a command")
        .query("wait", obj("type", "integer", "minimum", 0, "maximum", 60), "wait up to this many seconds for a final state")
        .json(200, "the command", "Command").errors(504);
    op("post", base + "/{command_id}/cancel", "commands", "Cancel a command (idempotent)").idempotent()
        .json(200, "the command, cancelled or already final", "Command").errors(409);
    op("post", base + "/{command_id}/result", "handlers", "A handler's asynchronous answer")
        .describe("After a webhook answered 202: `{result}` completes the command, `{error: {code, message}}` fails it. "
            + "Authorised by the callback token of the delivery, required even in protected mode.")
        .idempotent().body("CommandResultCallback").json(200, "the command, now final", "Command").errors(409);
  }

  private void events() {
    String base = Api.BASE + "/sessions/{session_id}/events";
    op("post", base, "events", "Publish an event").idempotent().body("EventPublish")
        .describe("Reserved prefixes (`session.`, `command.`, `engine.`, `tool.`, `handler.`) are refused. A handler's "
            + "progress event names `command_id` and is authorised by its callback token instead of `events:write`.")
        .json(201, "stored, with its `seq`", "Event");
    op("get", base, "events", "List a session's events")
        .query("event_type", str(), "only this type")
        .query("after_seq", obj("type", "integer", "minimum", 0), "events after this seq")
        .ref("Limit").ref("Cursor")
        .query("offset", obj("type", "integer", "minimum", 0), "skip this many")
        .json(200, "a page of events in seq order", page("Event"));
    op("get", base + "/{event_id}", "events", "Get an event").json(200, "the event", "Event");
  }

  private void streams() {
    String session = Api.BASE + "/sessions/{session_id}";
    op("get", session + "/events/sse", "streams", "Follow a session's events (SSE)")
        .query("after_seq", obj("type", "integer", "minimum", 0), "replay from after this seq (or send `Last-Event-ID`)")
        .query("types", str(), "comma-separated event types or prefixes ending in `*`")
        .header("Last-Event-ID", "the last seq seen: the stream resumes after it")
        .sse("events: `id:` = seq, `event:` = event_type, `data:` = the event (schema `Event`); `: keep-alive` every 15 s; "
            + "a final `session.deleted`, or an `error` event with the error envelope's `error`",
            "id: 7\nevent: app.note\ndata: {\"event_id\":\"evt_01\",\"session_id\":\"ses_01\",\"seq\":7,\"event_type\":\"app.note\",\"data\":{}}\n\n")
        .errors(503);
    op("get", session + "/events/stream", "streams", "Follow and publish over a WebSocket")
        .query("after_seq", obj("type", "integer", "minimum", 0), "replay from after this seq")
        .query("types", str(), "comma-separated event types or prefixes ending in `*`")
        .query("subscriber_id", str(), "a durable subscriber: the server keeps its acked cursor")
        .websocket("frames `WsClientFrame` in, `WsServerFrame` out; a slow client is closed 1013 and resumes from its last seq")
        .errors(503);
    op("get", session + "/commands/{command_id}/stream", "streams", "Follow one command's events (SSE)")
        .query("after_seq", obj("type", "integer", "minimum", 0), "replay from after this seq (or send `Last-Event-ID`); "
            + "where a chat or semantic run stream cut by a shutdown resumes")
        .header("Last-Event-ID", "the last seq seen: the stream resumes after it")
        .sse("the command's events (schema `Event`) until it is final", "id: 3\nevent: command.completed\ndata: {\"seq\":3}\n\n")
        .errors(503);
    eventBusBridge();
  }

  /**
   * The SockJS event-bus bridge at the root ({@link EventBusBridge}): what a client asks first, and
   * its socket; SockJS's own framing is beyond OpenAPI, so {@code x-sockjs} names the addresses.
   */
  private void eventBusBridge() {
    String credential = "the credential as `?access_token=` (SockJS keeps the query on every request it makes)";
    op("get", EventBusBridge.PATH + "/info", "streams", "SockJS event-bus bridge: transport info")
        .id("eventBusInfo")
        .describe("The first request of `@vertx/eventbus-bridge-client.js` (`new EventBus(\"/eventbus?access_token=…\")`); "
            + credential + ". A disallowed `Origin` is 403; a principal at `limits.max_streams_per_principal` is 429.")
        .json(200, "SockJS info: only the WebSocket transport is served", obj("type", "object", "properties",
            obj("websocket", obj("const", true), "cookie_needed", obj("type", "boolean"),
                "origins", obj("type", "array", "items", str()), "entropy", obj("type", "integer"))))
        .errors(503);
    Op socket = op("get", EventBusBridge.PATH + "/{server_id}/{socket_id}/websocket", "streams",
        "SockJS event-bus bridge: the socket")
        .id("eventBusSocket")
        .describe("The SockJS WebSocket transport carrying event-bus frames; " + credential + ". Outbound: `register` "
            + "`agentbus.session.<session_id>.events` (scope `events:read`, a session the caller may read) to receive that "
            + "session's events (schema `Event`). Inbound: `send` to `" + Addresses.BRIDGE_COMMAND + "` (scope `commands:write`, "
            + "body `{session_id, command_type, parameters, metadata}`, reply: the accepted `Command`) or `"
            + Addresses.BRIDGE_PUBLISH + "` (scope `events:write`, body `{session_id, event_type, data, metadata}`, reply: the "
            + "stored `Event`), validated like REST. A refusal is an error reply `{failureCode: HTTP status, message: "
            + "error JSON {code, message, details}}`; any other address is refused (403 `FORBIDDEN`).")
        .websocket("SockJS frames (`o`, `a[...]`, `h`, `c[code, reason]`) carrying event-bus messages")
        .errors(503);
    socket.operation.put("x-websocket", obj("protocol", "SockJS 0.3 over WebSocket, vertx-eventbus-bridge messages",
        "inbound", obj(Addresses.BRIDGE_COMMAND, OpenApiDocument.ref("CommandSubmit"), Addresses.BRIDGE_PUBLISH,
            OpenApiDocument.ref("EventPublish")),
        "outbound", obj("agentbus.session.{session_id}.events", OpenApiDocument.ref("Event"))));
  }

  private void engines() {
    String base = Api.BASE + "/engines";
    op("post", base, "engines", "Create an engine").idempotent().body("EngineCreate")
        .json(201, "created", "Engine");
    op("get", base, "engines", "List engines").page().tenant()
        .query("session_id", str(), "engines of this session")
        .query("status", enumOf("initialized", "active", "running", "stopped", "failed"), "only this status")
        .json(200, "a page of engines", page("Engine"));
    op("get", base + "/{engine_id}", "engines", "Get an engine").json(200, "the engine", "Engine");
    op("delete", base + "/{engine_id}", "engines", "Delete an engine").json(200, "deleted", "Deleted");
    op("post", base + "/{engine_id}/execute", "engines", "Run a prompt on an engine").idempotent().body("EngineExecute")
        .describe("Like a command (`engine.prompt`); with `Accept: text/event-stream` the run streams directly "
            + "(`token`, `tool_call`, `tool_result`, `message`, `complete` or `error` events).")
        .query("wait", obj("type", "integer", "minimum", 0, "maximum", 60), "wait up to this many seconds for the final state")
        .json(202, "accepted", "Command")
        .json(200, "finished within `?wait`", "Command")
        .sse("the run, streamed (with `Accept: text/event-stream`)", "event: token\ndata: {\"text\":\"Hel\"}\n\n")
        .errors(409, 422, 503);
    String agents = Api.BASE + "/agents";
    op("post", agents, "engines", "Create an agent (a reusable engine configuration)").idempotent().body("AgentCreate")
        .json(201, "created", "Agent");
    op("get", agents, "engines", "List agents").page().tenant().query("name_prefix", str(), "names starting with this")
        .query("status", enumOf("active", "inactive", "archived"), "only agents with this status (one stored without any is active)")
        .query("q", str(), "agents whose name or description contains this (any letter case)")
        .json(200, "a page of agents", page("Agent"));
    op("get", agents + "/{agent_id}", "engines", "Get an agent").json(200, "the agent", "Agent");
    op("patch", agents + "/{agent_id}", "engines", "Update an agent").body("AgentPatch").json(200, "the agent as updated", "Agent");
    op("delete", agents + "/{agent_id}", "engines", "Delete an agent").json(200, "deleted", "Deleted");
  }

  private void chat() {
    op("post", Api.BASE + "/chat", "chat", "Start a chat thread (a session)").idempotent().body("ThreadCreate")
        .json(201, "created", "Thread");
    op("get", Api.BASE + "/chat/{thread_id}", "chat", "A thread's history")
        .query("limit", obj("type", "integer", "minimum", 1, "maximum", 500), "at most this many messages")
        .query("before", str(), "messages before this message id")
        .json(200, "the messages, oldest first", "ThreadHistory");
    op("post", Api.BASE + "/chat/{thread_id}/stream", "chat", "Send a message and stream the answer (SSE)").idempotent()
        .body("ChatStreamRequest")
        .sse("`data:` JSON with `type`: `init_stream`, `reasoning`, `tool_call`, `tool_result`, `message`, `end_stream`, `error`",
            "data: {\"type\":\"init_stream\",\"thread_id\":\"ses_01\"}\n\ndata: {\"type\":\"end_stream\"}\n\n")
        .errors(409, 422, 503);
    for (String base : List.of("", Api.BASE)) {
      op("post", base + "/internal/chat/stream", "chat", "Semantic chat stream (SSE)" + (base.isEmpty() ? " at the root" : ""))
          .id(base.isEmpty() ? "rootSemanticChatStream" : "semanticChatStream").idempotent().body("SemanticStreamRequest")
          .sse("semantic events (`data:` JSON with `type`) of one run", "data: {\"type\":\"message\",\"content\":\"Hi\"}\n\n")
          .errors(409, 422, 503);
    }
  }

  private void tools() {
    for (boolean global : List.of(false, true)) {
      String base = global ? Api.BASE + "/tools" : Api.BASE + "/sessions/{session_id}/tools";
      String scope = global ? "the tenant's (all its sessions)" : "the session's";
      String prefix = global ? "global" : "session";
      op("post", base, "tools", "Register a tool, " + scope).id(prefix + "ToolRegister").idempotent().body("ToolRegister")
          .json(201, "registered (an http tool's generated `secret` is shown once)", "Tool").errors(409);
      op("get", base, "tools", "List tools, " + scope).id(prefix + "ToolList").tenantIf(global)
          .json(200, global ? "the tenant's tools" : "the session's tools, then global ones, then built-ins", "ToolList");
      op("get", base + "/{name}", "tools", "Get a tool, " + scope).id(prefix + "ToolGet").tenantIf(global)
          .json(200, "the tool", "Tool");
      op("delete", base + "/{name}", "tools", "Unregister a tool, " + scope).id(prefix + "ToolDelete").tenantIf(global)
          .json(200, "unregistered", "Deleted");
    }
    op("post", Api.BASE + "/sessions/{session_id}/tools/{name}/execute", "tools", "Call a tool").idempotent().body("ToolExecute")
        .describe("Arguments are checked against the tool's `parameters` (400 naming each bad argument); emits `tool.started`, "
            + "then `tool.completed` or `tool.failed`")
        .json(200, "the tool's result (a tool error has `is_error: true`)", "ToolResult").errors(422, 504);
    String mcp = Api.BASE + "/mcp-servers";
    op("post", mcp, "tools", "Register an MCP server (Streamable HTTP)").idempotent().body("McpServerRegister")
        .json(201, "connected and registered", "McpServer").errors(409, 422);
    op("get", mcp, "tools", "List MCP servers").json(200, "the tenant's MCP servers", "McpServerList");
    op("get", mcp + "/{server_id}", "tools", "Get an MCP server").json(200, "the server and its state", "McpServer");
    op("delete", mcp + "/{server_id}", "tools", "Unregister an MCP server").json(200, "unregistered", "Deleted");
    op("get", mcp + "/{server_id}/tools", "tools", "An MCP server's tools")
        .query("refresh", enumOf("true", "false"), "ask the server again (`tools/list`) instead of the cached list")
        .json(200, "the tools", "McpTools").errors(422);
  }

  private void handlers() {
    for (boolean global : List.of(false, true)) {
      String base = global ? Api.BASE + "/handlers" : Api.BASE + "/sessions/{session_id}/handlers";
      String scope = global ? "the tenant's" : "the session's";
      String prefix = global ? "global" : "session";
      op("post", base + "/commands", "handlers", "Register a command handler, " + scope).id(prefix + "CommandHandlerRegister")
          .idempotent().body("CommandHandlerRegister")
          .json(201, "registered (a webhook's generated `secret` is shown once)", "CommandHandler").errors(409, 422);
      op("get", base + "/commands", "handlers", "List command handlers, " + scope).id(prefix + "CommandHandlerList")
          .tenantIf(global).json(200, "the handlers", page("CommandHandler"));
      op("delete", base + "/commands/{command_type}", "handlers", "Unregister a command handler, " + scope)
          .id(prefix + "CommandHandlerDelete").tenantIf(global).json(200, "unregistered", "Deleted");
      op("post", base + "/events", "handlers", "Register an event handler, " + scope).id(prefix + "EventHandlerRegister")
          .idempotent().body("EventHandlerRegister")
          .json(201, "registered (a webhook's generated `secret` is shown once)", "EventHandler").errors(409, 422);
      op("get", base + "/events", "handlers", "List event handlers, " + scope).id(prefix + "EventHandlerList")
          .tenantIf(global).json(200, "the handlers with their delivery state", page("EventHandler"));
      op("delete", base + "/events/{event_type}", "handlers", "Unregister the event handlers of a type, " + scope)
          .id(prefix + "EventHandlerDelete").tenantIf(global).json(200, "unregistered", "Deleted");
    }
    op("get", Api.BASE + "/handlers/dead-letters", "handlers", "List dead-lettered deliveries").page().tenant()
        .query("session_id", str(), "of this session").query("handler_id", str(), "of this handler")
        .json(200, "a page of dead letters", page("DeadLetter"));
    op("post", Api.BASE + "/handlers/dead-letters/{dead_letter_id}/retry", "handlers", "Retry a dead-lettered delivery")
        .idempotent().json(200, "the delivery, queued again", "DeadLetter").errors(409);
  }

  private void identity() {
    String base = Api.BASE + "/keys";
    op("post", base, "identity", "Create an API key").idempotent().body("ApiKeyCreate")
        .describe("Not replayed by `Idempotency-Key` (a replay would show the secret again)")
        .json(201, "the key; its secret `key` is shown once", "ApiKeyCreated");
    op("get", base, "identity", "List API keys").json(200, "the keys (never their secrets)",
        props(obj("keys", obj("type", "array", "items", ref("ApiKey")))).put("required", arr("keys")));
    op("get", base + "/{key_id}", "identity", "Get an API key").json(200, "the key (never its secret)", "ApiKey");
    op("delete", base + "/{key_id}", "identity", "Revoke an API key (on every node at once)").json(200, "revoked", "ApiKey");
  }

  private void shortcuts() {
    op("post", Api.BASE + "/infer", "shortcuts", "Run a prompt (a new session unless one is named)").idempotent()
        .body("InferRequest").json(202, "accepted", "Inference").errors(422, 503);
    op("get", Api.BASE + "/status/{request_id}", "shortcuts", "An inference's state").json(200, "the state", "Inference");
    op("get", Api.BASE + "/result/{request_id}", "shortcuts", "An inference's result")
        .json(200, "done", "Inference").json(202, "not done yet", "Inference");
    op("get", Api.BASE + "/stream/{request_id}", "shortcuts", "Follow an inference (SSE)")
        .query("after_seq", obj("type", "integer", "minimum", 0), "resume after this seq (or send `Last-Event-ID`), "
            + "e.g. the `resume_after_seq` of a `server.shutdown` event")
        .header("Last-Event-ID", "the last seq seen: the stream resumes after it")
        .sse("`event:` start, token, complete or error", "event: token\ndata: {\"text\":\"Hel\"}\n\nevent: complete\ndata: {}\n\n")
        .errors(503);
    op("get", Api.BASE + "/ws", "shortcuts", "The multiplexed WebSocket: prompts and several sessions' streams")
        .websocket("frames `WsClientFrame` in, `WsServerFrame` out. `{prompt, metadata?, session_id?, stream?}` (type absent or"
            + " `prompt`) → `ack` (request_id = the run's id), `token`s, then `result` or `error`. `subscribe {session_id, after_seq?,"
            + " types?, subscriber_id?}` (scope events:read; at most 32 per socket, each one of the principal's streams) → `ack"
            + " {session_id, after_seq}`, then that session's `event` frames, replay then live; `unsubscribe {session_id}` → `ack"
            + " {session_id, last_seq}`; `publish {session_id, event_type, data}` → `ack {event_id, seq}`; `command {session_id,"
            + " command_type, parameters}` → `ack {command_id, status}`; `ack {session_id, seq}` keeps a durable subscriber's"
            + " cursor; `ping` → `pong`. Every `error` frame carries the `request_id` of the frame it answers (another tenant's"
            + " session: SESSION_NOT_FOUND). A subscription ended by the server gets `unsubscribed {session_id, reason:"
            + " shutdown|too_slow|session_deleted|interrupted, resume_after_seq}`; then a slow reader is closed 1013, a"
            + " draining node closes 1012")
        .errors(503);
  }

  private JsonArray tags() {
    JsonArray tags = new JsonArray();
    Map<String, String> named = new TreeMap<>(Map.of(
        "system", "health, status, configuration, this document",
        "sessions", "sessions", "commands", "commands and their lifecycle", "events", "a session's event log",
        "streams", "SSE and WebSocket streams", "engines", "engines and agents", "chat", "chat threads and streams",
        "tools", "tools and MCP servers", "handlers", "command and event handlers", "identity", "API keys and session tokens"));
    named.put("shortcuts", "seed 001 inference shortcuts");
    named.forEach((name, description) -> tags.add(obj("name", name, "description", description)));
    return tags;
  }

  // ---------------------------------------------------------------- schemas

  private void schemas() {
    JsonObject timestamp = obj("type", "string", "format", "date-time");
    JsonObject metadata = obj("type", "object", "additionalProperties", true, "description", "free-form JSON object");
    schema("Error", obj("type", "object", "required", arr("code", "message", "details"), "properties", obj(
        "code", obj("type", "string", "enum", codes(Arrays.asList(ErrorCode.values())), "description", "stable; the contract"),
        "message", obj("type", "string", "description", "for people; may change"),
        "details", obj("type", "object", "additionalProperties", true,
            "description", "`field` names the first bad field; a 400 lists every one in `fields: [{field, issue}]`"))));
    schema("ErrorEnvelope", obj("type", "object", "required", arr("error", "timestamp", "request_id"), "properties", obj(
        "error", ref("Error"), "timestamp", timestamp, "request_id", str())));
    schema("Deleted", obj("type", "object", "additionalProperties", true, "description", "what was removed (its id, `deleted: true`)"));
    schema("BulkResults", example(props(obj("results", obj("type", "array", "items", obj("type", "object",
        "additionalProperties", true, "description", "`{status, session?, session_id?, error?}` for each item")))),
        obj("results", arr(obj("status", 201, "session", obj("session_id", "ses_01"))))));

    schema("SessionCreate", example(props(obj(
        "name", obj("type", "string", "maxLength", 200), "metadata", metadata,
        "ttl_seconds", obj("type", "integer", "minimum", 1, "description", "expires this long after creation"))),
        obj("name", "support-chat", "metadata", obj("customer", "c-42"), "ttl_seconds", 3600)));
    schema("SessionPatch", example(props(obj("name", obj("type", "string", "maxLength", 200), "metadata", metadata,
        "ttl_seconds", obj("type", "integer", "minimum", 1))), obj("metadata", obj("customer", "c-43"))));
    schema("Session", example(props(obj("session_id", str(), "tenant_id", str(), "name", nullable("string"),
        "status", enumOf("active", "expired", "deleted"), "metadata", metadata, "created_at", timestamp,
        "updated_at", timestamp, "expires_at", obj("type", arr("string", "null"), "format", "date-time"))),
        obj("session_id", "ses_01J8Z", "tenant_id", "default", "name", "support-chat", "status", "active",
            "metadata", obj("customer", "c-42"), "created_at", "2026-01-01T00:00:00Z")));
    schema("SessionBulkCreate", example(props(obj("sessions", obj("type", "array", "maxItems", 100, "items", ref("SessionCreate")))),
        obj("sessions", arr(obj("name", "a"), obj("name", "b")))).put("required", arr("sessions")));
    schema("SessionBulkDelete", example(props(obj("session_ids", obj("type", "array", "maxItems", 100, "items", str()))),
        obj("session_ids", arr("ses_01", "ses_02"))).put("required", arr("session_ids")));
    schema("SessionTokenCreate", example(props(obj("ttl_seconds", obj("type", "integer", "minimum", 1),
        "scopes", obj("type", "array", "items", str()))), obj("ttl_seconds", 3600)));
    schema("SessionToken", example(props(obj("token", str(), "token_id", str(), "session_id", str(),
        "scopes", obj("type", "array", "items", str()), "expires_at", timestamp)),
        obj("token", "abt_…", "token_id", "tok_01", "session_id", "ses_01", "scopes", arr("events:read", "events:write", "commands:write"),
            "expires_at", "2026-01-01T01:00:00Z")));

    JsonObject commandMetadata = obj("type", "object", "additionalProperties", true, "properties", obj(
        "priority", enumOf("low", "normal", "high"), "timeout", obj("type", "integer", "minimum", 1, "description", "seconds")));
    schema("CommandSubmit", example(props(obj("command_type", obj("type", "string", "maxLength", 200),
        "parameters", metadata, "metadata", commandMetadata)).put("required", arr("command_type")),
        obj("command_type", "echo", "parameters", obj("text", "hello"), "metadata", obj("priority", "normal", "timeout", 30))));
    schema("Command", example(props(obj("command_id", str(), "session_id", str(), "command_type", str(),
        "status", enumOf("pending", "executing", "completed", "failed", "cancelled", "timed_out"),
        "parameters", metadata, "metadata", metadata, "result", obj("description", "any JSON value once completed, else null"),
        "error", obj("oneOf", arr(ref("Error"), obj("type", "null"))), "created_at", timestamp,
        "started_at", obj("type", arr("string", "null")), "completed_at", obj("type", arr("string", "null")))),
        obj("command_id", "cmd_01", "session_id", "ses_01", "command_type", "echo", "status", "completed",
            "parameters", obj("text", "hello"), "result", obj("text", "hello"), "error", null, "created_at", "2026-01-01T00:00:00Z")));
    schema("CommandBatch", example(props(obj("commands", obj("type", "array", "items", ref("CommandSubmit")),
        "mode", enumOf("parallel", "sequential"), "stop_on_error", obj("type", "boolean"))).put("required", arr("commands")),
        obj("commands", arr(obj("command_type", "echo", "parameters", obj("n", 1))), "mode", "sequential", "stop_on_error", true)));
    schema("CommandBatchResult", props(obj("commands", obj("type", "array", "items", ref("Command")))));
    schema("CommandResultCallback", example(props(obj("result", obj("description", "any JSON value"), "error",
        props(obj("code", str(), "message", str())))), obj("result", obj("reserved", true))));

    schema("EventPublish", example(props(obj("event_type", obj("type", "string", "maxLength", 200,
        "pattern", "^[A-Za-z0-9][A-Za-z0-9_.:-]*$"), "data", metadata, "metadata", metadata,
        "command_id", obj("type", "string", "description", "a handler's progress for this command"))).put("required", arr("event_type")),
        obj("event_type", "app.note", "data", obj("text", "hi"))));
    schema("Event", example(props(obj("event_id", str(), "session_id", str(), "seq", obj("type", "integer", "minimum", 1),
        "event_type", str(), "data", metadata, "metadata", metadata, "source", str(), "command_id", str(), "created_at", timestamp)),
        obj("event_id", "evt_01", "session_id", "ses_01", "seq", 7, "event_type", "app.note", "data", obj("text", "hi"),
            "metadata", obj(), "source", "client", "created_at", "2026-01-01T00:00:00Z")));
    schema("WsClientFrame", obj("type", "object", "required", arr("type"), "description",
        "a WebSocket text frame from the client; each may carry `request_id`", "properties", obj(
            "type", enumOf("subscribe", "unsubscribe", "command", "publish", "ack", "ping", "prompt"), "request_id", str(),
            "subscriber_id", str(),
            "session_id", str(), "after_seq", obj("type", "integer"), "types", obj("type", "array", "items", str()),
            "command_type", str(), "parameters", metadata, "event_type", str(), "data", metadata, "seq", obj("type", "integer"),
            "prompt", str(), "metadata", metadata, "stream", obj("type", "boolean")),
        "examples", arr(obj("type", "subscribe", "session_id", "ses_01", "after_seq", 0), obj("type", "ping"))));
    schema("WsServerFrame", obj("type", "object", "required", arr("type"), "description",
        "a WebSocket text frame from the server; close codes: 1008 policy, 1009 too big, 1012 restarting (resume), 1013 too slow (resume with after_seq)",
        "properties", obj("type", enumOf("event", "ack", "error", "pong", "token", "result", "unsubscribed"), "request_id", str(),
            "event", ref("Event"), "session_id", str(), "command_id", str(), "status", str(), "event_id", str(),
            "seq", obj("type", "integer"), "after_seq", obj("type", "integer"), "last_seq", obj("type", "integer"),
            "acked_seq", obj("type", "integer"), "reason", enumOf("shutdown", "too_slow", "session_deleted", "interrupted"),
            "resume_after_seq", obj("type", "integer"), "error", ref("Error")),
        "examples", arr(obj("type", "event", "event", obj("seq", 8, "event_type", "app.note")), obj("type", "pong"))));

    JsonObject engineConfiguration = obj("type", "object", "additionalProperties", true, "properties", obj(
        "temperature", obj("type", "number"), "max_tokens", obj("type", "integer"), "system_prompt", str(),
        "tools", obj("type", "array", "items", str()), "max_iterations", obj("type", "integer", "minimum", 1),
        "script", obj("description", "dummy engine only: what it answers or which tool it calls")));
    schema("EngineCreate", example(props(obj("engine_type", enumOf("dummy", "openai"), "session_id", str(), "model_name", str(),
        "configuration", engineConfiguration)).put("required", arr("engine_type", "session_id")),
        obj("engine_type", "dummy", "session_id", "ses_01", "configuration", obj("max_iterations", 5))));
    schema("Engine", example(props(obj("engine_id", str(), "engine_type", str(), "session_id", str(), "model_name", nullable("string"),
        "status", enumOf("initialized", "active", "running", "stopped", "failed"), "configuration", engineConfiguration,
        "created_at", timestamp)), obj("engine_id", "eng_01", "engine_type", "dummy", "session_id", "ses_01",
        "status", "initialized", "created_at", "2026-01-01T00:00:00Z")));
    schema("EngineExecute", example(props(obj("prompt", str(), "parameters", metadata, "metadata", commandMetadata))
        .put("required", arr("prompt")), obj("prompt", "What is 2+2?")));
    JsonObject agentFields = obj("name", obj("type", "string", "maxLength", 200),
        "description", obj("type", arr("string", "null"), "maxLength", 2000),
        "status", obj("type", "string", "enum", arr("active", "inactive", "archived"), "description", "default active"), "llm_config", obj("type", "object",
        "additionalProperties", true, "description", "`provider` (dummy|openai), `model`, `temperature`, `max_tokens`, …"),
        "mcp_servers", obj("type", "array", "items", str(), "description", "server ids or URLs"),
        "system_prompt", nullable("string"), "metadata", metadata);
    schema("AgentCreate", example(props(agentFields.copy()).put("required", arr("name")),
        obj("name", "helper", "llm_config", obj("provider", "dummy"), "system_prompt", "Be brief.")));
    schema("AgentPatch", example(props(agentFields.copy()), obj("system_prompt", "Be briefer.")));
    schema("Agent", example(props(agentFields.copy().put("agent_id", str()).put("created_at", timestamp).put("updated_at", timestamp)),
        obj("agent_id", "agt_01", "name", "helper", "llm_config", obj("provider", "dummy"), "created_at", "2026-01-01T00:00:00Z")));

    schema("ThreadCreate", example(props(obj("user_id", str(), "metadata", metadata)), obj("user_id", "u-1")));
    schema("Thread", example(props(obj("thread_id", str(), "user_id", nullable("string"), "metadata", metadata, "created_at", timestamp)),
        obj("thread_id", "ses_01", "user_id", "u-1", "metadata", obj(), "created_at", "2026-01-01T00:00:00Z")));
    schema("Message", example(props(obj("id", str(), "session_id", str(), "role", enumOf("user", "assistant", "tool"),
        "type", enumOf("message", "reasoning", "tool_call", "tool_result"), "content", obj("description", "text, or the call's JSON"),
        "parent_id", nullable("string"), "created_at", timestamp, "metadata", metadata,
        "source", obj("type", "string", "description", "`client` for a message a client added"), "edited_at", timestamp)),
        obj("id", "msg_01", "session_id", "ses_01", "role", "user", "type", "message", "content", "Hi", "created_at", "2026-01-01T00:00:00Z")));
    schema("MessageCreate", example(props(obj("role", enumOf("user", "assistant"), "content", obj("type", "string", "minLength", 1),
        "parent_id", str(), "metadata", metadata)), obj("role", "user", "content", "Remember: I prefer metric units")));
    schema("MessagePatch", example(props(obj("content", obj("type", "string", "minLength", 1), "metadata", metadata)),
        obj("content", "Remember: I prefer imperial units")));
    schema("MessageDeleted", example(props(obj("message_id", str(), "deleted", obj("type", "boolean"),
        "reparented", obj("type", "integer", "description", "children that now have the deleted message's parent"))),
        obj("message_id", "msg_01", "deleted", true, "reparented", 0)));
    schema("ThreadHistory", props(obj("thread_id", str(), "user_id", nullable("string"),
        "messages", obj("type", "array", "items", ref("Message")), "has_more", obj("type", "boolean"))));
    schema("ChatStreamRequest", example(props(obj("content", str(), "agent_id", str(), "engine_id", str(),
        "llm_config", obj("type", "object", "additionalProperties", true), "on_busy", enumOf("reject", "enqueue", "interrupt"),
        "on_disconnect", enumOf("continue", "cancel"))).put("required", arr("content")), obj("content", "Hello!")));
    schema("SemanticStreamRequest", example(props(obj("input", str(), "conversation", props(obj("id", str(), "user_id", str(),
        "company_id", str())).put("required", arr("id", "user_id", "company_id")))).put("required", arr("input", "conversation")),
        obj("input", "Hello", "conversation", obj("id", "conv-1", "user_id", "u-1", "company_id", "co-1"))));

    JsonObject implementation = obj("oneOf", arr(
        props(obj("kind", obj("const", "http"), "url", obj("type", "string", "format", "uri"), "secret", str(),
            "timeout_ms", obj("type", "integer"))).put("required", arr("kind", "url")),
        props(obj("kind", obj("const", "bus"), "address", str(), "timeout_ms", obj("type", "integer"))).put("required", arr("kind", "address")),
        props(obj("kind", obj("const", "mcp"), "server_id", str(), "tool", str())).put("required", arr("kind", "server_id", "tool"))));
    schema("ToolRegister", example(props(obj("name", obj("type", "string", "maxLength", 200), "description", str(),
        "parameters", obj("type", "object", "additionalProperties", true, "description", "a JSON Schema object"),
        "implementation", implementation)).put("required", arr("name", "implementation")),
        obj("name", "weather.get", "description", "Current weather", "parameters", obj("type", "object", "properties",
            obj("city", obj("type", "string"))), "implementation", obj("kind", "http", "url", "https://tools.example.com/weather"))));
    schema("Tool", example(props(obj("name", str(), "description", str(), "parameters", metadata, "implementation", metadata,
        "scope", enumOf("session", "global", "builtin"), "created_at", timestamp)),
        obj("name", "weather.get", "scope", "session", "implementation", obj("kind", "http", "url", "https://tools.example.com/weather"))));
    schema("ToolList", page("Tool"));
    schema("ToolExecute", example(props(obj("arguments", metadata)), obj("arguments", obj("city", "Paris"))));
    schema("ToolResult", example(props(obj("tool_call_id", str(), "name", str(), "result", obj("description", "any JSON value"),
        "is_error", obj("type", "boolean"), "duration_ms", obj("type", "integer"))),
        obj("tool_call_id", "call_01", "name", "weather.get", "result", obj("sky", "sunny"), "is_error", false, "duration_ms", 41)));
    schema("McpServerRegister", example(props(obj("name", obj("type", "string", "maxLength", 64), "url", obj("type", "string", "format", "uri"),
        "headers", obj("type", "object", "additionalProperties", str(), "description", "sent on every call; stored encrypted, never returned")))
        .put("required", arr("name", "url")), obj("name", "everything", "url", "http://127.0.0.1:3001/mcp")));
    schema("McpServer", example(props(obj("server_id", str(), "name", str(), "url", str(), "status", str(),
        "headers", obj("type", "array", "items", str(), "description", "header names only"), "tools", obj("type", "array", "items", str()),
        "tool_count", obj("type", "integer"), "last_error", nullable("string"), "created_at", timestamp)),
        obj("server_id", "mcp_01", "name", "everything", "url", "http://127.0.0.1:3001/mcp", "status", "connected", "tools", arr("echo"))));
    schema("McpServerList", page("McpServer"));
    schema("McpTools", obj("type", "object", "additionalProperties", true, "properties", obj("server_id", str(),
        "tools", obj("type", "array", "items", obj("type", "object", "additionalProperties", true)))));

    JsonObject handler = obj("oneOf", arr(
        props(obj("kind", obj("const", "webhook"), "url", obj("type", "string", "format", "uri"), "secret", str())).put("required", arr("kind", "url")),
        props(obj("kind", obj("const", "bus"), "address", str())).put("required", arr("kind", "address"))));
    schema("CommandHandlerRegister", example(props(obj("command_type", str(), "handler", handler,
        "timeout_ms", obj("type", "integer", "minimum", 1, "maximum", 300000))).put("required", arr("command_type", "handler")),
        obj("command_type", "shop.reserve", "handler", obj("kind", "webhook", "url", "https://shop.example.com/hooks/reserve"))));
    schema("CommandHandler", example(props(obj("handler_id", str(), "command_type", str(), "handler", metadata,
        "scope", enumOf("session", "global"), "timeout_ms", obj("type", "integer"), "created_at", timestamp)),
        obj("handler_id", "hdl_01", "command_type", "shop.reserve", "scope", "session", "handler", obj("kind", "webhook", "url", "https://shop.example.com/hooks/reserve"))));
    schema("EventHandlerRegister", example(props(obj("event_type", obj("type", "string", "description", "exact, or a prefix ending in `*`"),
        "handler", handler, "timeout_ms", obj("type", "integer", "minimum", 1, "maximum", 300000)))
        .put("required", arr("event_type", "handler")), obj("event_type", "app.*", "handler", obj("kind", "bus", "address", "my.events"))));
    schema("EventHandler", example(props(obj("handler_id", str(), "event_type", str(), "handler", metadata,
        "scope", enumOf("session", "global"), "delivered_seq", obj("type", "integer"), "pending", obj("type", "integer"),
        "failures", obj("type", "integer"), "last_error", nullable("string"), "created_at", timestamp)),
        obj("handler_id", "hdl_02", "event_type", "app.*", "scope", "session", "handler", obj("kind", "bus", "address", "my.events"))));
    schema("DeadLetter", obj("type", "object", "additionalProperties", true, "properties", obj("dead_letter_id", str(),
        "handler_id", str(), "session_id", str(), "seq", obj("type", "integer"), "attempts", obj("type", "integer"),
        "last_error", str(), "created_at", timestamp)));

    JsonObject scopes = obj("type", "array", "items", enumOf("sessions:read", "sessions:write", "commands:write", "events:read",
        "events:write", "engines:write", "tools:write", "handlers:write", "metrics:read", "admin"));
    schema("ApiKeyCreate", example(props(obj("name", obj("type", "string", "maxLength", 200), "tenant_id", obj("type", "string",
        "maxLength", 64), "scopes", scopes, "tier", enumOf("anonymous", "default", "premium"))).put("required", arr("name")),
        obj("name", "ci", "tenant_id", "acme", "scopes", arr("sessions:read", "sessions:write", "commands:write"), "tier", "default")));
    JsonObject keyFields = obj("key_id", str(), "name", str(), "tenant_id", str(), "scopes", scopes, "tier", str(),
        "created_at", timestamp, "revoked_at", obj("type", arr("string", "null")));
    schema("ApiKey", props(keyFields.copy()));
    schema("ApiKeyCreated", example(props(keyFields.copy().put("key", obj("type", "string", "description", "the secret, shown once"))),
        obj("key_id", "key_01", "key", "abk_…", "name", "ci", "tenant_id", "acme", "scopes", arr("sessions:read"), "tier", "default")));

    schema("InferRequest", example(props(obj("prompt", str(), "session_id", str(), "metadata", commandMetadata)).put("required", arr("prompt")),
        obj("prompt", "Write a haiku")));
    schema("Inference", example(props(obj("request_id", str(), "session_id", str(), "status", str(),
        "result", obj("description", "the answer once completed"), "error", obj("oneOf", arr(ref("Error"), obj("type", "null"))))),
        obj("request_id", "cmd_01", "session_id", "ses_01", "status", "pending", "result", null, "error", null)));

    JsonObject dependency = obj("type", "object", "additionalProperties", true, "properties", obj("status", enumOf("UP", "DOWN")));
    schema("Health", example(props(obj("status", enumOf("healthy", "unhealthy"), "timestamp", timestamp, "version", str(),
        "uptime_seconds", obj("type", "integer"), "node_id", str(),
        "draining", obj("type", "boolean", "description", "present (true) while the node shuts down: readiness is 503"),
        "dependencies", props(obj(
            "mongodb", dependency, "cluster", dependency, "engines", dependency, "mcp_servers", dependency)))),
        obj("status", "healthy", "version", HealthRoutes.VERSION, "node_id", "node_01", "dependencies", obj(
            "mongodb", obj("status", "UP", "latency_ms", 1), "cluster", obj("status", "UP", "mode", "standalone", "members", 1),
            "engines", obj("status", "UP", "default_type", "dummy", "openai", obj("base_url", "https://api.openai.com/v1", "api_key_set", false)),
            "mcp_servers", obj("status", "UP", "servers", arr(), "connected", 0, "unavailable", 0)))));
    schema("Live", example(props(obj("status", obj("const", "UP"), "timestamp", timestamp, "version", str())),
        obj("status", "UP", "version", HealthRoutes.VERSION)));
    schema("Status", example(props(obj("node_id", str(), "version", str(), "started_at", timestamp,
        "uptime_seconds", obj("type", "integer"), "timestamp", timestamp,
        "cluster", props(obj("mode", enumOf("standalone", "clustered"), "member_count", obj("type", "integer"),
            "members", obj("type", "array", "items", props(obj("node_id", str(), "self", obj("type", "boolean"),
                "http_address", nullable("string"), "ready", obj("type", "boolean"), "version", nullable("string"),
                "started_at", nullable("string")))))),
        "streams", props(obj("open", obj("type", "integer", "description", "SSE and WebSocket streams open on this node"))),
        "commands", props(obj("open", obj("type", arr("integer", "null"), "description", "commands accepted and not yet final, cluster-wide"))),
        "store", dependency)),
        obj("node_id", "node_01", "version", HealthRoutes.VERSION, "uptime_seconds", 42, "cluster", obj("mode", "standalone",
            "member_count", 1, "members", arr(obj("node_id", "node_01", "self", true, "http_address", "127.0.0.1:8080", "ready", true))),
            "streams", obj("open", 0), "commands", obj("open", 0), "store", obj("status", "UP", "latency_ms", 1))));
    schema("Shutdown", example(props(obj("node_id", str(), "status", obj("const", "shutting_down"),
        "grace_ms", obj("type", "integer", "description", "how long running commands get to finish"))),
        obj("node_id", "node_01", "status", "shutting_down", "grace_ms", 20000)));
    schema("Config", example(props(obj("node_id", str(), "config", obj("type", "object", "additionalProperties", true,
        "description", "conf/config.json's shape, as this node runs it"))),
        obj("node_id", "node_01", "config", obj("auth", obj("admin_key", "[redacted]", "jwt", obj("secret", null))))));
  }

  // ---------------------------------------------------------------- errors

  /** One response per HTTP status any {@link ErrorCode} has, its codes listed (and enumerated in its schema). */
  private static JsonObject errorResponses() {
    Map<Integer, List<ErrorCode>> byStatus = new TreeMap<>();
    for (ErrorCode code : ErrorCode.values()) {
      byStatus.computeIfAbsent(code.httpStatus(), s -> new ArrayList<>()).add(code);
    }
    JsonObject responses = new JsonObject();
    byStatus.forEach((status, codes) -> {
      JsonArray names = codes(codes);
      JsonObject schema = obj("allOf", arr(ref("ErrorEnvelope"), obj("properties", obj("error", obj("properties",
          obj("code", obj("enum", names)))))));
      ErrorCode first = codes.get(0);
      JsonObject example = obj("error", obj("code", first.name(), "message", "…", "details", new JsonObject()),
          "timestamp", "2026-01-01T00:00:00Z", "request_id", "req_01");
      JsonObject response = obj("description", "error: " + String.join(", ", names.stream().map(Object::toString).toList()),
          "content", obj(JSON, obj("schema", schema, "example", example)));
      if (status == 401) {
        response.put("headers", obj("WWW-Authenticate", obj("description", "`Bearer realm=\"agentbus\"`", "schema", str())));
      } else if (status == 429 || status == 503) {
        response.put("headers", obj("Retry-After", obj("description", "seconds", "schema", obj("type", "integer"))));
      }
      responses.put("Error" + status, response);
    });
    return responses;
  }

  private static JsonArray codes(List<ErrorCode> codes) {
    JsonArray names = new JsonArray();
    codes.forEach(code -> names.add(code.name()));
    return names;
  }

  // ---------------------------------------------------------------- builder

  private Op op(String method, String path, String tag, String summary) {
    Op op = new Op(method, path, tag, summary);
    JsonObject item = paths.getJsonObject(path);
    if (item == null) {
      item = new JsonObject();
      paths.put(path, item);
    }
    if (item.containsKey(method)) {
      throw new IllegalStateException("documented twice: " + method + " " + path);
    }
    item.put(method, op.operation);
    operations.add(op);
    return op;
  }

  /** One operation as it is built; {@link #finish} adds what every operation has (path parameters, security, errors). */
  private final class Op {
    final String method;
    final String path;
    final JsonObject operation = new JsonObject();
    final JsonObject responses = new JsonObject();
    final JsonArray parameters = new JsonArray();
    final Set<Integer> errors = new LinkedHashSet<>();
    boolean hasBody;
    boolean stream;

    Op(String method, String path, String tag, String summary) {
      this.method = method;
      this.path = path;
      operation.put("tags", arr(tag)).put("summary", summary).put("operationId", defaultId(method, path));
    }

    Op id(String operationId) {
      operation.put("operationId", operationId);
      return this;
    }

    Op describe(String text) {
      operation.put("description", text);
      return this;
    }

    Op query(String name, JsonObject schema, String description) {
      parameters.add(obj("name", name, "in", "query", "required", false, "description", description, "schema", schema));
      return this;
    }

    Op queryObject(String name, String description) {
      parameters.add(obj("name", name, "in", "query", "required", false, "description", description, "style", "deepObject",
          "explode", true, "schema", obj("type", "object", "additionalProperties", str())));
      return this;
    }

    Op header(String name, String description) {
      parameters.add(obj("name", name, "in", "header", "required", false, "description", description, "schema", str()));
      return this;
    }

    Op ref(String parameter) {
      parameters.add(OpenApiDocument.ref(parameter, "parameters"));
      return this;
    }

    Op page() {
      return ref("Limit").ref("Cursor");
    }

    Op tenant() {
      return ref("TenantId");
    }

    /** {@link #tenant} on a tenant-wide (global) registry route, where the admin picks the tenant. */
    Op tenantIf(boolean global) {
      return global ? tenant() : this;
    }

    Op idempotent() {
      return ref("IdempotencyKey");
    }

    Op body(String schema) {
      hasBody = true;
      JsonObject media = obj("schema", OpenApiDocument.ref(schema));
      JsonArray examples = schemas.getJsonObject(schema).getJsonArray("examples");
      if (examples != null && !examples.isEmpty()) {
        media.put("example", examples.getValue(0));
      }
      operation.put("requestBody", obj("required", true, "content", obj(JSON, media)));
      return this;
    }

    /** A JSON response; {@code schema} a component name, an inline schema, or null (any JSON). */
    Op json(int status, String description, Object schema) {
      JsonObject media = obj("schema", schema == null ? obj("type", "object")
          : schema instanceof String name ? OpenApiDocument.ref(name) : (JsonObject) schema);
      if (schema instanceof String name) {
        JsonArray examples = schemas.getJsonObject(name).getJsonArray("examples");
        if (examples != null && !examples.isEmpty()) {
          media.put("example", examples.getValue(0));
        }
      }
      content(status, description, JSON, media);
      return this;
    }

    Op html(String description) {
      content(200, description, "text/html", obj("schema", str()));
      return this;
    }

    /** A 200 in the Prometheus text exposition format. */
    Op prometheus(String description, String example) {
      content(200, description, "text/plain; version=0.0.4", obj("schema", str(), "example", example));
      return this;
    }

    /** An SSE answer (200 {@code text/event-stream}); beside a JSON 200 it is chosen by {@code Accept}. */
    Op sse(String description, String example) {
      stream = true;
      content(200, "an SSE stream: " + description, SSE, obj("schema", obj("type", "string",
          "description", "`text/event-stream`: " + description), "example", example));
      return this;
    }

    Op websocket(String description) {
      stream = true;
      parameters.add(obj("name", "Upgrade", "in", "header", "required", true, "schema", obj("const", "websocket"),
          "description", "a WebSocket upgrade (RFC 6455)"));
      responses.put("101", obj("description", "Switching Protocols: a WebSocket; " + description,
          "headers", obj("Upgrade", obj("schema", obj("const", "websocket")))));
      operation.put("x-websocket", obj("client_frames", OpenApiDocument.ref("WsClientFrame"),
          "server_frames", OpenApiDocument.ref("WsServerFrame")));
      return this;
    }

    Op errors(int... statuses) {
      for (int status : statuses) {
        errors.add(status);
      }
      return this;
    }

    private void content(int status, String description, String type, JsonObject media) {
      JsonObject response = responses.getJsonObject(String.valueOf(status));
      if (response == null) {
        response = obj("description", description, "content", new JsonObject());
        responses.put(String.valueOf(status), response);
      }
      response.getJsonObject("content").put(type, media);
    }

    void finish() {
      Matcher names = PATH_PARAM.matcher(path);
      JsonArray all = new JsonArray();
      while (names.find()) {
        all.add(obj("name", names.group(1), "in", "path", "required", true, "schema", str()));
      }
      all.addAll(parameters);
      if (!all.isEmpty()) {
        operation.put("parameters", all);
      }
      RouteScopes.Rule rule = RouteScopes.of(method.toUpperCase(), PATH_PARAM.matcher(path).replaceAll("x"));
      boolean open = rule.access() == RouteScopes.Access.OPEN;
      if (open) {
        operation.put("security", new JsonArray());
      } else if (rule.access() == RouteScopes.Access.CALLBACK) {
        operation.put("security", arr(obj("callbackToken", new JsonArray())));
        errors.add(401);
      } else {
        JsonArray scope = rule.scope() == null ? new JsonArray() : arr(rule.scope());
        JsonArray security = arr(obj("bearer", scope), obj("apiKey", scope.copy()), obj("sessionToken", scope.copy()));
        if (rule.stream()) {
          security.add(obj("accessToken", scope.copy()));
        }
        operation.put("security", security);
        if (rule.scope() != null) {
          operation.put("x-required-scope", rule.scope());
        }
        errors.add(401);
        errors.add(403);
        String note = "Scope: " + (rule.scope() == null ? "any valid credential" : "`" + rule.scope() + "`") + ".";
        operation.put("description", operation.containsKey("description") ? operation.getString("description") + "\n\n" + note : note);
      }
      if (hasBody) {
        errors.add(413);
        errors.add(415);
      }
      if (!path.endsWith(".json") && !path.startsWith("/docs") && !path.contains("/health")) {
        errors.add(400);
        errors.add(429);
      }
      if (path.contains("{")) {
        errors.add(404);
      }
      if (!open) {
        errors.add(503); // the store or the cluster cannot be reached
      }
      new java.util.TreeSet<>(errors).forEach(status -> {
        if (!responses.containsKey(String.valueOf(status))) {
          responses.put(String.valueOf(status), OpenApiDocument.ref("Error" + status, "responses"));
        }
      });
      responses.put("default", obj("description", "any other error (500 `INTERNAL_ERROR`, never a stack trace)",
          "content", obj(JSON, obj("schema", OpenApiDocument.ref("ErrorEnvelope")))));
      operation.put("responses", responses);
    }
  }

  private static String defaultId(String method, String path) {
    StringBuilder id = new StringBuilder(method);
    for (String part : path.replace(Api.BASE, "").split("[/.-]")) {
      if (part.isEmpty()) {
        continue;
      }
      String word = part.startsWith("{") ? "By" + camel(part.substring(1, part.length() - 1)) : camel(part);
      id.append(word);
    }
    return id.toString();
  }

  private static String camel(String snake) {
    StringBuilder out = new StringBuilder();
    for (String piece : snake.split("_")) {
      if (!piece.isEmpty()) {
        out.append(Character.toUpperCase(piece.charAt(0))).append(piece.substring(1));
      }
    }
    return out.toString();
  }

  // ---------------------------------------------------------------- JSON helpers

  private void schema(String name, JsonObject schema) {
    schemas.put(name, schema);
  }

  private static JsonObject obj(Object... pairs) {
    JsonObject object = new JsonObject();
    for (int i = 0; i < pairs.length; i += 2) {
      object.put((String) pairs[i], pairs[i + 1]);
    }
    return object;
  }

  private static JsonArray arr(Object... items) {
    return new JsonArray(new ArrayList<>(Arrays.asList(items)));
  }

  private static JsonObject str() {
    return obj("type", "string");
  }

  private static JsonObject nullable(String type) {
    return obj("type", arr(type, "null"));
  }

  private static JsonObject enumOf(String... values) {
    return obj("type", "string", "enum", arr((Object[]) values));
  }

  private static JsonObject props(JsonObject properties) {
    return obj("type", "object", "properties", properties);
  }

  private static JsonObject example(JsonObject schema, JsonObject example) {
    return schema.put("examples", arr(example));
  }

  private static JsonObject ref(String schema) {
    return ref(schema, "schemas");
  }

  private static JsonObject ref(String name, String kind) {
    return obj("$ref", "#/components/" + kind + "/" + name);
  }

  /** {@code {data: [item], next_cursor, has_more}}. */
  private static JsonObject page(String item) {
    return props(obj("data", obj("type", "array", "items", ref(item)), "next_cursor", nullable("string"),
        "has_more", obj("type", "boolean"))).put("required", arr("data", "has_more"));
  }
}
