package dev.agentbus.command;

import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The commands this node accepted and has not seen finish: a priority queue in front of a fixed
 * number of execution slots, one timeout timer each, sequential batch chains, and callers
 * waiting ({@code ?wait=}) for a final status. While the node drains ({@link #drain}) it starts
 * nothing and hands what it would have started to another node. Node-local and event-loop confined.
 */
final class CommandScheduler {
  /** Starts a command; must call {@code release} once its handler has returned. */
  interface Executor {
    void execute(JsonObject command, Runnable release);
  }

  /** Moves a command to a final status (in the store, with its event). */
  interface Finisher {
    void finish(String commandId, String status, JsonObject error);
  }

  /** Takes commands this node will not run (it drains) to another node. */
  interface HandOver {
    void handOver(List<JsonObject> commands, boolean sequential, boolean stopOnError);
  }

  private record Tracked(JsonObject command, long timer) {}

  private static final class Chain {
    String current;
    final ArrayDeque<String> remaining = new ArrayDeque<>();
    boolean stopOnError;
  }

  private final Vertx vertx;
  private final int maxConcurrent;
  private final int maxQueued;
  private final Executor executor;
  private final Finisher finisher;
  private final CommandQueue queue = new CommandQueue();
  private final Map<String, Tracked> tracked = new HashMap<>();
  private final Map<String, List<Promise<JsonObject>>> waiters = new HashMap<>();
  private final Map<String, Chain> chains = new HashMap<>();
  private int running;
  /** Set while the node drains: nothing new starts here, what would have goes here instead. */
  private HandOver handOver;
  private Promise<Void> idle;

  CommandScheduler(Vertx vertx, int maxConcurrent, int maxQueued, Executor executor, Finisher finisher) {
    this.vertx = vertx;
    this.maxConcurrent = maxConcurrent;
    this.maxQueued = maxQueued;
    this.executor = executor;
    this.finisher = finisher;
  }

  boolean hasRoomFor(int commands) {
    return tracked.size() + commands <= maxQueued;
  }

  /** Takes accepted commands: all queued at once, or one after another for a sequential batch. */
  void admit(List<JsonObject> commands, boolean sequential, boolean stopOnError) {
    for (JsonObject command : commands) {
      String id = command.getString("_id");
      long delay = Math.max(1, command.getLong("deadline_ms") - System.currentTimeMillis());
      long timer = vertx.setTimer(delay, t -> finisher.finish(id, CommandStatus.TIMED_OUT, new BusError(ErrorCode.TIMEOUT,
          "Command exceeded its timeout of " + command.getJsonObject("metadata").getInteger("timeout") + " s").toJson()));
      tracked.put(id, new Tracked(command, timer));
    }
    if (sequential && commands.size() > 1) {
      Chain chain = new Chain();
      chain.stopOnError = stopOnError;
      commands.forEach(command -> chain.remaining.add(command.getString("_id")));
      chains.put(commands.get(0).getString("batch_id"), chain);
      startNext(chain);
    } else {
      commands.forEach(queue::offer);
      pump();
    }
  }

  private void pump() {
    while (handOver == null && running < maxConcurrent) {
      JsonObject next = queue.poll();
      if (next == null) {
        return;
      }
      running++;
      executor.execute(next, () -> {
        running--;
        pump();
      });
    }
  }

  /** Called whenever this node learns that a command reached a final status. */
  void concluded(JsonObject command) {
    forget(command);
    completeIfIdle();
  }

  private void forget(JsonObject command) {
    String id = command.getString("_id");
    if (stopTracking(id, command) == null) {
      return;
    }
    Chain chain = command.getString("batch_id") == null ? null : chains.get(command.getString("batch_id"));
    if (chain == null) {
      return;
    }
    if (!id.equals(chain.current)) {
      chain.remaining.remove(id);
    } else if (chain.stopOnError && !CommandStatus.COMPLETED.equals(command.getString("status"))) {
      chains.remove(command.getString("batch_id"));
      new ArrayList<>(chain.remaining).forEach(rest -> finisher.finish(rest, CommandStatus.CANCELLED,
          new BusError(ErrorCode.BATCH_ABORTED, "Batch stopped: command " + id + " ended " + command.getString("status")).toJson()));
    } else {
      startNext(chain);
    }
  }

  private void startNext(Chain chain) {
    if (handOver != null) {
      chains.values().remove(chain);
      List<JsonObject> rest = untrack(new ArrayList<>(chain.remaining));
      if (!rest.isEmpty()) {
        handOver.handOver(rest, true, chain.stopOnError);
      }
      return;
    }
    String next;
    while ((next = chain.remaining.poll()) != null) {
      Tracked entry = tracked.get(next);
      if (entry != null) {
        chain.current = next;
        queue.offer(entry.command());
        pump();
        return;
      }
    }
    chains.values().remove(chain);
  }

  /**
   * The command once it is final here, or null after {@code waitMs} (or at once when this node
   * does not track it): the caller then reads the current state.
   */
  Future<JsonObject> awaitFinal(String commandId, long waitMs) {
    if (!tracked.containsKey(commandId) || waitMs <= 0) {
      return Future.succeededFuture();
    }
    Promise<JsonObject> promise = Promise.promise();
    waiters.computeIfAbsent(commandId, k -> new ArrayList<>()).add(promise);
    long timer = vertx.setTimer(waitMs, t -> promise.tryComplete());
    return promise.future().onComplete(done -> vertx.cancelTimer(timer));
  }

  /**
   * Stops starting commands here (the node drains): every queued command goes to {@code target}
   * now, as it was admitted (a sequential batch's rest as one sequential batch), and a sequential
   * batch whose command runs here hands its rest over once that one ends. Running commands go on.
   * Callers waiting for a handed-over command's final status are answered at once (null).
   */
  void drain(HandOver target) {
    handOver = target;
    List<JsonObject> parallel = new ArrayList<>();
    for (JsonObject command : queue.pollAll()) {
      String id = command.getString("_id");
      String batchId = command.getString("batch_id");
      Chain chain = batchId == null ? null : chains.get(batchId);
      if (chain != null && id.equals(chain.current)) {
        chains.remove(batchId);
        List<String> ids = new ArrayList<>();
        ids.add(id);
        ids.addAll(chain.remaining);
        target.handOver(untrack(ids), true, chain.stopOnError);
      } else {
        parallel.addAll(untrack(List.of(id)));
      }
    }
    if (!parallel.isEmpty()) {
      target.handOver(parallel, false, false);
    }
    completeIfIdle();
  }

  /** Takes back commands a drain could not hand over: they run here after all, and so does what follows. */
  void runHere(List<JsonObject> commands, boolean sequential, boolean stopOnError) {
    handOver = null;
    admit(commands, sequential, stopOnError);
  }

  /** Completes once this node tracks no command (none queued, none running). */
  Future<Void> idle() {
    if (tracked.isEmpty()) {
      return Future.succeededFuture();
    }
    if (idle == null || idle.future().isComplete()) {
      idle = Promise.promise();
    }
    return idle.future();
  }

  /** How many commands this node still tracks (queued or running). */
  int trackedCount() {
    return tracked.size();
  }

  private void completeIfIdle() {
    if (idle != null && tracked.isEmpty()) {
      idle.tryComplete();
    }
  }

  /** Stops tracking commands that will run elsewhere (timer, waiters); the ones still tracked, in order. */
  private List<JsonObject> untrack(List<String> ids) {
    List<JsonObject> commands = new ArrayList<>();
    for (String id : ids) {
      Tracked entry = stopTracking(id, null);
      if (entry != null) {
        commands.add(entry.command());
      }
    }
    return commands;
  }

  /** Forgets a tracked command (its timer, its queue place); its waiters get {@code answer}. Null when it was not tracked. */
  private Tracked stopTracking(String id, JsonObject answer) {
    Tracked entry = tracked.remove(id);
    if (entry == null) {
      return null;
    }
    vertx.cancelTimer(entry.timer());
    queue.remove(id);
    List<Promise<JsonObject>> waiting = waiters.remove(id);
    if (waiting != null) {
      waiting.forEach(waiter -> waiter.tryComplete(answer));
    }
    return entry;
  }

  boolean isTracking(String commandId) {
    return tracked.containsKey(commandId);
  }
}
