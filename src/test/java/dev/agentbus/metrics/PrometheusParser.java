package dev.agentbus.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The official Prometheus Python client's text-format parser ({@code
 * prometheus_client.parser.text_string_to_metric_families}, Debian's {@code python3-prometheus-client},
 * which {@code scripts/ensure-test-tools.sh} installs), run on a scrape: a malformed exposition fails
 * the parse rather than being read leniently by code of our own.
 */
final class PrometheusParser {
  /** One sample: its series name (with {@code _total}, {@code _count}, ... as exposed), labels and value. */
  record Sample(String family, String type, String name, Map<String, String> labels, double value) {}

  private static final String SCRIPT = String.join("\n",
      "import json, sys",
      "from prometheus_client.parser import text_string_to_metric_families",
      "out = []",
      "for family in text_string_to_metric_families(sys.stdin.read()):",
      "    for s in family.samples:",
      "        out.append({'family': family.name, 'type': family.type, 'name': s.name, 'labels': s.labels, 'value': s.value})",
      "print(json.dumps(out))");

  /** Debian's interpreter, where apt installs the module (a {@code python3} earlier on PATH, e.g. pyenv's, may lack it). */
  private static final String PYTHON = java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/python3"))
      ? "/usr/bin/python3" : "python3";

  private PrometheusParser() {}

  /** Whether python3 with the {@code prometheus_client} module is installed here. */
  static boolean available() {
    try {
      Process probe = new ProcessBuilder(PYTHON, "-c", "import prometheus_client").redirectErrorStream(true).start();
      return probe.waitFor(30, TimeUnit.SECONDS) && probe.exitValue() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  /** Every sample of {@code exposition}; throws when the parser refuses it. */
  static List<Sample> parse(String exposition) throws IOException, InterruptedException {
    Process python = new ProcessBuilder(PYTHON, "-c", SCRIPT).start();
    python.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
    python.getOutputStream().close();
    byte[] stdout = python.getInputStream().readAllBytes();
    byte[] stderr = python.getErrorStream().readAllBytes();
    if (!python.waitFor(60, TimeUnit.SECONDS) || python.exitValue() != 0) {
      throw new IllegalStateException("the Prometheus parser refused the scrape: " + new String(stderr, StandardCharsets.UTF_8));
    }
    List<Sample> samples = new ArrayList<>();
    for (Object item : new JsonArray(new String(stdout, StandardCharsets.UTF_8))) {
      JsonObject sample = (JsonObject) item;
      Map<String, String> labels = new TreeMap<>();
      sample.getJsonObject("labels").forEach(label -> labels.put(label.getKey(), String.valueOf(label.getValue())));
      samples.add(new Sample(sample.getString("family"), sample.getString("type"), sample.getString("name"), labels,
          sample.getDouble("value")));
    }
    return samples;
  }
}
