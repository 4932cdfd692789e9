package dev.agentbus.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The one reader of the configuration: its defaults are the bundled {@code conf/config.json}, and it reads every key. */
class SettingsTest {
  /** Keys whose bundled default is null (no external MongoDB, no API key). */
  private static final Set<String> NULL_BY_DEFAULT = Set.of("mongodb.uri", "engines.openai.api_key",
      "handlers.callback_base_url", "handlers.callback_secret", "security.secret_key",
      "auth.admin_key", "auth.jwt.issuer", "auth.jwt.audience", "auth.jwt.secret", "auth.jwt.public_key",
      "tracing.otlp_endpoint");

  private static JsonObject bundled() throws IOException {
    return new JsonObject(Files.readString(Path.of("conf/config.json")));
  }

  @Test
  @DisplayName("the bundled conf/config.json is the default configuration")
  void bundledFileIsTheDefaults() throws IOException {
    assertThat(AppConfig.defaults()).isEqualTo(bundled());
  }

  @Test
  @DisplayName("with an empty config, the settings are the bundled defaults, including the two that had drifted in code")
  void defaultsComeFromTheBundledFile() {
    Settings settings = Settings.of(new JsonObject());
    assertThat(settings.commands().maxConcurrent()).isEqualTo(256);
    assertThat(settings.engines().tokenFlushMs()).isEqualTo(20);
    assertThat(settings.commands().maxQueued()).isEqualTo(10_000);
    assertThat(settings.engines().maxIterationsLimit()).isEqualTo(50);
    assertThat(settings.engines().openai().idleTimeoutMs()).isEqualTo(60_000);
    assertThat(settings.mongo().uri()).isNull();
    assertThat(settings.security().allowedHosts()).isEmpty();
    assertThat(settings).isEqualTo(Settings.of(AppConfig.defaults()));
  }

  @Test
  @DisplayName("a node listens on loopback only unless HTTP_HOST says otherwise (protected mode serves loopback only without auth)")
  void loopbackByDefault() {
    assertThat(Settings.of(new JsonObject()).http().host()).isEqualTo("127.0.0.1");
    JsonObject exposed = AppConfig.load(java.util.List.of(), java.util.Map.of("HTTP_HOST", "0.0.0.0"));
    assertThat(Settings.of(exposed).http().host()).isEqualTo("0.0.0.0");
  }

  @Test
  @DisplayName("a key set in a partial config wins over its default, and its neighbours keep theirs")
  void partialOverrideWins() {
    Settings settings = Settings.of(new JsonObject()
        .put("commands", new JsonObject().put("max_concurrent", 3))
        .put("engines", new JsonObject().put("token_flush_ms", 0).put("openai", new JsonObject().put("model", "m")))
        .put("security", new JsonObject().put("allowed_hosts", new JsonArray().add("10.0.0.0/8"))));
    assertThat(settings.commands().maxConcurrent()).isEqualTo(3);
    assertThat(settings.commands().maxQueued()).as("untouched neighbour").isEqualTo(10_000);
    assertThat(settings.engines().tokenFlushMs()).isZero();
    assertThat(settings.engines().openai().model()).isEqualTo("m");
    assertThat(settings.engines().openai().baseUrl()).as("untouched neighbour").isEqualTo("https://api.openai.com/v1");
    assertThat(settings.security().allowedHosts()).containsExactly("10.0.0.0/8");
    assertThat(Settings.of(new JsonObject()).commands().maxConcurrent()).as("the defaults are not changed by an override").isEqualTo(256);
  }

  @Test
  @DisplayName("every key of conf/config.json is read: changing any one of them changes the settings")
  void everyKeyIsRead() throws IOException {
    JsonObject defaults = bundled();
    Settings base = Settings.of(defaults);
    List<String> paths = leafPaths(defaults, "");
    assertThat(paths).hasSizeGreaterThan(40).contains("commands.max_concurrent", "engines.dummy.token_delay_ms");
    List<String> unread = new ArrayList<>();
    for (String path : paths) {
      JsonObject changed = defaults.copy();
      AppConfig.set(changed, path, otherValue(valueAt(defaults, path)));
      if (Settings.of(changed).equals(base)) {
        unread.add(path);
      }
    }
    assertThat(unread).as("keys of conf/config.json that Settings does not read").isEmpty();
  }

  @Test
  @DisplayName("every setting has its default in conf/config.json: none is missing but those null on purpose (no store URI, no secrets, no auth)")
  void everySettingHasADefault() {
    List<String> missing = new ArrayList<>();
    nulls(Settings.of(new JsonObject()), "", missing);
    assertThat(missing).containsExactlyInAnyOrder("mongo.uri", "engines.openai.apiKey",
        "handlers.callbackBaseUrl", "handlers.callbackSecret", "security.secretKey",
        "auth.adminKey", "auth.jwt.issuer", "auth.jwt.audience", "auth.jwt.secret", "auth.jwt.publicKey",
        "tracing.otlpEndpoint");
    assertThat(NULL_BY_DEFAULT).allSatisfy(path -> assertThat(valueAt(AppConfig.defaults(), path)).isNull());
  }

  private static List<String> leafPaths(JsonObject node, String prefix) {
    List<String> paths = new ArrayList<>();
    for (Map.Entry<String, Object> entry : node) {
      String path = prefix + entry.getKey();
      if (entry.getValue() instanceof JsonObject child) {
        paths.addAll(leafPaths(child, path + "."));
      } else {
        paths.add(path);
      }
    }
    return paths;
  }

  private static Object valueAt(JsonObject config, String path) {
    String[] parts = path.split("\\.");
    JsonObject node = config;
    for (int i = 0; i < parts.length - 1; i++) {
      node = node.getJsonObject(parts[i]);
    }
    return node.getValue(parts[parts.length - 1]);
  }

  /** A value of the same type that differs from {@code value}. */
  private static Object otherValue(Object value) {
    if (value == null) {
      return "changed";
    }
    if (value instanceof Boolean b) {
      return !b;
    }
    if (value instanceof Number n) {
      return n.longValue() + 1;
    }
    if (value instanceof String s) {
      return s + "-changed";
    }
    if (value instanceof JsonArray a) {
      return a.copy().add("changed.example");
    }
    throw new IllegalArgumentException("unexpected config value " + value);
  }

  /** The record component paths (under {@code prefix}) of {@code record} whose value is null. */
  private static void nulls(Record record, String prefix, List<String> missing) {
    for (RecordComponent component : record.getClass().getRecordComponents()) {
      Object value;
      try {
        value = component.getAccessor().invoke(record);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      String path = prefix + component.getName();
      if (value == null) {
        missing.add(path);
      } else if (value instanceof Record child) {
        nulls(child, path + ".", missing);
      }
    }
  }
}
