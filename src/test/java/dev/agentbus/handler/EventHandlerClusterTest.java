package dev.agentbus.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.event.SeqOwners;
import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestCluster;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WebhookReceiver;
import dev.agentbus.support.WebhookReceiver.Answer;
import dev.agentbus.util.Nodes;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Event handlers in a real Hazelcast cluster of two agentbus nodes and a service member, sharing one store. */
class EventHandlerClusterTest {
  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  static EmbeddedStore store;
  static TestCluster cluster;
  static Vertx service;
  static WebhookReceiver receiver;
  static JsonObject config;
  static final List<JsonObject> audited = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    cluster = new TestCluster();
    service = cluster.member();
    receiver = new WebhookReceiver(service);
    service.eventBus().<JsonObject>consumer("audit.events", m -> {
      audited.add(m.body());
      m.reply(new JsonObject().put("ok", true));
    }).completion().await();
    config = new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1")))
        .put("handlers", new JsonObject().put("retry_base_ms", 50).put("retry_max_ms", 200).put("timeout_ms", 1500)
            .put("events", new JsonObject().put("membership_check_ms", 200)));
  }

  @AfterAll
  static void stop() {
    receiver.close();
    service.close().await();
    store.close();
  }

  static JsonObject publish(HttpCalls http, String session, String type) {
    HttpResponse<Buffer> stored = http.post("/sessions/" + session + "/events", new JsonObject().put("event_type", type));
    assertThat(stored.statusCode()).as(stored.bodyAsString()).isEqualTo(201);
    return stored.bodyAsJsonObject();
  }

  @Test
  @DisplayName("a bus handler served by another cluster member gets the session's events in seq order")
  void busHandlerOnAnotherMember() {
    Vertx member = cluster.member();
    TestNode node = TestNode.start(member, true, config.copy());
    try {
      HttpCalls http = new HttpCalls(node);
      String session = http.createSession(new JsonObject()).getString("session_id");
      HttpResponse<Buffer> created = http.post("/sessions/" + session + "/handlers/events", new JsonObject().put("event_type", "audit.*")
          .put("handler", new JsonObject().put("kind", "bus").put("address", "audit.events")));
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        ids.add(publish(http, session, "audit.e" + i).getString("event_id"));
      }
      await().atMost(Duration.ofSeconds(15)).until(() -> audited.stream().filter(e -> session.equals(e.getString("session_id"))).count() >= 5);
      List<JsonObject> mine = audited.stream().filter(e -> session.equals(e.getString("session_id"))).toList();
      assertThat(mine).extracting(e -> e.getString("event_id")).containsExactlyElementsOf(ids);
      assertThat(mine.get(0)).isEqualTo(http.get("/sessions/" + session + "/events/" + ids.get(0)).bodyAsJsonObject());
    } finally {
      node.close();
    }
  }

  @Test
  @DisplayName("when the node delivering a session's events stops mid-delivery, the other node resumes from the durable cursor and goes on with new events: nothing lost, in order, duplicates share their webhook-id")
  void survivorResumes() {
    Vertx firstMember = cluster.member();
    Vertx secondMember = cluster.member();
    TestNode first = TestNode.start(firstMember, true, config.copy());
    TestNode second = TestNode.start(secondMember, true, config.copy());
    List<TestNode> open = new ArrayList<>(List.of(first, second));
    try {
      HttpCalls firstHttp = new HttpCalls(first);
      HttpCalls secondHttp = new HttpCalls(second);
      String session = firstHttp.createSession(new JsonObject()).getString("session_id");
      String owner = SeqOwners.ownerOf(session, List.of(Nodes.self(firstMember), Nodes.self(secondMember)));
      boolean firstOwns = owner.equals(Nodes.self(firstMember));
      TestNode leaving = firstOwns ? first : second;
      TestNode survivor = firstOwns ? second : first;
      HttpCalls survivorHttp = firstOwns ? secondHttp : firstHttp;

      // The first attempt hangs (the receiver never answers), every later one succeeds.
      receiver.script("/failover", SECRET, Answer.silent(), Answer.of(200, new JsonObject()));
      HttpResponse<Buffer> created = survivorHttp.post("/sessions/" + session + "/handlers/events", new JsonObject()
          .put("event_type", "move.*").put("handler", new JsonObject().put("kind", "webhook")
              .put("url", receiver.url("/failover")).put("secret", SECRET)));
      assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        ids.add(publish(survivorHttp, session, "move.e" + i).getString("event_id"));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.deliveries("/failover").isEmpty());

      open.remove(leaving);
      leaving.close(); // its own Vert.x too: the member leaves the cluster
      for (int i = 5; i < 8; i++) {
        ids.add(publish(survivorHttp, session, "move.e" + i).getString("event_id")); // now written by the survivor
      }

      await().atMost(Duration.ofSeconds(30)).until(() -> receiver.deliveries("/failover").stream()
          .map(d -> d.body().getString("event_id")).distinct().count() == 8);
      List<WebhookReceiver.Delivery> deliveries = receiver.deliveries("/failover");
      List<String> firstSeen = deliveries.stream().map(d -> d.body().getString("event_id")).distinct().toList();
      assertThat(firstSeen).containsExactlyElementsOf(ids);
      Map<String, String> webhookIds = new HashMap<>();
      for (WebhookReceiver.Delivery delivery : deliveries) {
        String previous = webhookIds.putIfAbsent(delivery.body().getString("event_id"), delivery.webhookId());
        assertThat(previous == null ? delivery.webhookId() : previous).isEqualTo(delivery.webhookId());
      }
      assertThat(receiver.badSignatures.get()).isZero();
      assertThat(survivor.get("/sessions/" + session + "/handlers/events").bodyAsJsonObject().getJsonArray("data")).hasSize(1);
    } finally {
      open.forEach(TestNode::close);
    }
  }
}
