package dev.agentbus.limit;

import dev.agentbus.auth.Principal;
import io.vertx.ext.web.RoutingContext;

/** Who a request is counted as: the principal the authentication put on it, else anonymous by client IP. */
public final class Callers {
  private Callers() {}

  public static Principal of(RoutingContext ctx) {
    Principal principal = ctx.get(Principal.CONTEXT_KEY);
    return principal != null ? principal : Principal.anonymous(ip(ctx));
  }

  /** The client's IP address (the TCP peer; no forwarding headers are trusted). */
  public static String ip(RoutingContext ctx) {
    var address = ctx.request().remoteAddress();
    return address == null ? "unknown" : address.hostAddress();
  }
}
