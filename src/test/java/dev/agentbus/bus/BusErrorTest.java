package dev.agentbus.bus;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.mongodb.MongoTimeoutException;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The one error mapper: every kind of failure to a stable code, unexpected ones logged once, causes never leaked. */
class BusErrorTest {
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(BusError.class);

  @BeforeEach
  void capture() {
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void release() {
    logger.detachAppender(logged);
  }

  @Test
  @DisplayName("our own errors stay themselves, also after a trip over the bus, and are not logged")
  void ownErrors() {
    BusError notFound = BusError.notFound(ErrorCode.SESSION_NOT_FOUND, "Session", "session_id", "ses_x");
    assertThat(BusError.from(notFound, "here", "req_1")).isSameAs(notFound);
    BusError carried = BusError.from(new ReplyException(ReplyFailure.RECIPIENT_FAILURE, 404, notFound.toWire()), "here", "req_1");
    assertThat(carried.toJson()).isEqualTo(notFound.toJson());
    assertThat(logged.list).isEmpty();
  }

  @Test
  @DisplayName("a bus timeout is TIMEOUT and a missing consumer is SERVICE_UNAVAILABLE")
  void busFailures() {
    assertThat(BusError.codeOf(new ReplyException(ReplyFailure.TIMEOUT, "t"))).isEqualTo(ErrorCode.TIMEOUT);
    assertThat(BusError.codeOf(new ReplyException(ReplyFailure.NO_HANDLERS, "n"))).isEqualTo(ErrorCode.SERVICE_UNAVAILABLE);
  }

  @Test
  @DisplayName("a store failure is DATABASE_ERROR, logged once with where and the request id, its cause kept out of the message")
  void storeFailure() {
    BusError error = BusError.from(new MongoTimeoutException("mongodb://secret-host:27017 timed out"), "engine run", "req_7");
    assertThat(error.code()).isEqualTo(ErrorCode.DATABASE_ERROR);
    assertThat(error.toJson().encode()).doesNotContain("secret-host");
    assertThat(logged.list).hasSize(1);
    assertThat(logged.list.get(0).getFormattedMessage()).contains("engine run").contains("req_7");
    assertThat(logged.list.get(0).getThrowableProxy()).isNotNull();
  }

  @Test
  @DisplayName("anything else is INTERNAL_ERROR with no detail; codeOf classifies without logging")
  void unexpected() {
    IllegalStateException bug = new IllegalStateException("NullPointer in frobnicate");
    assertThat(BusError.codeOf(bug)).isEqualTo(ErrorCode.INTERNAL_ERROR);
    assertThat(logged.list).isEmpty();
    BusError error = BusError.from(bug, "somewhere", null);
    assertThat(error.toJson()).isEqualTo(new JsonObject().put("code", "INTERNAL_ERROR").put("message", "Internal error")
        .put("details", new JsonObject()));
    assertThat(logged.list).hasSize(1);
  }
}
