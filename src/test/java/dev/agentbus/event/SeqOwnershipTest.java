package dev.agentbus.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.bus.Addresses;
import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.Publisher;
import dev.agentbus.support.SeqCheck;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import dev.agentbus.util.Nodes;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** One writer per session across a cluster: forwarded appends, and the hand-over when the owner leaves. */
class SeqOwnershipTest {
  private final List<TestNode> nodes = new ArrayList<>();
  private EmbeddedStore store;

  @AfterEach
  void stop() {
    for (TestNode node : nodes) {
      try {
        node.close();
      } catch (RuntimeException alreadyClosed) {
        // the node that left
      }
    }
    store.close();
  }

  @Test
  @DisplayName("three nodes publish into one session while its owner leaves: seq stays gapless, every acknowledged event is stored once")
  void handOverWhileTheOwnerLeaves() {
    store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestCluster cluster = new TestCluster();
    JsonObject config = new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("events", new JsonObject().put("forward_timeout_ms", 3000));
    for (int i = 0; i < 3; i++) {
      nodes.add(TestNode.start(cluster.member(), true, config.copy()));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> nodes.stream().allMatch(node -> Nodes.live(node.vertx()).size() == 3));
    String sessionId = nodes.get(0).createSession();
    List<String> ids = nodes.stream().map(node -> Nodes.self(node.vertx())).toList();
    String ownerId = SeqOwners.ownerOf(sessionId, ids);
    TestNode owner = nodes.get(ids.indexOf(ownerId));
    AtomicInteger forwards = new AtomicInteger();
    for (TestNode node : nodes) {
      node.vertx().eventBus().addOutboundInterceptor(delivery -> {
        if (delivery.message().address().equals(Addresses.eventAppendOn(ownerId))) {
          forwards.incrementAndGet();
        }
        delivery.next();
      });
    }

    Queue<JsonObject> acks = new ConcurrentLinkedQueue<>();
    AtomicInteger inFlight = new AtomicInteger();
    Map<TestNode, AtomicBoolean> running = new HashMap<>();
    Map<TestNode, AtomicInteger> acked = new HashMap<>();
    for (TestNode node : nodes) {
      running.put(node, new AtomicBoolean(true));
      acked.put(node, new AtomicInteger());
      AtomicInteger counter = new AtomicInteger();
      for (int chain = 0; chain < 2; chain++) {
        publishWhile(node, sessionId, "node-" + nodes.indexOf(node), running.get(node), counter, inFlight, acks, acked.get(node));
      }
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> acks.size() >= 90);
    assertThat(forwards.get()).as("appends from the other nodes were forwarded to the owner").isPositive();

    running.get(owner).set(false);
    owner.close();
    List<TestNode> survivors = nodes.stream().filter(node -> node != owner).toList();
    Map<TestNode, Integer> before = new HashMap<>();
    survivors.forEach(node -> before.put(node, acked.get(node).get()));
    await().atMost(Duration.ofSeconds(60)).until(() -> survivors.stream().allMatch(node -> acked.get(node).get() >= before.get(node) + 60));
    survivors.forEach(node -> running.get(node).set(false));
    await().atMost(Duration.ofSeconds(15)).until(() -> inFlight.get() == 0);

    List<JsonObject> stored = readAll(survivors.get(0), sessionId);
    List<Long> seqs = stored.stream().map(event -> event.getLong("seq")).toList();
    assertThat(SeqCheck.against(seqs, 1, seqs.size())).isEqualTo("ok");
    Map<Long, JsonObject> bySeq = new HashMap<>();
    stored.forEach(event -> bySeq.put(event.getLong("seq"), event));
    for (JsonObject ack : acks) {
      assertThat(bySeq.get(ack.getLong("seq"))).as("acknowledged seq %d", ack.getLong("seq")).isNotNull();
      assertThat(bySeq.get(ack.getLong("seq")).getJsonObject("data")).isEqualTo(ack.getJsonObject("data"));
    }
    List<String> published = stored.stream().filter(event -> "app.tick".equals(event.getString("event_type")))
        .map(event -> event.getJsonObject("data").encode()).toList();
    assertThat(published).as("no event stored twice").doesNotHaveDuplicates();
    long next = Publisher.one(survivors.get(1), sessionId, "app.after", new JsonObject()).getLong("seq");
    assertThat(next).isEqualTo(seqs.size() + 1L);
  }

  @Test
  @DisplayName("two nodes publishing into sessions the other owns, at once, never wait on each other")
  void crossForwardsDoNotWaitOnEachOther() {
    store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestCluster cluster = new TestCluster();
    // A forward that waited on the other node's forward would time out (503) after 2 s.
    JsonObject config = new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("events", new JsonObject().put("forward_timeout_ms", 2000));
    for (int i = 0; i < 2; i++) {
      nodes.add(TestNode.start(cluster.member(), true, config.copy()));
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> nodes.stream().allMatch(node -> Nodes.live(node.vertx()).size() == 2));
    List<String> ids = nodes.stream().map(node -> Nodes.self(node.vertx())).toList();
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      sessions.add(nodes.get(i % 2).createSession());
    }
    assertThat(sessions.stream().map(session -> SeqOwners.ownerOf(session, ids)).distinct()).as("both nodes own some").hasSize(2);

    List<Future<List<JsonObject>>> runs = new ArrayList<>();
    for (TestNode node : nodes) {
      for (String session : sessions) {
        runs.add(Publisher.many(node, session, 20, 2, i -> new JsonObject().put("event_type", "app.cross").put("data",
            new JsonObject().put("i", i)), event -> { }));
      }
    }
    Future.all(runs).await();

    for (String session : sessions) {
      List<Long> seqs = readAll(nodes.get(0), session).stream().map(event -> event.getLong("seq")).toList();
      assertThat(SeqCheck.against(seqs, 1, 41)).as(session).isEqualTo("ok");
    }
  }

  /** Publishes {@code app.tick} events one after another while {@code running}; failures are counted out, not fatal. */
  private static void publishWhile(TestNode node, String sessionId, String publisher, AtomicBoolean running,
                                   AtomicInteger counter, AtomicInteger inFlight, Queue<JsonObject> acks, AtomicInteger acked) {
    if (!running.get()) {
      return;
    }
    JsonObject data = new JsonObject().put("publisher", publisher).put("i", counter.getAndIncrement());
    Future<JsonObject> sent;
    inFlight.incrementAndGet();
    try {
      sent = Publisher.send(node, sessionId, new JsonObject().put("event_type", "app.tick").put("data", data));
    } catch (RuntimeException closed) {
      inFlight.decrementAndGet();
      return;
    }
    sent.onComplete(done -> {
      if (done.succeeded()) {
        acks.add(done.result());
        acked.incrementAndGet();
      }
      inFlight.decrementAndGet();
      publishWhile(node, sessionId, publisher, running, counter, inFlight, acks, acked);
    });
  }

  private static List<JsonObject> readAll(TestNode node, String sessionId) {
    List<JsonObject> events = new ArrayList<>();
    long after = 0;
    while (true) {
      JsonObject page = node.get("/sessions/" + sessionId + "/events?limit=500&after_seq=" + after).bodyAsJsonObject();
      JsonArray data = page.getJsonArray("data");
      data.forEach(event -> events.add((JsonObject) event));
      if (!page.getBoolean("has_more") || data.isEmpty()) {
        return events;
      }
      after = data.getJsonObject(data.size() - 1).getLong("seq");
    }
  }
}
