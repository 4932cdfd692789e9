package dev.agentbus.net;

import dev.agentbus.bus.BusError;
import dev.agentbus.config.Settings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The SSRF guard for every URL a user gives us (webhooks, MCP servers, model base URLs): only
 * absolute {@code http}/{@code https} URLs without credentials, whose host is not, and does not
 * resolve to, an internal address: loopback, link-local (cloud metadata at 169.254.169.254
 * included), private (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7), multicast, unspecified or
 * reserved, also when written as an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address.
 *
 * <p>{@code security.allowed_hosts} lifts the ban for listed hosts: host names and IP literals
 * (compared case-insensitively) and CIDR ranges such as {@code 127.0.0.0/8}, which allow any address
 * inside them, whether written in the URL or resolved from its host name.
 *
 * <p>Numeric hosts must be plain dotted quads: {@code 2130706433}, {@code 0177.0.0.1} or {@code 127.1}
 * are read differently by different resolvers, so they are refused rather than guessed at.
 *
 * <p>The guard checks what the host resolves to now; a caller that connects later resolves again,
 * so it narrows DNS rebinding but cannot close it on its own.
 */
public final class UrlGuard {
  public static final int MAX_URL_LENGTH = 2048;
  private static final int MAX_ALLOWED_ENTRIES = 1000;

  private static final Pattern DOTTED_QUAD =
      Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
  /** Hosts that some resolver would read as a number: digits, hex and dots only, with a digit first. */
  private static final Pattern NUMERIC_LOOKING = Pattern.compile("(?i)(0x[0-9a-f]*|\\d+)(\\.(0x[0-9a-f]*|\\d*))*");

  private UrlGuard() {}

  /**
   * Why {@code url} may not be called, or empty when it may: it must be absolute http(s), and its
   * host must not be (or resolve to) a loopback, link-local, private, multicast or unspecified
   * address unless allow-listed in {@code security.allowed_hosts} ({@code security}; null: none).
   * Blocking (DNS): call it on a worker thread or via executeBlocking.
   */
  public static Optional<String> check(String url, Settings.Security security) {
    if (url == null || url.isBlank()) {
      return Optional.of("must be an absolute http or https URL");
    }
    if (url.length() > MAX_URL_LENGTH) {
      return Optional.of("is too long (at most " + MAX_URL_LENGTH + " characters)");
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return Optional.of("is not a valid URL");
    }
    String scheme = uri.getScheme();
    if (scheme == null || uri.isOpaque()) {
      return Optional.of("must be an absolute http or https URL");
    }
    if (!scheme.equalsIgnoreCase("http") && !scheme.equalsIgnoreCase("https")) {
      return Optional.of("must use http or https, not " + scheme.toLowerCase(Locale.ROOT));
    }
    String authority = uri.getRawAuthority();
    if (uri.getRawUserInfo() != null || (authority != null && authority.contains("@"))) {
      return Optional.of("must not contain credentials (user:password@)");
    }
    if (uri.getHost() == null) {
      return Optional.of("must name a valid host");
    }
    String host = normalise(uri.getHost());
    if (host.isEmpty()) {
      return Optional.of("must name a valid host");
    }
    List<String> allowed = allowedHosts(security);
    if (allowed.contains(host)) {
      return Optional.empty();
    }
    List<Cidr> allowedRanges = ranges(allowed);
    Optional<InetAddress> literal = literal(host);
    if (literal.isEmpty() && NUMERIC_LOOKING.matcher(host).matches()) {
      return Optional.of("must write a numeric host as a plain dotted-quad IPv4 address");
    }
    InetAddress[] addresses;
    try {
      addresses = literal.isPresent() ? new InetAddress[] {literal.get()} : InetAddress.getAllByName(host);
    } catch (UnknownHostException | SecurityException e) {
      return Optional.of("host does not resolve");
    }
    if (addresses.length == 0) {
      return Optional.of("host does not resolve");
    }
    for (InetAddress address : addresses) {
      Optional<String> kind = internalKind(address);
      if (kind.isPresent() && allowedRanges.stream().noneMatch(range -> range.contains(address))) {
        return Optional.of(literal.isPresent()
            ? "must not point to " + kind.get() + " address"
            : "host resolves to " + kind.get() + " address");
      }
    }
    return Optional.empty();
  }

  /**
   * Runs {@link #check} on a worker thread; fails with a {@code VALIDATION_ERROR} naming {@code field}
   * when the URL may not be called.
   */
  public static Future<Void> verify(Vertx vertx, String url, Settings.Security security, String field) {
    return vertx.executeBlocking(() -> check(url, security), false)
        .compose(reason -> reason.isPresent()
            ? Future.failedFuture(BusError.invalid(field, reason.get()))
            : Future.succeededFuture());
  }

  /** What kind of internal address this is ("a loopback"…), or empty for a public one. */
  static Optional<String> internalKind(InetAddress address) {
    if (address instanceof Inet6Address v6) {
      Optional<Inet4Address> embedded = embeddedIpv4(v6.getAddress());
      if (embedded.isPresent()) {
        return internalKind(embedded.get());
      }
    }
    byte[] b = address.getAddress();
    int first = b[0] & 0xff;
    int second = b[1] & 0xff;
    if (address.isAnyLocalAddress() || (address instanceof Inet4Address && first == 0)) {
      return Optional.of("an unspecified");
    }
    if (address.isLoopbackAddress()) {
      return Optional.of("a loopback");
    }
    if (address.isLinkLocalAddress()) {
      return Optional.of("a link-local");
    }
    if (address.isMulticastAddress()) {
      return Optional.of("a multicast");
    }
    boolean cgnat = address instanceof Inet4Address && first == 100 && (second & 0xc0) == 64;
    boolean uniqueLocal = address instanceof Inet6Address && (first & 0xfe) == 0xfc;
    if (address.isSiteLocalAddress() || cgnat || uniqueLocal) {
      return Optional.of("a private");
    }
    if (address instanceof Inet4Address && first >= 240) {
      return Optional.of("a reserved"); // 240/4 and the broadcast address
    }
    return Optional.empty();
  }

  /** The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address. */
  private static Optional<Inet4Address> embeddedIpv4(byte[] b) {
    boolean zeroPrefix = allZero(b, 0, 10);
    boolean mapped = zeroPrefix && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    boolean unspecifiedOrLoopback = allZero(b, 0, 15) && (b[15] == 0 || b[15] == 1);
    boolean compatible = zeroPrefix && b[10] == 0 && b[11] == 0 && !unspecifiedOrLoopback;
    boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff
        && (b[3] & 0xff) == 0x9b && allZero(b, 4, 12);
    try {
      if (mapped || compatible || nat64) {
        return Optional.of((Inet4Address) InetAddress.getByAddress(Arrays.copyOfRange(b, 12, 16)));
      }
      if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
        return Optional.of((Inet4Address) InetAddress.getByAddress(Arrays.copyOfRange(b, 2, 6)));
      }
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // four bytes are always a valid address
    }
    return Optional.empty();
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /** The address written literally in {@code host} (a dotted quad or an IPv6 literal), without any DNS lookup. */
  static Optional<InetAddress> literal(String host) {
    try {
      if (DOTTED_QUAD.matcher(host).matches()) {
        String[] parts = host.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
          bytes[i] = (byte) Integer.parseInt(parts[i]);
        }
        return Optional.of(InetAddress.getByAddress(bytes));
      }
      if (host.contains(":")) {
        // a name with a colon is parsed as an IPv6 literal, never looked up
        return Optional.of(InetAddress.getByName(host));
      }
    } catch (UnknownHostException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** Lower case, without IPv6 brackets or the trailing dot of a fully qualified name. */
  private static String normalise(String host) {
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    while (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    return h;
  }

  private static List<String> allowedHosts(Settings.Security security) {
    List<String> entries = security == null || security.allowedHosts() == null ? List.of() : security.allowedHosts();
    List<String> hosts = new ArrayList<>();
    for (String entry : entries.subList(0, Math.min(entries.size(), MAX_ALLOWED_ENTRIES))) {
      if (entry != null && !entry.isBlank()) {
        hosts.add(normalise(entry));
      }
    }
    return hosts;
  }

  /** Allowed IP literals and CIDR ranges; other entries (names, malformed ranges) are not ranges. */
  private static List<Cidr> ranges(List<String> allowed) {
    List<Cidr> ranges = new ArrayList<>();
    for (String entry : allowed) {
      Cidr.parse(entry).ifPresent(ranges::add);
    }
    return ranges;
  }

  /** An address range: {@code prefix} bits of {@code network}; a bare IP literal is a full-length range. */
  private record Cidr(byte[] network, int prefix) {
    static Optional<Cidr> parse(String entry) {
      int slash = entry.indexOf('/');
      Optional<InetAddress> address = literal(slash < 0 ? entry : entry.substring(0, slash));
      if (address.isEmpty()) {
        return Optional.empty();
      }
      byte[] bytes = address.get().getAddress();
      int prefix = bytes.length * 8;
      if (slash >= 0) {
        try {
          prefix = Integer.parseInt(entry.substring(slash + 1));
        } catch (NumberFormatException e) {
          return Optional.empty();
        }
        if (prefix < 0 || prefix > bytes.length * 8) {
          return Optional.empty();
        }
      }
      return Optional.of(new Cidr(bytes, prefix));
    }

    boolean contains(InetAddress address) {
      byte[] candidate = address.getAddress();
      if (candidate.length != network.length) {
        return false;
      }
      for (int bit = 0; bit < prefix; bit++) {
        int mask = 0x80 >>> (bit % 8);
        if ((candidate[bit / 8] & mask) != (network[bit / 8] & mask)) {
          return false;
        }
      }
      return true;
    }
  }
}
