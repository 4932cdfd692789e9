package dev.agentbus.event;

import static dev.agentbus.support.HttpCalls.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The unique (session_id, seq) index as the last line of defence")
class SharedStoreTest {
  @Test
  @DisplayName("two unclustered nodes on one store still give one session distinct, gapless seqs, each event once")
  void unclusteredNodesSharingAStoreNeverDuplicateASeq() {
    EmbeddedStore store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    JsonObject shared = new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()));
    try (TestNode a = TestNode.start(shared.copy()); TestNode b = TestNode.start(shared.copy())) {
      String sessionId = a.createSession();
      List<Future<HttpResponse<Buffer>>> publishes = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        for (TestNode node : List.of(a, b)) {
          publishes.add(node.client().request(HttpMethod.POST, "/api/v1/sessions/" + sessionId + "/events")
              .sendJsonObject(new JsonObject().put("event_type", "shared.tick").put("data", new JsonObject().put("i", i))));
        }
      }
      await(Future.join(publishes), 60_000);

      long accepted = publishes.stream().filter(p -> p.succeeded() && p.result().statusCode() == 201).count();
      List<JsonObject> events = new HttpCalls(a).allEvents(sessionId);
      List<Long> seqs = events.stream().map(e -> e.getLong("seq")).toList();
      assertThat(seqs).containsExactlyElementsOf(LongStream.rangeClosed(1, seqs.size()).boxed().toList());
      // Every acknowledged event is stored exactly once; a refused one (503 after a lost race) is not stored at all.
      assertThat(events.stream().filter(e -> e.getString("event_type").equals("shared.tick")).count()).isEqualTo(accepted);
      assertThat(accepted).isGreaterThan(0);
    } finally {
      store.close();
    }
  }
}
