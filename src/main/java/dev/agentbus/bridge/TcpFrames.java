package dev.agentbus.bridge;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.eventbus.bridge.tcp.impl.protocol.FrameHelper;
import java.nio.charset.StandardCharsets;

/**
 * The framing of {@code vertx-tcp-eventbus-bridge}, read with a bound: every frame is a 4-byte
 * big-endian length, then that many bytes of UTF-8 JSON. The library's own parser buffers whatever
 * length a client announces; this one refuses a frame longer than {@code maxFrameBytes} (or a
 * negative length) as soon as its length is read, before buffering it. Frames are written by the
 * library's {@link FrameHelper}, so both directions are byte for byte the library's protocol.
 */
final class TcpFrames implements Handler<Buffer> {
  /** What a connection does with what the parser read. */
  interface Sink {
    /** A whole frame: its JSON object, or null when it is not one (malformed JSON, or a JSON array, string…). */
    void frame(JsonObject frame);

    /** A frame announced a length over the bound: the stream cannot be followed any further. */
    void oversized(long length);
  }

  private final int maxFrameBytes;
  private final Sink sink;
  private Buffer pending = Buffer.buffer();
  private boolean broken;

  TcpFrames(int maxFrameBytes, Sink sink) {
    this.maxFrameBytes = maxFrameBytes;
    this.sink = sink;
  }

  @Override
  public void handle(Buffer data) {
    if (broken) {
      return;
    }
    pending.appendBuffer(data);
    int offset = 0;
    while (pending.length() - offset >= 4) {
      int length = pending.getInt(offset);
      if (length < 0 || length > maxFrameBytes) {
        broken = true;
        pending = Buffer.buffer();
        sink.oversized(length & 0xFFFFFFFFL);
        return;
      }
      if (pending.length() - offset - 4 < length) {
        break;
      }
      String text = pending.getString(offset + 4, offset + 4 + length, StandardCharsets.UTF_8.name());
      offset += 4 + length;
      sink.frame(parse(text));
      if (broken) {
        return;
      }
    }
    pending = offset == 0 ? pending : pending.getBuffer(offset, pending.length());
  }

  /** Stops reading (the connection is closing). */
  void stop() {
    broken = true;
    pending = Buffer.buffer();
  }

  private static JsonObject parse(String text) {
    try {
      return new JsonObject(text);
    } catch (RuntimeException malformed) {
      return null;
    }
  }

  /** Writes one frame: {@code payload} encoded, with its length first. */
  static void write(JsonObject payload, WriteStream<Buffer> socket) {
    FrameHelper.writeFrame(payload, socket);
  }

  /** An {@code err} frame: {@code {type: "err", code, message, address?}} (the library's clients read {@code message}). */
  static JsonObject err(String code, String message, String address) {
    JsonObject frame = new JsonObject().put("type", "err").put("code", code).put("message", message);
    return address == null ? frame : frame.put("address", address);
  }
}
