package dev.agentbus.trace;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The queue between a span's end and the store: bounded, counted drops, redacted queries, readable names. */
class SpanQueueTest {
  private final SpanQueue queue = new SpanQueue(3);
  private final SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(queue).build();
  private final Tracer tracer = provider.get("test");

  @AfterEach
  void close() {
    provider.close();
  }

  @Test
  @DisplayName("a full queue drops further spans and counts them, without blocking; taking spans makes room again")
  void boundedWithCountedDrops() {
    for (int i = 0; i < 5; i++) {
      tracer.spanBuilder("work " + i).startSpan().end();
    }

    assertThat(queue.queued()).isEqualTo(3);
    assertThat(queue.dropped()).isEqualTo(2);
    assertThat(queue.take(2)).extracting(SpanData::getName).containsExactly("work 0", "work 1");
    assertThat(queue.take(10)).extracting(SpanData::getName).containsExactly("work 2");
    tracer.spanBuilder("work 5").startSpan().end();
    assertThat(queue.take(10)).extracting(SpanData::getName).containsExactly("work 5");
  }

  @Test
  @DisplayName("URL queries (which may carry an access token) are redacted, and bare Vert.x names get their path or address")
  void redactedAndNamed() {
    queue.nodeId("node_x");
    tracer.spanBuilder("GET").setSpanKind(SpanKind.SERVER).setAttribute("url.path", "/api/v1/stream/cmd_1")
        .setAttribute("url.query", "access_token=abt_secret").setAttribute("http.url", "http://h/api/v1/stream/cmd_1?access_token=abt_secret")
        .startSpan().end();
    tracer.spanBuilder("POST").setSpanKind(SpanKind.CLIENT).setAttribute("url.full", "http://127.0.0.1:9/v1/chat/completions?key=k")
        .startSpan().end();
    tracer.spanBuilder("send").setAttribute("messaging.destination.name", "agentbus.command.submit").startSpan().end();

    List<SpanData> spans = queue.take(10);
    assertThat(spans).extracting(SpanData::getName)
        .containsExactly("GET /api/v1/stream/cmd_1", "POST /v1/chat/completions", "send agentbus.command.submit");
    SpanData server = spans.get(0);
    assertThat(server.getAttributes().get(AttributeKey.stringKey("url.query"))).isEqualTo("[redacted]");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("http.url")))
        .isEqualTo("http://h/api/v1/stream/cmd_1?[redacted]");
    assertThat(spans.get(1).getAttributes().get(AttributeKey.stringKey("url.full")))
        .isEqualTo("http://127.0.0.1:9/v1/chat/completions?[redacted]");
    assertThat(spans).allMatch(span -> "node_x".equals(span.getAttributes().get(SpanQueue.NODE_ID)));
  }
}
