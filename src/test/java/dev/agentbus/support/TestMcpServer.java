package dev.agentbus.support;

import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.transport.HttpServletStreamableServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.Wrapper;
import org.apache.catalina.startup.Tomcat;

/**
 * A real MCP server in the test JVM: the official Java SDK's server ({@code McpServer.sync}) over its
 * Streamable HTTP servlet transport on an embedded Tomcat, at {@code http://127.0.0.1:<port>/mcp}.
 * Tools: {@code get-sum {a, b}} (text: the sum), {@code echo {message}} (text), {@code fail} (an
 * {@code isError} result) and {@code slow {ms}} (sleeps, then answers "done"). It can add a tool (the
 * SDK then sends {@code notifications/tools/list_changed}), restart on the same port (every session is
 * forgotten), and stop. It records the {@code Authorization} header of each request it is sent.
 */
public final class TestMcpServer implements AutoCloseable {
  private final Path baseDir;
  private final List<String> authorizations = new CopyOnWriteArrayList<>();
  private final List<String> traceparents = new CopyOnWriteArrayList<>();
  /** Opened when the server closes: releases every call of the {@code slow} tool still held. */
  private final CountDownLatch closing = new CountDownLatch(1);
  private int port;
  private Tomcat tomcat;
  private McpSyncServer server;
  private HttpServletStreamableServerTransportProvider transport;

  private TestMcpServer(int port) throws Exception {
    this.port = port;
    this.baseDir = Files.createTempDirectory("mcp-tomcat");
  }

  /** Starts on a free port. */
  public static TestMcpServer start() {
    try {
      TestMcpServer server = new TestMcpServer(TestNode.freePort());
      server.boot();
      return server;
    } catch (Exception e) {
      throw new IllegalStateException("the test MCP server did not start", e);
    }
  }

  public String url() {
    return "http://127.0.0.1:" + port + "/mcp";
  }

  public int port() {
    return port;
  }

  /** The {@code Authorization} header of every request so far (null when a request had none). */
  public List<String> authorizations() {
    return authorizations;
  }

  /** The {@code traceparent} header of every request so far ("null" when a request had none). */
  public List<String> traceparents() {
    return traceparents;
  }

  /** Adds a tool that answers its name; the SDK notifies every session that the list changed. */
  public void addTool(String name) {
    server.addTool(spec(tool(name, "Answers its own name", "{\"type\":\"object\",\"properties\":{}}"),
        (exchange, request) -> text(name, false)));
  }

  /** Stops and starts again on the same port, with a new server: every client session is unknown afterwards. */
  public void restart() {
    stop();
    try {
      boot();
    } catch (Exception e) {
      throw new IllegalStateException("the test MCP server did not restart", e);
    }
  }

  public void stop() {
    if (server != null) {
      server.close();
      server = null;
    }
    if (tomcat != null) {
      try {
        tomcat.stop();
        tomcat.destroy();
      } catch (LifecycleException e) {
        throw new IllegalStateException(e);
      }
      tomcat = null;
    }
  }

  @Override
  public void close() {
    closing.countDown();
    stop();
  }

  private void boot() throws LifecycleException {
    transport = HttpServletStreamableServerTransportProvider.builder()
        .mcpEndpoint("/mcp")
        .contextExtractor(request -> {
          authorizations.add(String.valueOf(request.getHeader("Authorization")));
          traceparents.add(String.valueOf(request.getHeader("traceparent")));
          return McpTransportContext.EMPTY;
        })
        .build();
    server = McpServer.sync(transport)
        .serverInfo("agentbus-test-mcp", "1.0.0")
        .capabilities(McpSchema.ServerCapabilities.builder().tools(true).build())
        .tools(
            spec(tool("get-sum", "Adds two numbers", "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"number\"},"
                + "\"b\":{\"type\":\"number\"}},\"required\":[\"a\",\"b\"]}"), (exchange, request) -> {
              Map<String, Object> args = request.arguments();
              double sum = ((Number) args.get("a")).doubleValue() + ((Number) args.get("b")).doubleValue();
              return text(sum == Math.rint(sum) ? Long.toString((long) sum) : Double.toString(sum), false);
            }),
            spec(tool("echo", "Echoes a message", "{\"type\":\"object\",\"properties\":{\"message\":{\"type\":\"string\"}}}"),
                (exchange, request) -> text(String.valueOf(request.arguments().get("message")), false)),
            spec(tool("fail", "Always fails", "{\"type\":\"object\",\"properties\":{}}"),
                (exchange, request) -> text("the tool failed on purpose", true)),
            spec(tool("slow", "Answers only once the server closes (or after at most ms milliseconds)",
                "{\"type\":\"object\",\"properties\":{\"ms\":{\"type\":\"number\"}}}"),
                (exchange, request) -> {
                  try {
                    // held on a gate, not a clock: the caller's timeout is what the test is about
                    closing.await(((Number) request.arguments().get("ms")).longValue(), TimeUnit.MILLISECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  return text("done", false);
                }))
        .build();
    tomcat = new Tomcat();
    tomcat.setPort(port);
    tomcat.setBaseDir(baseDir.toString());
    Context context = tomcat.addContext("", baseDir.toString());
    Wrapper wrapper = context.createWrapper();
    wrapper.setName("mcp");
    wrapper.setServlet(transport);
    wrapper.setLoadOnStartup(1);
    wrapper.setAsyncSupported(true);
    context.addChild(wrapper);
    context.addServletMappingDecoded("/*", "mcp");
    tomcat.getConnector().setAsyncTimeout(30_000);
    tomcat.start();
  }

  private McpSchema.Tool tool(String name, String description, String schema) {
    return McpSchema.Tool.builder().name(name).description(description)
        .inputSchema(io.modelcontextprotocol.json.McpJsonDefaults.getMapper(), schema).build();
  }

  private static McpServerFeatures.SyncToolSpecification spec(McpSchema.Tool tool,
      BiFunction<io.modelcontextprotocol.server.McpSyncServerExchange, McpSchema.CallToolRequest, McpSchema.CallToolResult> handler) {
    return McpServerFeatures.SyncToolSpecification.builder().tool(tool).callHandler(handler).build();
  }

  private static McpSchema.CallToolResult text(String text, boolean error) {
    return McpSchema.CallToolResult.builder().addTextContent(text).isError(error).build();
  }
}
