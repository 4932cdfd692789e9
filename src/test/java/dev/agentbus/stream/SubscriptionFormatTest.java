package dev.agentbus.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.bus.StreamEnd;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A /ws subscription's frames")
class SubscriptionFormatTest {
  private final SubscriptionFormat format = new SubscriptionFormat("ses_1");

  @Test
  @DisplayName("an event is the per-session socket's event frame, the same string for every subscriber of the event")
  void eventFrame() {
    SharedEvent event = new SharedEvent(new JsonObject().put("session_id", "ses_1").put("seq", 4).put("event_type", "demo.x"));

    assertThat(format.frames(event)).isSameAs(new EventFrameFormat().frames(event));
    assertThat(new JsonObject(format.frames(event))).isEqualTo(new JsonObject().put("type", "event").put("event", event.json()));
  }

  @Test
  @DisplayName("a feed that ends on its own says so with the session, the reason and the resume cursor; a finished or refused one says nothing")
  void endings() {
    assertThat(new JsonObject(format.closing(StreamEnd.SHUTDOWN, 7))).isEqualTo(new JsonObject().put("type", "unsubscribed")
        .put("session_id", "ses_1").put("reason", "shutdown").put("resume_after_seq", 7));
    assertThat(new JsonObject(format.closing(StreamEnd.SESSION_DELETED, 9)).getString("reason")).isEqualTo("session_deleted");
    assertThat(new JsonObject(format.closing(StreamEnd.ERROR, 3)).getString("reason")).isEqualTo("interrupted");
    assertThat(format.closing(StreamEnd.OVERFLOW, 3)).isEmpty();
    assertThat(format.closing(StreamEnd.FINISHED, 3)).isEmpty();
  }
}
