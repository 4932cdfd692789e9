package dev.agentbus.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.ScanRecordingStore;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.BulkOperation;
import io.vertx.ext.mongo.MongoClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The last seq of a session, found by probing event ids")
class LastSeqProbeTest {
  @Test
  @DisplayName("finds the last seq of sessions of many lengths, around every probe boundary, without a scan")
  void probesEveryLength() {
    Vertx vertx = Vertx.vertx();
    try (ScanRecordingStore store = new ScanRecordingStore()) {
      MongoClient mongo = MongoClient.create(vertx, new JsonObject()
          .put("connection_string", store.uri()).put("db_name", "probe").put("useObjectId", false));
      List<Long> lengths = List.of(0L, 1L, 2L, 3L, 63L, 64L, 65L, 66L, 127L, 128L, 129L, 1000L, 4097L, 5000L);
      for (long length : lengths) {
        String sessionId = "ses_len" + length;
        List<BulkOperation> inserts = new ArrayList<>();
        for (long seq = 1; seq <= length; seq++) {
          inserts.add(BulkOperation.createInsert(new JsonObject().put("_id", SeqWriter.eventId(sessionId, seq))
              .put("session_id", sessionId).put("seq", seq)));
        }
        if (!inserts.isEmpty()) {
          mongo.bulkWrite(EventStore.EVENTS, inserts).await();
        }
      }
      for (long length : lengths) {
        assertThat(SeqWriter.probeLastSeq(mongo, "ses_len" + length).await()).as("length %d", length).isEqualTo(length);
      }
      assertThat(store.scansOf(List.of(EventStore.EVENTS))).isEmpty();
      mongo.close().await();
    } finally {
      vertx.close().await();
    }
  }
}
