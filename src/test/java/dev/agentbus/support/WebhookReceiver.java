package dev.agentbus.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A webhook receiver on loopback for tests. It checks every delivery's Standard Webhooks signature
 * with its own HMAC code (not agentbus's signer) against the secret set for its path, answers 401
 * to a bad one (counted in {@link #badSignatures}), records good ones, and answers each path's
 * scripted answers in order (the last one repeats).
 */
public final class WebhookReceiver implements AutoCloseable {
  /** A delivery that passed the signature check. */
  public record Delivery(String path, String webhookId, long timestamp, JsonObject body) {}

  /** What to answer: a status and body, or nothing at all ({@link #silent}). */
  public record Answer(int status, JsonObject body) {
    public static Answer of(int status, JsonObject body) {
      return new Answer(status, body);
    }

    public static Answer silent() {
      return new Answer(0, null);
    }
  }

  private final HttpServer server;
  private final Map<String, String> secrets = new ConcurrentHashMap<>();
  private final Map<String, Deque<Answer>> scripts = new ConcurrentHashMap<>();
  private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
  public final AtomicInteger badSignatures = new AtomicInteger();

  public WebhookReceiver(Vertx vertx) {
    server = vertx.createHttpServer().requestHandler(this::handle);
    server.listen(0, "127.0.0.1").await();
  }

  public String url(String path) {
    return "http://127.0.0.1:" + server.actualPort() + path;
  }

  /** The secret deliveries to {@code path} must be signed with, and the answers to give there. */
  public void script(String path, String secret, Answer... answers) {
    secrets.put(path, secret);
    scripts.put(path, new ArrayDeque<>(List.of(answers)));
  }

  public List<Delivery> deliveries(String path) {
    return deliveries.stream().filter(d -> d.path().equals(path)).toList();
  }

  private void handle(HttpServerRequest request) {
    request.body().onSuccess(raw -> {
      String path = request.path();
      String id = request.getHeader("webhook-id");
      String timestamp = request.getHeader("webhook-timestamp");
      String signature = request.getHeader("webhook-signature");
      String body = raw.toString(StandardCharsets.UTF_8);
      if (!verifies(secrets.get(path), id, timestamp, signature, body)) {
        badSignatures.incrementAndGet();
        request.response().setStatusCode(401).end();
        return;
      }
      deliveries.add(new Delivery(path, id, Long.parseLong(timestamp), new JsonObject(body)));
      Deque<Answer> script = scripts.get(path);
      Answer answer;
      synchronized (script) {
        answer = script.size() > 1 ? script.poll() : script.peek();
      }
      if (answer.status() == 0) {
        return; // never answers
      }
      request.response().setStatusCode(answer.status()).putHeader("content-type", "application/json")
          .end(answer.body() == null ? "" : answer.body().encode());
    });
  }

  /** Standard Webhooks: {@code v1,<base64 HMAC-SHA256(base64-decoded whsec_ key, id.timestamp.body)>}, timestamp within 5 min. */
  static boolean verifies(String secret, String id, String timestamp, String signatures, String body) {
    if (secret == null || id == null || timestamp == null || signatures == null) {
      return false;
    }
    try {
      long ts = Long.parseLong(timestamp);
      if (Math.abs(System.currentTimeMillis() / 1000 - ts) > 300) {
        return false;
      }
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256"));
      byte[] expected = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      for (String candidate : signatures.split(" ")) {
        if (candidate.startsWith("v1,")
            && MessageDigest.isEqual(expected, Base64.getDecoder().decode(candidate.substring(3)))) {
          return true;
        }
      }
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  @Override
  public void close() {
    server.close().await();
  }
}
