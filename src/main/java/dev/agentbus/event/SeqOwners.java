package dev.agentbus.event;

import dev.agentbus.util.Nodes;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Which node writes a session's events: the live node that wins rendezvous hashing of (session id,
 * node id). Every node computes the same owner from the same membership, a membership change moves
 * only the sessions of the nodes that came or went, and no lock or lease is taken: the unique
 * {@code (session_id, seq)} index settles the moments when two nodes' views differ (see
 * {@link SeqWriter}). Event-loop confined. {@link #ownerOf(String, Collection)} is public: the event
 * handlers run each session's delivery lanes on the same owner.
 */
public final class SeqOwners {
  private final Vertx vertx;
  private final String self;
  private List<String> members = List.of();

  SeqOwners(Vertx vertx) {
    this.vertx = vertx;
    this.self = Nodes.self(vertx);
  }

  String self() {
    return self;
  }

  /** Re-reads the live nodes; true when they changed since the last call (ownership may have moved). */
  boolean refresh() {
    List<String> now = new ArrayList<>(Nodes.live(vertx));
    now.sort(null);
    if (now.equals(members)) {
      return false;
    }
    members = List.copyOf(now);
    return true;
  }

  /** Whether {@code node} was a member at the last {@link #refresh}. */
  boolean isMember(String node) {
    return members.isEmpty() ? self.equals(node) : members.contains(node);
  }

  /** The owner of {@code sessionId} among the members read by the last {@link #refresh}. */
  String ownerOf(String sessionId) {
    return members.isEmpty() ? self : ownerOf(sessionId, members);
  }

  /** The rendezvous winner: the node with the highest hash of (session, node). */
  public static String ownerOf(String sessionId, Collection<String> nodes) {
    String owner = null;
    long best = Long.MIN_VALUE;
    for (String node : nodes) {
      long score = mix(((long) sessionId.hashCode() << 32) ^ (node.hashCode() & 0xffffffffL));
      if (owner == null || score > best || (score == best && node.compareTo(owner) < 0)) {
        owner = node;
        best = score;
      }
    }
    return owner;
  }

  /** MurmurHash3's 64-bit finaliser: spreads the combined hash codes over all bits. */
  private static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
