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

  /** node-local map: the count of open SSE and WebSocket streams ({@code "open"}). */
  public static final String STREAMS = "agentbus.streams";

  /** node-local map: this standalone node's id ({@code "id"}). */
  public static final String NODE = "agentbus.node";
}
