package io.converge.replication;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Which consistency a key's writes use by default: that of the longest prefix of its name set with
 * {@link Replica.Builder#consistency(String, Consistency)}, or else the replica's default. This
 * class is immutable.
 */
final class ConsistencyRules {

  private final Consistency defaultConsistency;
  private final TreeMap<String, Consistency> byPrefix;

  /**
   * @param defaultConsistency the consistency of keys that no prefix matches
   * @param byPrefix the consistency of the keys whose name starts with each prefix, copied
   */
  ConsistencyRules(Consistency defaultConsistency, Map<String, Consistency> byPrefix) {
    this.defaultConsistency = defaultConsistency;
    this.byPrefix = new TreeMap<>(byPrefix);
  }

  /** Returns the consistency of a key, as {@link Replica#consistencyOf} documents it. */
  Consistency of(String keyName) {
    Objects.requireNonNull(keyName, "keyName");
    // Every prefix of keyName sorts at or before it: walk down from the floor, longest first.
    for (Map.Entry<String, Consistency> rule = byPrefix.floorEntry(keyName);
        rule != null;
        rule = byPrefix.lowerEntry(rule.getKey())) {
      if (keyName.startsWith(rule.getKey())) {
        return rule.getValue();
      }
    }
    return defaultConsistency;
  }
}
