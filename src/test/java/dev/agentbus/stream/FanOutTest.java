package dev.agentbus.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.bus.Addresses;
import dev.agentbus.support.SseClient;
import dev.agentbus.support.TestNode;
import dev.agentbus.support.WsClient;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.impl.EventBusImpl;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.impl.utils.ConcurrentCyclicSequence;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Fan-out on one node: every subscriber of a session served by one event loop (here the node runs
 * one HTTP verticle instance, so all of them) shares one bus consumer and one encoding of each event.
 * Synchronisation: each subscriber has received a warm-up event before anything is counted, so
 * every feed is live (attached to its hub, replay done) by then.
 */
@DisplayName("Fan-out of live events")
class FanOutTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int SOCKETS = 20;
  /** The test node's HTTP client pools five connections; SSE streams hold theirs. */
  private static final int SSE = 4;
  static TestNode node;
  static WebSocketClient client;
  private final List<WsClient> sockets = new ArrayList<>();
  private final List<SseClient> streams = new ArrayList<>();

  @BeforeAll
  static void start() {
    node = TestNode.start(new JsonObject().put("http", new JsonObject().put("instances", 1)));
    client = WsClient.newClient(node);
  }

  @AfterAll
  static void stop() {
    client.close().await();
    node.close();
  }

  @AfterEach
  void closeAll() {
    sockets.forEach(WsClient::close);
    streams.forEach(SseClient::close);
  }

  /** How many consumers are registered on {@code address} on this node (the event bus's own table). */
  @SuppressWarnings("unchecked")
  static int consumers(String address) throws Exception {
    EventBusImpl bus = (EventBusImpl) ((VertxInternal) node.vertx()).eventBus();
    Field field = EventBusImpl.class.getDeclaredField("handlerMap");
    field.setAccessible(true);
    ConcurrentCyclicSequence<?> handlers = ((ConcurrentMap<String, ConcurrentCyclicSequence<?>>) field.get(bus)).get(address);
    return handlers == null ? 0 : handlers.size();
  }

  /** Opens the subscribers (WebSocket and SSE, after seq 1), publishes one event and waits until each has it. */
  private void subscribeAndWarmUp(String session) {
    for (int i = 0; i < SOCKETS; i++) {
      sockets.add(WsClient.open(client, node, "/sessions/" + session + "/events/stream?after_seq=1"));
    }
    for (int i = 0; i < SSE; i++) {
      streams.add(SseClient.open(node, "/sessions/" + session + "/events/sse?after_seq=1", Map.of()));
    }
    publish(session, 0);
    sockets.forEach(ws -> ws.awaitSeq(2, WAIT));
    streams.forEach(sse -> await().atMost(WAIT).until(() -> sse.seqs().contains(2L)));
  }

  private static void publish(String session, int i) {
    assertThat(node.post("/sessions/" + session + "/events",
        new JsonObject().put("event_type", "demo.fan").put("data", new JsonObject().put("i", i))).statusCode()).isEqualTo(201);
  }

  @Test
  @DisplayName("many subscribers of one session share one bus consumer, which receives each event once and is gone once they all left")
  void oneConsumerPerSession() throws Exception {
    String session = node.createSession();
    String address = Addresses.sessionEvents(session);
    AtomicInteger deliveries = new AtomicInteger();
    Handler<DeliveryContext<Object>> count = delivery -> {
      if (address.equals(delivery.message().address())) {
        deliveries.incrementAndGet();
      }
      delivery.next();
    };
    node.vertx().eventBus().addInboundInterceptor(count);
    try {
      subscribeAndWarmUp(session);

      assertThat(consumers(address)).isEqualTo(1);
      assertThat(deliveries.get()).as("one bus delivery of the event for %d subscribers", SOCKETS + SSE).isEqualTo(1);

      sockets.forEach(WsClient::close);
      streams.forEach(SseClient::close);
      await().atMost(WAIT).until(() -> consumers(address) == 0);
    } finally {
      node.vertx().eventBus().removeInboundInterceptor(count);
    }
  }

  @Test
  @DisplayName("each live event is encoded once on the node however many WebSocket and SSE subscribers receive it")
  void oneEncodingPerEvent() throws Exception {
    String session = node.createSession();
    subscribeAndWarmUp(session);
    long before = SharedEvent.encodings();

    int events = 5;
    for (int i = 1; i <= events; i++) {
      publish(session, i);
    }
    long last = 2L + events;
    sockets.forEach(ws -> ws.awaitSeq(last, WAIT));
    streams.forEach(sse -> await().atMost(WAIT).until(() -> sse.seqs().contains(last)));

    assertThat(SharedEvent.encodings() - before).isEqualTo(events);
    for (WsClient ws : sockets) {
      assertThat(ws.seqs()).containsExactly(2L, 3L, 4L, 5L, 6L, 7L);
      assertThat(ws.events().get(1).getJsonObject("data").getInteger("i")).isEqualTo(1);
    }
    for (SseClient sse : streams) {
      assertThat(sse.seqs()).containsExactly(2L, 3L, 4L, 5L, 6L, 7L);
      assertThat(sse.events().get(5).json().getJsonObject("data").getInteger("i")).isEqualTo(5);
      assertThat(sse.events().get(5).type()).isEqualTo("demo.fan");
    }
  }
}
