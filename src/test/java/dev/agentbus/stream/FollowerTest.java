package dev.agentbus.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentbus.bus.StreamEnd;
import dev.agentbus.command.CommandClient;
import dev.agentbus.support.TestNode;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The follower's lifecycle on a real node, with a transport that records what it is given: frames
 * in order, the format's closing, the end reason, client-gone cleanup and cancel-on-gone.
 */
class FollowerTest {
  static TestNode node;
  static CommandClient commands;
  static Follower follower;

  /** A connection that keeps what it is sent; {@code capacity} frames before it reports the reader too slow. */
  static final class Recording implements Transport {
    final List<String> frames = new CopyOnWriteArrayList<>();
    final CompletableFuture<StreamEnd> ended = new CompletableFuture<>();
    final int capacity;
    volatile Runnable gone = () -> { };

    Recording(int capacity) {
      this.capacity = capacity;
    }

    @Override
    public boolean write(String text) {
      if (text.isEmpty()) {
        return true;
      }
      if (frames.size() >= capacity) {
        return false;
      }
      frames.add(text);
      return true;
    }

    @Override
    public boolean writable() {
      return true;
    }

    @Override
    public void whenWritable(Runnable next) {
      next.run();
    }

    @Override
    public void end(StreamEnd reason, long lastSeq) {
      ended.complete(reason);
    }

    @Override
    public Runnable onGone(Runnable action) {
      gone = action;
      return () -> gone = () -> { };
    }

    StreamEnd awaitEnd() throws Exception {
      return ended.get(15, TimeUnit.SECONDS);
    }
  }

  @BeforeAll
  static void start() {
    node = TestNode.start();
    commands = new CommandClient(node);
    follower = new Follower(node.vertx(), dev.agentbus.config.Settings.of(node.config()).streams());
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  static void follow(Follower.Plan plan, Transport transport) {
    node.vertx().runOnContext(v -> follower.follow(plan, transport, "req_test"));
  }

  @Test
  @DisplayName("a followed command's events reach the transport in seq order, then the closing, then the end")
  void followsACommandToItsEnd() throws Exception {
    String session = node.createSession();
    JsonObject accepted = commands.accepted(session, CommandClient.echo("k", "v"));
    Recording transport = new Recording(100);

    follow(new Follower.Plan(Follow.accepted(accepted), new EventFrameFormat()), transport);

    assertThat(transport.awaitEnd()).isEqualTo(StreamEnd.FINISHED);
    assertThat(transport.frames).extracting(frame -> new JsonObject(frame).getJsonObject("event").getString("event_type"))
        .containsExactly("command.accepted", "command.started", "command.completed");
  }

  @Test
  @DisplayName("a reader that cannot keep up ends with OVERFLOW and is sent no closing frames")
  void overflowEndsWithoutClosing() throws Exception {
    String session = node.createSession();
    for (int i = 0; i < 5; i++) {
      node.post("/sessions/" + session + "/events", new JsonObject().put("event_type", "app.n"));
    }
    Recording transport = new Recording(2);

    follow(new Follower.Plan(Follow.session(session, 0, event -> true), new SessionSseFormat()), transport);

    assertThat(transport.awaitEnd()).isEqualTo(StreamEnd.OVERFLOW);
    assertThat(transport.frames).hasSize(2);
  }

  @Test
  @DisplayName("a client gone before the end stops the feed and, when asked, cancels the followed command")
  void clientGoneCancels() throws Exception {
    String session = node.createSession();
    String engine = commands.dummyEngine(session, 200, CommandClient.words(50));
    JsonObject accepted = commands.accepted(session, CommandClient.prompt("go", engine));
    Recording transport = new Recording(1000);
    follow(new Follower.Plan(Follow.accepted(accepted), new ChatFormat(accepted.getString("command_id"), session, 0), true),
        transport);
    await().atMost(Duration.ofSeconds(15)).until(() -> transport.frames.stream().anyMatch(f -> f.contains("\"message\"")));

    node.vertx().runOnContext(v -> transport.gone.run());

    JsonObject command = commands.awaitFinal(session, accepted.getString("command_id"));
    assertThat(command.getString("status")).isEqualTo("cancelled");
    assertThat(transport.ended).isNotDone();
  }
}
