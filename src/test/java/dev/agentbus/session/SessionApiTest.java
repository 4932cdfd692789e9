package dev.agentbus.session;

import static dev.agentbus.support.HttpCalls.assertError;
import static dev.agentbus.support.HttpCalls.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Sessions over HTTP")
class SessionApiTest {
  static TestNode node;
  static HttpCalls http;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new HttpCalls(node);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  /** A name prefix no other test uses, so list counts are exact. */
  private static String uniquePrefix() {
    return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12) + "-";
  }

  private static List<String> ids(JsonArray sessions) {
    return sessions.stream().map(s -> ((JsonObject) s).getString("session_id")).toList();
  }

  /** Follows next_cursor from the first page to the last; asserts the page shape on the way. */
  private static List<String> listAll(String query, int limit) {
    List<String> seen = new ArrayList<>();
    String cursor = null;
    for (int pages = 0; pages < 100; pages++) {
      HttpResponse<Buffer> page = http.get("/sessions?limit=" + limit + "&" + query + (cursor == null ? "" : "&cursor=" + cursor));
      assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
      JsonObject body = page.bodyAsJsonObject();
      JsonArray data = body.getJsonArray("data");
      assertThat(data.size()).isLessThanOrEqualTo(limit);
      seen.addAll(ids(data));
      if (!body.getBoolean("has_more")) {
        assertThat(body.getValue("next_cursor")).as("next_cursor on the last page").isNull();
        return seen;
      }
      assertThat(data.size()).as("a page with has_more is full").isEqualTo(limit);
      cursor = body.getString("next_cursor");
      assertThat(cursor).as("next_cursor when has_more").isNotBlank();
    }
    throw new AssertionError("pagination did not end after 100 pages");
  }

  private static List<String> reversed(List<String> list) {
    List<String> copy = new ArrayList<>(list);
    java.util.Collections.reverse(copy);
    return copy;
  }

  private static int count(String query) {
    return listAll(query, 500).size();
  }

  @Test
  @DisplayName("creating a session answers 201 with a Location and the session's fields")
  void create() {
    JsonObject metadata = new JsonObject().put("team", "red").put("nested", new JsonObject().put("n", 1));
    Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    HttpResponse<Buffer> created = http.post("/sessions", new JsonObject().put("name", "alpha").put("metadata", metadata));

    assertThat(created.statusCode()).isEqualTo(201);
    JsonObject session = created.bodyAsJsonObject();
    String id = session.getString("session_id");
    assertThat(id).matches("ses_[A-Za-z0-9]+");
    assertThat(created.getHeader("Location")).isEqualTo("/api/v1/sessions/" + id);
    assertThat(session.getString("name")).isEqualTo("alpha");
    assertThat(session.getString("status")).isEqualTo("active");
    assertThat(session.getJsonObject("metadata")).isEqualTo(metadata);
    assertThat(session.getString("created_at")).endsWith("Z");
    assertThat(Instant.parse(session.getString("created_at"))).isBetween(before, Instant.now());

    HttpResponse<Buffer> location = http.get(created.getHeader("Location").substring("/api/v1".length()));
    assertThat(location.statusCode()).isEqualTo(200);
    assertThat(location.bodyAsJsonObject()).isEqualTo(session);
  }

  @Test
  @DisplayName("an empty body creates an active session with empty metadata")
  void createWithDefaults() {
    HttpResponse<Buffer> created = http.send(HttpMethod.POST, "/sessions", null, Buffer.buffer());
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    JsonObject session = created.bodyAsJsonObject();
    assertThat(session.getString("status")).isEqualTo("active");
    assertThat(session.getJsonObject("metadata")).isEqualTo(new JsonObject());
  }

  @Test
  @DisplayName("creating with an unknown field or a bad ttl_seconds is a 400 listing every bad field, and creates nothing")
  void createInvalid() {
    String prefix = uniquePrefix();
    HttpResponse<Buffer> response = http.post("/sessions",
        new JsonObject().put("name", prefix).put("ttl_seconds", "soon").put("owner", "me"));
    assertThat(assertInvalid(response)).containsExactlyInAnyOrder("ttl_seconds", "owner");
    assertThat(count("name_prefix=" + prefix)).isZero();
  }

  @Test
  @DisplayName("an unknown session id answers 404 SESSION_NOT_FOUND naming the id, with the response's request id")
  void unknownSession() {
    HttpResponse<Buffer> missing = http.get("/sessions/ses_doesnotexist");
    JsonObject error = assertError(missing, 404, "SESSION_NOT_FOUND");
    assertThat(error.getJsonObject("details").getString("session_id")).isEqualTo("ses_doesnotexist");
    assertThat(error.getString("message")).contains("ses_doesnotexist");
    assertThat(missing.bodyAsJsonObject().getString("request_id")).isEqualTo(missing.getHeader("X-Request-ID"));
  }

  @Test
  @DisplayName("following next_cursor walks every matching session exactly once, in either sort order")
  void paginationVisitsEverySessionOnce() {
    String prefix = uniquePrefix();
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      created.add(http.createSession(new JsonObject().put("name", prefix + i)).getString("session_id"));
    }

    List<String> ascending = listAll("name_prefix=" + prefix, 3);
    assertThat(ascending).doesNotHaveDuplicates().containsExactlyElementsOf(created);

    List<String> descending = listAll("name_prefix=" + prefix + "&sort=-created_at", 3);
    assertThat(descending).doesNotHaveDuplicates().containsExactlyElementsOf(reversed(created));

    // A page that ends exactly on the last item says there is no more.
    assertThat(listAll("name_prefix=" + prefix, 7)).containsExactlyElementsOf(created);
  }

  @Test
  @DisplayName("pagination skips sessions that have expired without losing the live ones after them")
  void paginationAroundExpiredSessions() {
    String prefix = uniquePrefix();
    String expiring = http.createSession(new JsonObject().put("name", prefix + "0").put("ttl_seconds", 1)).getString("session_id");
    List<String> live = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      live.add(http.createSession(new JsonObject().put("name", prefix + i)).getString("session_id"));
    }
    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
        .until(() -> http.get("/sessions/" + expiring).statusCode() == 404);

    assertThat(listAll("name_prefix=" + prefix, 2)).containsExactlyElementsOf(live);
    assertThat(listAll("name_prefix=" + prefix, 1)).containsExactlyElementsOf(live);
    assertThat(listAll("name_prefix=" + prefix + "&sort=-created_at", 2)).containsExactlyElementsOf(reversed(live));
  }

  @Test
  @DisplayName("sort=-created_at lists the newest session first")
  void sortNewestFirst() {
    String prefix = uniquePrefix();
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      created.add(http.createSession(new JsonObject().put("name", prefix + i)).getString("session_id"));
    }
    HttpResponse<Buffer> page = http.get("/sessions?name_prefix=" + prefix + "&sort=-created_at");
    assertThat(page.statusCode()).isEqualTo(200);
    JsonArray data = page.bodyAsJsonObject().getJsonArray("data");
    assertThat(ids(data)).containsExactlyElementsOf(reversed(created));
    List<String> createdAts = data.stream().map(s -> ((JsonObject) s).getString("created_at")).toList();
    assertThat(createdAts).isSortedAccordingTo(Comparator.reverseOrder());
  }

  @Test
  @DisplayName("the list filters by name_prefix, metadata.<key>=<value> and status")
  void filters() {
    String prefix = uniquePrefix();
    String red = http.createSession(new JsonObject().put("name", prefix + "a")
        .put("metadata", new JsonObject().put("team", "red").put("env", "prod"))).getString("session_id");
    String blue = http.createSession(new JsonObject().put("name", prefix + "b")
        .put("metadata", new JsonObject().put("team", "blue").put("env", "prod"))).getString("session_id");
    String other = http.createSession(new JsonObject().put("name", "x" + prefix)
        .put("metadata", new JsonObject().put("team", "red"))).getString("session_id");

    assertThat(listAll("name_prefix=" + prefix, 50)).containsExactly(red, blue);
    assertThat(listAll("name_prefix=" + prefix + "&metadata.team=red", 50)).containsExactly(red);
    assertThat(listAll("name_prefix=" + prefix + "&metadata.env=prod", 50)).containsExactly(red, blue);
    assertThat(listAll("name_prefix=" + prefix + "&metadata.team=red&metadata.env=prod", 50)).containsExactly(red);
    assertThat(listAll("name_prefix=" + prefix + "&metadata.team=green", 50)).isEmpty();
    assertThat(listAll("metadata.team=red", 500)).contains(red, other).doesNotContain(blue);
    assertThat(listAll("name_prefix=" + prefix + "&status=active", 50)).containsExactly(red, blue);
    assertThat(listAll("name_prefix=" + prefix + "&status=deleted", 50)).isEmpty();
  }

  @Test
  @DisplayName("name_prefix is a literal prefix, not a pattern")
  void namePrefixIsLiteral() {
    String prefix = uniquePrefix();
    String dotted = http.createSession(new JsonObject().put("name", prefix + "a.b")).getString("session_id");
    http.createSession(new JsonObject().put("name", prefix + "axb"));
    assertThat(listAll("name_prefix=" + prefix + "a.", 50)).containsExactly(dotted);
  }

  @Test
  @DisplayName("limit over 500 (or under 1, or not a number) is a 400 naming limit; limit=500 is accepted")
  void limitOutOfRange() {
    assertThat(assertInvalid(http.get("/sessions?limit=501"))).containsExactly("limit");
    assertThat(assertInvalid(http.get("/sessions?limit=0"))).containsExactly("limit");
    assertThat(assertInvalid(http.get("/sessions?limit=ten"))).containsExactly("limit");
    assertThat(http.get("/sessions?limit=500").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a cursor the API did not issue, an unknown sort or an unusable metadata key is a 400 naming that parameter")
  void badCursorAndSort() {
    assertThat(assertInvalid(http.get("/sessions?cursor=not-a-cursor"))).containsExactly("cursor");
    assertThat(assertInvalid(http.get("/sessions?cursor=%7B%7D"))).containsExactly("cursor");
    assertThat(assertInvalid(http.get("/sessions?sort=name"))).containsExactly("sort");
    assertThat(assertInvalid(http.get("/sessions?metadata.%24where=1"))).containsExactly("metadata.$where");
  }

  @Test
  @DisplayName("PATCH renames a session and merges metadata, a null value removing that key")
  void patchNameAndMetadata() {
    JsonObject session = http.createSession(new JsonObject().put("name", "before")
        .put("metadata", new JsonObject().put("keep", "k").put("change", 1).put("drop", true)));
    String id = session.getString("session_id");

    HttpResponse<Buffer> patched = http.patch("/sessions/" + id, new JsonObject().put("name", "after")
        .put("metadata", new JsonObject().put("change", 2).put("drop", null).put("add", "new")));

    assertThat(patched.statusCode()).as(patched.bodyAsString()).isEqualTo(200);
    JsonObject expectedMetadata = new JsonObject().put("keep", "k").put("change", 2).put("add", "new");
    assertThat(patched.bodyAsJsonObject().getString("name")).isEqualTo("after");
    assertThat(patched.bodyAsJsonObject().getJsonObject("metadata")).isEqualTo(expectedMetadata);
    JsonObject read = http.get("/sessions/" + id).bodyAsJsonObject();
    assertThat(read.getString("name")).isEqualTo("after");
    assertThat(read.getJsonObject("metadata")).isEqualTo(expectedMetadata);
    assertThat(read.getString("created_at")).isEqualTo(session.getString("created_at"));
  }

  @Test
  @DisplayName("PATCH with only metadata leaves the name alone")
  void patchMetadataOnly() {
    String id = http.createSession(new JsonObject().put("name", "stays")).getString("session_id");
    HttpResponse<Buffer> patched = http.patch("/sessions/" + id, new JsonObject().put("metadata", new JsonObject().put("a", "b")));
    assertThat(patched.statusCode()).as(patched.bodyAsString()).isEqualTo(200);
    JsonObject read = http.get("/sessions/" + id).bodyAsJsonObject();
    assertThat(read.getString("name")).isEqualTo("stays");
    assertThat(read.getJsonObject("metadata")).isEqualTo(new JsonObject().put("a", "b"));
  }

  @Test
  @DisplayName("PATCH ttl_seconds gives the session an expiry that far in the future")
  void patchTtl() {
    String id = http.createSession(new JsonObject().put("name", "ttl")).getString("session_id");
    HttpResponse<Buffer> patched = http.patch("/sessions/" + id, new JsonObject().put("ttl_seconds", 3600));
    assertThat(patched.statusCode()).as(patched.bodyAsString()).isEqualTo(200);
    JsonObject read = http.get("/sessions/" + id).bodyAsJsonObject();
    assertThat(read.getInteger("ttl_seconds")).isEqualTo(3600);
    assertThat(Instant.parse(read.getString("expires_at")))
        .isCloseTo(Instant.now().plusSeconds(3600), within(60, ChronoUnit.SECONDS));
  }

  @Test
  @DisplayName("PATCH ttl_seconds: null removes the expiry of a session")
  void patchTtlRemoved() {
    String id = http.createSession(new JsonObject().put("ttl_seconds", 600)).getString("session_id");
    HttpResponse<Buffer> patched = http.patch("/sessions/" + id, new JsonObject().put("ttl_seconds", null));
    assertThat(patched.statusCode()).as(patched.bodyAsString()).isEqualTo(200);
    JsonObject read = http.get("/sessions/" + id).bodyAsJsonObject();
    assertThat(read.getValue("expires_at")).isNull();
    assertThat(read.getValue("ttl_seconds")).isNull();
  }

  @Test
  @DisplayName("PATCH with an unknown field is a 400 naming it, and changes nothing")
  void patchUnknownField() {
    String id = http.createSession(new JsonObject().put("name", "orig")).getString("session_id");
    HttpResponse<Buffer> patched = http.patch("/sessions/" + id, new JsonObject().put("name", "new").put("colour", "red"));
    assertThat(assertInvalid(patched)).containsExactly("colour");
    assertThat(http.get("/sessions/" + id).bodyAsJsonObject().getString("name")).isEqualTo("orig");
  }

  @Test
  @DisplayName("an empty PATCH is a 400")
  void patchEmpty() {
    String id = http.createSession(new JsonObject()).getString("session_id");
    assertInvalid(http.patch("/sessions/" + id, new JsonObject()));
  }

  @Test
  @DisplayName("PATCH with wrongly typed fields is a 400 listing each of them")
  void patchWrongTypes() {
    String id = http.createSession(new JsonObject()).getString("session_id");
    HttpResponse<Buffer> patched = http.patch("/sessions/" + id,
        new JsonObject().put("name", 5).put("metadata", "x").put("ttl_seconds", 0));
    assertThat(assertInvalid(patched)).containsExactlyInAnyOrder("name", "metadata", "ttl_seconds");
  }

  @Test
  @DisplayName("PATCH with metadata: null is refused with a 400 naming metadata, not a server error")
  void patchNullMetadata() {
    String id = http.createSession(new JsonObject().put("metadata", new JsonObject().put("a", 1))).getString("session_id");
    HttpResponse<Buffer> patched = http.patch("/sessions/" + id, new JsonObject().put("metadata", null));
    assertThat(assertInvalid(patched)).containsExactly("metadata");
    assertThat(http.get("/sessions/" + id).bodyAsJsonObject().getJsonObject("metadata"))
        .isEqualTo(new JsonObject().put("a", 1));
  }

  @Test
  @DisplayName("PATCH of an unknown session is a 404")
  void patchUnknown() {
    assertError(http.patch("/sessions/ses_nope", new JsonObject().put("name", "x")), 404, "SESSION_NOT_FOUND");
  }

  @Test
  @DisplayName("DELETE answers 200, after which the session is 404 and a second DELETE is 404")
  void delete() {
    String prefix = uniquePrefix();
    String id = http.createSession(new JsonObject().put("name", prefix)).getString("session_id");

    HttpResponse<Buffer> deleted = http.delete("/sessions/" + id);
    assertThat(deleted.statusCode()).as(deleted.bodyAsString()).isEqualTo(200);
    assertThat(deleted.bodyAsJsonObject().getString("session_id")).isEqualTo(id);
    assertThat(deleted.bodyAsJsonObject().getString("status")).isEqualTo("deleted");

    assertError(http.get("/sessions/" + id), 404, "SESSION_NOT_FOUND");
    assertError(http.delete("/sessions/" + id), 404, "SESSION_NOT_FOUND");
    assertError(http.get("/sessions/" + id + "/events"), 404, "SESSION_NOT_FOUND");
    assertError(http.post("/sessions/" + id + "/events", new JsonObject().put("event_type", "late")), 404, "SESSION_NOT_FOUND");
    assertThat(count("name_prefix=" + prefix)).isZero();
  }

  @Test
  @DisplayName("bulk-create answers one result per item, each a created session")
  void bulkCreate() {
    String prefix = uniquePrefix();
    JsonArray items = new JsonArray()
        .add(new JsonObject().put("name", prefix + "0"))
        .add(new JsonObject().put("name", prefix + "1").put("metadata", new JsonObject().put("k", "v")))
        .add(new JsonObject().put("name", prefix + "2").put("ttl_seconds", 600));

    HttpResponse<Buffer> response = http.post("/sessions/bulk-create", new JsonObject().put("sessions", items));

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonArray results = response.bodyAsJsonObject().getJsonArray("results");
    assertThat(results).hasSize(3);
    List<String> created = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonObject result = results.getJsonObject(i);
      assertThat(result.getInteger("index")).isEqualTo(i);
      assertThat(result.getInteger("status")).isEqualTo(201);
      JsonObject session = result.getJsonObject("session");
      assertThat(session.getString("name")).isEqualTo(prefix + i);
      assertThat(session.getString("status")).isEqualTo("active");
      created.add(session.getString("session_id"));
      assertThat(http.get("/sessions/" + session.getString("session_id")).bodyAsJsonObject()).isEqualTo(session);
    }
    assertThat(results.getJsonObject(1).getJsonObject("session").getJsonObject("metadata"))
        .isEqualTo(new JsonObject().put("k", "v"));
    assertThat(results.getJsonObject(2).getJsonObject("session").getInteger("ttl_seconds")).isEqualTo(600);
    assertThat(listAll("name_prefix=" + prefix, 50)).containsExactlyInAnyOrderElementsOf(created);
  }

  @Test
  @DisplayName("bulk-create with invalid items is a 400 naming each sessions[i].field, and creates nothing")
  void bulkCreateAllOrNothing() {
    String prefix = uniquePrefix();
    JsonArray items = new JsonArray()
        .add(new JsonObject().put("name", prefix + "ok"))
        .add(new JsonObject().put("name", 42))
        .add(new JsonObject().put("name", prefix + "ok2").put("ttl_seconds", -1))
        .add("not an object");

    HttpResponse<Buffer> response = http.post("/sessions/bulk-create", new JsonObject().put("sessions", items));

    assertThat(assertInvalid(response))
        .containsExactlyInAnyOrder("sessions[1].name", "sessions[2].ttl_seconds", "sessions[3]");
    assertThat(count("name_prefix=" + prefix)).isZero();
  }

  @Test
  @DisplayName("bulk-create with no sessions, or more than 100, is a 400 naming sessions and creates nothing")
  void bulkCreateEmpty() {
    assertThat(assertInvalid(http.post("/sessions/bulk-create", new JsonObject().put("sessions", new JsonArray()))))
        .containsExactly("sessions");
    assertThat(assertInvalid(http.post("/sessions/bulk-create", new JsonObject()))).containsExactly("sessions");
    String prefix = uniquePrefix();
    JsonArray tooMany = new JsonArray();
    for (int i = 0; i < 101; i++) {
      tooMany.add(new JsonObject().put("name", prefix + i));
    }
    assertThat(assertInvalid(http.post("/sessions/bulk-create", new JsonObject().put("sessions", tooMany))))
        .containsExactly("sessions");
    assertThat(count("name_prefix=" + prefix)).isZero();
  }

  @Test
  @DisplayName("bulk-delete answers one result per id, including a 404 for an unknown id")
  void bulkDelete() {
    String prefix = uniquePrefix();
    String a = http.createSession(new JsonObject().put("name", prefix + "a")).getString("session_id");
    String b = http.createSession(new JsonObject().put("name", prefix + "b")).getString("session_id");
    String keep = http.createSession(new JsonObject().put("name", prefix + "keep")).getString("session_id");

    HttpResponse<Buffer> response = http.post("/sessions/bulk-delete",
        new JsonObject().put("session_ids", new JsonArray().add(a).add("ses_unknown").add(b)));

    assertThat(response.statusCode()).as(response.bodyAsString()).isEqualTo(200);
    JsonArray results = response.bodyAsJsonObject().getJsonArray("results");
    assertThat(results).hasSize(3);
    assertThat(results.getJsonObject(0).getString("session_id")).isEqualTo(a);
    assertThat(results.getJsonObject(0).getInteger("status")).isEqualTo(200);
    JsonObject unknown = results.getJsonObject(1);
    assertThat(unknown.getString("session_id")).isEqualTo("ses_unknown");
    assertThat(unknown.getInteger("status")).isEqualTo(404);
    assertThat(unknown.getJsonObject("error").getString("code")).isEqualTo("SESSION_NOT_FOUND");
    assertThat(results.getJsonObject(2).getString("session_id")).isEqualTo(b);
    assertThat(results.getJsonObject(2).getInteger("status")).isEqualTo(200);

    assertThat(http.get("/sessions/" + a).statusCode()).isEqualTo(404);
    assertThat(http.get("/sessions/" + b).statusCode()).isEqualTo(404);
    assertThat(listAll("name_prefix=" + prefix, 50)).containsExactly(keep);
  }

  @Test
  @DisplayName("bulk-delete with a non-string id is a 400 naming session_ids[i], and deletes nothing")
  void bulkDeleteInvalid() {
    String id = http.createSession(new JsonObject()).getString("session_id");
    HttpResponse<Buffer> response = http.post("/sessions/bulk-delete",
        new JsonObject().put("session_ids", new JsonArray().add(id).add(7)));
    assertThat(assertInvalid(response)).containsExactly("session_ids[1]");
    assertThat(http.get("/sessions/" + id).statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a session created with ttl_seconds=1 is gone (404, not listed, closed to events) shortly after")
  void ttlExpiry() {
    String prefix = uniquePrefix();
    JsonObject session = http.createSession(new JsonObject().put("name", prefix).put("ttl_seconds", 1));
    String id = session.getString("session_id");
    assertThat(session.getInteger("ttl_seconds")).isEqualTo(1);

    await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
        .until(() -> http.get("/sessions/" + id).statusCode() == 404);
    assertError(http.get("/sessions/" + id), 404, "SESSION_NOT_FOUND");
    assertThat(count("name_prefix=" + prefix)).isZero();
    assertError(http.post("/sessions/" + id + "/events", new JsonObject().put("event_type", "x")), 404, "SESSION_NOT_FOUND");
  }
}
