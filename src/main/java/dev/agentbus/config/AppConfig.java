package dev.agentbus.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Loads the configuration in a fixed order: built-in defaults (the bundled {@code
 * conf/config.json}), then the file named by {@code AGENTBUS_CONFIG} or {@code conf/config.json}
 * in the working directory, then environment variables, then command-line flags. Later wins.
 */
public final class AppConfig {
  /** Environment variable → config path, and how to read its value. */
  private record EnvBinding(String variable, String path, Class<?> type) {}

  private static final List<EnvBinding> ENV = List.of(
      new EnvBinding("HTTP_HOST", "http.host", String.class),
      new EnvBinding("HTTP_PORT", "http.port", Integer.class),
      new EnvBinding("HTTP_INSTANCES", "http.instances", Integer.class),
      new EnvBinding("MONGODB_URI", "mongodb.uri", String.class),
      new EnvBinding("MONGODB_DATABASE", "mongodb.database", String.class),
      new EnvBinding("DATA_DIR", "store.data_dir", String.class),
      new EnvBinding("STORE_BACKEND", "store.embedded", String.class),
      new EnvBinding("STORE_PORT", "store.port", Integer.class),
      new EnvBinding("CLUSTER", "cluster.enabled", Boolean.class),
      new EnvBinding("CLUSTER_CONFIG", "cluster.config", String.class),
      new EnvBinding("CLUSTER_HOST", "cluster.host", String.class),
      new EnvBinding("AGENTBUS_METRICS", "metrics.enabled", Boolean.class),
      new EnvBinding("AGENTBUS_TRACING", "tracing.enabled", Boolean.class),
      new EnvBinding("AGENTBUS_LOGS", "logs.enabled", Boolean.class),
      new EnvBinding("OTEL_EXPORTER_OTLP_ENDPOINT", "tracing.otlp_endpoint", String.class),
      new EnvBinding("DUMMY_TOKEN_DELAY_MS", "engines.dummy.token_delay_ms", Integer.class),
      new EnvBinding("AGENTBUS_DEFAULT_ENGINE", "engines.default_type", String.class),
      new EnvBinding("OPENAI_BASE_URL", "engines.openai.base_url", String.class),
      new EnvBinding("OPENAI_API_KEY", "engines.openai.api_key", String.class),
      new EnvBinding("OPENAI_MODEL", "engines.openai.model", String.class),
      new EnvBinding("AGENTBUS_HANDLER_RETRY_BASE_MS", "handlers.retry_base_ms", Integer.class),
      new EnvBinding("AGENTBUS_HANDLER_MAX_ATTEMPTS", "handlers.max_attempts", Integer.class),
      new EnvBinding("AGENTBUS_ALLOWED_HOSTS", "security.allowed_hosts", JsonArray.class),
      new EnvBinding("AGENTBUS_SECRET_KEY", "security.secret_key", String.class),
      new EnvBinding("AGENTBUS_ADMIN_KEY", "auth.admin_key", String.class),
      new EnvBinding("AGENTBUS_JWT_ISSUER", "auth.jwt.issuer", String.class),
      new EnvBinding("AGENTBUS_JWT_AUDIENCE", "auth.jwt.audience", String.class),
      new EnvBinding("AGENTBUS_JWT_SECRET", "auth.jwt.secret", String.class),
      new EnvBinding("AGENTBUS_JWT_PUBLIC_KEY", "auth.jwt.public_key", String.class),
      new EnvBinding("AGENTBUS_JWT_TENANT_CLAIM", "auth.jwt.tenant_claim", String.class),
      new EnvBinding("AGENTBUS_CORS_ORIGINS", "http.cors.allowed_origins", JsonArray.class),
      new EnvBinding("AGENTBUS_RATE_LIMITS", "limits.tiers", JsonObject.class),
      new EnvBinding("AGENTBUS_MAX_INFLIGHT_RUNS", "limits.max_inflight_runs", Integer.class),
      new EnvBinding("AGENTBUS_TCP_BRIDGE_PORT", "bridge.tcp.port", Integer.class));

  private AppConfig() {}

  public static JsonObject load(List<String> args, Map<String, String> env) {
    JsonObject config = defaults();
    String file = env.getOrDefault("AGENTBUS_CONFIG", "conf/config.json");
    Path path = Path.of(file);
    if (Files.isRegularFile(path)) {
      try {
        config.mergeIn(new JsonObject(Files.readString(path)), true);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read config " + path.toAbsolutePath(), e);
      }
    }
    for (EnvBinding binding : ENV) {
      String value = env.get(binding.variable());
      if (value != null && !value.isBlank()) {
        Object parsed = parse(binding, value.trim());
        if (parsed instanceof JsonObject counts) {
          // tier=count pairs: the tiers named change, the others keep theirs
          counts.forEach(entry -> set(config, binding.path() + "." + entry.getKey(), entry.getValue()));
        } else {
          set(config, binding.path(), parsed);
        }
      }
    }
    if (args.contains("--cluster")) {
      set(config, "cluster.enabled", true);
    }
    return config;
  }

  /** The bundled defaults alone: what tests start from. */
  public static JsonObject defaults() {
    try (InputStream in = AppConfig.class.getResourceAsStream("/config.json")) {
      if (in == null) {
        throw new IllegalStateException("config.json missing from the classpath");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Sets a dotted path, creating objects on the way. */
  public static void set(JsonObject config, String path, Object value) {
    String[] parts = path.split("\\.");
    JsonObject node = config;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonObject child = node.getJsonObject(parts[i]);
      if (child == null) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = child;
    }
    node.put(parts[parts.length - 1], value);
  }

  private static Object parse(EnvBinding binding, String value) {
    try {
      if (binding.type() == Integer.class) {
        return Integer.parseInt(value);
      }
      if (binding.type() == Boolean.class) {
        return Boolean.parseBoolean(value);
      }
      if (binding.type() == JsonObject.class) {
        JsonObject counts = new JsonObject();
        for (String pair : value.split(",")) {
          if (!pair.isBlank()) {
            String[] parts = pair.split("=", 2);
            if (parts.length != 2 || parts[0].isBlank()) {
              throw new IllegalArgumentException(binding.variable() + " must be name=number pairs, got '" + value + "'");
            }
            counts.put(parts[0].trim(), Integer.parseInt(parts[1].trim()));
          }
        }
        return counts;
      }
      if (binding.type() == JsonArray.class) {
        JsonArray items = new JsonArray();
        for (String item : value.split(",")) {
          if (!item.isBlank()) {
            items.add(item.trim());
          }
        }
        return items;
      }
      return value;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(binding.variable() + " must be a number, got '" + value + "'");
    }
  }
}
