package dev.agentbus.net;

import io.vertx.core.json.JsonObject;
import java.util.Optional;

/** STUB (contract only; being implemented): the SSRF guard for every URL a user gives us. */
public final class UrlGuard {
  private UrlGuard() {}

  /**
   * Why {@code url} may not be called, or empty when it may: it must be absolute http(s), and its
   * host must not be (or resolve to) a loopback, link-local, private, multicast or unspecified
   * address unless allow-listed in {@code security.allowed_hosts} of {@code config}. Blocking (DNS):
   * call it on a worker thread or via executeBlocking.
   */
  public static Optional<String> check(String url, JsonObject config) {
    return Optional.empty();
  }

  /** {@link #check} off the event loop; fails with a 400 naming {@code field}. */
  public static io.vertx.core.Future<Void> verify(io.vertx.core.Vertx vertx, String url, JsonObject config, String field) {
    return io.vertx.core.Future.succeededFuture();
  }
}
