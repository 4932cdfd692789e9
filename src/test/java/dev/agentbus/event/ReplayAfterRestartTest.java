package dev.agentbus.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.Publisher;
import dev.agentbus.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pages read by id in growing chunks: whole pages whether or not the node knows the session's last seq. */
class ReplayAfterRestartTest {
  @TempDir
  Path data;

  @Test
  @DisplayName("after a restart (last seq unknown) a page of 100 comes whole across read chunks, and the log's end is found")
  void pagesAfterRestart() {
    TestNode first = TestNode.start(TestNode.onDisk(data));
    String sessionId = first.createSession();
    Publisher.manyAndWait(first, sessionId, 150, i -> new JsonObject().put("event_type", "app.item").put("data", new JsonObject().put("i", i)));
    first.close();

    TestNode node = TestNode.start(TestNode.onDisk(data));
    try {
      JsonObject page = node.get("/sessions/" + sessionId + "/events?after_seq=10&limit=100").bodyAsJsonObject();
      assertThat(seqs(page)).containsExactlyElementsOf(LongStream.rangeClosed(11, 110).boxed().toList());
      assertThat(page.getBoolean("has_more")).isTrue();
      JsonObject last = node.get("/sessions/" + sessionId + "/events?after_seq=110&limit=100").bodyAsJsonObject();
      assertThat(seqs(last)).containsExactlyElementsOf(LongStream.rangeClosed(111, 151).boxed().toList());
      assertThat(last.getBoolean("has_more")).isFalse();
    } finally {
      node.close();
    }
  }

  private static List<Long> seqs(JsonObject page) {
    return page.getJsonArray("data").stream().map(event -> ((JsonObject) event).getLong("seq")).toList();
  }
}
