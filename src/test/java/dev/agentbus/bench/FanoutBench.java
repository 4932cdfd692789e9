package dev.agentbus.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fan-out benchmark for {@code scripts/bench-fanout.sh}, against a running node whose process id
 * it is given (it reads the node's CPU time from {@code /proc/<pid>/stat} and its heap with {@code jcmd}).
 *
 * <ol>
 *   <li>Baseline: {@code GET /health/live}, closed loop, 32 clients, 3 s of warm-up then 5 s; rate and
 *       server CPU per request.</li>
 *   <li>Quiet: 3 s of nothing, the node's background CPU.</li>
 *   <li>Fan-out: {@code subscribers} WebSockets on {@code /sessions/{id}/events/stream} of one session,
 *       a publisher at {@code rate} events/s (each stamped with its publish time), 5 s of warm-up (not
 *       reported), then {@code seconds} measured: deliveries made / expected, publish-to-delivery p50 /
 *       p99, server CPU per delivery (the node's CPU time over the window, publishes included, ÷ deliveries;
 *       also without the JIT compiler threads, which a young node on a loaded machine keeps busy),
 *       sockets the server closed, the publish round trips.</li>
 *   <li>Publishing alone (after the fan-out, the node warm): the publisher at {@code rate} with no
 *       subscriber for 10 s: the node's CPU per published event (HTTP, store, bus), subtracted from
 *       the fan-out's CPU for the net CPU per delivery.</li>
 *   <li>Idle: those sockets closed, a full GC, the node's used heap; then {@code idle} WebSockets on
 *       another session, each sent one event (so every feed is live), a full GC, the heap again → heap
 *       per subscriber.</li>
 * </ol>
 * Usage: {@code FanoutBench <base-url> <node-pid> [subscribers 500] [rate 50] [seconds 20] [idle 5000]}.
 * Prints one JSON line per phase. Loopback only; every wait is bounded.
 */
public final class FanoutBench {
  private static final long TICKS_PER_SECOND = 100;
  private static final long BUCKET_MICROS = 100;
  private static final int BUCKETS = 600_001;
  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  private final Vertx vertx;
  private final long pid;
  private final WebClient web;
  private final WebSocketClient sockets;
  private final String host;
  private final int port;

  private FanoutBench(Vertx vertx, URI base, long pid) {
    this.vertx = vertx;
    this.pid = pid;
    this.host = base.getHost();
    this.port = base.getPort();
    this.web = WebClient.create(vertx, new WebClientOptions().setDefaultHost(host).setDefaultPort(port).setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(32));
    this.sockets = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(20_000)
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22));
  }

  public static void main(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    long pid = Long.parseLong(args[1]);
    int subscribers = args.length > 2 ? Integer.parseInt(args[2]) : 500;
    int rate = args.length > 3 ? Integer.parseInt(args[3]) : 50;
    int seconds = args.length > 4 ? Integer.parseInt(args[4]) : 20;
    int idle = args.length > 5 ? Integer.parseInt(args[5]) : 5000;
    Vertx vertx = Vertx.vertx();
    try {
      FanoutBench bench = new FanoutBench(vertx, base, pid);
      bench.baseline(3);
      System.out.println(bench.baseline(5).encode());
      System.out.println(bench.quiet(3).encode());
      JsonObject fanout = bench.fanout(subscribers, rate, seconds);
      JsonObject publishing = bench.publishOnly(rate, 10);
      System.out.println(publishing.encode());
      long events = fanout.getLong("events");
      long made = fanout.getLong("deliveries");
      double net = (fanout.getLong("server_cpu_us") - publishing.getDouble("server_cpu_us_per_event") * events) / Math.max(1, made);
      double netNoJit = (fanout.getLong("server_cpu_us_without_jit")
          - publishing.getDouble("server_cpu_us_per_event_without_jit") * events) / Math.max(1, made);
      System.out.println(fanout.put("server_cpu_us_per_delivery_net_of_publishing", round1(net))
          .put("server_cpu_us_per_delivery_net_without_jit", round1(netNoJit)).encode());
      if (idle > 0) {
        System.out.println(bench.idle(idle).encode());
      }
    } finally {
      vertx.close().await();
    }
  }

  /** The node's user + system CPU time so far, in microseconds. */
  private long cpuMicros() throws IOException {
    return cpuMicros(pid);
  }

  /** The user + system CPU time of process {@code process} so far, in microseconds. */
  private static long cpuMicros(long process) throws IOException {
    return ticks(Files.readString(Path.of("/proc/" + process + "/stat"))) * 1_000_000 / TICKS_PER_SECOND;
  }

  /**
   * The node's CPU time so far without its JIT compiler threads, in microseconds: a node this young
   * still compiles for most of a run on a loaded machine, which is not a cost of the workload.
   */
  private long cpuMicrosWithoutJit() throws IOException {
    long ticks = 0;
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks.toList()) {
        String stat;
        try {
          stat = Files.readString(task.resolve("stat"));
        } catch (IOException gone) {
          continue;
        }
        String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (!comm.startsWith("C1 Compiler") && !comm.startsWith("C2 Compiler")) {
          ticks += ticks(stat);
        }
      }
    }
    return ticks * 1_000_000 / TICKS_PER_SECOND;
  }

  /** utime + stime of one {@code /proc/.../stat} line, in clock ticks. */
  private static long ticks(String stat) {
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    // after "pid (comm) ": state is field 3, utime 14, stime 15 → indexes 11 and 12 here
    return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
  }

  private JsonObject baseline(int seconds) throws IOException {
    AtomicLong ok = new AtomicLong();
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    long cpu = cpuMicros();
    long started = System.nanoTime();
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      Promise<Void> loop = Promise.promise();
      vertx.runOnContext(v -> health(deadline, ok, loop));
      loops.add(loop.future());
    }
    Future.all(loops).await();
    double elapsed = (System.nanoTime() - started) / 1e9;
    long used = cpuMicros() - cpu;
    return new JsonObject().put("phase", "baseline_health_live").put("requests", ok.get())
        .put("per_second", Math.round(ok.get() / elapsed))
        .put("server_cpu_us_per_request", round1((double) used / Math.max(1, ok.get())));
  }

  private void health(long deadline, AtomicLong ok, Promise<Void> loop) {
    if (System.nanoTime() >= deadline) {
      loop.tryComplete();
      return;
    }
    web.request(HttpMethod.GET, "/api/v1/health/live").send().onComplete(reply -> {
      if (reply.succeeded() && reply.result().statusCode() == 200) {
        ok.incrementAndGet();
      }
      health(deadline, ok, loop);
    });
  }

  private String createSession() {
    return web.request(HttpMethod.POST, "/api/v1/sessions").sendJsonObject(new JsonObject().put("name", "fanout"))
        .await().bodyAsJsonObject().getString("session_id");
  }

  /** What the subscribers have received, counted per phase; latencies of the measured phase in 0.1 ms buckets. */
  private static JsonObject closeCodes(Tally tally) {
    JsonObject codes = new JsonObject();
    tally.closeCodes.forEach((code, count) -> codes.put(code, count.sum()));
    return codes;
  }

  private static final class Tally {
    final LongAdder warm = new LongAdder();
    final LongAdder measured = new LongAdder();
    final LongAdder closedByServer = new LongAdder();
    /** close status (or "none") → how many sockets the server closed with it. */
    final java.util.concurrent.ConcurrentHashMap<String, LongAdder> closeCodes = new java.util.concurrent.ConcurrentHashMap<>();
    final AtomicLongArray latency = new AtomicLongArray(BUCKETS);

    void frame(String text) {
      int at = text.indexOf("\"t_ns\":");
      if (at < 0) {
        return;
      }
      if (text.contains("\"phase\":\"warm\"")) {
        warm.increment();
        return;
      }
      int from = at + 7;
      int to = from;
      while (to < text.length() && (Character.isDigit(text.charAt(to)) || text.charAt(to) == '-')) {
        to++;
      }
      record((System.nanoTime() - Long.parseLong(text, from, to, 10)) / 1000);
      measured.increment();
    }

    void record(long micros) {
      latency.incrementAndGet((int) Math.min(BUCKETS - 1, Math.max(0, micros / BUCKET_MICROS)));
    }

    double percentileMs(double p) {
      long total = 0;
      for (int i = 0; i < BUCKETS; i++) {
        total += latency.get(i);
      }
      long rank = (long) Math.ceil(p * total);
      long seen = 0;
      for (int i = 0; i < BUCKETS; i++) {
        seen += latency.get(i);
        if (seen >= rank && seen > 0) {
          return round1((i + 1) * BUCKET_MICROS / 1000.0);
        }
      }
      return 0;
    }
  }

  /** Opens {@code count} WebSockets on the session's stream, 200 upgrades at a time. */
  private List<ClientWebSocket> subscribe(String session, int count, Tally tally) {
    List<ClientWebSocket> open = new ArrayList<>(count);
    for (int done = 0; done < count; ) {
      List<Future<ClientWebSocket>> batch = new ArrayList<>();
      for (int i = 0; i < 200 && done < count; i++, done++) {
        ClientWebSocket socket = sockets.webSocket();
        socket.textMessageHandler(tally::frame);
        socket.closeHandler(v -> {
          tally.closedByServer.increment();
          tally.closeCodes.computeIfAbsent(String.valueOf(socket.closeStatusCode()), k -> new LongAdder()).increment();
        });
        socket.exceptionHandler(failure -> { });
        batch.add(socket.connect(new WebSocketConnectOptions().setHost(host).setPort(port)
            .setURI("/api/v1/sessions/" + session + "/events/stream?after_seq=1")).map(v -> socket));
      }
      Future.all(batch).await();
      batch.forEach(f -> open.add(f.result()));
    }
    return open;
  }

  /** Publishes {@code total} events at {@code rate}/s, each stamped with its send time → how many were stored. */
  private long publish(String session, int rate, int total, String phase) {
    return publish(session, rate, total, phase, new Tally());
  }

  /** Like {@link #publish(String, int, int, String)}; {@code replies} gets each publish's round trip. */
  private long publish(String session, int rate, int total, String phase, Tally replies) {
    AtomicLong stored = new AtomicLong();
    AtomicLong sent = new AtomicLong();
    AtomicLong replied = new AtomicLong();
    Promise<Void> finished = Promise.promise();
    String payload = "x".repeat(200);
    long period = Math.max(1, 1000 / rate);
    vertx.setPeriodic(period, timer -> {
      if (sent.getAndIncrement() >= total) {
        vertx.cancelTimer(timer);
        return;
      }
      JsonObject event = new JsonObject().put("event_type", "bench.fan").put("data",
          new JsonObject().put("phase", phase).put("payload", payload).put("t_ns", System.nanoTime()));
      long at = System.nanoTime();
      Future<HttpResponse<Buffer>> reply = web.request(HttpMethod.POST, "/api/v1/sessions/" + session + "/events").sendJsonObject(event);
      reply.onComplete(r -> {
        replies.record((System.nanoTime() - at) / 1000);
        if (r.succeeded() && r.result().statusCode() == 201) {
          stored.incrementAndGet();
        }
        if (replied.incrementAndGet() == total) {
          finished.complete();
        }
      });
    });
    finished.future().await();
    return stored.get();
  }

  /**
   * Completes once {@code counter} reaches {@code expected}, or once it made no progress for 5 s, or
   * after 60 s in all (a bench reports what arrived rather than hang): a periodic check on the
   * event loop completes the future the caller waits on.
   */
  private void awaitCount(LongAdder counter, long expected) {
    Promise<Void> reached = Promise.promise();
    long cap = System.nanoTime() + 60_000_000_000L;
    long[] last = {-1, System.nanoTime()};
    long timer = vertx.setPeriodic(50, t -> {
      long now = counter.sum();
      if (now != last[0]) {
        last[0] = now;
        last[1] = System.nanoTime();
      }
      if (now >= expected || System.nanoTime() > cap || System.nanoTime() - last[1] > 5_000_000_000L) {
        reached.tryComplete();
      }
    });
    reached.future().onComplete(done -> vertx.cancelTimer(timer)).await();
  }

  /** Nothing sent for {@code seconds}: the node's own background CPU. */
  private JsonObject quiet(int seconds) throws Exception {
    long cpu = cpuMicros();
    // The measured window itself: a timer of that length, not a synchronisation.
    vertx.timer(seconds * 1000L).await();
    return new JsonObject().put("phase", "quiet").put("server_cpu_cores", round1((cpuMicros() - cpu) / 1e6 / seconds));
  }

  /** The publisher alone (no subscriber; run after the fan-out, so the node is warm): the node's CPU per published event. */
  private JsonObject publishOnly(int rate, int seconds) throws Exception {
    String session = createSession();
    long cpu = cpuMicros();
    long noJit = cpuMicrosWithoutJit();
    Tally replies = new Tally();
    long events = publish(session, rate, rate * seconds, "run", replies);
    long used = cpuMicros() - cpu;
    long usedNoJit = cpuMicrosWithoutJit() - noJit;
    return new JsonObject().put("phase", "publish_only").put("rate", rate).put("events", events)
        .put("publish_p50_ms", replies.percentileMs(0.5)).put("publish_p99_ms", replies.percentileMs(0.99))
        .put("server_cpu_us_per_event", round1((double) used / Math.max(1, events)))
        .put("server_cpu_us_per_event_without_jit", round1((double) usedNoJit / Math.max(1, events)));
  }

  private JsonObject fanout(int subscribers, int rate, int seconds) throws Exception {
    String session = createSession();
    Tally tally = new Tally();
    List<ClientWebSocket> open = subscribe(session, subscribers, tally);

    long warmEvents = publish(session, rate, rate * 5, "warm");
    awaitCount(tally.warm, warmEvents * subscribers);

    long cpu = cpuMicros();
    long noJit = cpuMicrosWithoutJit();
    long self = cpuMicros(ProcessHandle.current().pid());
    long started = System.nanoTime();
    Tally replies = new Tally();
    long events = publish(session, rate, rate * seconds, "run", replies);
    long expected = events * subscribers;
    awaitCount(tally.measured, expected);
    double elapsed = (System.nanoTime() - started) / 1e9;
    long used = cpuMicros() - cpu;
    long usedNoJit = cpuMicrosWithoutJit() - noJit;
    long generator = cpuMicros(ProcessHandle.current().pid()) - self;
    long made = tally.measured.sum();
    JsonObject result = new JsonObject().put("phase", "fanout").put("subscribers", subscribers).put("rate", rate)
        .put("events", events).put("deliveries", made).put("expected", expected)
        .put("deliveries_per_second", Math.round(made / elapsed))
        .put("p50_ms", tally.percentileMs(0.50)).put("p99_ms", tally.percentileMs(0.99))
        .put("server_cpu_us_per_delivery", round1((double) used / Math.max(1, made)))
        .put("server_cpu_us", used)
        .put("server_cpu_us_per_delivery_without_jit", round1((double) usedNoJit / Math.max(1, made)))
        .put("server_cpu_us_without_jit", usedNoJit)
        .put("publish_p50_ms", replies.percentileMs(0.5)).put("publish_p99_ms", replies.percentileMs(0.99))
        .put("server_cpu_cores", round1(used / 1e6 / elapsed))
        .put("load_generator_cpu_cores", round1(generator / 1e6 / elapsed))
        .put("closed_by_server", tally.closedByServer.sum()).put("close_codes", closeCodes(tally));
    Future.all(open.stream().map(socket -> socket.close()).toList()).await();
    return result;
  }

  /** The node's used heap in KB after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}). */
  private long heapAfterGcKb() throws Exception {
    jcmd("GC.run");
    Matcher used = HEAP_USED.matcher(jcmd("GC.heap_info"));
    if (!used.find()) {
      throw new IllegalStateException("no heap reading from jcmd");
    }
    return Long.parseLong(used.group(1));
  }

  private String jcmd(String command) throws Exception {
    Path java = Path.of(ProcessHandle.current().info().command().orElse("java"));
    Path jcmd = java.resolveSibling("jcmd");
    Process process = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", Long.toString(pid), command)
        .redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes());
    process.waitFor();
    return out;
  }

  private JsonObject idle(int count) throws Exception {
    String session = createSession();
    long before = heapAfterGcKb();
    Tally tally = new Tally();
    long started = System.nanoTime();
    List<ClientWebSocket> open = subscribe(session, count, tally);
    double connectSeconds = (System.nanoTime() - started) / 1e9;
    long one = publish(session, 10, 1, "warm");
    awaitCount(tally.warm, one * count);
    long after = heapAfterGcKb();
    JsonObject result = new JsonObject().put("phase", "idle").put("subscribers", open.size())
        .put("connect_seconds", round1(connectSeconds)).put("each_got_one_event", tally.warm.sum() == (long) count)
        .put("heap_before_kb", before).put("heap_after_kb", after)
        .put("heap_kb_per_subscriber", round1((double) (after - before) / count))
        .put("closed_by_server", tally.closedByServer.sum()).put("close_codes", closeCodes(tally));
    Future.all(open.stream().map(socket -> socket.close()).toList()).await();
    return result;
  }

  private static double round1(double value) {
    return Math.round(value * 10) / 10.0;
  }
}
