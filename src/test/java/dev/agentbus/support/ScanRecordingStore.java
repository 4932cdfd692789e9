package dev.agentbus.support;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;
import de.bwaldvogel.mongo.bson.Document;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * An in-memory mongo-java-server that records every query it answers by scanning a collection
 * instead of through an index: mongo-java-server calls {@code matchDocuments} without positions
 * exactly when no index {@code canHandle} the filter (finds, counts, updates, findOneAndUpdate
 * and deletes alike). So a recorded scan is what a filter no unique index covers costs on the
 * embedded store: a walk over the whole collection.
 */
public final class ScanRecordingStore implements AutoCloseable {
  /** One scan: the collection and the filter. */
  public record Scan(String collection, String filter) {}

  private final List<Scan> scans = java.util.Collections.synchronizedList(new ArrayList<>());
  private final MongoServer server;
  private final String uri;

  public ScanRecordingStore() {
    server = new MongoServer(new MemoryBackend() {
      @Override
      public MemoryDatabase openOrCreateDatabase(String databaseName) {
        CursorRegistry registry = getCursorRegistry();
        return new MemoryDatabase(databaseName, registry) {
          @Override
          protected MemoryCollection openOrCreateCollection(String collectionName, CollectionOptions options) {
            return new MemoryCollection(this, collectionName, options, registry) {
              @Override
              protected QueryResult matchDocuments(Document query, Document orderBy, int numberToSkip, int limit,
                                                   int batchSize, Document fieldSelector) {
                if (!query.isEmpty()) {
                  scans.add(new Scan(collectionName, query.toString()));
                }
                return super.matchDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
              }
            };
          }
        };
      }
    });
    InetSocketAddress address = server.bind();
    uri = "mongodb://" + address.getHostString() + ":" + address.getPort();
  }

  public String uri() {
    return uri;
  }

  /** The scans recorded so far on the given collections. */
  public List<Scan> scansOf(List<String> collections) {
    synchronized (scans) {
      return scans.stream().filter(scan -> collections.contains(scan.collection())).toList();
    }
  }

  public void clear() {
    scans.clear();
  }

  @Override
  public void close() {
    server.shutdownNow();
  }
}
