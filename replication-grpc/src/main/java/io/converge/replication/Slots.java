package io.converge.replication;

import io.converge.clocks.ReplicaId;
import io.converge.crdt.DeltaCrdt;
import io.converge.replication.codec.WireException;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The values of a {@link ReplicationEngine} by key ({@link Slot}s), and the declarations they are
 * checked against: keys declared one by one, and key families that declare every key under a name
 * prefix. Guarded by the engine's lock: every method is called under it.
 */
final class Slots {

  private final ReplicaId self;
  private final Map<String, Key<?>> declared;
  private final TreeMap<String, Function<String, Key<?>>> families;
  private final Map<String, Slot<?>> slots = new HashMap<>();

  Slots(
      ReplicaId self,
      Map<String, Key<?>> declared,
      Map<String, Function<String, Key<?>>> families) {
    this.self = self;
    this.declared = new HashMap<>(declared);
    this.families = new TreeMap<>(families);
  }

  /** Every slot, in no particular order. */
  java.util.Collection<Slot<?>> all() {
    return slots.values();
  }

  /** The slot of a key, or null if it holds no value here. */
  Slot<?> get(String name) {
    return slots.get(name);
  }

  /**
   * Finds (or, with create, makes) the slot of a local key, checking it against its declaration.
   */
  <T extends DeltaCrdt<T>> Slot<T> local(Key<T> key, boolean create) {
    Key<?> declaration = resolve(key.name());
    if (declaration == null) {
      declared.put(key.name(), key);
    } else if (!declaration.typeName().equals(key.typeName())) {
      throw new IllegalArgumentException(
          "key "
              + key.name()
              + " is declared as "
              + declaration.typeName()
              + ", not "
              + key.typeName());
    }
    Slot<?> slot = slots.get(key.name());
    if (slot == null && create) {
      slot = new Slot<>(key, key.zero());
      slots.put(key.name(), slot);
    }
    @SuppressWarnings("unchecked")
    Slot<T> typed = (Slot<T>) slot;
    return typed;
  }

  /**
   * The declaration of a key: declared with {@link Key}, or made by the longest family prefix of
   * its name (and then remembered); null if neither.
   */
  Key<?> resolve(String name) {
    Key<?> key = declared.get(name);
    if (key != null) {
      return key;
    }
    for (Map.Entry<String, Function<String, Key<?>>> family : families.descendingMap().entrySet()) {
      if (name.startsWith(family.getKey())) {
        Key<?> made = family.getValue().apply(name);
        if (made != null && made.name().equals(name)) {
          declared.put(name, made);
          return made;
        }
      }
    }
    return null;
  }

  /** Finds (or makes) the slot for a key received from a peer; TYPE_MISMATCH if not declared so. */
  Slot<?> remote(String name, String type) {
    Key<?> declaration =
        name.isEmpty() || name.length() > Key.MAX_NAME_LENGTH ? null : resolve(name);
    if (declaration == null) {
      throw new WireException(
          WireException.Reason.TYPE_MISMATCH, "key " + name + " is not declared on " + self);
    }
    if (!declaration.typeName().equals(type)) {
      throw new WireException(
          WireException.Reason.TYPE_MISMATCH,
          "key " + name + " is declared as " + declaration.typeName() + ", not " + type);
    }
    return slots.computeIfAbsent(name, n -> Slot.of(declaration));
  }
}
