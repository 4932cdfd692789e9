package dev.agentbus.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.ScanRecordingStore;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The tenant checks of engines and agents read by {@code _id}: the embedded store walks no collection for them. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Tenant checks of engines and agents are served by _id")
class CatalogTenancyScanTest {
  private final ScanRecordingStore store = new ScanRecordingStore();
  private TestNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
    store.close();
  }

  @Test
  @DisplayName("engine get, execute and delete, agent get, patch and delete, and a prompt naming an agent scan nothing")
  void tenantChecksScanNothing() {
    node = TestNode.start(new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()))
        .put("commands", new JsonObject().put("reaper_period_ms", 3_600_000))
        .put("sessions", new JsonObject().put("expiry_sweep_ms", 3_600_000)));
    HttpCalls http = new HttpCalls(node);
    String sessionId = node.createSession();
    store.clear();

    String engineId = http.post("/engines", new JsonObject().put("session_id", sessionId).put("engine_type", "dummy"))
        .bodyAsJsonObject().getString("engine_id");
    assertThat(http.get("/engines/" + engineId).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> executed = http.post("/engines/" + engineId + "/execute?wait=10", new JsonObject().put("prompt", "hi"));
    assertThat(executed.bodyAsJsonObject().getString("status")).as(executed.bodyAsString()).isEqualTo("completed");
    assertThat(http.delete("/engines/" + engineId).statusCode()).isEqualTo(200);

    String agentId = http.post("/agents", new JsonObject().put("name", "scan-free")).bodyAsJsonObject().getString("agent_id");
    assertThat(http.get("/agents/" + agentId).statusCode()).isEqualTo(200);
    assertThat(http.patch("/agents/" + agentId, new JsonObject().put("name", "renamed")).statusCode()).isEqualTo(200);
    HttpResponse<Buffer> prompted = http.post("/sessions/" + sessionId + "/commands?wait=10", new JsonObject()
        .put("command_type", "engine.prompt").put("parameters", new JsonObject().put("prompt", "hi").put("agent_id", agentId)));
    assertThat(prompted.bodyAsJsonObject().getString("status")).as(prompted.bodyAsString()).isEqualTo("completed");
    assertThat(http.delete("/agents/" + agentId).statusCode()).isEqualTo(200);

    assertThat(store.scansOf(List.of("sessions", "engines", "agents", "session_newest_engine"))).isEmpty();
  }
}
