package dev.agentbus.support;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/** A short, readable account of how a received seq list differs from the expected range. */
public final class SeqCheck {
  private SeqCheck() {}

  /**
   * {@code "ok"} when {@code seqs} is exactly {@code from..to} in order; otherwise what is wrong
   * (missing, duplicated, out of order, outside the range), each list cut to its first 10 items.
   */
  public static String against(List<Long> seqs, long from, long to) {
    Set<Long> seen = new HashSet<>();
    TreeSet<Long> duplicates = new TreeSet<>();
    TreeSet<Long> outside = new TreeSet<>();
    int outOfOrder = 0;
    long previous = Long.MIN_VALUE;
    for (long seq : seqs) {
      if (!seen.add(seq)) {
        duplicates.add(seq);
      }
      if (seq < from || seq > to) {
        outside.add(seq);
      }
      if (seq <= previous) {
        outOfOrder++;
      }
      previous = seq;
    }
    List<Long> missing = new ArrayList<>();
    for (long seq = from; seq <= to; seq++) {
      if (!seen.contains(seq)) {
        missing.add(seq);
      }
    }
    if (missing.isEmpty() && duplicates.isEmpty() && outside.isEmpty() && outOfOrder == 0) {
      return "ok";
    }
    return "expected " + from + ".." + to + " but got " + seqs.size() + " events: missing " + missing.size() + " "
        + first10(missing) + ", duplicated " + first10(new ArrayList<>(duplicates)) + ", outside the range "
        + first10(new ArrayList<>(outside)) + ", out of order " + outOfOrder;
  }

  private static List<Long> first10(List<Long> values) {
    return values.size() <= 10 ? values : values.subList(0, 10);
  }
}
