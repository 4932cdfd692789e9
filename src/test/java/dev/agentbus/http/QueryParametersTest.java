package dev.agentbus.http;

import static dev.agentbus.support.HttpCalls.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Query strings are checked like bodies: an invalid filter value or an unknown parameter is a 400 naming it. */
class QueryParametersTest {
  static TestNode node;
  static HttpCalls http;
  static String session;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
    session = node.createSession();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  @DisplayName("GET /sessions?status=bogus is a 400 naming status, not an empty list")
  void invalidStatus() {
    assertThat(assertInvalid(http.get("/sessions?status=bogus"))).containsExactly("status");
    assertThat(assertInvalid(http.get("/engines?status=bogus"))).containsExactly("status");
    assertThat(http.get("/sessions?status=active").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("an unknown query parameter is a 400 naming it, on lists, reads, writes and streams")
  void unknownParameters() {
    assertThat(assertInvalid(http.get("/sessions?colour=red"))).containsExactly("colour");
    assertThat(assertInvalid(http.get("/sessions/" + session + "?verbose=1"))).containsExactly("verbose");
    assertThat(assertInvalid(http.get("/sessions/" + session + "/events?typ=x"))).containsExactly("typ");
    assertThat(assertInvalid(http.get("/sessions/" + session + "/events/sse?after=1"))).containsExactly("after");
    assertThat(assertInvalid(http.get("/sessions/" + session + "/commands?state=pending"))).containsExactly("state");
    assertThat(assertInvalid(http.post("/sessions/" + session + "/events?wait=1",
        new JsonObject().put("event_type", "app.x")))).containsExactly("wait");
    assertThat(assertInvalid(http.get("/agents?search=x"))).containsExactly("search");
    assertThat(assertInvalid(http.get("/sessions/" + session + "/commands/cmd_x/stream?from=0"))).containsExactly("from");
    assertThat(assertInvalid(http.get("/status/cmd_x?verbose=1"))).containsExactly("verbose");
    assertThat(assertInvalid(http.delete("/sessions/" + session + "?force=true"))).containsExactly("force");
    assertThat(http.get("/sessions/" + session + "/events?after_seq=0&limit=5").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("metadata.<key> filters stay allowed on the session list")
  void metadataFilters() {
    assertThat(http.get("/sessions?metadata.team=red&limit=5").statusCode()).isEqualTo(200);
  }
}
