package dev.agentbus.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.agentbus.support.TestNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.util.Collections;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * With no authentication configured a node serves loopback clients only. The node listens on every
 * interface here and is called through this machine's first non-loopback IPv4 address (the test is
 * skipped where there is none; {@link #loopbackDecision} covers the decision itself).
 */
class AuthProtectedModeTest {
  static TestNode node;
  static String outside;

  @BeforeAll
  static void start() throws Exception {
    node = TestNode.start(new JsonObject().put("http", new JsonObject().put("host", "0.0.0.0")));
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (outside == null && nic.isUp() && address instanceof Inet4Address && !address.isLoopbackAddress()) {
          outside = address.getHostAddress();
        }
      }
    }
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<Buffer> via(String host, HttpMethod method, String path) {
    var request = node.client().request(method, node.port(), host, "/api/v1" + path);
    return (method == HttpMethod.POST ? request.sendJsonObject(new JsonObject()) : request.send()).await();
  }

  @Test
  @DisplayName("a loopback client needs no credentials: it acts as the local principal with every scope")
  void loopbackIsServed() {
    assertThat(via("127.0.0.1", HttpMethod.POST, "/sessions").statusCode()).isEqualTo(201);
    assertThat(via("127.0.0.1", HttpMethod.GET, "/keys").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a client from another address is 403 PROTECTED_MODE saying how to configure auth, on REST and WebSocket; health/live stays open")
  void otherClientsAreRefused() {
    assumeThat(outside).as("a non-loopback IPv4 address on this machine").isNotNull();
    HttpResponse<Buffer> refused = via(outside, HttpMethod.POST, "/sessions");
    assertThat(refused.statusCode()).isEqualTo(403);
    JsonObject error = refused.bodyAsJsonObject().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("PROTECTED_MODE");
    assertThat(error.getString("message")).contains("AGENTBUS_ADMIN_KEY").contains("AGENTBUS_JWT_SECRET");
    assertThat(via(outside, HttpMethod.GET, "/sessions").statusCode()).isEqualTo(403);
    assertThat(via(outside, HttpMethod.GET, "/health/live").statusCode()).isEqualTo(200);

    WebSocketClient sockets = node.vertx().createWebSocketClient();
    try {
      sockets.connect(new WebSocketConnectOptions().setHost(outside).setPort(node.port()).setURI("/api/v1/ws")).await();
      throw new AssertionError("the upgrade was accepted");
    } catch (UpgradeRejectedException expected) {
      assertThat(expected.getStatus()).isEqualTo(403);
    } finally {
      sockets.close().await();
    }
  }

  @Test
  @DisplayName("only literal loopback addresses count as local: 127.0.0.0/8 and ::1, never a name or a private address")
  void loopbackDecision() {
    assertThat(Authenticator.isLoopback("127.0.0.1")).isTrue();
    assertThat(Authenticator.isLoopback("127.5.6.7")).isTrue();
    assertThat(Authenticator.isLoopback("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(Authenticator.isLoopback("::1")).isTrue();
    assertThat(Authenticator.isLoopback("10.0.0.1")).isFalse();
    assertThat(Authenticator.isLoopback("192.0.2.2")).isFalse();
    assertThat(Authenticator.isLoopback("::ffff:10.0.0.1")).isFalse();
    assertThat(Authenticator.isLoopback("localhost")).isFalse();
    assertThat(Authenticator.isLoopback("")).isFalse();
    assertThat(Authenticator.isLoopback(null)).isFalse();
  }
}
