package dev.agentbus.conversation;

import static dev.agentbus.support.HttpCalls.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.support.HttpCalls;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TenantNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@DisplayName("Conversations and messages belong to their session's tenant")
class ConversationTenancyTest {
  @RegisterExtension
  static final TenantNode tenants = new TenantNode();

  /** Appends a message as an engine run does (agentbus itself, no caller). */
  private static JsonObject append(String sessionId, String content) {
    return HttpCalls.await(Bus.request(tenants.node().vertx(), Addresses.MESSAGE_APPEND, new JsonObject().put("session_id", sessionId)
        .put("command_id", "cmd_test").put("role", "user").put("type", "message").put("content", content).putNull("parent_id"),
        (String) null));
  }

  private static JsonObject storedMessage(String id) {
    return HttpCalls.await(tenants.node().mongo().findOne(MessageStore.MESSAGES, new JsonObject().put("_id", id), null));
  }

  @Test
  @DisplayName("another tenant gets 404 on a thread's history and a session's messages; the stored messages carry the owner's tenant")
  void anotherTenantsMessagesAreNotFound() {
    HttpResponse<Buffer> created = tenants.acme().post("/chat", new JsonObject().put("user_id", "u-1"));
    assertThat(created.statusCode()).as(created.bodyAsString()).isEqualTo(201);
    String threadId = created.bodyAsJsonObject().getString("thread_id");
    JsonObject message = append(threadId, "hello");

    assertError(tenants.globex().get("/sessions/" + threadId + "/messages"), 404, "SESSION_NOT_FOUND");
    assertError(tenants.globex().get("/chat/" + threadId), 404, "THREAD_NOT_FOUND");

    HttpResponse<Buffer> own = tenants.acme().get("/sessions/" + threadId + "/messages");
    assertThat(own.statusCode()).as(own.bodyAsString()).isEqualTo(200);
    assertThat(own.bodyAsJsonObject().getJsonArray("data").getJsonObject(0).getString("content")).isEqualTo("hello");
    assertThat(tenants.acme().get("/chat/" + threadId).statusCode()).isEqualTo(200);
    assertThat(storedMessage(message.getString("_id")).getString("tenant_id")).isEqualTo("acme");
  }

  private static void chat(String key, String conversationId) {
    JsonObject body = new JsonObject().put("input", new JsonObject().put("message", "hi")).put("conversation",
        new JsonObject().put("id", conversationId).put("user_id", "user-1").put("company_id", "company-1"));
    SseClient call = SseClient.send(tenants.node(), HttpMethod.POST, "/internal/chat/stream", body, Map.of("Authorization", "Bearer " + key));
    assertThat(call.status()).as(call.status() == 200 ? "" : call.awaitBody()).isEqualTo(200);
    call.awaitEnd();
  }

  /** The caller's sessions that hold the external conversation {@code conversationId}. */
  private static List<JsonObject> sessionsOf(HttpCalls caller, String conversationId) {
    HttpResponse<Buffer> page = caller.get("/sessions?limit=200");
    assertThat(page.statusCode()).as(page.bodyAsString()).isEqualTo(200);
    return page.bodyAsJsonObject().getJsonArray("data").stream().map(JsonObject.class::cast)
        .filter(s -> conversationId.equals(s.getJsonObject("metadata", new JsonObject()).getString("conversation_id"))).toList();
  }

  @Test
  @DisplayName("two tenants chatting in the same external conversation get two sessions, each in its own tenant, each reused by its own")
  void sameConversationIdInTwoTenants() {
    String conversationId = "conv-shared-" + System.nanoTime();
    chat(tenants.acmeKey(), conversationId);
    chat(tenants.globexKey(), conversationId);
    chat(tenants.acmeKey(), conversationId);

    List<JsonObject> acmes = sessionsOf(tenants.acme(), conversationId);
    List<JsonObject> globexes = sessionsOf(tenants.globex(), conversationId);
    assertThat(acmes).hasSize(1);
    assertThat(globexes).hasSize(1);
    assertThat(acmes.get(0).getString("session_id")).isNotEqualTo(globexes.get(0).getString("session_id"));
    assertThat(acmes.get(0).getString("tenant_id")).isEqualTo("acme");
    assertThat(globexes.get(0).getString("tenant_id")).isEqualTo("globex");

    JsonObject mapping = HttpCalls.await(tenants.node().mongo().findOne(MessageStore.CONVERSATIONS,
        new JsonObject().put("_id", "/acme/company-1/" + conversationId), null));
    assertThat(mapping.getString("session_id")).isEqualTo(acmes.get(0).getString("session_id"));
    assertThat(mapping.getString("tenant_id")).isEqualTo("acme");
  }

  @Test
  @DisplayName("a mapping stored before tenancy (no tenant, key <company>/<conversation>) still opens its session for tenant default")
  void mappingsBeforeTenancyAreDefaults() {
    String conversationId = "conv-old-" + System.nanoTime();
    String sessionId = HttpCalls.await(Bus.request(tenants.node().vertx(), Addresses.SESSION_CREATE, new JsonObject().put("name", "old"),
        (String) null)).getString("session_id");
    HttpCalls.await(tenants.node().mongo().insert(MessageStore.CONVERSATIONS, new JsonObject().put("_id", "company-1/" + conversationId)
        .put("session_id", sessionId).put("user_id", "user-1").put("company_id", "company-1").put("created_at", "2026-01-01T00:00:00Z")));
    JsonObject open = new JsonObject().put("conversation_id", conversationId).put("user_id", "user-1").put("company_id", "company-1");

    JsonObject opened = HttpCalls.await(Bus.request(tenants.node().vertx(), Addresses.CONVERSATION_OPEN, open, (String) null));
    assertThat(opened.getString("session_id")).isEqualTo(sessionId);
    assertThat(opened.getBoolean("created")).isFalse();
    assertThat(ConversationVerticle.mappingId("default", "company-1", conversationId)).isEqualTo("company-1/" + conversationId);
  }
}
