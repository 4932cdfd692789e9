package dev.agentbus.stream;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.compression.DecompressionException;
import io.netty.handler.codec.compression.ZlibCodecFactory;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandler;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.compression.DeflateFrameServerExtensionHandshaker;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.impl.ConnectionBase;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The size limit of an incoming WebSocket message, answered with close 1009 ("message too big:
 * limit N bytes") on every path a message can take. What Vert.x 5.0 / Netty 4.2 do on their own:
 * <ul>
 *   <li>a frame over {@code maxWebSocketFrameSize} on the wire: Netty's frame decoder fails the
 *       pipeline (Vert.x disables its close-on-violation), and Vert.x closes the TCP connection
 *       without a close frame: the client sees 1006;
 *   <li>a message over {@code maxWebSocketMessageSize} after reassembly, and so every compressed
 *       (permessage-deflate) message that is small on the wire but big inflated: Vert.x's
 *       aggregator drops it and reports to the socket's exception handler, and nothing closes: the
 *       client waits forever;
 *   <li>inflation is unbounded: Vert.x builds Netty's deflate handshakers without a
 *       {@code maxAllocation}, so one 64 KiB frame can inflate to ~64 MiB before any check.
 * </ul>
 * Here: {@link #apply} keeps Vert.x's frame and message limits {@value #SLACK} bytes above ours
 * (deflate can grow an incompressible message a little, and ours must be the one that trips);
 * {@link #install} swaps in deflate handshakers whose inflater stops at that bound and puts a
 * handler in each connection's pipeline that counts each message's bytes after inflation and turns
 * all three failures into a close frame 1009. Nothing of a refused message reaches the socket's
 * handlers, nor anything the client sends after it; the endpoints need no code of their own.
 */
public final class SocketLimits {
  /** Vert.x and Netty limits lie this far above ours, so ours trips first. */
  static final int SLACK = 1024;
  /** After the close frame, how long the client has to close its side (Vert.x's default closing timeout). */
  static final long LINGER_MS = 10_000;
  private static final String HANDLER = "agentbus-socket-limits";

  private SocketLimits() {
  }

  /** The close reason for a message over {@code maxMessageBytes}. */
  public static String reason(int maxMessageBytes) {
    return "message too big: limit " + maxMessageBytes + " bytes";
  }

  /** Sets Vert.x's WebSocket frame and message limits a little above {@code maxMessageBytes}. */
  public static HttpServerOptions apply(HttpServerOptions options, int maxMessageBytes) {
    return options.setMaxWebSocketFrameSize(maxMessageBytes + SLACK).setMaxWebSocketMessageSize(maxMessageBytes + SLACK);
  }

  /**
   * Guards every WebSocket of {@code server} (sets its connection handler; {@code options} are the
   * ones it was created with): in each HTTP/1 connection's pipeline, Vert.x's WebSocket extension
   * handler is replaced by one with the same deflate handshakers whose inflaters allocate at most
   * a frame's limit, and a {@link Guard} goes in before Vert.x's handler, where it stays when the
   * connection is upgraded (so it is in place before the first frame). Until an upgrade it only
   * passes HTTP through.
   */
  public static HttpServer install(HttpServer server, HttpServerOptions options, int maxMessageBytes) {
    int maxAllocation = maxMessageBytes + SLACK;
    return server.connectionHandler(connection -> {
      // Vert.x's HTTP/1 connection is a ConnectionBase (an impl class: no public way to its pipeline;
      // Vert.x Web's ServerWebSocketWrapper hides the socket's too). HTTP/2 has no WebSockets here.
      if (!(connection instanceof ConnectionBase base)) {
        return;
      }
      ChannelHandlerContext vertx = base.channelHandlerContext();
      ChannelPipeline pipeline = vertx.pipeline();
      ChannelHandler vertxExtensions = pipeline.get(WebSocketServerExtensionHandler.class);
      if (vertxExtensions != null) {
        pipeline.replace(vertxExtensions, "webSocketExtensionHandler", extensions(options, maxAllocation));
      }
      if (pipeline.get(HANDLER) == null) {
        pipeline.addBefore(vertx.name(), HANDLER, new Guard(maxMessageBytes));
      }
    });
  }

  private static WebSocketServerExtensionHandler extensions(HttpServerOptions options, int maxAllocation) {
    List<WebSocketServerExtensionHandshaker> handshakers = new ArrayList<>();
    // As Vert.x's HttpServerConnectionHandler.initializeWebSocketExtensions, plus maxAllocation.
    if (options.getPerFrameWebSocketCompressionSupported()) {
      handshakers.add(new DeflateFrameServerExtensionHandshaker(options.getWebSocketCompressionLevel(), maxAllocation));
    }
    if (options.getPerMessageWebSocketCompressionSupported()) {
      handshakers.add(new PerMessageDeflateServerExtensionHandshaker(options.getWebSocketCompressionLevel(),
          ZlibCodecFactory.isSupportingWindowSizeAndMemLevel(), PerMessageDeflateServerExtensionHandshaker.MAX_WINDOW_SIZE,
          options.getWebSocketAllowServerNoContext(), options.getWebSocketPreferredClientNoContext(), maxAllocation));
    }
    return new WebSocketServerExtensionHandler(handshakers.toArray(new WebSocketServerExtensionHandshaker[0]));
  }

  /** Whether a pipeline failure means a frame was too big for Netty's limits (the decoder's, the inflater's). */
  static boolean tooBig(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof CorruptedWebSocketFrameException corrupt
          && corrupt.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code()) {
        return true;
      }
      // ZlibDecoder.prepareDecompressBuffer, when the inflated frame passes maxAllocation.
      if (cause instanceof DecompressionException && String.valueOf(cause.getMessage()).contains("reached maximum size")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Between the WebSocket decoders and Vert.x's handler (HTTP passes through untouched): counts each message's bytes and, on a
   * message or a frame over the limit, sends close 1009, half-closes, drops everything in and out,
   * and closes once the client has (or after {@link #LINGER_MS}). Half-closing rather than closing
   * lets the rest of the refused message be read and dropped: a close with unread input would be a
   * TCP reset, which can overtake the close frame.
   */
  private static final class Guard extends ChannelDuplexHandler {
    private final int maxMessageBytes;
    private long messageBytes;
    private boolean refusing;
    private ScheduledFuture<?> linger;

    Guard(int maxMessageBytes) {
      this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (refusing) {
        boolean clientClosed = msg instanceof CloseWebSocketFrame;
        ReferenceCountUtil.release(msg);
        if (clientClosed) {
          ctx.close();
        }
        return;
      }
      if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame || msg instanceof ContinuationWebSocketFrame) {
        WebSocketFrame frame = (WebSocketFrame) msg;
        messageBytes = (frame instanceof ContinuationWebSocketFrame ? messageBytes : 0) + frame.content().readableBytes();
        if (messageBytes > maxMessageBytes) {
          ReferenceCountUtil.release(msg);
          refuse(ctx);
          return;
        }
        if (frame.isFinalFragment()) {
          messageBytes = 0;
        }
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      if (refusing) {
        return; // the rest of a refused message (e.g. a decoder already failed): the close is under way
      }
      if (tooBig(cause)) {
        refuse(ctx);
        return;
      }
      ctx.fireExceptionCaught(cause);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (refusing) {
        ReferenceCountUtil.release(msg);
        promise.tryFailure(new ClosedChannelException());
        return;
      }
      ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      if (linger != null) {
        linger.cancel(false);
      }
      super.channelInactive(ctx);
    }

    private void refuse(ChannelHandlerContext ctx) {
      refusing = true;
      ChannelFuture sent = ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.MESSAGE_TOO_BIG.code(), reason(maxMessageBytes)));
      sent.addListener(done -> {
        if (done.isSuccess() && ctx.channel() instanceof DuplexChannel duplex) {
          duplex.shutdownOutput();
        } else {
          ctx.close();
        }
      });
      linger = ctx.executor().schedule(() -> ctx.close(), LINGER_MS, TimeUnit.MILLISECONDS);
    }
  }
}
