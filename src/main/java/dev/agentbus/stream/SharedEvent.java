package dev.agentbus.stream;

import io.vertx.core.json.JsonObject;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * One event as a feed holds it. A live event is one object shared by every feed of its session on
 * one event loop ({@link SessionHub}): it is read-only, its JSON is encoded at most once
 * ({@link #encoded()}) and the frames of a stateless format are made at most once per format
 * ({@link #frames}), then handed to every subscriber as the same string. A replayed event is the
 * feed's own (read from the store for it), with the same API. Confined to one event loop.
 */
public final class SharedEvent {
  private static final LongAdder ENCODINGS = new LongAdder();

  private final JsonObject event;
  private final long seq;
  private String encoded;
  private Map<Object, String> frames;

  public SharedEvent(JsonObject event) {
    this.event = event;
    this.seq = event.getLong("seq");
  }

  /** The event; shared, so never modified. */
  public JsonObject json() {
    return event;
  }

  public long seq() {
    return seq;
  }

  /** The event as JSON text, encoded on first use. */
  public String encoded() {
    if (encoded == null) {
      ENCODINGS.increment();
      encoded = event.encode();
    }
    return encoded;
  }

  /** The frames {@code make} builds of this event for the stateless format {@code key}, built on first use. */
  public String frames(Object key, Function<SharedEvent, String> make) {
    if (frames == null) {
      frames = new IdentityHashMap<>(4);
    }
    String made = frames.get(key);
    if (made == null) {
      made = make.apply(this);
      frames.put(key, made);
    }
    return made;
  }

  /** How many times an event's JSON was encoded for streaming in this JVM (tests count the difference). */
  public static long encodings() {
    return ENCODINGS.sum();
  }
}
