package dev.agentbus.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.config.Settings;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SSRF guard. Only IP literals, {@code localhost} (from the hosts file) and an {@code .invalid}
 * name are used, so no test needs the internet.
 */
class UrlGuardTest {
  private static final Settings.Security NO_ALLOWED = allowing();

  /** {@code security} of a config allowing {@code hosts}, read through {@link Settings} as the verticles do. */
  private static Settings.Security allowing(String... hosts) {
    return Settings.of(new JsonObject().put("security", new JsonObject().put("allowed_hosts", new JsonArray(java.util.List.of(hosts)))))
        .security();
  }

  @ParameterizedTest(name = "{0} → {1}")
  @CsvSource(delimiter = '|', value = {
      "http://127.0.0.1                    | must not point to a loopback address",
      "http://127.8.9.10:8080/x            | must not point to a loopback address",
      "http://localhost                    | host resolves to a loopback address",
      "http://LOCALHOST./admin             | host resolves to a loopback address",
      "http://[::1]                        | must not point to a loopback address",
      "http://10.0.0.1                     | must not point to a private address",
      "http://172.16.5.4                   | must not point to a private address",
      "http://192.168.1.1                  | must not point to a private address",
      "http://100.64.0.1                   | must not point to a private address",
      "http://[fd00::1]                    | must not point to a private address",
      "http://169.254.169.254/latest       | must not point to a link-local address",
      "http://[fe80::1]                    | must not point to a link-local address",
      "http://0.0.0.0                      | must not point to an unspecified address",
      "http://[::]                         | must not point to an unspecified address",
      "http://224.0.0.1                    | must not point to a multicast address",
      "http://255.255.255.255              | must not point to a reserved address",
      "http://[::ffff:127.0.0.1]           | must not point to a loopback address",
      "http://[::ffff:a9fe:a9fe]           | must not point to a link-local address",
      "http://[::ffff:10.1.2.3]            | must not point to a private address",
      "http://[64:ff9b::7f00:1]            | must not point to a loopback address",
      "http://[2002:c0a8:101::1]           | must not point to a private address",
      "http://2130706433/                  | must write a numeric host as a plain dotted-quad IPv4 address",
      "http://0177.0.0.1/                  | must write a numeric host as a plain dotted-quad IPv4 address",
      "http://127.1/                       | must name a valid host",
      "http://0x7f.0.0.1/                  | must name a valid host",
      "ftp://x                             | must use http or https, not ftp",
      "file:///etc/passwd                  | must use http or https, not file",
      "javascript:alert(1)                 | must be an absolute http or https URL",
      "/api/v1/hooks                       | must be an absolute http or https URL",
      "//93.184.216.34/v1                  | must be an absolute http or https URL",
      "example.com/hook                    | must be an absolute http or https URL",
      "http:/x                             | must name a valid host",
      "http://user:secret@93.184.216.34/   | must not contain credentials (user:password@)",
      "http://user@93.184.216.34/          | must not contain credentials (user:password@)",
      "http://bad host/                    | is not a valid URL",
      "http://no-such-host.invalid/hook    | host does not resolve",
  })
  @DisplayName("refuses non-http(s), relative, credentialed and internal URLs with a short reason")
  void refuses(String url, String reason) {
    assertThat(UrlGuard.check(url, NO_ALLOWED)).contains(reason);
  }

  @Test
  @DisplayName("a reason never repeats the credentials of the URL")
  void noSecretsInReasons() {
    assertThat(UrlGuard.check("http://admin:hunter2@127.0.0.1/", NO_ALLOWED)).get().asString()
        .doesNotContain("hunter2").doesNotContain("admin");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "http://93.184.216.34/v1", "https://93.184.216.34:8443/hooks?x=1#f", "HTTPS://8.8.8.8",
      "http://[2606:2800:220:1:248:1893:25c8:1946]/", "http://172.32.0.1/", "http://100.128.0.1/"})
  @DisplayName("accepts http(s) URLs of public IP addresses")
  void acceptsPublic(String url) {
    assertThat(UrlGuard.check(url, NO_ALLOWED)).isEmpty();
  }

  @Test
  @DisplayName("treats a missing configuration or security section as an empty allow-list")
  void noConfig() {
    assertThat(UrlGuard.check("http://127.0.0.1", null)).isPresent();
    assertThat(UrlGuard.check("http://127.0.0.1", Settings.of(new JsonObject()).security())).isPresent();
    assertThat(UrlGuard.check("http://93.184.216.34", null)).isEmpty();
  }

  @Test
  @DisplayName("allows an internal host listed in security.allowed_hosts by address, CIDR range or name")
  void allowList() {
    String local = "http://127.0.0.1:9999/hook";
    assertThat(UrlGuard.check(local, allowing("127.0.0.1"))).isEmpty();
    assertThat(UrlGuard.check(local, allowing("127.0.0.0/8"))).isEmpty();
    assertThat(UrlGuard.check(local, allowing("10.0.0.0/8", "127.0.0.2"))).as("other entries do not allow it").isPresent();
    assertThat(UrlGuard.check("http://LocalHost:8080", allowing("localhost"))).as("names compare case-insensitively").isEmpty();
    assertThat(UrlGuard.check("http://[0:0:0:0:0:0:0:1]/", allowing("::1"))).isEmpty();
    assertThat(UrlGuard.check("http://[fd12::5]/", allowing("FD00::/8"))).isEmpty();
    assertThat(UrlGuard.check("http://192.168.1.20/", allowing("192.168.1.0/24"))).isEmpty();
    assertThat(UrlGuard.check("http://192.168.2.20/", allowing("192.168.1.0/24"))).isPresent();
    assertThat(UrlGuard.check("http://127.0.0.1/", allowing("127.0.0.0/not-a-prefix", "127.0.0.0/99"))).isPresent();
  }

  @Test
  @DisplayName("verify runs off the event loop and fails with a 400 naming the field")
  void verify() {
    Vertx vertx = Vertx.vertx();
    try {
      UrlGuard.verify(vertx, "http://93.184.216.34/v1", NO_ALLOWED, "url").await();
      Throwable failure = catchThrowable(() ->
          UrlGuard.verify(vertx, "http://169.254.169.254/latest", NO_ALLOWED, "handler.url").await());
      assertThat(failure).isInstanceOf(BusError.class);
      BusError error = (BusError) failure;
      assertThat(error.code()).isEqualTo(ErrorCode.VALIDATION_ERROR);
      assertThat(error.code().httpStatus()).isEqualTo(400);
      assertThat(error.details().getString("field")).isEqualTo("handler.url");
      assertThat(error.details().getString("issue")).isEqualTo("must not point to a link-local address");
    } finally {
      vertx.close().await();
    }
  }

  @Test
  @DisplayName("classifies addresses without any DNS lookup for literals")
  void literals() {
    assertThat(UrlGuard.literal("example.com")).isEmpty();
    assertThat(UrlGuard.literal("10.0.0.1").flatMap(UrlGuard::internalKind)).isEqualTo(Optional.of("a private"));
    assertThat(UrlGuard.literal("::ffff:169.254.169.254").flatMap(UrlGuard::internalKind)).contains("a link-local");
  }
}
