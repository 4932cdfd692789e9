package dev.agentbus.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The API's description: {@code GET /openapi.json} (also {@code /api/v1/openapi.json}), the OpenAPI
 * 3.1 document of {@link OpenApiDocument}, and {@code GET /docs}, Swagger UI from the swagger-ui
 * webjar (its files are in the jar: nothing is fetched from the network) with our own page and
 * initializer pointed at {@code /openapi.json}. Open routes (no credentials), not rate-limited.
 */
final class DocsRoutes {
  private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
  private static final String PAGE = "agentbus-docs/index.html";
  private static final String INITIALIZER = "agentbus-docs/swagger-initializer.js";

  private final Buffer document = Buffer.buffer(OpenApiDocument.json());
  private final Buffer page = resource(PAGE);
  private final Buffer initializer = resource(INITIALIZER);

  void mount(Router router) {
    router.get("/openapi.json").handler(this::document);
    router.get(Api.BASE + "/openapi.json").handler(this::document);
    router.get("/docs").handler(ctx -> send(ctx, "text/html; charset=utf-8", page));
    router.get("/docs/").handler(ctx -> send(ctx, "text/html; charset=utf-8", page));
    router.get("/docs/index.html").handler(ctx -> send(ctx, "text/html; charset=utf-8", page));
    router.get("/docs/swagger-initializer.js").handler(ctx -> send(ctx, "application/javascript; charset=utf-8", initializer));
    // The webjar's own index.html and initializer are shadowed above: they point at the Petstore demo.
    router.get("/docs/*").handler(StaticHandler.create(WEBJAR + webjarVersion()).setIndexPage("index.html"));
  }

  private void document(RoutingContext ctx) {
    Validator.of(ctx).throwIfInvalid();
    send(ctx, "application/json", document);
  }

  private static void send(RoutingContext ctx, String contentType, Buffer body) {
    ctx.response().putHeader("Content-Type", contentType).putHeader("Cache-Control", "no-cache").end(body);
  }

  /** The swagger-ui version on the classpath, from the webjar's Maven metadata (so upgrading it is a pom change only). */
  static String webjarVersion() {
    try (InputStream in = DocsRoutes.class.getClassLoader().getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
      if (in == null) {
        throw new IllegalStateException("the swagger-ui webjar is not on the classpath");
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Buffer resource(String name) {
    try (InputStream in = DocsRoutes.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
