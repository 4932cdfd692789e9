package dev.agentbus.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
@DisplayName("Health endpoints")
class HealthTest {
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static void assertHealthy(HttpResponse<Buffer> response) {
    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonObject body = response.bodyAsJsonObject();
    assertThat(body.getString("status")).isEqualTo("healthy");
    JsonObject dependencies = body.getJsonObject("dependencies");
    assertThat(dependencies.getJsonObject("mongodb").getString("status")).isEqualTo("UP");
    assertThat(dependencies.getJsonObject("mongodb").getValue("latency_ms")).isInstanceOf(Number.class);
    JsonObject cluster = dependencies.getJsonObject("cluster");
    assertThat(cluster.getString("status")).isEqualTo("UP");
    assertThat(cluster.getString("mode")).isEqualTo("standalone");
    assertThat(body.getString("timestamp")).isNotBlank();
    assertThat(body.getString("version")).isNotBlank();
  }

  @Test
  @DisplayName("/health answers 200 healthy with the store and the cluster UP")
  void health() {
    assertHealthy(http.get("/health"));
  }

  @Test
  @DisplayName("/health/ready answers 200 healthy when the store is reachable")
  void ready() {
    assertHealthy(http.get("/health/ready"));
  }

  @Test
  @DisplayName("/health/live answers 200 UP")
  void live() {
    HttpResponse<Buffer> live = http.get("/health/live");
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(live.bodyAsJsonObject().getString("status")).isEqualTo("UP");
  }

  @Test
  @DisplayName("when the store goes away /health turns 503 unhealthy with mongodb DOWN, while /health/live stays 200 and nothing crashes")
  void storeDown() {
    EmbeddedStore store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    TestNode own = null;
    try {
      own = TestNode.start(new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri())));
      HttpCalls ownHttp = new HttpCalls(own);
      assertHealthy(ownHttp.get("/health"));
      List<Throwable> unhandled = new CopyOnWriteArrayList<>();
      own.vertx().exceptionHandler(unhandled::add);

      store.close();

      AtomicReference<HttpResponse<Buffer>> last = new AtomicReference<>();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
          .until(() -> {
            last.set(ownHttp.get("/health"));
            return last.get().statusCode() == 503;
          });
      JsonObject body = last.get().bodyAsJsonObject();
      assertThat(body.getString("status")).isEqualTo("unhealthy");
      assertThat(body.getJsonObject("dependencies").getJsonObject("mongodb").getString("status")).isEqualTo("DOWN");
      assertThat(body.getJsonObject("dependencies").getJsonObject("cluster").getString("status")).isEqualTo("UP");
      assertThat(last.get().bodyAsString()).doesNotContain("Exception").doesNotContain("\tat ");

      HttpResponse<Buffer> ready = ownHttp.get("/health/ready");
      assertThat(ready.statusCode()).isEqualTo(503);

      HttpResponse<Buffer> live = ownHttp.get("/health/live");
      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(live.bodyAsJsonObject().getString("status")).isEqualTo("UP");
      // The checks that timed out have been answered late by now; that must not blow up on the event loop.
      assertThat(unhandled).as("exceptions nobody handled on the node").isEmpty();
    } finally {
      if (own != null) {
        own.close();
      }
      store.close();
    }
  }
}
