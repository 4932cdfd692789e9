package dev.agentbus.tool;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The names of one offer's tools as a model sees them. OpenAI function names must match {@code
 * ^[a-zA-Z0-9_-]{1,64}$}, tool names may hold dots ({@code math.evaluate}, {@code everything.get-sum})
 * and an MCP tool's name anything its server chose. A name already wire-safe travels as is; any
 * other gets {@link #base} ({@code math.evaluate → math_evaluate}) and, when that is taken in the
 * same offer (say {@code a.b} next to a registered {@code a_b}), a suffix {@code _2}, {@code _3}, ...
 * So the mapping is unique and reversible within the offer, and stable for a given list of names.
 */
public final class WireNames {
  public static final int MAX_LENGTH = 64;
  private static final Pattern SAFE = Pattern.compile("[a-zA-Z0-9_-]{1,64}");
  private static final Pattern UNSAFE_CHAR = Pattern.compile("[^a-zA-Z0-9_-]");

  private final Map<String, String> byName = new LinkedHashMap<>();
  private final Map<String, String> byWire = new HashMap<>();

  /** The mapping of {@code names} (distinct tool names, in offer order). */
  public WireNames(Collection<String> names) {
    for (String name : names) {
      if (SAFE.matcher(name).matches()) {
        byName.put(name, name);
        byWire.put(name, name);
      }
    }
    for (String name : names) {
      if (byName.containsKey(name)) {
        continue;
      }
      String base = base(name);
      String wire = base;
      for (int n = 2; byWire.containsKey(wire); n++) {
        String suffix = "_" + n;
        wire = base.substring(0, Math.min(base.length(), MAX_LENGTH - suffix.length())) + suffix;
      }
      byName.put(name, wire);
      byWire.put(wire, name);
    }
  }

  /** The wire form of a name without regard to collisions: unsafe characters become {@code _}, at most 64 characters. */
  public static String base(String name) {
    String safe = UNSAFE_CHAR.matcher(name).replaceAll("_");
    if (safe.isEmpty()) {
      safe = "_";
    }
    return safe.length() > MAX_LENGTH ? safe.substring(0, MAX_LENGTH) : safe;
  }

  /** The wire name of an offered tool, or {@link #base} of one not offered. */
  public String wire(String name) {
    return byName.getOrDefault(name, base(name));
  }

  /** The tool a wire name stands for, or null when it is none of this offer's. */
  public String name(String wire) {
    return byWire.get(wire);
  }

  /** Tool name → wire name, in offer order. */
  public Map<String, String> asMap() {
    return Collections.unmodifiableMap(byName);
  }
}
