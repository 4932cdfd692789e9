package dev.agentbus.mcp;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.SharedNames;
import dev.agentbus.mcp.McpConnections.Spec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;

/**
 * Unregistered MCP server URLs that an agent names: each gets the synthetic id {@code mcp_url_<first
 * 20 hex digits of the URL's SHA-256>} (the same on every node) and a name made of its host and port
 * ({@code http://127.0.0.1:3001/mcp} → {@code 127-0-0-1-3001}, so its tools are {@code
 * 127-0-0-1-3001.<tool>}), kept in the cluster-wide map {@link SharedNames#MCP_AD_HOC} so any node can
 * call it by id. Ad hoc servers carry no headers and are connected through the SSRF guard like any other.
 */
final class McpAdHoc {
  static final String PREFIX = "mcp_url_";

  private McpAdHoc() {}

  /** The spec of an unregistered URL, remembered cluster-wide (the first name given to its id stays). */
  static Future<Spec> spec(Vertx vertx, String url) {
    String host;
    try {
      URI uri = new URI(url);
      host = uri.getHost() == null ? "" : uri.getHost() + (uri.getPort() > 0 ? "-" + uri.getPort() : "");
    } catch (URISyntaxException e) {
      return Future.failedFuture(BusError.invalid("servers", "'" + url + "' is neither an MCP server id nor a URL"));
    }
    String id = PREFIX + digest(url);
    String name = host.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]+", "-").replaceAll("^-+|-+$", "");
    JsonObject entry = new JsonObject().put("url", url).put("name", name.isEmpty() ? id : name);
    return vertx.sharedData().<String, JsonObject>getAsyncMap(SharedNames.MCP_AD_HOC)
        .compose(map -> map.putIfAbsent(id, entry))
        .map(existing -> new Spec(id, (existing != null ? existing : entry).getString("name"), url, Map.of(), null));
  }

  /** The spec of a synthetic id some node made, or null. */
  static Future<Spec> find(Vertx vertx, String serverId) {
    return vertx.sharedData().<String, JsonObject>getAsyncMap(SharedNames.MCP_AD_HOC)
        .compose(map -> map.get(serverId))
        .map(entry -> entry == null ? null : new Spec(serverId, entry.getString("name"), entry.getString("url"), Map.of(), null));
  }

  private static String digest(String url) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
