package dev.agentbus.command;

import static dev.agentbus.command.CommandClient.PATIENCE;
import static dev.agentbus.command.CommandClient.echo;
import static dev.agentbus.command.CommandClient.prompt;
import static dev.agentbus.command.CommandClient.words;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.support.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** {@code GET /sessions/{id}/commands/{cid}/stream}: one command's events as SSE, ending after its final event. */
class CommandStreamTest {
  static TestNode node;
  static CommandClient commands;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    commands = new CommandClient(node);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /** One SSE frame: its {@code id:}, {@code event:} and {@code data:} lines. */
  record Frame(String id, String event, String data) {
    JsonObject json() {
      return new JsonObject(data);
    }
  }

  /** Reads an SSE response with the Vert.x HttpClient as it arrives, until the server ends it. */
  static final class SseReader {
    final HttpClientResponse response;
    private final StringBuilder pending = new StringBuilder();
    private final List<Frame> frames = new ArrayList<>();
    private final Promise<Void> ended = Promise.promise();

    SseReader(HttpClientResponse response) {
      this.response = response;
      response.handler(chunk -> onChunk(chunk.toString()));
      response.endHandler(done -> ended.tryComplete());
      response.exceptionHandler(ended::tryFail);
    }

    private synchronized void onChunk(String chunk) {
      pending.append(chunk);
      int end;
      while ((end = pending.indexOf("\n\n")) >= 0) {
        String block = pending.substring(0, end);
        pending.delete(0, end + 2);
        String id = null;
        String event = null;
        StringBuilder data = null;
        for (String line : block.split("\n")) {
          if (line.startsWith("id:")) {
            id = line.substring(3).trim();
          } else if (line.startsWith("event:")) {
            event = line.substring(6).trim();
          } else if (line.startsWith("data:")) {
            data = (data == null ? new StringBuilder() : data.append('\n')).append(line.substring(5).stripLeading());
          }
        }
        if (data != null) {
          frames.add(new Frame(id, event, data.toString()));
        }
      }
    }

    synchronized List<Frame> frames() {
      return List.copyOf(frames);
    }

    synchronized String leftover() {
      return pending.toString();
    }

    /** Blocks until the server ends the response; fails the test if it does not within the patience. */
    List<Frame> awaitEnd() throws Exception {
      ended.future().toCompletionStage().toCompletableFuture().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      return frames();
    }
  }

  private static SseReader open(String session, String commandId) throws Exception {
    Future<SseReader> reader = node.http()
        .request(HttpMethod.GET, "/api/v1/sessions/" + session + "/commands/" + commandId + "/stream")
        .compose(request -> request.putHeader("Accept", "text/event-stream").send())
        // handlers are set on the event loop in the same callback, so no chunk is missed
        .map(SseReader::new);
    return reader.toCompletionStage().toCompletableFuture().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
  }

  private static void assertWellFormed(List<Frame> frames, String commandId) {
    assertThat(frames).isNotEmpty();
    long previous = 0;
    for (Frame frame : frames) {
      JsonObject event = frame.json();
      assertThat(event.getString("command_id")).as("only this command's events: %s", frame).isEqualTo(commandId);
      assertThat(frame.event()).isEqualTo(event.getString("event_type"));
      assertThat(frame.id()).as("id: is the event's seq").isEqualTo(String.valueOf(event.getLong("seq")));
      assertThat(event.getLong("seq")).as("seq increases").isGreaterThan(previous);
      previous = event.getLong("seq");
    }
  }

  @Test
  @DisplayName("the command stream carries only that command's events, id = seq increasing, and ends after its final event")
  void streamsOneCommandUntilItEnds() throws Exception {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 20, words(8));
    String other = commands.start(session, prompt("other", engine));
    String id = commands.start(session, prompt("mine", engine));
    commands.start(session, echo("noise", true));

    SseReader reader = open(session, id);
    List<Frame> frames = reader.awaitEnd();

    assertThat(reader.response.statusCode()).isEqualTo(200);
    assertThat(reader.response.getHeader("Content-Type")).startsWith("text/event-stream");
    assertWellFormed(frames, id);
    List<String> types = frames.stream().map(Frame::event).toList();
    assertThat(types.get(0)).isEqualTo("command.accepted");
    assertThat(types.get(1)).isEqualTo("command.started");
    assertThat(types.subList(2, 10)).containsOnly("engine.token");
    assertThat(types.subList(10, types.size())).containsExactly("engine.usage", "engine.message", "command.completed");
    assertThat(reader.leftover()).as("nothing after the final event").isBlank();

    // Nothing of this command was left out, and the other command's events were really in the session.
    assertThat(frames).extracting(f -> f.json().getLong("seq"))
        .containsExactlyElementsOf(commands.events(session, id).stream().map(e -> e.getLong("seq")).toList());
    commands.awaitStatus(session, other, "completed");
    assertThat(commands.events(session, other)).isNotEmpty();
  }

  @Test
  @DisplayName("a stream opened after the command finished replays its events and ends at once")
  void streamOfFinishedCommand() throws Exception {
    String session = node.createSession();
    String id = node.post("/sessions/" + session + "/commands?wait=5", echo("x", 1)).bodyAsJsonObject().getString("command_id");
    assertThat(commands.get(session, id).getString("status")).isEqualTo("completed");

    List<Frame> frames = open(session, id).awaitEnd();

    assertWellFormed(frames, id);
    assertThat(frames).extracting(Frame::event).containsExactly("command.accepted", "command.started", "command.completed");
    assertThat(frames.get(2).json().getJsonObject("data").getJsonObject("result")).isEqualTo(new JsonObject().put("x", 1));
  }

  @Test
  @DisplayName("events arrive on the stream while the command runs, and cancelling ends the stream with command.cancelled")
  void liveUntilCancelled() throws Exception {
    String session = node.createSession();
    String id = commands.start(session, prompt("long", commands.dummyEngine(session, 200, words(50))));

    SseReader reader = open(session, id);
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20))
        .until(() -> reader.frames().stream().anyMatch(f -> "engine.token".equals(f.event())));
    assertThat(commands.get(session, id).getString("status")).as("streamed before the end").isEqualTo("executing");
    commands.cancel(session, id);
    List<Frame> frames = reader.awaitEnd();

    assertWellFormed(frames, id);
    assertThat(frames.get(frames.size() - 1).event()).isEqualTo("command.cancelled");
    assertThat(frames).extracting(Frame::event).doesNotContain("engine.message", "command.completed");
  }

  @Test
  @DisplayName("the stream of a failing command ends with command.failed carrying the error")
  void endsOnFailure() throws Exception {
    String session = node.createSession();
    String id = commands.start(session, prompt("x", "eng_missing"));

    List<Frame> frames = open(session, id).awaitEnd();

    assertWellFormed(frames, id);
    Frame last = frames.get(frames.size() - 1);
    assertThat(last.event()).isEqualTo("command.failed");
    assertThat(last.json().getJsonObject("data").getJsonObject("error").getString("code")).isEqualTo("ENGINE_NOT_FOUND");
  }

  @Test
  @DisplayName("the stream of an unknown command is 404 COMMAND_NOT_FOUND, of an unknown session 404 SESSION_NOT_FOUND")
  void unknownCommandOrSession() {
    String session = node.createSession();

    var noCommand = node.get("/sessions/" + session + "/commands/cmd_doesnotexist/stream");
    var noSession = node.get("/sessions/ses_doesnotexist/commands/cmd_doesnotexist/stream");

    assertThat(noCommand.statusCode()).isEqualTo(404);
    assertThat(CommandClient.errorCode(noCommand)).isEqualTo("COMMAND_NOT_FOUND");
    assertThat(noSession.statusCode()).isEqualTo(404);
    assertThat(CommandClient.errorCode(noSession)).isEqualTo("SESSION_NOT_FOUND");
  }
}
