package dev.agentbus.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WebhookReceiver;
import dev.agentbus.support.WebhookReceiver.Answer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Event-handler cursors outlive a restart of the whole (one-node) cluster. */
class EventHandlerRestartTest {
  static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  @TempDir
  Path data;

  @Test
  @DisplayName("events a node stored but had not delivered when it stopped are delivered, in order, by the node started on the same store")
  void deliveredAfterRestart() {
    Vertx receiverVertx = Vertx.vertx();
    WebhookReceiver receiver = new WebhookReceiver(receiverVertx);
    JsonObject config = TestNode.onDisk(data)
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("127.0.0.1")))
        .put("handlers", new JsonObject().put("retry_base_ms", 50).put("retry_max_ms", 200).put("timeout_ms", 1000));
    try {
      receiver.script("/restart", SECRET, Answer.silent(), Answer.of(200, new JsonObject()));
      TestNode first = TestNode.start(config.copy());
      HttpCalls http = new HttpCalls(first);
      String session = http.createSession(new JsonObject()).getString("session_id");
      assertThat(http.post("/sessions/" + session + "/handlers/events", new JsonObject().put("event_type", "job.*")
          .put("handler", new JsonObject().put("kind", "webhook").put("url", receiver.url("/restart")).put("secret", SECRET)))
          .statusCode()).isEqualTo(201);
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(http.post("/sessions/" + session + "/events", new JsonObject().put("event_type", "job.e" + i))
            .bodyAsJsonObject().getString("event_id"));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> !receiver.deliveries("/restart").isEmpty());
      first.close();

      TestNode second = TestNode.start(config.copy());
      try {
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.deliveries("/restart").stream()
            .map(d -> d.body().getString("event_id")).distinct().count() == 3);
        assertThat(receiver.deliveries("/restart").stream().map(d -> d.body().getString("event_id")).distinct().toList())
            .containsExactlyElementsOf(ids);
      } finally {
        second.close();
      }
    } finally {
      receiver.close();
      receiverVertx.close().await();
    }
  }
}
