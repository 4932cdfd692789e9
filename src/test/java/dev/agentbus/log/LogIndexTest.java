package dev.agentbus.log;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.ScanRecordingStore;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What the log queries cost on the embedded store, which walks a collection for any filter no unique index covers. */
@DisplayName("Log writes and lookups are served by _id on the embedded store")
class LogIndexTest {
  private static final List<String> LOGS = List.of(LogStore.RECORDS, LogStore.KEYS);

  @Test
  @DisplayName("writing records and reading them by request, session or command scan nothing; an unkeyed list is the one scan")
  void keyedLookupsScanNothing() {
    try (ScanRecordingStore store = new ScanRecordingStore();
         TestNode node = TestNode.start(new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()))
             // the sweep is a known scan (of a collection retention bounds): left out of this tour
             .put("logs", new JsonObject().put("sweep_ms", 3_600_000).put("flush_ms", 20)))) {
      HttpCalls http = new HttpCalls(node);
      HttpResponse<Buffer> posted = http.post("/observability/logs", new JsonObject().put("level", "ERROR").put("message", "indexed")
          .put("metadata", new JsonObject().put("session_id", "ses_indexed").put("command_id", "cmd_indexed")));
      assertThat(posted.statusCode()).as(posted.bodyAsString()).isEqualTo(201);
      String requestId = posted.getHeader("X-Request-ID");
      for (String query : List.of("session_id=ses_indexed", "command_id=cmd_indexed", "request_id=" + requestId,
          "session_id=ses_indexed&command_id=cmd_indexed&level=WARN&since=2020-01-01T00:00:00Z")) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).untilAsserted(() ->
            assertThat(http.get("/observability/logs?" + query).bodyAsJsonObject().getJsonArray("data")).as(query).hasSize(1));
      }
      assertThat(store.scansOf(LOGS)).isEmpty();

      assertThat(http.get("/observability/logs?level=ERROR").statusCode()).isEqualTo(200);
      assertThat(store.scansOf(LOGS)).extracting(ScanRecordingStore.Scan::collection).containsOnly(LogStore.RECORDS);
    }
  }
}
