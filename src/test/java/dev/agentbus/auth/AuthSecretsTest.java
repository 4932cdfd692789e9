package dev.agentbus.auth;

import static dev.agentbus.auth.AuthFixtures.ADMIN_KEY;
import static dev.agentbus.auth.AuthFixtures.JWT_SECRET;
import static dev.agentbus.auth.AuthFixtures.bearer;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Keys, JWTs and session tokens never reach a log line or an error body. */
class AuthSecretsTest {
  @Test
  @DisplayName("no credential (admin key, API key, session token, JWT, JWT secret) appears in any log line or error body, even at DEBUG")
  void secretsStayOutOfLogsAndErrors() {
    Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
    Logger access = (Logger) LoggerFactory.getLogger("agentbus.http");
    Level rootLevel = root.getLevel();
    Level accessLevel = access.getLevel();
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    root.setLevel(Level.DEBUG);
    access.setLevel(Level.DEBUG);
    List<String> secrets = new ArrayList<>(List.of(ADMIN_KEY, JWT_SECRET));
    List<String> errorBodies = new ArrayList<>();
    try (TestNode node = TestNode.start(AuthFixtures.authConfig())) {
      String key = AuthFixtures.call(node, HttpMethod.POST, "/keys", bearer(ADMIN_KEY), new JsonObject().put("name", "k")
          .put("scopes", new JsonArray().add("sessions:read"))).bodyAsJsonObject().getString("key");
      String session = AuthFixtures.call(node, HttpMethod.POST, "/sessions", bearer(ADMIN_KEY), new JsonObject())
          .bodyAsJsonObject().getString("session_id");
      String token = AuthFixtures.call(node, HttpMethod.POST, "/sessions/" + session + "/tokens", bearer(ADMIN_KEY),
          new JsonObject()).bodyAsJsonObject().getString("token");
      String jwt = AuthFixtures.jwt("HS256", AuthFixtures.claims("sessions:read"), JWT_SECRET);
      String badJwt = AuthFixtures.jwt("HS256", AuthFixtures.claims("sessions:read"), "wrong-secret");
      secrets.addAll(List.of(key, token, jwt, badJwt));

      List<HttpResponse<Buffer>> responses = new ArrayList<>();
      for (String credential : List.of(key, token, jwt, badJwt, ADMIN_KEY, key + "x", token + "x")) {
        responses.add(AuthFixtures.call(node, HttpMethod.GET, "/sessions", bearer(credential), null));
        responses.add(AuthFixtures.call(node, HttpMethod.POST, "/sessions", Map.of("X-API-Key", credential), new JsonObject()));
        responses.add(AuthFixtures.call(node, HttpMethod.GET, "/sessions?access_token=" + credential, Map.of(), null));
        responses.add(AuthFixtures.call(node, HttpMethod.GET, "/no/such/route?api_key=" + credential, Map.of(), null));
      }
      SseClient.open(node, "/sessions/" + session + "/events/sse?after_seq=0&access_token=" + token).close();
      responses.add(AuthFixtures.call(node, HttpMethod.GET, "/keys", bearer(ADMIN_KEY), null));
      for (HttpResponse<Buffer> response : responses) {
        errorBodies.add(response.statusCode() + " " + response.bodyAsString());
      }
      assertThat(errorBodies).anyMatch(body -> body.startsWith("401")).anyMatch(body -> body.startsWith("403"));
    } finally {
      root.detachAppender(captured);
      root.setLevel(rootLevel);
      access.setLevel(accessLevel);
    }
    List<String> lines = captured.list.stream().map(event -> event.getFormattedMessage()
        + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()))).toList();
    assertThat(lines).as("log lines were captured").isNotEmpty();
    assertThat(lines).anyMatch(line -> line.contains("/api/v1/sessions"));
    for (String secret : secrets) {
      assertThat(lines).as("log lines").noneMatch(line -> line.contains(secret));
      assertThat(errorBodies).as("responses").noneMatch(body -> body.contains(secret));
    }
  }
}
