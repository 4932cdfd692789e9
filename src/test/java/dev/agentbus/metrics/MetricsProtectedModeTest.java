package dev.agentbus.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Protected mode and {@code metrics.enabled: false}, each on a node of its own (nodes of one JVM
 * share the default registry, which closes with the first of them to stop).
 */
@Timeout(60)
class MetricsProtectedModeTest {
  @Test
  @DisplayName("in protected mode (no auth configured) a loopback client scrapes /metrics as the local principal")
  void localPrincipalScrapes() {
    try (TestNode node = TestNode.start()) {
      HttpResponse<Buffer> response = HttpCalls.await(node.client().get("/metrics").send());
      assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
      assertThat(response.bodyAsString()).contains("# TYPE vertx_http_server_active_requests gauge",
          "# TYPE agentbus_rate_limit_rejections_total counter");
    }
  }

  @Test
  @DisplayName("with metrics.enabled false, /metrics and /observability/metrics are 503 and the node still serves")
  void metricsOff() {
    try (TestNode node = TestNode.start(new io.vertx.core.json.JsonObject()
        .put("metrics", new io.vertx.core.json.JsonObject().put("enabled", false)))) {
      HttpCalls.assertError(HttpCalls.await(node.client().get("/metrics").send()), 503, "SERVICE_UNAVAILABLE");
      HttpCalls.assertError(new HttpCalls(node).get("/observability/metrics"), 503, "SERVICE_UNAVAILABLE");
      assertThat(node.createSession()).isNotBlank();
    }
  }
}
