package dev.agentbus.bridge;

import dev.agentbus.auth.Authenticator;
import dev.agentbus.auth.Principal;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Who a TCP bridge frame acts for, and what it may do: the policy of {@link TcpConnection}.
 *
 * <p>Every frame carries {@code headers.authorization: "Bearer <credential>"}, checked by the same
 * {@link Authenticator} as HTTP (the admin key, an API key of {@code /keys}, a JWT; a session token
 * is refused: it grants one session, not a worker). In protected mode (no authentication
 * configured) a loopback peer acts as {@link Principal#local} (tenant {@code default}) with or
 * without a credential, and any other peer is refused {@code PROTECTED_MODE}.
 *
 * <p>A worker may register (and unregister) only worker addresses of its own tenant, {@code
 * agentbus.ext.<tenant>.<name>} ({@link Addresses#workerTenant}); the admin key any tenant's. It
 * needs the scope {@code handlers:write} or {@code tools:write}. Sending is for replies only (to
 * the reply address of a request the worker received: {@link TcpConnection} checks that), and
 * publishing is refused.
 */
final class TcpGate {
  private static final String BEARER = "Bearer ";
  private final Authenticator authenticator;

  TcpGate(Authenticator authenticator) {
    this.authenticator = authenticator;
  }

  /** The principal of a frame from {@code peerIp}, or a {@link BusError} ({@code UNAUTHENTICATED}, {@code PROTECTED_MODE}, {@code FORBIDDEN}). */
  Future<Principal> authenticate(JsonObject frame, String peerIp) {
    if (!authenticator.configured()) {
      return Authenticator.isLoopback(peerIp) ? Future.succeededFuture(Principal.local(peerIp))
          : Future.failedFuture(new BusError(ErrorCode.PROTECTED_MODE, "No authentication is configured, so the bridge serves "
              + "loopback clients only"));
    }
    Object headers = frame.getValue("headers");
    Object authorization = headers instanceof JsonObject named ? named.getValue("authorization") : null;
    if (!(authorization instanceof String bearer) || !bearer.regionMatches(true, 0, BEARER, 0, BEARER.length())
        || bearer.substring(BEARER.length()).isBlank()) {
      return Future.failedFuture(new BusError(ErrorCode.UNAUTHENTICATED,
          "Every frame needs headers.authorization: \"Bearer <API key or JWT>\""));
    }
    return authenticator.authenticate(bearer.substring(BEARER.length()).trim(), null)
        .recover(failure -> Future.failedFuture(BusError.is(failure, ErrorCode.UNAUTHENTICATED)
            ? new BusError(ErrorCode.UNAUTHENTICATED, "The credential is malformed, unknown, revoked or expired")
            : BusError.from(failure, "tcp bridge authentication", null)))
        .compose(principal -> principal.sessionId() != null
            ? Future.failedFuture(new BusError(ErrorCode.FORBIDDEN, "A session token cannot serve as a worker: use an API key"))
            : Future.succeededFuture(principal));
  }

  /** Why {@code principal} may not serve {@code address}, or null when it may. */
  static String whyNotServe(Principal principal, String address) {
    String tenant = Addresses.workerTenant(address);
    if (tenant == null) {
      return "Workers register worker addresses only: agentbus.ext.<tenant>.<name> (name: letters, digits and _ : -, "
          + "at most 64 characters)";
    }
    if (!principal.has("handlers:write") && !principal.has("tools:write")) {
      return "Serving an address needs the scope handlers:write or tools:write";
    }
    boolean admin = "admin".equals(principal.kind());
    if (!admin && !tenant.equals(principal.tenantId())) {
      return "This credential's workers serve agentbus.ext." + principal.tenantId() + ".* only";
    }
    return null;
  }

  /** The tenant a connection is bound to by its first principal (the admin's: all tenants, {@code "*"}). */
  static String identity(Principal principal) {
    return "admin".equals(principal.kind()) ? "*" : principal.kind() + ":" + principal.id();
  }
}
