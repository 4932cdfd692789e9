package dev.agentbus.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The web console: {@code GET /} is its page, {@code /console/*} its stylesheet and ES module, all
 * plain files in the jar ({@code src/main/resources/console/}: nothing is fetched from the network,
 * nothing is built). Open routes like {@code /docs} (the page holds no data; every API call it makes
 * carries the pasted key, or none in protected mode). Mounted after the API routes, so it shadows
 * nothing; an unknown {@code /console/...} file falls through to the router's JSON 404.
 *
 * <p>Every answer carries a Content-Security-Policy that allows only the node itself ({@code
 * 'self'}: no inline script or style, no other origin, no framing) and {@code Cache-Control:
 * no-cache} (a browser revalidates, so a node upgrade never leaves a stale console behind).
 */
final class ConsoleRoutes {
  static final String DIRECTORY = "console";
  static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
      + "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

  private final Buffer page = resource(DIRECTORY + "/index.html");

  void mount(Router router) {
    router.get("/").handler(ctx -> {
      headers(ctx.response()).putHeader("Content-Type", "text/html; charset=utf-8").end(page);
    });
    router.get("/console/*").handler(ConsoleRoutes::headers)
        .handler(StaticHandler.create(DIRECTORY).setCachingEnabled(false).setDirectoryListing(false)
            .setIndexPage("index.html").setDefaultContentEncoding("UTF-8"));
  }

  private static void headers(RoutingContext ctx) {
    headers(ctx.response());
    ctx.next();
  }

  private static HttpServerResponse headers(HttpServerResponse response) {
    return response.putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-cache");
  }

  private static Buffer resource(String name) {
    try (InputStream in = ConsoleRoutes.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
