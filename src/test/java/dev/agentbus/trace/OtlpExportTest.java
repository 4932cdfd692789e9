package dev.agentbus.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** With an OTLP endpoint configured, a node also exports its spans there (OTLP/HTTP, protobuf). */
class OtlpExportTest {
  record Received(String path, String contentType, Buffer body) {}

  static Vertx collectorVertx;
  static HttpServer collector;
  static final List<Received> received = new CopyOnWriteArrayList<>();
  static TestNode node;

  @BeforeAll
  static void start() {
    collectorVertx = Vertx.vertx();
    collector = collectorVertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      received.add(new Received(request.path(), request.getHeader("Content-Type"), body));
      request.response().setStatusCode(200).putHeader("Content-Type", "application/x-protobuf").end();
    })).listen(0, "127.0.0.1").await();
    node = TestNode.start(new JsonObject().put("tracing", new JsonObject()
        .put("otlp_endpoint", "http://127.0.0.1:" + collector.actualPort())));
  }

  @AfterAll
  static void stop() {
    node.close();
    collectorVertx.close().await();
  }

  @Test
  @DisplayName("a request's spans reach the collector at /v1/traces, carrying the request's trace id")
  void spansReachTheCollector() {
    HttpResponse<Buffer> listed = node.get("/sessions");
    assertThat(listed.statusCode()).isEqualTo(200);
    byte[] traceId = HexFormat.of().parseHex(listed.getHeader("traceparent").split("-")[1]);

    // The SDK's batch processor exports every few seconds.
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> received.stream()
        .anyMatch(export -> contains(export.body().getBytes(), traceId)));
    Received export = received.get(0);
    assertThat(export.path()).isEqualTo("/v1/traces");
    assertThat(export.contentType()).isEqualTo("application/x-protobuf");
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
