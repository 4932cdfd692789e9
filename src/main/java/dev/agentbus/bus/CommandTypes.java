package dev.agentbus.bus;

/** The built-in command types; any other type needs a registered handler. */
public final class CommandTypes {
  private CommandTypes() {}

  /** {@code {prompt, engine_id?, agent_id?, llm_config?}}: runs the tool-call loop on an engine of the session. */
  public static final String ENGINE_PROMPT = "engine.prompt";
  /** Any parameters: the result is the parameters. */
  public static final String ECHO = "echo";
  /** {@code {name, arguments}}: calls a tool (reserved: no handler may be registered for it). */
  public static final String TOOL_CALL = "tool.call";

  /** The types that are built in: a handler for one of them cannot be registered. */
  public static final java.util.Set<String> BUILT_IN = java.util.Set.of(ENGINE_PROMPT, ECHO, TOOL_CALL);
}
