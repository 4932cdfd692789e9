package dev.agentbus.bus;

/** Why a feed of a session's events to one client ended. */
public enum StreamEnd {
  /** The followed command reached its final event: the stream is complete. */
  FINISHED,
  /** The session was deleted ({@code session.deleted} was the last event). */
  SESSION_DELETED,
  /** The client could not keep up; it resumes from the last {@code seq} it was sent. */
  OVERFLOW,
  /** The store could not be read; the client resumes from the last {@code seq} it was sent. */
  ERROR,
  /** The node is shutting down; the client resumes from the last {@code seq} it was sent, on another node. */
  SHUTDOWN
}
