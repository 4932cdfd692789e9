package dev.agentbus.bus;

/** The built-in command types; any other type needs a registered handler. */
public final class CommandTypes {
  private CommandTypes() {}

  /** {@code {prompt, engine_id?, agent_id?, llm_config?}}: runs the tool-call loop on an engine of the session. */
  public static final String ENGINE_PROMPT = "engine.prompt";
  /** Any parameters: the result is the parameters. */
  public static final String ECHO = "echo";
}
