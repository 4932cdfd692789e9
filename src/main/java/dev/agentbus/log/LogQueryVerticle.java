package dev.agentbus.log;

import dev.agentbus.auth.Principal;
import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.config.Settings;
import dev.agentbus.store.Store;
import dev.agentbus.util.Pages;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Serves {@link Addresses#LOG_LIST}: the stored records of every node, newest first, filtered and
 * paged by {@code _id} ({@code cursor}: the last {@code log_id} of the previous page).
 *
 * <p>A filter on {@code request_id}, {@code session_id} or {@code command_id} reads those keys'
 * documents and then the records by {@code _id} (index-served on both stores, see {@link
 * LogStore}); the other conditions ({@code level}: that level and above, {@code since}, the
 * tenant) are applied to what those reads return. Without one, the list is one query sorted on
 * {@code _id} (a scan of the retained records on the embedded store).
 *
 * <p>Tenancy: a tenant's principal sees its own tenant's records only; the admin (a principal with
 * the {@code admin} scope) and agentbus itself see all, or one tenant's with {@code tenant_id}.
 * Records without a tenant (agentbus's own, the admin's requests) are the admin's only. The reply
 * also carries {@code writer}: this node's writer counters ({@link LogSink#stats}).
 */
public class LogQueryVerticle extends VerticleBase {
  /** A tenant condition that matches no record. */
  private static final String NOBODY = "\u0000";

  private LogStore store;

  @Override
  public Future<?> start() {
    Settings.Logs settings = Settings.of(config()).logs();
    store = new LogStore(Store.client(vertx, Settings.of(config()).mongo()), settings.maxIdsPerLookup());
    return Bus.serve(vertx, Addresses.LOG_LIST, this::list).completion();
  }

  private Future<JsonObject> list(JsonObject query, MultiMap headers) {
    int limit = query.getInteger("limit", 50);
    String tenant = visibleTenant(Tenancy.requester(headers), query.getString("tenant_id"));
    Future<List<JsonObject>> found;
    if (NOBODY.equals(tenant)) {
      found = Future.succeededFuture(List.of());
    } else {
      Filter filter = new Filter(tenant, query);
      List<String> keys = new ArrayList<>();
      for (String field : LogStore.KEYED) {
        if (query.getString(field) != null) {
          keys.add(LogStore.key(field, query.getString(field)));
        }
      }
      found = keys.isEmpty() ? store.newest(filter.toQuery(), limit + 1)
          : store.idsOf(keys).compose(ids -> collect(candidates(ids, filter), 0, filter, limit + 1, new ArrayList<>()));
    }
    return found.map(records -> {
      List<JsonObject> shown = records.stream().map(LogRecords::toApi).toList();
      LogSink sink = LogSinks.of(context.owner());
      return Pages.of(shown, limit, record -> record.getString("log_id"))
          .put("writer", sink == null ? null : sink.stats());
    });
  }

  /** The tenant whose records the caller lists: null for all, {@link #NOBODY} for none. */
  private static String visibleTenant(Principal principal, String requested) {
    if (principal == null || principal.has("admin")) {
      return requested;
    }
    String own = principal.tenantId();
    return own == null || (requested != null && !requested.equals(own)) ? NOBODY : own;
  }

  /** The ids listed under every key (their intersection), newest first, within the cursor and {@code since}. */
  private static List<String> candidates(Map<String, List<String>> idsByKey, Filter filter) {
    Set<String> common = null;
    for (List<String> ids : idsByKey.values()) {
      if (common == null) {
        common = new LinkedHashSet<>(ids);
      } else {
        common.retainAll(ids);
      }
    }
    return common == null ? List.of()
        : common.stream().filter(filter::inRange).sorted(Comparator.reverseOrder()).toList();
  }

  /** Reads {@code ids} by {@code _id} a chunk at a time until {@code wanted} records pass {@code filter}. */
  private Future<List<JsonObject>> collect(List<String> ids, int from, Filter filter, int wanted, List<JsonObject> kept) {
    if (from >= ids.size() || kept.size() >= wanted) {
      return Future.succeededFuture(kept.size() > wanted ? kept.subList(0, wanted) : kept);
    }
    int to = Math.min(ids.size(), from + Math.max(wanted, 100));
    return store.byIds(ids.subList(from, to)).compose(records -> {
      records.stream().filter(filter).sorted(Comparator.comparing((JsonObject r) -> r.getString("_id")).reversed())
          .forEach(kept::add);
      return collect(ids, to, filter, wanted, kept);
    });
  }

  /** The conditions of one list, as a predicate on stored records and (without keys) as a store query. */
  private static final class Filter implements Predicate<JsonObject> {
    private final String tenant;
    private final JsonArray levels;
    private final String cursor;
    private final String floor;
    private final JsonObject equal = new JsonObject();

    Filter(String tenant, JsonObject query) {
      this.tenant = tenant;
      String level = query.getString("level");
      this.levels = level == null ? null : new JsonArray(new ArrayList<>(LogRecords.atLeast(level)));
      this.cursor = query.getString("cursor");
      String since = query.getString("since");
      this.floor = since == null ? null : LogRecords.idFloor(Instant.parse(since));
      for (String field : LogStore.KEYED) {
        if (query.getString(field) != null) {
          equal.put(field, query.getString(field));
        }
      }
    }

    boolean inRange(String id) {
      return (cursor == null || id.compareTo(cursor) < 0) && (floor == null || id.compareTo(floor) >= 0);
    }

    @Override
    public boolean test(JsonObject record) {
      for (String field : equal.fieldNames()) {
        if (!equal.getString(field).equals(record.getString(field))) {
          return false;
        }
      }
      return inRange(record.getString("_id")) && (tenant == null || tenant.equals(record.getString("tenant_id")))
          && (levels == null || levels.contains(record.getString("level")));
    }

    JsonObject toQuery() {
      JsonObject query = new JsonObject();
      if (tenant != null) {
        query.put("tenant_id", tenant);
      }
      if (levels != null) {
        query.put("level", new JsonObject().put("$in", levels));
      }
      JsonObject range = new JsonObject();
      if (cursor != null) {
        range.put("$lt", cursor);
      }
      if (floor != null) {
        range.put("$gte", floor);
      }
      if (!range.isEmpty()) {
        query.put("_id", range);
      }
      return query;
    }
  }
}
