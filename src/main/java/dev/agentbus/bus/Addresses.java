package dev.agentbus.bus;

/**
 * Every event-bus address agentbus uses, defined once.
 *
 * <p>Each constant states its direction ({@code request}: one consumer answers, {@code publish}:
 * every subscriber on every node receives it) and its body. Request bodies and replies are
 * {@link io.vertx.core.json.JsonObject}s; failures come back as {@link BusError} payloads.
 * Requests carry the {@link Headers#REQUEST_ID} header when they originate in an HTTP request.
 * agentbus sends its own requests local-only (see {@link Bus#withRequestId}); every node has a
 * consumer for every request address, and services joining the cluster may send to them too.
 */
public final class Addresses {
  private Addresses() {}

  private static final String PREFIX = "agentbus.";

  /** Whether {@code address} is in agentbus's own namespace (outside code may not serve or be given one). */
  public static boolean isOwn(String address) {
    return address.toLowerCase(java.util.Locale.ROOT).startsWith(PREFIX);
  }

  // ---- workers outside the JVM (bridge.TcpBridgeVerticle) ----

  /**
   * The namespace of workers: {@code agentbus.ext.<tenant>.<name>} is served by a worker of that
   * tenant (through the TCP bridge, or a cluster member), and only that tenant's bus handlers and
   * tools may point at it. The name has no dot, so the tenant is everything up to the last dot.
   */
  public static final String WORKER_PREFIX = PREFIX + "ext.";
  /** A worker address's name: letters, digits and {@code _ : -}, starting with a letter or digit, at most 64 characters. */
  public static final java.util.regex.Pattern WORKER_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_:-]{0,63}");

  /** The worker address {@code name} of {@code tenant}'s workers. */
  public static String worker(String tenant, String name) {
    return WORKER_PREFIX + tenant + "." + name;
  }

  /** The tenant of a well-formed worker address ({@code agentbus.ext.<tenant>.<name>}), else null. */
  public static String workerTenant(String address) {
    if (address == null || !address.startsWith(WORKER_PREFIX)) {
      return null;
    }
    int dot = address.lastIndexOf('.');
    if (dot <= WORKER_PREFIX.length()) {
      return null;
    }
    String tenant = address.substring(WORKER_PREFIX.length(), dot);
    return dev.agentbus.auth.Tenancy.ID.matcher(tenant).matches() && WORKER_NAME.matcher(address.substring(dot + 1)).matches()
        ? tenant : null;
  }

  /** Whether a handler or tool may be given {@code address}: not agentbus's own, unless it is a worker address. */
  public static boolean givable(String address) {
    return !isOwn(address) || workerTenant(address) != null;
  }

  /** Whether a handler or tool of {@code tenant} may point at {@code address}: any address but another tenant's worker address. */
  public static boolean givableTo(String address, String tenant) {
    String owner = workerTenant(address);
    return owner == null || owner.equals(tenant);
  }

  // ---- sessions (SessionVerticle) ----

  /** request: {@code {name?, metadata?, ttl_seconds?}} → session. */
  public static final String SESSION_CREATE = PREFIX + "session.create";
  /** request: {@code {session_id}} → session, or {@code SESSION_NOT_FOUND}. */
  public static final String SESSION_GET = PREFIX + "session.get";
  /**
   * request: {@code {limit, cursor?, status?, name_prefix?, metadata: {k: v}, sort}} →
   * {@code {data: [session], next_cursor, has_more}}.
   */
  public static final String SESSION_LIST = PREFIX + "session.list";
  /** request: {@code {session_id, name?, metadata?, ttl_seconds?}} → session (metadata merges; null removes a key). */
  public static final String SESSION_PATCH = PREFIX + "session.patch";
  /**
   * request: {@code {session_id}} → {@code {session_id, status: "deleted", cancelled_commands}}.
   * The serving node cancels the session's commands ({@link #COMMAND_CANCEL_SESSION}), appends
   * {@code session.deleted}, removes the session, has every other owner remove its data once
   * ({@link #COMMAND_PURGE_SESSION}, {@link #ENGINE_PURGE_SESSION}, {@link #EVENT_PURGE_SESSION},
   * {@link #CONVERSATION_PURGE_SESSION}, {@link #HANDLER_PURGE_SESSION}, {@link #TOOL_PURGE_SESSION}), then publishes {@link #SESSION_DELETED}.
   */
  public static final String SESSION_DELETE = PREFIX + "session.delete";
  /** request: {@code {sessions: [{name?, metadata?, ttl_seconds?}]}} → {@code {results: [{index, status, session}]}}. */
  public static final String SESSION_BULK_CREATE = PREFIX + "session.bulk-create";
  /** request: {@code {session_ids: [id]}} → {@code {results: [{session_id, status, error?}]}}. */
  public static final String SESSION_BULK_DELETE = PREFIX + "session.bulk-delete";
  /**
   * publish: {@code {session_id}} after a session and its data are gone. Every node evicts its
   * caches; nobody deletes data on it (the node serving {@link #SESSION_DELETE} had each owner
   * purge once).
   */
  public static final String SESSION_DELETED = PREFIX + "session.deleted";

  // ---- events (EventLogVerticle) ----

  /**
   * request, <b>local only</b> (one EventLogVerticle per node, so one producer's appends keep
   * their order): {@code {session_id, event_type, data, metadata, source, command_id?, first?}} →
   * the stored event with its {@code seq}; or {@code {events: [draft]}} (of any sessions) →
   * {@code {events: [stored event]}}, stored in one write, failing if any draft could not be stored.
   * {@code first: true} says the session has no events yet (its creation), so its seq starts at 1
   * without reading the store. Internal producers only: no reserved-prefix check.
   */
  public static final String EVENT_APPEND = PREFIX + "event.append";
  /**
   * request, to one node (the owner of the drafts' sessions, see {@code SeqOwners}), from another
   * node's event log: {@code {events: [draft]}} → {@code {results: [{event} | {error}]}}, one per
   * draft in order. The owner writes them whatever its own view of ownership (never forwarded twice).
   */
  public static String eventAppendOn(String nodeId) {
    return PREFIX + "event.append." + nodeId;
  }

  /**
   * request: a client's event {@code {session_id, event_type, data, metadata}} → stored event.
   * Checks the session exists and the type is not reserved. Stored with {@code source: "client"};
   * only {@link #HANDLER_PROGRESS}, having checked a callback token, sends {@code source: "handler"}
   * with a {@code command_id}, which is kept.
   */
  public static final String EVENT_PUBLISH = PREFIX + "event.publish";
  /**
   * request: {@code {session_id, after_seq, limit, offset, event_type?, command_id?}} →
   * {@code {data: [event], has_more, next_cursor}} in {@code seq} order.
   */
  public static final String EVENT_LIST = PREFIX + "event.list";
  /** request: {@code {session_id, event_id}} → event, or {@code EVENT_NOT_FOUND}. */
  public static final String EVENT_GET = PREFIX + "event.get";

  /**
   * publish: every stored event of one session, after it is durable, in {@code seq} order per
   * producing node. Body: the event. Subscribers de-duplicate by {@code seq} and backfill gaps
   * from {@link #EVENT_LIST}.
   */
  public static String sessionEvents(String sessionId) {
    return SESSION_EVENTS_PREFIX + sessionId + SESSION_EVENTS_SUFFIX;
  }

  /** What {@link #sessionEvents} puts before and after the session id (for a gate that reads the id back). */
  public static final String SESSION_EVENTS_PREFIX = PREFIX + "session.";
  public static final String SESSION_EVENTS_SUFFIX = ".events";

  // ---- the SockJS bridge at /eventbus (bridge.BridgeVerticle; see http.EventBusBridge) ----

  /**
   * request, inbound on the SockJS bridge: {@code {session_id, command_type, parameters, metadata}} →
   * the accepted command, as {@code POST /sessions/{id}/commands} answers it (forwarded to {@link
   * #COMMAND_SUBMIT} for the {@link Headers#PRINCIPAL} on it). The bridge validates the body like REST
   * before it is sent; a message it refused carries {@link Headers#REFUSED} and fails with that error.
   */
  public static final String BRIDGE_COMMAND = PREFIX + "bridge.command";
  /**
   * request, inbound on the SockJS bridge: {@code {session_id, event_type, data, metadata}} → the
   * stored event, as {@code POST /sessions/{id}/events} answers it (forwarded to {@link #EVENT_PUBLISH});
   * refused like {@link #BRIDGE_COMMAND}.
   */
  public static final String BRIDGE_PUBLISH = PREFIX + "bridge.publish";

  /** request: {@code {session_id, subscriber_id, seq}} → {@code {acked_seq}}; the cursor only moves forward. */
  public static final String SUBSCRIBER_ACK = PREFIX + "subscriber.ack";
  /**
   * request: {@code {session_id, after_seq?, subscriber_id?}} → {@code {session_id, after_seq}}: where a
   * stream of the session starts — {@code after_seq} when given, else the last seq the durable
   * subscriber acked, else 0. Fails {@code SESSION_NOT_FOUND}.
   */
  public static final String STREAM_OPEN = PREFIX + "event.stream-open";
  /**
   * request: {@code {session_id}} → {@code {events: n, subscriber_cursors: n}} (documents removed):
   * removes a deleted session's events and subscriber cursors and forgets its last {@code seq}.
   * Sent once per delete, by the node serving {@link #SESSION_DELETE}.
   */
  public static final String EVENT_PURGE_SESSION = PREFIX + "event.purge-session";

  // ---- commands (CommandVerticle) ----

  /**
   * request: {@code {session_id, command_type, parameters, metadata: {priority, timeout},
   * wait_seconds, if_busy?}} → command. Instead of {@code session_id}, {@code new_session: {name?,
   * metadata?}} runs the command in a session created for it. {@code if_busy} decides what happens when the session
   * already has unfinished commands of this type: {@code reject} fails {@code CONFLICT} with
   * {@code details.active_command_id}, {@code interrupt} cancels them first, {@code enqueue} (the
   * default) accepts the command alongside. With {@code wait_seconds > 0} the reply waits (up to that long)
   * for a final status. This reply (only) carries {@code accepted_seq}, the seq of the command's
   * {@code command.accepted} event: a stream of its events can start right after {@code accepted_seq - 1}.
   */
  public static final String COMMAND_SUBMIT = PREFIX + "command.submit";
  /** request: {@code {session_id, commands: [...], mode, stop_on_error}} → {@code {batch_id, mode, commands}}. */
  public static final String COMMAND_BATCH = PREFIX + "command.batch";
  /**
   * request: {@code {session_id?, command_id, wait_seconds?}} → command, or {@code COMMAND_NOT_FOUND}
   * ({@code SESSION_NOT_FOUND} when a given session does not exist). Without {@code session_id} the
   * command is looked up by its id alone (the inference shortcuts' {@code /status/{id}}). With {@code wait_seconds > 0}
   * the reply waits (up to that long) for a final status.
   */
  public static final String COMMAND_GET = PREFIX + "command.get";
  /** request: {@code {session_id, limit, cursor?, status?, command_type?}} → page of commands. */
  public static final String COMMAND_LIST = PREFIX + "command.list";
  /** request: {@code {session_id, command_id}} → command (idempotent: a final command is returned as is). */
  public static final String COMMAND_CANCEL = PREFIX + "command.cancel";
  /** request: {@code {session_id}} → {@code {cancelled: n}}; cancels every unfinished command of a session. */
  public static final String COMMAND_CANCEL_SESSION = PREFIX + "command.cancel-session";
  /**
   * request: {@code {session_id}} → {@code {commands: n}} (documents removed): removes a deleted
   * session's commands (already cancelled). Sent once per delete, by the node serving
   * {@link #SESSION_DELETE}.
   */
  public static final String COMMAND_PURGE_SESSION = PREFIX + "command.purge-session";
  /**
   * request, <b>local only</b> (to the node running the command): {@code {command_id}} → the command,
   * now {@code executing}, its {@code command.started} event stored. Sent by a handler that starts
   * itself ({@link dev.agentbus.command.CommandHandler#startsItself}) once the run really begins, e.g.
   * the engine once it holds the session's conversation lock. Fails {@code CONFLICT} (details {@code
   * {command_id, status}}) when the command is no longer pending (cancelled or timed out meanwhile):
   * the caller then stops without doing the work; {@code COMMAND_NOT_FOUND} when it is gone.
   */
  public static final String COMMAND_START = PREFIX + "command.start";
  /**
   * request, <b>not</b> local only, to the one node named: {@code {command_id, status, error}} →
   * the command (as stored; unchanged when it was already final). A cancel, an interrupt or an
   * overdue sweep on one node asks the node running the command ({@code node_id}) to finish it, so
   * that node's ledger keeps the command's events in transition order.
   */
  public static String commandConclude(String nodeId) {
    return PREFIX + "command.conclude." + nodeId;
  }
  /**
   * local request from the node's shutdown, {@code {grace_ms}} → {@code {handed_over, running}}:
   * the command verticle stops starting commands, hands its queued ones to another node ({@link
   * #COMMAND_ADOPT}) and answers once the ones it runs have finished, or after {@code grace_ms}
   * ({@code running}: how many were still running then).
   */
  public static final String COMMAND_DRAIN = PREFIX + "command.drain";
  /**
   * request, <b>not</b> local only, to any other node's command verticle: {@code {commands: [stored
   * command], sequential, stop_on_error}} → {@code {adopted}}. The receiver becomes the commands'
   * node (in the store and the open set) and runs those still pending, as if it had accepted them.
   * Fails {@code SERVICE_UNAVAILABLE} when the receiver drains too.
   */
  public static final String COMMAND_ADOPT = PREFIX + "command.adopt";
  /**
   * publish: {@code {command_id, session_id, status}} when a command was finished by someone
   * other than its runner (cancel, timeout). The node running it stops the work.
   */
  public static final String COMMAND_ABORTED = PREFIX + "command.aborted";

  /**
   * local send, from {@code POST /shutdown}: shut this node down gracefully, the same way SIGTERM does
   * (see {@code MainVerticle}).
   */
  public static final String NODE_SHUTDOWN = PREFIX + "node.shutdown";
  /**
   * request, local only: {@code {trace_id}} → the trace's spans from every node, read from the store
   * by the node's {@code TraceVerticle}; a tenant's principal only a trace of its own requests, else
   * {@code NOT_FOUND}.
   */
  public static final String TRACE_GET = PREFIX + "trace.get";

  // ---- engines (EngineCatalogVerticle: create, get, list, delete; EngineVerticle: run) ----

  /**
   * request: {@code {engine_type, model_name?, session_id, configuration}} → engine (of the
   * session's tenant; another tenant's session is {@code SESSION_NOT_FOUND}). Every engine request
   * acts for the principal on it: another tenant's engine is {@code ENGINE_NOT_FOUND}.
   */
  public static final String ENGINE_CREATE = PREFIX + "engine.create";
  /** request: {@code {engine_id}} → engine, or {@code ENGINE_NOT_FOUND}. */
  public static final String ENGINE_GET = PREFIX + "engine.get";
  /** request: {@code {limit, cursor?, session_id?, status?, tenant_id?}} → {@code {data: [engine], next_cursor, has_more}} (the caller's tenant's; {@code tenant_id} filters the admin's). */
  public static final String ENGINE_LIST = PREFIX + "engine.list";
  /** request: {@code {engine_id}} → {@code {engine_id, status: "deleted"}}, or {@code ENGINE_NOT_FOUND}. */
  public static final String ENGINE_DELETE = PREFIX + "engine.delete";
  /**
   * request: {@code {session_id, engine_id?, agent_id?, llm_config?}} → the engine a prompt runs
   * on, {@code {engine_id (null unless a stored engine), agent_id?, engine_type, model_name,
   * configuration, mcp_servers? (an agent's)}}: the named engine of the session, else the named agent's settings, else the
   * session's newest engine, else the default; then {@code llm_config} on top. Fails {@code
   * ENGINE_NOT_FOUND} or {@code AGENT_NOT_FOUND} (also for an agent of another tenant than the session's).
   */
  public static final String ENGINE_RESOLVE = PREFIX + "engine.resolve";
  /**
   * request: {@code {session_id}} → {@code {engines: n}} (documents removed): removes a deleted
   * session's engines. Sent once per delete, by the node serving {@link #SESSION_DELETE}.
   */
  public static final String ENGINE_PURGE_SESSION = PREFIX + "engine.purge-session";
  /**
   * request, local only: {@code {session_id, command_id, prompt, engine_id?, agent_id?,
   * llm_config?}} → {@code {text, engine_id, engine_type, model_name, tokens, iterations, usage}}
   * after running the tool-call loop and streaming its {@code engine.*} events into the session.
   */
  public static final String ENGINE_RUN = PREFIX + "engine.run";

  /**
   * request: {@code {engine_id, prompt, llm_config?, metadata?, wait_seconds}} → the accepted
   * {@code engine.prompt} command (see {@link #COMMAND_SUBMIT}) on that engine, in the engine's
   * session, submitted on behalf of the caller. Fails {@code ENGINE_NOT_FOUND} (before submitting).
   */
  public static final String ENGINE_EXECUTE = PREFIX + "engine.execute";

  // ---- agents (AgentVerticle) ----

  /**
   * request: {@code {name, llm_config, mcp_servers, system_prompt, metadata}} → agent (of the
   * caller's tenant). Every agent request acts for the principal on it: another tenant's agent is
   * {@code AGENT_NOT_FOUND}.
   */
  public static final String AGENT_CREATE = PREFIX + "agent.create";
  /** request: {@code {agent_id}} → agent, or {@code AGENT_NOT_FOUND}. */
  public static final String AGENT_GET = PREFIX + "agent.get";
  /** request: {@code {limit, cursor?, name_prefix?, tenant_id?}} → {@code {data: [agent], next_cursor, has_more}} (the caller's tenant's; {@code tenant_id} filters the admin's). */
  public static final String AGENT_LIST = PREFIX + "agent.list";
  /** request: {@code {agent_id, name?, llm_config?, mcp_servers?, system_prompt?, metadata?}} → agent. */
  public static final String AGENT_PATCH = PREFIX + "agent.patch";
  /** request: {@code {agent_id}} → {@code {agent_id, deleted: true}}, or {@code AGENT_NOT_FOUND}. */
  public static final String AGENT_DELETE = PREFIX + "agent.delete";

  // ---- tools (ToolVerticle) ----
  //
  // Registries and tenants (tools, command handlers, event handlers, MCP servers): every
  // registration carries tenant_id. A request carrying a principal (Headers.PRINCIPAL, from the
  // HTTP edge) acts for it: a session_id it names is checked on its behalf (another tenant's session
  // is SESSION_NOT_FOUND), and without session_id it addresses its own tenant's global scope
  // (ScopedCollection.globalScope: "*" for tenant default, "*<tenant_id>" for another; the admin's is
  // default's). Lists without session_id take tenant_id? (?tenant_id=): the admin lists every
  // tenant's global registrations or that tenant's, a tenant only its own; a get or removal without
  // session_id takes it too (the admin addresses that tenant's global scope; a tenant naming another
  // is the registration's not-found). Requests for a session's
  // work (resolve, check, offer, execute, deliver, dispatch) resolve in the session's scope, then
  // its tenant's global scope: the sender may put the session's tenant_id in the body; without it
  // the owner looks it up (Sessions.require, cached per node).

  /**
   * request: {@code {session_id?, name, description, parameters, implementation: {kind: "http", url,
   * secret?, timeout_ms?} | {kind: "bus", address, timeout_ms?} | {kind: "mcp", server_id, tool}}}
   * → {@code {name, description, parameters, implementation, scope, created_at}} (an http tool's
   * {@code implementation.secret} is in this reply only). No {@code session_id}: global scope. Fails
   * {@code CONFLICT} when the name is built in or already registered in that scope, {@code
   * SESSION_NOT_FOUND}, or {@code VALIDATION_ERROR} naming {@code implementation.url} (the SSRF guard).
   */
  public static final String TOOL_REGISTER = PREFIX + "tool.register";
  /**
   * request: {@code {session_id?, tenant_id?}} → {@code {data: [tool without secret]}}: with a
   * session, its tools, then its tenant's global ones, then the built-ins; without, the global ones
   * the caller may list (see above), then the built-ins. Each has {@code scope: session|global|builtin}
   * and (not a built-in) {@code tenant_id}.
   */
  public static final String TOOL_LIST = PREFIX + "tool.list";
  /**
   * request: {@code {session_id?, name}} → the tool as that scope sees it (the session's, else the
   * global one, else the built-in), without secret; or {@code TOOL_NOT_FOUND}.
   */
  public static final String TOOL_GET = PREFIX + "tool.get";
  /** request: {@code {session_id?, name}} → {@code {name, scope, deleted: true}}, or {@code TOOL_NOT_FOUND} (in that scope). */
  public static final String TOOL_UNREGISTER = PREFIX + "tool.unregister";
  /**
   * request: {@code {session_id, tenant_id?, name, arguments}} → {@code {name, scope}} when the tool exists for
   * the session and the arguments pass its schema; fails {@code TOOL_NOT_FOUND}, or {@code
   * VALIDATION_ERROR} naming {@code parameters.arguments.<field>}. A {@code tool.call} command's check at submit.
   */
  public static final String TOOL_CHECK = PREFIX + "tool.check";
  /**
   * request: {@code {session_id, tenant_id?, name, arguments, command_id?, tool_call_id?, deadline_ms?, direct,
   * mcp?: {server_id, tool, parameters}}} → {@code {tool_call_id, name, result, is_error,
   * duration_ms}} ({@code result}: the tool's JSON value; for a tool error, its message). {@code
   * direct: true} (the execute endpoint, {@code tool.call}): an unknown tool fails {@code
   * TOOL_NOT_FOUND}, bad arguments fail {@code VALIDATION_ERROR} naming {@code arguments.<field>},
   * and {@code tool.started} then {@code tool.completed} or {@code tool.failed} are appended to the
   * session. {@code direct: false} (an engine run): both are tool errors the model reads, and no
   * {@code tool.*} event is appended (the run records {@code engine.tool_call}/{@code engine.tool_result}).
   * {@code mcp}: a tool of the run's agent's MCP servers, as {@link #TOOL_OFFER} listed it. {@code
   * direct: true} checks the session on behalf of the caller's principal; {@code direct: false} is
   * agentbus's own (the session's {@code tenant_id}, as {@link #TOOL_OFFER} answered it, picks the
   * global tools and is passed on to {@link #MCP_CALL}).
   */
  public static final String TOOL_EXECUTE = PREFIX + "tool.execute";
  /**
   * request: {@code {session_id, tenant_id?, names?: [name], mcp_servers?: [server id or URL]}} → {@code {tools:
   * [{name, description, parameters, scope, server_id?, tool?}], errors: [{server, message}], tenant_id}}: what an
   * engine run offers its model, in one request — the session's tools, its tenant's global ones not shadowed,
   * the built-ins, then the MCP servers' tools (one {@link #MCP_OFFER} when {@code mcp_servers} is not
   * empty, with the session's {@code tenant_id}; its failure is listed in {@code errors}, the rest
   * is still offered); only {@code names} (in that order; unknown ones skipped) when given. The
   * answer's {@code tenant_id} is the session's: the run passes it on in its {@link #TOOL_EXECUTE}s.
   */
  public static final String TOOL_OFFER = PREFIX + "tool.offer";
  /** publish: {@code {key}} or {@code {session_id}} after a registration changed: every node drops it from its cache. */
  public static final String TOOL_CHANGED = PREFIX + "tool.changed";
  /**
   * request: {@code {session_id}} → {@code {tools: n}} (documents removed): removes a deleted
   * session's tools. Sent once per delete, by the node serving {@link #SESSION_DELETE}.
   */
  public static final String TOOL_PURGE_SESSION = PREFIX + "tool.purge-session";

  // ---- conversations (ConversationVerticle) ----

  /**
   * request: {@code {session_id, limit, before?, latest?, cursor?, role?, type?, parent_id?, q?}} →
   * {@code {data: [message], next_cursor, has_more, user_id}} ({@code user_id} from the session's
   * metadata). With {@code before} (a message id of the session, else {@code VALIDATION_ERROR}) or
   * {@code latest: true} the page is the newest {@code limit} messages (older than {@code before}),
   * oldest first, and {@code next_cursor} is the next {@code before}; else pages run oldest first
   * after {@code cursor}. {@code q}: case-insensitive literal substring of {@code content}. Fails
   * {@code SESSION_NOT_FOUND}. Stored shape: {@link dev.agentbus.conversation.MessageStore#MESSAGES}.
   */
  public static final String MESSAGE_LIST = PREFIX + "message.list";
  /**
   * request: {@code {session_id, command_id, role: user|assistant|tool, type:
   * message|reasoning|tool_call|tool_result, content, parent_id, ...extra}} → the stored message
   * document ({@code _id}, {@code created_at} added; extra fields such as {@code duration_ms},
   * {@code iteration}, {@code tool_call}, {@code tool_call_id}, {@code name}, {@code is_error} kept
   * as given). Engine runs append their conversation through it (one run per session at a time).
   */
  public static final String MESSAGE_APPEND = PREFIX + "message.append";
  /**
   * request: {@code {session_id, limit}} → {@code {data: [message document]}}: the newest {@code
   * limit} stored messages of a session, oldest first (an engine run's history).
   */
  public static final String MESSAGE_RECENT = PREFIX + "message.recent";
  /**
   * request, on behalf of a caller: {@code {session_id, role: user|assistant, content, parent_id?,
   * metadata?}} → the message (as {@link #MESSAGE_LIST} shows it, {@code source: "client"}), stored
   * and announced ({@code message.created}); a {@code parent_id} must be a message of the session
   * ({@code VALIDATION_ERROR} naming it). Fails {@code SESSION_NOT_FOUND}.
   */
  public static final String MESSAGE_CREATE = PREFIX + "message.create";
  /** request: {@code {session_id, message_id}} → the message; fails {@code SESSION_NOT_FOUND}, {@code MESSAGE_NOT_FOUND}. */
  public static final String MESSAGE_GET = PREFIX + "message.get";
  /**
   * request: {@code {session_id, message_id, content?, metadata?}} → the message with {@code
   * edited_at} (content replaced; metadata merged key by key, a null value removes its key),
   * announced ({@code message.updated}); later engine runs read the edited text.
   */
  public static final String MESSAGE_PATCH = PREFIX + "message.patch";
  /**
   * request: {@code {session_id, message_id}} → {@code {message_id, deleted: true, reparented: n}}:
   * the message is gone (also from the history later runs read), its children now have its parent
   * (the thread stays one tree), announced ({@code message.deleted}).
   */
  public static final String MESSAGE_DELETE = PREFIX + "message.delete";
  /**
   * request: {@code {conversation_id, user_id, company_id}} → {@code {session_id, created}}: the
   * session that holds an external conversation (a company's conversation id), created on first use.
   */
  public static final String CONVERSATION_OPEN = PREFIX + "conversation.open";
  /**
   * request: {@code {conversation_id, user_id, company_id, prompt}} → the accepted {@code
   * engine.prompt} command (see {@link #COMMAND_SUBMIT}) in the conversation's session, opened as
   * {@link #CONVERSATION_OPEN} does.
   */
  public static final String CONVERSATION_PROMPT = PREFIX + "conversation.prompt";
  /**
   * request: {@code {session_id}} → {@code {messages: n, conversations: n}} (documents removed):
   * removes a deleted session's messages and its external conversation mapping. Sent once per
   * delete, by the node serving {@link #SESSION_DELETE}.
   */
  public static final String CONVERSATION_PURGE_SESSION = PREFIX + "conversation.purge-session";

  // ---- idempotency keys (IdempotencyVerticle) ----

  /**
   * request: {@code {key_id, fingerprint}} → {@code {outcome: "claimed"}} (go ahead, then
   * complete or release) or {@code {outcome: "replay", status, body, location}}; fails {@code
   * IDEMPOTENCY_IN_PROGRESS} or {@code IDEMPOTENCY_KEY_REUSED}.
   */
  public static final String IDEMPOTENCY_CLAIM = PREFIX + "idempotency.claim";
  /** request: {@code {key_id, status, body, location?}} → {@code {}}; stores the first response for replays. */
  public static final String IDEMPOTENCY_COMPLETE = PREFIX + "idempotency.complete";
  /** request: {@code {key_id}} → {@code {}}; forgets a claim whose request did not succeed, so a retry runs again. */
  public static final String IDEMPOTENCY_RELEASE = PREFIX + "idempotency.release";

  // ---- MCP servers (McpVerticle) ----
  // Served clustered on every node (any node, or a cluster member, may ask). A server is {server_id
  // ("mcp_..."), name, url, headers: [header names; values never leave the store, encrypted],
  // status: connected|connecting|unavailable, last_error, tools: [tool names], tool_count, created_at};
  // its status and tools are the serving node's view of it. A tool is {name: "<server name>.<tool>",
  // description, parameters (its inputSchema), server_id, tool}.

  /**
   * request: {@code {name, url, headers?: {name: value}}} → server. Connects first (MCP Streamable
   * HTTP {@code initialize}, {@code tools/list}). Fails {@code VALIDATION_ERROR} naming {@code url}
   * (the SSRF guard) or {@code headers} (credentials but no {@code security.secret_key}), {@code
   * CONFLICT} when the name is taken (in the caller's tenant: names are unique per tenant), {@code
   * MCP_UNAVAILABLE} (with the reason) when it is unreachable or not MCP. The server belongs to the
   * caller's tenant ({@code Tenancy.home}). Every server has {@code tenant_id}.
   */
  public static final String MCP_REGISTER = PREFIX + "mcp.register";
  /**
   * request: {@code {tenant_id?}} → {@code {data: [server], next_cursor: null, has_more: false}},
   * oldest first: the caller's tenant's; the admin's: every tenant's, or {@code tenant_id}'s.
   */
  public static final String MCP_LIST = PREFIX + "mcp.list";
  /**
   * request: {@code {server_id}} → server, or {@code NOT_FOUND} — also for another tenant's server
   * when the request carries a principal ({@link Headers#PRINCIPAL}): whoever checks a server id for
   * a caller (an agent's {@code mcp_servers}) sends it on the caller's behalf ({@code Tenancy.onBehalf}).
   * The same holds for {@link #MCP_DELETE} and {@link #MCP_TOOLS}.
   */
  public static final String MCP_GET = PREFIX + "mcp.get";
  /** request: {@code {server_id}} → {@code {server_id, deleted: true}}, or {@code NOT_FOUND}; every node drops its session. */
  public static final String MCP_DELETE = PREFIX + "mcp.delete";
  /**
   * request: {@code {server_id, refresh?}} → {@code {server_id, status, tools: [tool]}}: the list kept
   * fresh by the server's {@code notifications/tools/list_changed}; {@code refresh: true} asks {@code
   * tools/list} again first. Fails {@code NOT_FOUND}, {@code MCP_UNAVAILABLE}.
   */
  public static final String MCP_TOOLS = PREFIX + "mcp.tools";
  /**
   * request: {@code {servers: [server id or URL], tenant_id?}} → {@code {tools: [tool], errors: [{server,
   * message}]}}: the tools an engine offers for an agent's {@code mcp_servers}, for a session of
   * {@code tenant_id}: a server id of another tenant is listed in {@code errors} as not found, and a
   * URL is looked up among that tenant's servers only. A URL of a registered server uses it; another URL is connected ad hoc (through the SSRF guard, no headers) under the
   * synthetic id {@code mcp_url_<hash of the URL>} and a name made of its host (kept cluster-wide, so
   * {@link #MCP_CALL} takes that id on any node). A server that fails is listed in {@code errors}.
   */
  public static final String MCP_OFFER = PREFIX + "mcp.offer";
  /**
   * request: {@code {server_id, tool, arguments, timeout_ms?, tenant_id?}} → {@code {result, is_error}}: MCP {@code
   * tools/call}; {@code result} is the joined text content (a string), else the structured content
   * or the content list (JSON); MCP {@code isError} and JSON-RPC errors are {@code is_error: true}.
   * Fails {@code NOT_FOUND} (unknown server, or one of another tenant than the calling session's
   * {@code tenant_id}), {@code MCP_UNAVAILABLE} when unreachable, {@code TIMEOUT}
   * after {@code timeout_ms} (default {@code mcp.call_timeout_ms}).
   */
  public static final String MCP_CALL = PREFIX + "mcp.call";
  /** publish: {@code {server_id}} after a registration was added or removed: every node connects or drops its session. */
  public static final String MCP_CHANGED = PREFIX + "mcp.changed";
  /**
   * request, local only: {@code {}} → {@code {servers: [{server_id, name, url, status, last_error,
   * tool_count}]}}: this node's view of every registered server, for {@code /health}.
   */
  public static final String MCP_STATUS = PREFIX + "mcp.status";

  // ---- registered handlers (HandlerVerticle) ----

  /**
   * request: {@code {session_id?, command_type, handler: {kind: "webhook", url, secret?} | {kind:
   * "bus", address}, timeout_ms?}} → {@code {handler_id, command_type, handler, scope, created_at}}
   * (a webhook's {@code handler.secret} is in this reply only). No {@code session_id}: global scope.
   * Fails {@code CONFLICT} when the type is built in or already has a handler in that scope, {@code
   * SESSION_NOT_FOUND}, or {@code VALIDATION_ERROR} naming {@code handler.url} (the SSRF guard).
   */
  public static final String HANDLER_REGISTER = PREFIX + "handler.register";
  /** request: {@code {session_id?, tenant_id?}} → {@code {data: [handler without secret]}}: that scope's command handlers only (global: see the tools' section on tenants). */
  public static final String HANDLER_LIST = PREFIX + "handler.list";
  /** request: {@code {session_id?, command_type}} → {@code {deleted: true, command_type, scope}}, or {@code HANDLER_NOT_FOUND}. */
  public static final String HANDLER_UNREGISTER = PREFIX + "handler.unregister";
  /**
   * request, local only: {@code {session_id, command_type, tenant_id?}} → the registration that handles the
   * type in that session ({@code {handler_id, scope, command_type, kind}}): the session's, else its
   * tenant's global one ({@code tenant_id}: the session's, when the sender knows it); fails {@code HANDLER_NOT_FOUND}. Served from a node cache invalidated by
   * {@link #HANDLER_CHANGED}. The command side asks it at submit, for types that are not built in.
   */
  public static final String HANDLER_RESOLVE = PREFIX + "handler.resolve";
  /**
   * request, local only: {@code {command}} (the stored command document) → {@code {result}} or
   * {@code {error: {code, message, details?}}}: delivers the command to its registered handler
   * (webhook or bus), retrying with backoff until the command's deadline. It does not answer
   * before the result is known (a webhook's 202 waits for its callback) or the deadline passes.
   */
  public static final String HANDLER_DELIVER = PREFIX + "handler.deliver";
  /**
   * request: {@code {session_id, command_id, token, result?, error?}} → {@code {accepted: true}}:
   * an asynchronous webhook's answer. Fails {@code UNAUTHENTICATED} for a bad or expired token,
   * {@code CONFLICT} when the command is no longer waiting for it (cancelled, finished, timed out).
   */
  public static final String HANDLER_RESULT = PREFIX + "handler.result";
  /**
   * request: {@code {session_id, command_id, token, event_type, data, metadata}} → stored event: a
   * command handler's progress event, published into the command's session under its {@code
   * command_id} with {@code source: "handler"}. Fails {@code UNAUTHENTICATED} unless {@code token} is
   * the command's callback token, {@code COMMAND_NOT_FOUND} when the session has no such command,
   * {@code CONFLICT} once the command is final; reserved prefixes are refused as for any client.
   */
  public static final String HANDLER_PROGRESS = PREFIX + "handler.progress";
  /**
   * request, to whichever node waits for an asynchronous webhook's answer to that command:
   * {@code {result} | {error}} → {@code {accepted: true}}. Registered only while it waits, so
   * {@code NO_HANDLERS} means nobody does any more.
   */
  public static String handlerCallback(String commandId) {
    return PREFIX + "handler.callback." + commandId;
  }
  /**
   * publish: {@code {key}} after a command handler registration was added or removed, {@code
   * {event_scope: session id | "*", removed: [handler_id]}} after an event handler one was, {@code
   * {session_id}} after a session's were purged: every node drops them from its caches (and stops
   * the lanes of removed event handlers).
   */
  public static final String HANDLER_CHANGED = PREFIX + "handler.changed";
  /**
   * request: {@code {session_id}} → {@code {handlers: n, event_handlers: {...}}} (documents removed):
   * removes a deleted session's command handlers, and its event handlers through {@link
   * #EVENT_HANDLER_PURGE_SESSION}. Sent once per delete, by the node serving {@link #SESSION_DELETE}.
   */
  public static final String HANDLER_PURGE_SESSION = PREFIX + "handler.purge-session";

  // ---- event handlers (EventHandlerVerticle) ----

  /**
   * request: {@code {session_id?, event_type, handler: {kind: "webhook", url, secret?} | {kind:
   * "bus", address}, timeout_ms?}} → {@code {handler_id, event_type, handler, scope, session_id?,
   * timeout_ms?, created_at}} (a webhook's {@code handler.secret} is in this reply only). {@code
   * event_type} is exact, a prefix ending in {@code *}, or {@code *} (every event). No {@code
   * session_id}: global scope. Fails {@code SESSION_NOT_FOUND}, {@code CONFLICT} when the scope
   * already has {@code handlers.events.max_per_scope} handlers, or {@code VALIDATION_ERROR} naming
   * {@code handler.url} (the SSRF guard).
   */
  public static final String EVENT_HANDLER_REGISTER = PREFIX + "event-handler.register";
  /**
   * request: {@code {session_id?, tenant_id?}} → {@code {data: [handler without secret + {delivered_seq,
   * pending, failures, last_error}], next_cursor: null, has_more: false}}: that scope's event
   * handlers only, with their delivery state (a global handler's aggregates its cursors, see
   * {@code EventHandlerStore}).
   */
  public static final String EVENT_HANDLER_LIST = PREFIX + "event-handler.list";
  /**
   * request: {@code {session_id?, event_type}} → {@code {event_type, scope, handler_ids, deleted:
   * true}}: removes every handler of exactly that {@code event_type} in the scope, their cursors
   * and their lanes on every node; {@code HANDLER_NOT_FOUND} when there is none.
   */
  public static final String EVENT_HANDLER_UNREGISTER = PREFIX + "event-handler.unregister";
  /**
   * request, <b>local only</b>, from the event log ({@code SeqWriter}) after it stored a write and
   * before it acknowledges or announces it: {@code {events: [stored event], traces: {event_id:
   * traceparent}}} (the producers' sampled traces, which the deliveries join) → {@code {cursors:
   * n}} once the cursor of every matching (handler, session) durably covers the events ({@code
   * target_seq}); at once (no store access) when no registration matches. A tenant's global
   * handlers take only events of that tenant's sessions (the event's {@code tenant_id}, else the
   * session's, looked up only when a global handler could match). {@code NO_HANDLERS} (no
   * event-handler verticle on this node) or any failure never fails the append.
   */
  public static final String HANDLER_EVENTS_STORED = PREFIX + "event-handler.events-stored";
  /**
   * request: {@code {limit, cursor?, session_id?, handler_id?, tenant_id?}} → {@code {data: [dead letter],
   * next_cursor, has_more}}, oldest first, the caller's tenant's (the admin's: all, or {@code tenant_id}'s);
   * a dead letter is {@code {dead_letter_id, handler_id, session_id, tenant_id, scope, event, attempts,
   * last_error, created_at, updated_at}}.
   */
  public static final String DEAD_LETTER_LIST = PREFIX + "event-handler.dead-letter-list";
  /**
   * request: {@code {dead_letter_id}} → {@code {dead_letter_id, delivered, attempts, last_error}}:
   * one delivery attempt now; success removes the dead letter, failure keeps it with the new
   * error. Fails {@code NOT_FOUND} for an unknown id (or another tenant's), {@code CONFLICT} when its handler is gone.
   */
  public static final String DEAD_LETTER_RETRY = PREFIX + "event-handler.dead-letter-retry";
  /**
   * request, local only, from {@link #HANDLER_PURGE_SESSION}'s consumer: {@code {session_id}} →
   * {@code {event_handlers, cursors, dead_letters}} (documents removed): a deleted session's event
   * handlers, its cursors (of its own and of global handlers) and dead letters; every node stops
   * the session's lanes ({@link #HANDLER_CHANGED} {@code {session_id}}).
   */
  public static final String EVENT_HANDLER_PURGE_SESSION = PREFIX + "event-handler.purge-session";
  /**
   * request, to the one node named, from the node that registered or removed event handlers:
   * {@code {event_scope: session id | global scope, removed: [handler_id]}} → {@code {}} once that node
   * dropped the scope from its cache and stopped the removed handlers' lanes. A registration is
   * answered after every live node answered (or timed out), so events stored after the answer
   * reach the handler whichever node writes them.
   */
  public static String eventHandlerChangedOn(String nodeId) {
    return PREFIX + "event-handler.changed." + nodeId;
  }
  /**
   * request, to the one node named (the owner of the cursors' lanes), from a node that stored
   * events matching them: {@code {cursors: [{cursor_id, handler_id, session_id}]}} → {@code {}}
   * once their lanes there (re)read the cursors. Sent after the cursors are durable and open, so a
   * lost one only delays delivery until the next event or membership change.
   */
  public static String eventHandlerWakeOn(String nodeId) {
    return PREFIX + "event-handler.wake." + nodeId;
  }

  // ---- authentication (AuthVerticle) ----

  /** request: {@code {name, tenant_id, scopes, tier}} → the key with its secret {@code key} (the one time it is shown). */
  public static final String AUTH_KEY_CREATE = PREFIX + "auth.key.create";
  /** request: {@code {}} → {@code {keys: [key without secret]}}. */
  public static final String AUTH_KEY_LIST = PREFIX + "auth.key.list";
  /** request: {@code {key_id}} → key without secret, or {@code NOT_FOUND}. */
  public static final String AUTH_KEY_GET = PREFIX + "auth.key.get";
  /** request: {@code {key_id}} → {@code {key_id, status: "revoked"}}; then publishes {@link #AUTH_KEY_REVOKED}. */
  public static final String AUTH_KEY_DELETE = PREFIX + "auth.key.delete";
  /** request: {@code {hash}} (SHA-256 hex of a presented key) → the principal's JSON, or {@code UNAUTHENTICATED}. */
  public static final String AUTH_KEY_LOOKUP = PREFIX + "auth.key.lookup";
  /** publish, every node: {@code {key_id, hash}} — evict this key from every cache at once. */
  public static final String AUTH_KEY_REVOKED = PREFIX + "auth.key.revoked";
  /** request: {@code {session_id, ttl_seconds, scopes}} → {@code {token, token_id, session_id, scopes, expires_at}}; {@code SESSION_NOT_FOUND}. */
  public static final String AUTH_TOKEN_CREATE = PREFIX + "auth.token.create";
  /** request: {@code {hash}} → the session token's principal JSON, or {@code UNAUTHENTICATED} (unknown, expired). */
  public static final String AUTH_TOKEN_LOOKUP = PREFIX + "auth.token.lookup";
  /** request: {@code {session_id}} → {@code {removed}}: the session's tokens die with it. Sent once per session delete. */
  public static final String AUTH_PURGE_SESSION = PREFIX + "auth.purge-session";

  // ---- system ----

  /** request: {@code {}} → {@code {status: "UP", latency_ms}}; fails {@code DATABASE_ERROR} when the store is unreachable. */
  public static final String STORE_PING = PREFIX + "store.ping";

  // ---- structured logs (log.LogWriterVerticle, log.LogQueryVerticle) ----

  /** request: {@code {level, message, metadata?}} → the stored log record (written now, not queued). */
  public static final String LOG_ADD = PREFIX + "log.add";
  /**
   * request: {@code {level?, session_id?, command_id?, request_id?, since?, limit, cursor?, tenant_id?}}
   * → {@code {data: [record], next_cursor, has_more}}: every node's stored records, newest first.
   */
  public static final String LOG_LIST = PREFIX + "log.list";
}
