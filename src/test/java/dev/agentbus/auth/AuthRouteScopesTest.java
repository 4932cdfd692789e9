package dev.agentbus.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentbus.auth.RouteScopes.Access;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The scope table of README, row by row. */
class AuthRouteScopesTest {
  private static String scope(String method, String path) {
    RouteScopes.Rule rule = RouteScopes.of(method, "/api/v1" + path);
    return rule.access() == Access.SCOPED ? String.valueOf(rule.scope()) : rule.access().name();
  }

  @Test
  @DisplayName("each route group needs the scope README's table names")
  void table() {
    assertThat(scope("GET", "/health/live")).isEqualTo("OPEN");
    assertThat(scope("GET", "/health/ready")).isEqualTo("OPEN");
    assertThat(scope("POST", "/health/live")).isEqualTo("null");
    assertThat(scope("POST", "/keys")).isEqualTo("admin");
    assertThat(scope("DELETE", "/keys/key_1")).isEqualTo("admin");
    assertThat(scope("GET", "/mcp-servers/mcp_1/tools")).isEqualTo("sessions:read");
    assertThat(scope("POST", "/mcp-servers")).isEqualTo("tools:write");
    assertThat(scope("GET", "/tools/weather.get")).isEqualTo("sessions:read");
    assertThat(scope("DELETE", "/tools/weather.get")).isEqualTo("tools:write");
    assertThat(scope("POST", "/handlers/events")).isEqualTo("handlers:write");
    assertThat(scope("GET", "/handlers/dead-letters")).isEqualTo("sessions:read");
    assertThat(scope("POST", "/handlers/dead-letters/dlq_1/retry")).isEqualTo("handlers:write");
    assertThat(scope("POST", "/sessions")).isEqualTo("sessions:write");
    assertThat(scope("POST", "/sessions/bulk-delete")).isEqualTo("sessions:write");
    assertThat(scope("PATCH", "/sessions/ses_1")).isEqualTo("sessions:write");
    assertThat(scope("DELETE", "/sessions/ses_1")).isEqualTo("sessions:write");
    assertThat(scope("POST", "/sessions/ses_1/tokens")).isEqualTo("sessions:write");
    assertThat(scope("GET", "/sessions/ses_1/commands/cmd_1")).isEqualTo("sessions:read");
    assertThat(scope("POST", "/sessions/ses_1/commands/cmd_1/cancel")).isEqualTo("commands:write");
    assertThat(scope("POST", "/sessions/ses_1/commands/cmd_1/result")).isEqualTo("CALLBACK");
    assertThat(scope("GET", "/sessions/ses_1/commands/cmd_1/stream")).isEqualTo("events:read");
    assertThat(scope("GET", "/sessions/ses_1/events/evt_1")).isEqualTo("events:read");
    assertThat(scope("POST", "/sessions/ses_1/events")).isEqualTo("events:write");
    assertThat(scope("DELETE", "/sessions/ses_1/handlers/commands/shop.x")).isEqualTo("handlers:write");
    assertThat(scope("GET", "/sessions/ses_1/handlers/commands")).isEqualTo("sessions:read");
    assertThat(scope("POST", "/sessions/ses_1/tools/t/execute")).isEqualTo("commands:write");
    assertThat(scope("DELETE", "/sessions/ses_1/tools/t")).isEqualTo("tools:write");
    assertThat(scope("PATCH", "/agents/agt_1")).isEqualTo("engines:write");
    assertThat(scope("GET", "/engines/eng_1")).isEqualTo("sessions:read");
    assertThat(scope("POST", "/engines/eng_1/execute")).isEqualTo("commands:write");
    assertThat(scope("POST", "/chat/ses_1/stream")).isEqualTo("commands:write");
    assertThat(scope("GET", "/ws")).isEqualTo("commands:write");
    assertThat(scope("GET", "/stream/cmd_1")).isEqualTo("events:read");
    assertThat(RouteScopes.of("POST", "/internal/chat/stream").scope()).isEqualTo("commands:write");
    assertThat(RouteScopes.of("GET", "/metrics").scope()).isEqualTo("metrics:read");
    assertThat(scope("GET", "/observability/metrics")).isEqualTo("metrics:read");
  }

  @Test
  @DisplayName("only SSE and WebSocket routes take ?access_token=, and a session route names its session for session tokens")
  void streamsAndSessions() {
    assertThat(RouteScopes.of("GET", "/api/v1/sessions/ses_1/events/sse").stream()).isTrue();
    assertThat(RouteScopes.of("GET", "/api/v1/sessions/ses_1/events/stream").stream()).isTrue();
    assertThat(RouteScopes.of("GET", "/api/v1/ws").stream()).isTrue();
    assertThat(RouteScopes.of("GET", "/api/v1/sessions/ses_1/events").stream()).isFalse();
    assertThat(RouteScopes.of("GET", "/api/v1/sessions").stream()).isFalse();
    assertThat(RouteScopes.of("GET", "/api/v1/sessions/ses_1/events").sessionId()).isEqualTo("ses_1");
    assertThat(RouteScopes.of("GET", "/api/v1/chat/ses_2").sessionId()).isEqualTo("ses_2");
    assertThat(RouteScopes.of("POST", "/api/v1/infer").sessionId()).isNull();
  }
}
