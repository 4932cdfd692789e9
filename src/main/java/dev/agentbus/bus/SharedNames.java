package dev.agentbus.bus;

/**
 * Names of the shared data agentbus keeps outside the store: cluster-wide maps and locks
 * (Hazelcast when clustered) and node-local maps. Defined once, like the addresses.
 */
public final class SharedNames {
  private SharedNames() {}

  /** cluster-wide lock held by the one engine run of a session's conversation. */
  public static String conversationLock(String sessionId) {
    return "agentbus.conversation." + sessionId;
  }

  /**
   * cluster-wide async map: command id → {@code {session_id, command_type, node_id, deadline_ms}}
   * of every command accepted and not yet final (put on accept, removed when final). What the
   * reaper, the busy check and a session's cancel read, so they never touch the commands' history.
   */
  public static final String OPEN_COMMANDS = "agentbus.open-commands";

  /** cluster-wide async map of the handler verticles: {@code "callback_secret"}, the key of callback tokens (generated once per cluster). */
  public static final String HANDLERS = "agentbus.handlers";

  /**
   * cluster-wide async map of the MCP verticles: synthetic server id ({@code mcp_url_<hash>}) →
   * {@code {url, name}} of each unregistered MCP server URL an agent named, so any node can call it.
   */
  public static final String MCP_AD_HOC = "agentbus.mcp-ad-hoc";

  /**
   * cluster-wide async map: event-handler cursor id ({@code <handler_id>/<session_id>}) → {@code
   * {handler_id, session_id}} of every cursor with events left to deliver (put when a cursor opens,
   * removed when its lane caught up). What a node reads to resume the lanes of a node that left.
   */
  public static final String OPEN_EVENT_CURSORS = "agentbus.open-event-cursors";

  /**
   * cluster-wide async map: node id → {@code {}} of every node that runs the event handlers (put at
   * their start, removed at their stop). Event-handler lanes are owned by rendezvous over these
   * nodes only (a cluster may have members that run no agentbus, e.g. bus services).
   */
  public static final String EVENT_HANDLER_NODES = "agentbus.event-handler-nodes";

  /** node-local map: this node's command handlers ({@code "handlers"}, a {@code CommandHandlers}). */
  public static final String COMMAND_HANDLERS = "agentbus.command-handlers";

  /** node-local map: the count of open SSE and WebSocket streams ({@code "open"}). */
  public static final String STREAMS = "agentbus.streams";

  /**
   * cluster-wide async map: node id → {@code {node_id, http_address, version, started_at, ready}} of
   * every node whose HTTP edge is listening (put when it starts listening). {@code GET /status} joins
   * it with the live members, so the entry of a node that left is never shown.
   */
  public static final String HTTP_NODES = "agentbus.http-nodes";

  /** node-local map: this standalone node's id ({@code "id"}); whether it drains ({@code "draining"}, see {@code util.Draining}). */
  public static final String NODE = "agentbus.node";

  /**
   * cluster-wide Hazelcast map of the rate limits: bucket key ({@code <kind>:<id>} of a principal,
   * {@code ip:<address>} of stream connects) → {@code long[] {milli-tokens, last ms}}; entries
   * expire two windows after their last use. Node-local (bounded) when not clustered.
   */
  public static final String RATE_BUCKETS = "agentbus.rate-buckets";

  /**
   * cluster-wide Hazelcast map of the in-flight run cap: principal key ({@code <kind>:<id>}) →
   * {@code Long} count of its unfinished commands (no entry: none); an entry expires its ttl after
   * its last change. Node-local when not clustered. See {@code limit.InflightRuns}.
   */
  public static final String INFLIGHT_RUNS = "agentbus.inflight-runs";

  /** node-local shared-data map of the SockJS bridge sockets open on this node, closed on drain. See {@code bridge.OpenBridgeSockets}. */
  public static final String OPEN_BRIDGE_SOCKETS = "agentbus.open-bridge-sockets";
}
