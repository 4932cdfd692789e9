package dev.agentbus.store;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A MongoDB-wire server inside the node (mongo-java-server): H2 file backend under the data
 * directory, or memory for tests. Clients reach it through the real driver and protocol.
 */
public final class EmbeddedStore implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedStore.class);
  private final MongoServer server;
  private final String uri;

  private EmbeddedStore(MongoServer server, InetSocketAddress address) {
    this.server = server;
    this.uri = "mongodb://" + address.getHostString() + ":" + address.getPort();
  }

  /**
   * Starts the store (blocking). {@code backend} is {@code h2} (file {@code agentbus.mv} in
   * {@code dataDir}) or {@code memory}; {@code port} 0 picks a free one.
   */
  public static EmbeddedStore start(String backend, String dataDir, String host, int port) {
    MongoServer server;
    if ("memory".equals(backend)) {
      server = new MongoServer(new MemoryBackend());
    } else {
      Path dir = Path.of(dataDir);
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create data directory " + dir.toAbsolutePath(), e);
      }
      server = new MongoServer(new H2Backend(dir.resolve("agentbus.mv").toString()));
    }
    server.bind(host, port);
    InetSocketAddress address = server.getLocalAddress();
    EmbeddedStore store = new EmbeddedStore(server, address);
    LOG.info("embedded store ({}) listening at {}", backend, store.uri);
    return store;
  }

  public String uri() {
    return uri;
  }

  @Override
  public void close() {
    server.shutdownNow();
    LOG.info("embedded store at {} stopped", uri);
  }
}
