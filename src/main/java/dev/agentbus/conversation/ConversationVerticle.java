package dev.agentbus.conversation;

import dev.agentbus.auth.Principal;
import dev.agentbus.auth.Tenancy;
import dev.agentbus.bus.Addresses;
import dev.agentbus.bus.Bus;
import dev.agentbus.bus.CommandTypes;
import dev.agentbus.bus.BusError;
import dev.agentbus.bus.ErrorCode;
import dev.agentbus.bus.FieldErrors;
import dev.agentbus.bus.FieldErrors.FieldError;
import dev.agentbus.config.Settings;
import dev.agentbus.event.SessionTenants;
import dev.agentbus.session.Sessions;
import dev.agentbus.store.Store;
import dev.agentbus.util.Json;
import dev.agentbus.util.Pages;
import dev.agentbus.util.Times;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import java.util.ArrayList;
import java.util.List;

/**
 * Owns conversations ({@link MessageStore}): a session's stored messages (appended by engine runs
 * through {@link Addresses#MESSAGE_APPEND}, added, read, edited and deleted one by one by clients
 * ({@link Messages}), read back as a run's history through {@link
 * Addresses#MESSAGE_RECENT}, and listed for chat history and {@code /messages} with filters and
 * search), and the mapping of external conversations {@code (company_id, conversation_id)} to the session that
 * holds it. A session delete removes both once ({@link Addresses#CONVERSATION_PURGE_SESSION}).
 */
public class ConversationVerticle extends VerticleBase {
  /** How many lost races one open tolerates before answering CONFLICT (each loss means another open won). */
  private static final int MAX_RACES = 3;
  private static final List<String> VIEW = List.of("session_id", "command_id", "role", "type", "content", "parent_id", "created_at");
  private static final List<String> VIEW_WHEN_SET = List.of("duration_ms", "tool_call", "tool_call_id", "is_error", "metadata",
      "source", "edited_at");

  private MongoClient mongo;
  private MessageStore messages;
  /** Each session's tenant, stamped on its messages (engine runs append them as agentbus itself). */
  private SessionTenants tenants;

  @Override
  public Future<?> start() {
    Settings settings = Settings.of(config());
    mongo = Store.client(vertx, settings.mongo());
    messages = new MessageStore(mongo, settings.store().writeBatch(), settings.store().maxQueuedWrites());
    tenants = new SessionTenants(vertx, settings.sessions().cacheMaxEntries());
    Messages edits = new Messages(vertx, messages);
    return Future.all(List.of(
        Bus.serve(vertx, Addresses.MESSAGE_CREATE, edits::create).completion(),
        Bus.serve(vertx, Addresses.MESSAGE_GET, edits::get).completion(),
        Bus.serve(vertx, Addresses.MESSAGE_PATCH, edits::patch).completion(),
        Bus.serve(vertx, Addresses.MESSAGE_DELETE, edits::delete).completion(),
        Bus.serve(vertx, Addresses.MESSAGE_LIST, (body, h) -> list(body, h)).completion(),
        Bus.serve(vertx, Addresses.MESSAGE_APPEND, (body, h) -> tenants.of(body.getString("session_id"))
            .compose(tenant -> messages.append(Json.putIfPresent(body.copy(), Tenancy.FIELD, tenant)))).completion(),
        Bus.serve(vertx, Addresses.MESSAGE_RECENT, (body, h) -> messages.recent(body.getString("session_id"), body.getInteger("limit"))
            .map(docs -> new JsonObject().put("data", new JsonArray(docs)))).completion(),
        Bus.serve(vertx, Addresses.CONVERSATION_OPEN, (body, h) -> open(body, h)).completion(),
        Bus.serve(vertx, Addresses.CONVERSATION_PROMPT, (body, h) -> prompt(body, h)).completion(),
        Bus.serve(vertx, Addresses.CONVERSATION_PURGE_SESSION, (body, h) -> {
          tenants.forget(body.getString("session_id"));
          return messages.purge(body.getString("session_id"));
        }).completion()));
  }

  /**
   * A page of a session's messages, with {@code user_id} (from the session's metadata) beside the
   * page. Modes: {@code before} (a message id of this session) or {@code latest: true} → the newest
   * {@code limit} messages older than {@code before} (or of all), oldest first, {@code has_more}
   * when older ones exist and {@code next_cursor} = the oldest id returned (the next {@code before});
   * otherwise oldest first after {@code cursor} (a message id). Filters: {@code role}, {@code type},
   * {@code parent_id}, {@code q} (case-insensitive substring of {@code content}).
   */
  private Future<JsonObject> list(JsonObject body, MultiMap headers) {
    String sessionId = body.getString("session_id");
    String before = body.getString("before");
    boolean backwards = before != null || body.getBoolean("latest", false);
    int limit = body.getInteger("limit");
    JsonObject query = filters(body).put("session_id", sessionId);
    return Sessions.require(vertx, sessionId, headers)
        .compose(session -> before == null ? Future.succeededFuture(session) : requireMessage(sessionId, before).map(session))
        .compose(session -> {
          if (backwards && before != null) {
            query.put("_id", new JsonObject().put("$lt", before));
          } else if (!backwards && body.getString("cursor") != null) {
            query.put("_id", new JsonObject().put("$gt", body.getString("cursor")));
          }
          FindOptions options = new FindOptions().setSort(new JsonObject().put("_id", backwards ? -1 : 1)).setLimit(limit + 1);
          return mongo.findWithOptions(MessageStore.MESSAGES, query, options).map(docs -> {
            JsonObject page = Pages.of(docs.stream().map(ConversationVerticle::toMessage).toList(), limit,
                last -> last.getString("id"));
            if (backwards) {
              List<Object> newestFirst = new ArrayList<>(page.getJsonArray("data").getList());
              java.util.Collections.reverse(newestFirst);
              page.put("data", new JsonArray(newestFirst));
            }
            return page.put("user_id", session.getJsonObject("metadata", new JsonObject()).getString("user_id"));
          });
        });
  }

  private Future<Void> requireMessage(String sessionId, String messageId) {
    return mongo.findOne(MessageStore.MESSAGES, new JsonObject().put("_id", messageId), new JsonObject().put("session_id", 1))
        .compose(doc -> doc != null && sessionId.equals(doc.getString("session_id")) ? Future.succeededFuture()
            : Future.failedFuture(BusError.invalid("before", "is not the id of a message of this conversation")));
  }

  private static JsonObject filters(JsonObject body) {
    JsonObject query = new JsonObject();
    for (String field : List.of("role", "type", "parent_id")) {
      if (body.getString(field) != null) {
        query.put(field, body.getString(field));
      }
    }
    if (body.getString("q") != null) {
      query.put("content", new JsonObject().put("$regex", regexLiteral(body.getString("q"))).put("$options", "i"));
    }
    return query;
  }

  /** {@code text} as a regular expression that matches exactly that text: every metacharacter escaped. */
  static String regexLiteral(String text) {
    StringBuilder escaped = new StringBuilder(text.length() + 8);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if ("\\^$.|?*+()[]{}".indexOf(c) >= 0) {
        escaped.append('\\');
      }
      escaped.append(c);
    }
    return escaped.toString();
  }

  /**
   * The session of {@code (company_id, conversation_id)} in the caller's tenant ({@link
   * Tenancy#home}: two tenants with the same ids have two conversations), created on first use, in
   * that tenant. Race-safe:
   * the mapping's {@code _id} is unique, so of two first opens one insert wins and the loser adopts
   * the winner's session (deleting its own). A mapping whose session was deleted is re-pointed.
   */
  private Future<JsonObject> open(JsonObject body, MultiMap headers) {
    List<FieldError> errors = new ArrayList<>();
    String conversationId = required(body, "conversation_id", errors);
    String userId = required(body, "user_id", errors);
    String companyId = required(body, "company_id", errors);
    if (companyId != null && companyId.contains("/")) {
      errors.add(new FieldError("company_id", "must not contain '/'"));
    }
    if (!errors.isEmpty()) {
      return Future.failedFuture(FieldErrors.toError(errors));
    }
    JsonObject metadata = new JsonObject().put("conversation_id", conversationId).put("user_id", userId).put("company_id", companyId);
    String tenant = Tenancy.home(headers);
    return open(mappingId(tenant, companyId, conversationId), tenant, metadata, headers, MAX_RACES);
  }

  /**
   * A conversation mapping's {@code _id}: {@code <company_id>/<conversation_id>} in tenant {@code
   * default} (the layout before tenancy, so older mappings keep working), {@code
   * /<tenant>/<company_id>/<conversation_id>} in any other. A company id is non-empty and holds no
   * {@code /}, so a default id never starts with one and no two (tenant, company, conversation) share an id.
   */
  static String mappingId(String tenant, String companyId, String conversationId) {
    String id = companyId + "/" + conversationId;
    return Principal.DEFAULT_TENANT.equals(tenant) ? id : "/" + tenant + "/" + id;
  }

  /** See {@link Addresses#CONVERSATION_PROMPT}: open the conversation, then submit the prompt in its session. */
  private Future<JsonObject> prompt(JsonObject body, MultiMap headers) {
    return open(body, headers).compose(opened -> Bus.request(vertx, Addresses.COMMAND_SUBMIT, new JsonObject()
        .put("session_id", opened.getString("session_id")).put("command_type", CommandTypes.ENGINE_PROMPT)
        .put("parameters", new JsonObject().put("prompt", body.getString("prompt"))), onBehalf(headers)));
  }

  private Future<JsonObject> open(String key, String tenant, JsonObject metadata, MultiMap headers, int racesLeft) {
    if (racesLeft == 0) {
      return Future.failedFuture(new BusError(ErrorCode.CONFLICT, "The conversation is being opened concurrently; try again",
          new JsonObject().put("conversation_id", metadata.getString("conversation_id"))));
    }
    return mongo.findOne(MessageStore.CONVERSATIONS, new JsonObject().put("_id", key), null).compose(mapping -> {
      if (mapping == null) {
        return newSession(metadata, headers).compose(sessionId -> {
          JsonObject doc = metadata.copy().put("_id", key).put(Tenancy.FIELD, tenant).put("session_id", sessionId)
              .put("created_at", Times.now());
          return mongo.insert(MessageStore.CONVERSATIONS, doc)
              .map(id -> opened(sessionId, true))
              .recover(failure -> Store.isDuplicateKey(failure)
                  ? discard(sessionId, headers).compose(gone -> open(key, tenant, metadata, headers, racesLeft - 1))
                  : Future.failedFuture(failure));
        });
      }
      String mapped = mapping.getString("session_id");
      return Sessions.require(vertx, mapped, headers).map(session -> opened(mapped, false)).recover(failure -> {
        if (!(failure instanceof BusError error) || error.code() != ErrorCode.SESSION_NOT_FOUND) {
          return Future.failedFuture(failure);
        }
        return newSession(metadata, headers).compose(sessionId -> mongo.updateCollection(MessageStore.CONVERSATIONS,
                new JsonObject().put("_id", key).put("session_id", mapped),
                new JsonObject().put("$set", new JsonObject().put("session_id", sessionId).put("user_id", metadata.getString("user_id"))))
            .compose(updated -> updated.getDocModified() == 1
                ? Future.succeededFuture(opened(sessionId, true))
                // Someone else re-pointed it first: use theirs.
                : discard(sessionId, headers).compose(gone -> open(key, tenant, metadata, headers, racesLeft - 1))));
      });
    });
  }

  /** A new session for the conversation, created on behalf of the caller (so in its tenant). */
  private Future<String> newSession(JsonObject metadata, MultiMap headers) {
    JsonObject request = new JsonObject().put("name", "conversation " + metadata.getString("conversation_id"))
        .put("metadata", metadata.copy());
    return Bus.request(vertx, Addresses.SESSION_CREATE, request, onBehalf(headers)).map(session -> session.getString("session_id"));
  }

  /** Deletes a session made by an open that lost a race; a failure only leaves an unused session behind. */
  private Future<Void> discard(String sessionId, MultiMap headers) {
    return Bus.request(vertx, Addresses.SESSION_DELETE, new JsonObject().put("session_id", sessionId), onBehalf(headers))
        .<Void>mapEmpty().otherwiseEmpty();
  }

  private static DeliveryOptions onBehalf(MultiMap headers) {
    return Tenancy.onBehalf(headers, Bus.withRequestId(null));
  }

  private static JsonObject opened(String sessionId, boolean created) {
    return new JsonObject().put("session_id", sessionId).put("created", created);
  }

  private static String required(JsonObject body, String field, List<FieldError> errors) {
    Object value = body.getValue(field);
    if (!(value instanceof String text) || text.isBlank() || text.length() > 200) {
      errors.add(new FieldError(field, "is required: a non-empty string of at most 200 characters"));
      return null;
    }
    return text;
  }

  /**
   * The public message: {@code {id, session_id, command_id, role, type, content, parent_id,
   * created_at}} plus {@code duration_ms}, {@code tool_call}, {@code tool_call_id}, {@code is_error},
   * {@code metadata}, {@code source} ({@code client} for a message a client added) and {@code edited_at} when stored.
   */
  static JsonObject toMessage(JsonObject doc) {
    return Json.view(doc, "id", VIEW, VIEW_WHEN_SET);
  }
}
