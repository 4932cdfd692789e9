package dev.agentbus.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentbus.store.EmbeddedStore;
import dev.agentbus.support.TestNode;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A node refuses a store whose events have the older, random ids, saying what to do, and changes nothing. */
class StoreLayoutTest {
  @Test
  @DisplayName("a store holding events with random ids (an older agentbus) is refused at start with a clear message, untouched")
  void olderLayoutRefused() {
    EmbeddedStore store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    Vertx vertx = Vertx.vertx();
    try {
      MongoClient mongo = MongoClient.create(vertx, new JsonObject().put("connection_string", store.uri())
          .put("db_name", "agentbus").put("useObjectId", false));
      JsonObject legacy = new JsonObject().put("_id", "evt_01random0000000000000000").put("session_id", "ses_old")
          .put("seq", 1L).put("event_type", "session.created").put("data", new JsonObject());
      mongo.insert(EventStore.EVENTS, legacy).await();

      assertThatThrownBy(() -> TestNode.start(new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()))).close())
          .hasStackTraceContaining("older agentbus").hasStackTraceContaining("fresh store");
      assertThat(mongo.count(EventStore.EVENTS, new JsonObject()).await()).isEqualTo(1L);
    } finally {
      vertx.close().await();
      store.close();
    }
  }

  @Test
  @DisplayName("a store written by this version starts again: its events' ids are derived")
  void currentLayoutStarts() {
    EmbeddedStore store = EmbeddedStore.start("memory", null, "127.0.0.1", 0);
    JsonObject shared = new JsonObject().put("mongodb", new JsonObject().put("uri", store.uri()));
    try {
      try (TestNode first = TestNode.start(shared.copy())) {
        first.createSession();
      }
      try (TestNode again = TestNode.start(shared.copy())) {
        assertThat(again.createSession()).startsWith("ses_");
      }
    } finally {
      store.close();
    }
  }
}
