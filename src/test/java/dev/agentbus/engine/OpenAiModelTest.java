package dev.agentbus.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.agentbus.config.Settings;
import dev.agentbus.support.FakeOpenAi;
import dev.agentbus.support.FakeOpenAi.Reply;
import dev.agentbus.support.FakeOpenAi.ToolCall;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The {@code openai} model adapter against a real fake OpenAI server speaking the streaming wire format. */
class OpenAiModelTest {
  private static final String KEY = "sk-test-0123456789-secret";
  private static final JsonArray MESSAGES = new JsonArray()
      .add(new JsonObject().put("role", "system").put("content", "Be brief."))
      .add(new JsonObject().put("role", "user").put("content", "Hi"));

  static Vertx vertx;
  static FakeOpenAi fake;
  static OpenAiModel model;
  static final List<ModelError> errorsSeen = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
    fake = FakeOpenAi.start(vertx);
    model = new OpenAiModel(vertx, openai(config(fake.baseUrl())));
  }

  @AfterAll
  static void stop() {
    model.close();
    fake.close();
    vertx.close().await();
    assertThat(errorsSeen).as("errors were checked for the key").isNotEmpty();
  }

  @BeforeEach
  void resetFake() {
    fake.reset();
  }

  /** The {@code engines.openai} settings of {@code section}, read over the bundled defaults. */
  private static Settings.OpenAi openai(JsonObject section) {
    return Settings.of(new JsonObject().put("engines", new JsonObject().put("openai", section))).engines().openai();
  }

  private static JsonObject config(String baseUrl) {
    return new JsonObject().put("base_url", baseUrl).put("api_key", KEY).put("model", "gpt-test")
        .put("connect_timeout_ms", 2000).put("idle_timeout_ms", 10_000).put("max_line_bytes", 4096);
  }

  private static ModelRequest request(JsonObject configuration) {
    return new ModelRequest("gpt-test", MESSAGES, new JsonArray(), configuration);
  }

  /** What the adapter reported as it streamed. Lists are safe to read from the test thread. */
  static final class Recorded implements Model.Deltas {
    final List<String> content = new CopyOnWriteArrayList<>();
    final List<String> reasoning = new CopyOnWriteArrayList<>();
    final AtomicInteger alive = new AtomicInteger();

    @Override
    public void content(String text) {
      content.add(text);
    }

    @Override
    public void reasoning(String text) {
      reasoning.add(text);
    }

    @Override
    public void alive() {
      alive.incrementAndGet();
    }
  }

  private static ModelTurn turn(Model.Call call) {
    return await(call.result());
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("the future did not succeed", e);
    }
  }

  /** The call's ModelError, checked to be free of the API key. */
  private static ModelError failure(Model.Call call) {
    Throwable thrown = catchThrowable(() -> call.result().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertThat(thrown).isInstanceOf(ExecutionException.class);
    assertThat(thrown.getCause()).isInstanceOf(ModelError.class);
    ModelError error = (ModelError) thrown.getCause();
    assertThat(error.getMessage()).isNotBlank().doesNotContain(KEY);
    errorsSeen.add(error);
    return error;
  }

  private static Model.Call call(Reply reply, Recorded deltas) {
    fake.enqueue(reply);
    return model.call(request(new JsonObject()), deltas);
  }

  @Test
  @DisplayName("content streams as deltas in order and is assembled into the turn")
  void contentStreams() {
    Recorded deltas = new Recorded();

    ModelTurn turn = turn(call(Reply.text("The", " answer", " is", " 42.").chunkDelayMs(5), deltas));

    assertThat(deltas.content).containsExactly("The", " answer", " is", " 42.");
    assertThat(turn.content()).isEqualTo("The answer is 42.");
    assertThat(turn.reasoning()).isEmpty();
    assertThat(turn.toolCalls()).isEmpty();
    assertThat(turn.finishReason()).isEqualTo("stop");
    assertThat(turn.usage()).as("no usage chunk was sent").isNull();
    assertThat(deltas.alive.get()).as("alive for every chunk").isGreaterThanOrEqualTo(6);
  }

  @Test
  @DisplayName("with nothing queued the fake streams its default answer, usage included")
  void defaultReply() {
    ModelTurn turn = turn(model.call(request(new JsonObject()), new Recorded()));

    assertThat(turn.content()).isEqualTo("Hello from the fake model");
    assertThat(turn.usage()).isEqualTo(new JsonObject().put("prompt_tokens", 12L).put("completion_tokens", 5L).put("total_tokens", 17L));
  }

  @Test
  @DisplayName("reasoning_content (and reasoning) arrive as reasoning deltas, apart from the content")
  void reasoning() {
    Recorded deltas = new Recorded();
    ModelTurn turn = turn(call(Reply.reasoningThenText(List.of("Think", "ing..."), List.of("Done", ".")), deltas));

    assertThat(deltas.reasoning).containsExactly("Think", "ing...");
    assertThat(deltas.content).containsExactly("Done", ".");
    assertThat(turn.reasoning()).isEqualTo("Thinking...");
    assertThat(turn.content()).isEqualTo("Done.");

    Recorded other = new Recorded();
    ModelTurn alt = turn(call(Reply.chunks(
        Reply.chunk(new JsonObject().put("reasoning", "Hmm"), null),
        Reply.chunk(new JsonObject().put("content", "Ok"), "stop")), other));
    assertThat(other.reasoning).containsExactly("Hmm");
    assertThat(alt.reasoning()).isEqualTo("Hmm");
    assertThat(alt.content()).isEqualTo("Ok");
  }

  @Test
  @DisplayName("a tool call whose arguments are split over many chunks is reassembled")
  void toolCallReassembled() {
    String arguments = "{\"city\":\"Paris\",\"units\":\"metric\",\"days\":[1,2,3]}";
    Recorded deltas = new Recorded();

    ModelTurn turn = turn(call(Reply.toolCall("call_abc", "get_weather", arguments, 9), deltas));

    assertThat(turn.toolCalls()).containsExactly(new ModelTurn.ToolCall("call_abc", "get_weather", arguments));
    assertThat(turn.finishReason()).isEqualTo("tool_calls");
    assertThat(turn.content()).isEmpty();
    assertThat(deltas.content).isEmpty();
    assertThat(deltas.alive.get()).as("alive for every fragment").isGreaterThanOrEqualTo(11);
  }

  @Test
  @DisplayName("parallel tool calls are assembled by index, in index order, even when their fragments interleave")
  void parallelToolCalls() {
    ModelTurn sequential = turn(call(Reply.toolCalls(4,
        new ToolCall("call_1", "search", "{\"q\":\"vert.x\"}"),
        new ToolCall("call_2", "fetch", "{\"url\":\"https://vertx.io\"}")), new Recorded()));
    assertThat(sequential.toolCalls()).containsExactly(
        new ModelTurn.ToolCall("call_1", "search", "{\"q\":\"vert.x\"}"),
        new ModelTurn.ToolCall("call_2", "fetch", "{\"url\":\"https://vertx.io\"}"));

    ModelTurn interleaved = turn(call(Reply.chunks(
        toolChunk(1, "call_b", "second", "{\"b\":"),
        toolChunk(0, "call_a", "first", "{\"a\":"),
        toolChunk(1, null, null, "2}"),
        toolChunk(0, null, null, "1}"),
        Reply.chunk(new JsonObject(), "tool_calls")), new Recorded()));
    assertThat(interleaved.toolCalls()).containsExactly(
        new ModelTurn.ToolCall("call_a", "first", "{\"a\":1}"),
        new ModelTurn.ToolCall("call_b", "second", "{\"b\":2}"));
  }

  private static JsonObject toolChunk(int index, String id, String name, String arguments) {
    JsonObject function = new JsonObject().put("arguments", arguments);
    if (name != null) {
      function.put("name", name);
    }
    JsonObject call = new JsonObject().put("index", index).put("function", function);
    if (id != null) {
      call.put("id", id).put("type", "function");
    }
    return Reply.chunk(new JsonObject().put("tool_calls", new JsonArray().add(call)), null);
  }

  @Test
  @DisplayName("the usage chunk (with empty choices) is reported as prompt, completion and total tokens")
  void usage() {
    ModelTurn turn = turn(call(Reply.text("Hi").withUsage(11, 7), new Recorded()));

    assertThat(turn.usage()).isEqualTo(new JsonObject().put("prompt_tokens", 11L).put("completion_tokens", 7L).put("total_tokens", 18L));
  }

  @Test
  @DisplayName("the request carries model, messages, tools, stream, stream_options and the sampling parameters")
  void requestBody() {
    JsonArray tools = new JsonArray().add(new JsonObject().put("type", "function").put("function", new JsonObject()
        .put("name", "get_weather").put("description", "Weather of a city")
        .put("parameters", new JsonObject().put("type", "object"))));
    JsonObject configuration = new JsonObject().put("temperature", 0.2).put("max_tokens", 256).put("top_p", 0.9)
        .put("system_prompt", "not a wire parameter");
    fake.enqueue(Reply.text("ok"));

    turn(model.call(new ModelRequest("gpt-4o-mini", MESSAGES, tools, configuration), new Recorded()));

    FakeOpenAi.Received received = fake.received().get(0);
    assertThat(received.body()).isEqualTo(new JsonObject()
        .put("model", "gpt-4o-mini").put("messages", MESSAGES).put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true))
        .put("tools", tools).put("temperature", 0.2).put("max_tokens", 256).put("top_p", 0.9));
    assertThat(received.header("Accept")).isEqualTo("text/event-stream");
    assertThat(received.header("Content-Type")).startsWith("application/json");

    turn(model.call(new ModelRequest(null, MESSAGES, new JsonArray(), new JsonObject()), new Recorded()));
    JsonObject plain = fake.requests().get(1);
    assertThat(plain.containsKey("tools")).as("no tools key without tools").isFalse();
    assertThat(plain.containsKey("temperature")).isFalse();
    assertThat(plain.getString("model")).as("the configured model by default").isEqualTo("gpt-test");
  }

  @Test
  @DisplayName("the API key goes to the configured base_url only, never to a base_url given by the caller")
  void apiKeyOnlyToConfiguredServer() {
    FakeOpenAi other = FakeOpenAi.start(vertx);
    try {
      turn(model.call(request(new JsonObject()), new Recorded()));
      turn(model.call(request(new JsonObject().put("base_url", fake.baseUrl() + "/")), new Recorded()));
      turn(model.call(request(new JsonObject().put("base_url", other.baseUrl())), new Recorded()));

      assertThat(fake.received()).extracting(r -> r.header("Authorization")).containsExactly("Bearer " + KEY, "Bearer " + KEY);
      assertThat(other.received()).hasSize(1);
      assertThat(other.received().get(0).header("Authorization")).isNull();
      assertThat(other.received().get(0).headers().toString()).doesNotContain(KEY);
    } finally {
      other.close();
    }
    OpenAiModel keyless = new OpenAiModel(vertx, openai(config(fake.baseUrl()).putNull("api_key")));
    try {
      turn(keyless.call(request(new JsonObject()), new Recorded()));
      assertThat(fake.received().get(2).header("Authorization")).isNull();
    } finally {
      keyless.close();
    }
  }

  @Test
  @DisplayName("429 with Retry-After: 1 is a retryable ModelError waiting 1000 ms")
  void rateLimited() {
    ModelError error = failure(call(Reply.status(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\"}}")
        .header("Retry-After", "1"), new Recorded()));

    assertThat(error.retryable()).isTrue();
    assertThat(error.retryAfterMs()).isEqualTo(1000);
    assertThat(error.httpStatus()).isEqualTo(429);
    assertThat(error.getMessage()).contains("429").contains("Rate limit reached");
  }

  @Test
  @DisplayName("Retry-After as an HTTP-date is turned into the delay until that date")
  void retryAfterDate() {
    String inFiveSeconds = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusSeconds(5));
    ModelError error = failure(call(Reply.status(503, "{}").header("Retry-After", inFiveSeconds), new Recorded()));

    assertThat(error.retryable()).isTrue();
    assertThat(error.retryAfterMs()).isBetween(2_000L, 5_000L);
  }

  @Test
  @DisplayName("500 is retryable, with retryAfterMs -1 when the server gives no Retry-After")
  void serverError() {
    ModelError error = failure(call(Reply.status(500, "{\"error\":{\"message\":\"The server had an error\"}}"), new Recorded()));

    assertThat(error.retryable()).isTrue();
    assertThat(error.retryAfterMs()).isEqualTo(-1);
    assertThat(error.httpStatus()).isEqualTo(500);
    assertThat(error.getMessage()).contains("500").contains("The server had an error");
  }

  @Test
  @DisplayName("400 with a JSON error is not retryable and carries the server's message")
  void badRequest() {
    ModelError error = failure(call(Reply.status(400,
        "{\"error\":{\"message\":\"Invalid value for 'temperature'\",\"type\":\"invalid_request_error\",\"param\":\"temperature\"}}"),
        new Recorded()));

    assertThat(error.retryable()).isFalse();
    assertThat(error.httpStatus()).isEqualTo(400);
    assertThat(error.getMessage()).contains("400").contains("Invalid value for 'temperature'");
  }

  @Test
  @DisplayName("an error answer echoing the API key has it redacted from the ModelError")
  void keyNeverInErrors() {
    ModelError error = failure(call(Reply.status(401,
        "{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + ".\",\"code\":\"invalid_api_key\"}}"), new Recorded()));

    assertThat(error.retryable()).isFalse();
    assertThat(error.getMessage()).contains("Incorrect API key provided").doesNotContain(KEY);

    ModelError chunkError = failure(call(Reply.text("a").errorChunkAfter(1, "bad key " + KEY), new Recorded()));
    assertThat(chunkError.getMessage()).contains("bad key").doesNotContain(KEY);
  }

  @Test
  @DisplayName("a redirect is not followed (the key and the conversation stay with the configured server)")
  void redirectNotFollowed() {
    FakeOpenAi other = FakeOpenAi.start(vertx);
    try {
      ModelError error = failure(call(Reply.status(307, "{}").header("Location", other.baseUrl() + "/chat/completions"), new Recorded()));

      assertThat(error.retryable()).isFalse();
      assertThat(error.httpStatus()).isEqualTo(307);
      assertThat(other.received()).isEmpty();
    } finally {
      other.close();
    }
  }

  @Test
  @DisplayName("a huge error body is read only up to 64 KiB and still gives a ModelError with the status")
  void hugeErrorBody() {
    String body = "{\"error\":{\"message\":\"" + "y".repeat(200_000) + "\"}}";

    ModelError error = failure(call(Reply.status(400, body), new Recorded()));

    assertThat(error.httpStatus()).isEqualTo(400);
    assertThat(error.retryable()).isFalse();
    assertThat(error.getMessage()).hasSizeLessThan(1000);
  }

  @Test
  @DisplayName("a stream cut mid-way (no [DONE], no finish_reason) is a retryable ModelError after the streamed deltas")
  void cutMidStream() {
    Recorded deltas = new Recorded();

    ModelError error = failure(call(Reply.text("one", " two", " three").cutAfter(3), deltas));

    assertThat(deltas.content).containsExactly("one", " two");
    assertThat(error.retryable()).isTrue();
    assertThat(error.getMessage()).contains("ended early");
  }

  @Test
  @DisplayName("a body that ends cleanly without [DONE] is still a turn once a finish_reason arrived, and not before")
  void endWithoutDone() {
    ModelTurn turn = turn(call(Reply.text("fine").withoutDone(), new Recorded()));
    assertThat(turn.content()).isEqualTo("fine");
    assertThat(turn.finishReason()).isEqualTo("stop");

    ModelError error = failure(call(Reply.chunks(Reply.chunk(new JsonObject().put("content", "half"), null)).withoutDone(), new Recorded()));
    assertThat(error.retryable()).isTrue();
    assertThat(error.getMessage()).contains("ended early");
  }

  @Test
  @DisplayName("an error chunk mid-stream is a non-retryable ModelError with the server's message")
  void errorChunk() {
    Recorded deltas = new Recorded();

    ModelError error = failure(call(Reply.text("partial", " answer").errorChunkAfter(2, "The model is overloaded mid-stream"), deltas));

    assertThat(deltas.content).containsExactly("partial");
    assertThat(error.retryable()).isFalse();
    assertThat(error.getMessage()).contains("The model is overloaded mid-stream");
  }

  @Test
  @DisplayName("a chunk that is not JSON is a non-retryable ModelError")
  void invalidJson() {
    ModelError error = failure(call(Reply.frames("data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n", "data: {not json\n\n"),
        new Recorded()));

    assertThat(error.retryable()).isFalse();
    assertThat(error.getMessage()).contains("not a JSON object");
  }

  @Test
  @DisplayName("lines split across network writes, comments, event/id fields and CRLF endings are parsed")
  void incrementalParsing() {
    Recorded deltas = new Recorded();
    Reply reply = Reply.frames(
        ": keep-alive\r\n\r\n",
        "event: message\r\nid: 1\r\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Bon",
        "jour ✓\"},\"finish_reason\":null}]}\r\n\r\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" \u00e9t\u00e9\"},",
        "\"finish_reason\":\"stop\"}]}\n\ndata: [DO",
        "NE]\n\n").chunkDelayMs(20);

    ModelTurn turn = turn(call(reply, deltas));

    assertThat(deltas.content).containsExactly("Bonjour ✓", " été");
    assertThat(turn.content()).isEqualTo("Bonjour ✓ été");
    assertThat(deltas.alive.get()).as("the comment, two chunks and [DONE]").isEqualTo(4);
  }

  @Test
  @DisplayName("a line longer than max_line_bytes is a non-retryable ModelError")
  void overLongLine() {
    String huge = "x".repeat(10_000);

    ModelError error = failure(call(Reply.text("ok", huge), new Recorded()));

    assertThat(error.retryable()).isFalse();
    assertThat(error.getMessage()).contains("longer than 4096 bytes");
  }

  @Test
  @DisplayName("cancel during a stalled stream closes the connection (the server sees it) and fails the result")
  void cancelClosesConnection() {
    Recorded deltas = new Recorded();
    Future<Void> closed = fake.nextClientClose();
    Model.Call call = call(Reply.text("never", " finished").stallAfter(2), deltas);
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> deltas.content.size() == 1);

    call.cancel();

    await(closed);
    assertThat(fake.clientCloses()).isEqualTo(1);
    ModelError error = failure(call);
    assertThat(error.retryable()).isFalse();
    assertThat(error.getMessage()).isEqualTo("cancelled");

    assertThat(turn(model.call(request(new JsonObject()), new Recorded())).content())
        .as("the model still works after a cancel").isEqualTo("Hello from the fake model");
  }

  @Test
  @DisplayName("cancel right after the call, before any answer, fails it as cancelled and leaves the model usable")
  void cancelImmediately() {
    Model.Call call = call(Reply.text("too", " late").chunkDelayMs(50), new Recorded());

    call.cancel();

    ModelError error = failure(call);
    assertThat(error.getMessage()).isEqualTo("cancelled");
    assertThat(error.retryable()).isFalse();
    fake.reset();
    assertThat(turn(model.call(request(new JsonObject()), new Recorded())).content()).isEqualTo("Hello from the fake model");
  }

  @Test
  @DisplayName("cancel after completion changes nothing")
  void cancelAfterCompletion() {
    Model.Call call = call(Reply.text("done"), new Recorded());
    ModelTurn turn = turn(call);

    call.cancel();

    assertThat(turn(call)).isSameAs(turn);
    assertThat(fake.clientCloses()).isZero();
  }

  @Test
  @DisplayName("an unreachable server is a retryable ModelError without HTTP status")
  void connectionRefused() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    OpenAiModel unreachable = new OpenAiModel(vertx, openai(config("http://127.0.0.1:" + port + "/v1")));
    try {
      ModelError error = failure(unreachable.call(request(new JsonObject()), new Recorded()));

      assertThat(error.retryable()).isTrue();
      assertThat(error.httpStatus()).isZero();
      assertThat(error.getMessage()).contains("could not reach");
    } finally {
      unreachable.close();
    }
  }

  @Test
  @DisplayName("a server silent for idle_timeout_ms fails the call as retryable")
  void idleTimeout() {
    OpenAiModel impatient = new OpenAiModel(vertx, openai(config(fake.baseUrl()).put("idle_timeout_ms", 300)));
    try {
      fake.enqueue(Reply.text("a", "b").stallAfter(1));

      ModelError error = failure(impatient.call(request(new JsonObject()), new Recorded()));

      assertThat(error.retryable()).isTrue();
      assertThat(error.getMessage()).contains("sent nothing for 300 ms");
    } finally {
      impatient.close();
    }
  }

  @Test
  @DisplayName("a base_url that is not absolute http(s) fails the call without a request")
  void badBaseUrl() {
    ModelError error = failure(model.call(request(new JsonObject().put("base_url", "ftp://example.com")), new Recorded()));

    assertThat(error.retryable()).isFalse();
    assertThat(fake.received()).isEmpty();
  }

  @Test
  @DisplayName("many calls can stream at the same time")
  void concurrentCalls() {
    List<Model.Call> calls = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      fake.enqueue(Reply.text("n", String.valueOf(i)).chunkDelayMs(30));
      calls.add(model.call(request(new JsonObject()), new Recorded()));
    }
    List<String> contents = calls.stream().map(c -> turn(c).content()).toList();
    assertThat(contents).hasSize(12).allSatisfy(text -> assertThat(text).startsWith("n"));
  }
}
