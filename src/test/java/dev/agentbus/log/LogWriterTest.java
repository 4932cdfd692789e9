package dev.agentbus.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The bounded writer and the retention of one node. */
@DisplayName("Log writer: bounded queue and bounded retention")
class LogWriterTest {
  @Test
  @DisplayName("a full sink refuses records at once and counts each one dropped")
  void fullSinkDropsAndCounts() {
    LogSink sink = new LogSink("node-x", "INFO", 3);
    List<Boolean> accepted = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      accepted.add(sink.offer(new JsonObject().put("n", i)));
    }
    assertThat(accepted).containsExactly(true, true, true, false, false, false, false, false, false, false);
    assertThat(sink.stats().getLong("dropped")).isEqualTo(7);
    assertThat(sink.drain(100)).extracting(r -> r.getInteger("n")).containsExactly(0, 1, 2);
    assertThat(sink.offer(new JsonObject())).as("room again once drained").isTrue();
    assertThat(sink.keeps("DEBUG")).isFalse();
    assertThat(sink.keeps("WARN")).isTrue();
  }

  @Test
  @DisplayName("when the writer's queue is full, requests are still answered and the dropped counter moves, in the list and on /metrics")
  void fullQueueDropsInsteadOfBlocking() {
    Logger access = (Logger) LoggerFactory.getLogger("agentbus.http");
    Level level = access.getLevel();
    access.setLevel(Level.INFO);
    // one record fits; the writer drains once an hour: every further record finds the queue full
    JsonObject config = new JsonObject().put("logs", new JsonObject().put("queue_capacity", 1).put("flush_ms", 3_600_000));
    try (TestNode node = TestNode.start(config)) {
      HttpCalls http = new HttpCalls(node);
      for (int i = 0; i < 20; i++) {
        assertThat(http.get("/sessions?limit=1").statusCode()).isEqualTo(200);
      }
      JsonObject writer = http.get("/observability/logs").bodyAsJsonObject().getJsonObject("writer");
      assertThat(writer.getInteger("capacity")).isEqualTo(1);
      assertThat(writer.getInteger("queued")).isEqualTo(1);
      assertThat(writer.getLong("dropped")).isGreaterThanOrEqualTo(19);
      HttpResponse<Buffer> scrape = node.client().get("/metrics").send().await();
      assertThat(scrape.bodyAsString()).containsPattern("(?m)^agentbus_log_records_dropped_total [1-9]");
    } finally {
      access.setLevel(level);
    }
  }

  @Test
  @DisplayName("retention keeps at most logs.max_records: the newest stay, the oldest go, and so do their lookups")
  void retentionBoundHolds() {
    JsonObject config = new JsonObject().put("logs", new JsonObject().put("max_records", 10).put("sweep_ms", 100).put("flush_ms", 20));
    try (TestNode node = TestNode.start(config)) {
      HttpCalls http = new HttpCalls(node);
      List<JsonObject> posted = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        HttpResponse<Buffer> response = http.post("/observability/logs", new JsonObject().put("level", "INFO")
            .put("message", "record " + i).put("metadata", new JsonObject().put("command_id", "cmd_retained_" + i)));
        assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(201);
        posted.add(response.bodyAsJsonObject());
      }
      String newest = posted.get(29).getString("log_id");
      String oldest = posted.get(0).getString("log_id");
      Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
        List<String> kept = http.get("/observability/logs?limit=500").bodyAsJsonObject().getJsonArray("data").stream()
            .map(r -> ((JsonObject) r).getString("log_id")).toList();
        assertThat(kept).hasSizeLessThanOrEqualTo(10).contains(newest).doesNotContain(oldest);
      });
      assertThat(http.get("/observability/logs?command_id=cmd_retained_0").bodyAsJsonObject().getJsonArray("data")).isEmpty();
      assertThat(http.get("/observability/logs?command_id=cmd_retained_29").bodyAsJsonObject().getJsonArray("data")).hasSize(1);
    }
  }

  @Test
  @DisplayName("pages follow next_cursor newest first without repeats, and level is a minimum severity")
  void pagesAndLevels() {
    try (TestNode node = TestNode.start(new JsonObject().put("logs", new JsonObject().put("flush_ms", 20)))) {
      HttpCalls http = new HttpCalls(node);
      for (String level : List.of("DEBUG", "INFO", "WARN", "ERROR", "INFO")) {
        assertThat(http.post("/observability/logs", new JsonObject().put("level", level).put("message", "paged")
            .put("metadata", new JsonObject().put("session_id", "ses_paged"))).statusCode()).isEqualTo(201);
      }
      List<String> seen = new ArrayList<>();
      String cursor = null;
      do {
        JsonObject page = http.get("/observability/logs?session_id=ses_paged&limit=2" + (cursor == null ? "" : "&cursor=" + cursor))
            .bodyAsJsonObject();
        page.getJsonArray("data").forEach(r -> seen.add(((JsonObject) r).getString("log_id")));
        cursor = page.getBoolean("has_more") ? page.getString("next_cursor") : null;
      } while (cursor != null);
      assertThat(seen).hasSize(5).doesNotHaveDuplicates().isSortedAccordingTo(java.util.Comparator.reverseOrder());
      assertThat(http.get("/observability/logs?session_id=ses_paged&level=warn").bodyAsJsonObject().getJsonArray("data").stream()
          .map(r -> ((JsonObject) r).getString("level")).toList()).containsExactly("ERROR", "WARN");
      assertThat(http.get("/observability/logs?level=ERROR&limit=500").bodyAsJsonObject().getJsonArray("data").stream()
          .map(r -> ((JsonObject) r).getString("level")).distinct().toList()).containsExactly("ERROR");
    }
  }
}
