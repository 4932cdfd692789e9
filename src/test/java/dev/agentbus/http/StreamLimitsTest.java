package dev.agentbus.http;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Open streams per node are capped")
class StreamLimitsTest {
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("streams", new JsonObject().put("max_connections", 2)));
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  @DisplayName("past the cap a stream is refused with 503, and a slot frees when a stream closes")
  void streamsPastTheCapAreRefusedUntilOneCloses() {
    String sessionId = node.createSession();
    String path = "/sessions/" + sessionId + "/events/stream";
    WebSocket first = node.webSocket(path);
    WebSocket second = node.webSocket(path);

    Throwable refused = catchFailure(() -> node.webSocket(path));
    assertThat(refused).isInstanceOf(UpgradeRejectedException.class);
    assertThat(((UpgradeRejectedException) refused).getStatus()).isEqualTo(503);
    assertError(http.get("/sessions/" + sessionId + "/events/sse"), 503, "SERVICE_UNAVAILABLE");

    first.close().await();
    await().atMost(Duration.ofSeconds(5)).until(() -> catchFailure(() -> node.webSocket(path).close().await()) == null);
    assertThat(http.get("/health").statusCode()).isEqualTo(200);
    second.close().await();
  }

  private static Throwable catchFailure(Runnable action) {
    try {
      action.run();
      return null;
    } catch (Throwable failure) {
      return failure;
    }
  }
}
