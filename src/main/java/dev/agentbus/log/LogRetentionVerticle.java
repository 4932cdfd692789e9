package dev.agentbus.log;

import dev.agentbus.config.Settings;
import dev.agentbus.store.Store;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Instant;

/**
 * Keeps the stored log records bounded (the embedded store has no TTL indexes and no capped
 * collections): every {@code logs.sweep_ms} it removes the records older than {@code logs.max_age_s},
 * then all but the newest {@code logs.max_records}, then the key documents no record is left for
 * ({@link LogStore#trim}). Between sweeps the collection may exceed the bound by what the cluster
 * logs in one period. Every node sweeps; the removals are idempotent.
 */
public class LogRetentionVerticle extends VerticleBase {
  private Settings.Logs settings;
  private LogStore store;
  private long timer = -1;
  private boolean sweeping;

  @Override
  public Future<?> start() {
    settings = Settings.of(config()).logs();
    store = new LogStore(Store.client(vertx, Settings.of(config()).mongo()), settings.maxIdsPerLookup());
    timer = vertx.setPeriodic(settings.sweepMs(), tick -> sweep());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    return Future.succeededFuture();
  }

  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    String oldest = LogRecords.idFloor(Instant.now().minusSeconds(settings.maxAgeSeconds()));
    store.trim(oldest, settings.maxRecords()).onComplete(done -> sweeping = false);
  }
}
