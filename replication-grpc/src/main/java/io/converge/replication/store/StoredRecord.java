package io.converge.replication.store;

import java.util.Arrays;
import java.util.Objects;

/**
 * One record of a {@link DurableStore}: a key, the name of its CRDT type and an encoded delta or
 * full state. The store does not interpret the payload; it keeps the bytes as given.
 *
 * <p>The payload is copied on the way in and on every {@link #payload()} call, so an instance is
 * immutable and thread-safe. {@code equals}, {@code hashCode} and {@code toString} look at the
 * payload's contents, not at the array's identity.
 *
 * @param key the key the record belongs to, non-empty
 * @param type the name of the key's CRDT type, non-empty
 * @param payload the encoded delta or state, possibly empty
 */
public record StoredRecord(String key, String type, byte[] payload) {

  /**
   * Makes a record, copying {@code payload}.
   *
   * @param key the key the record belongs to, non-empty
   * @param type the name of the key's CRDT type, non-empty
   * @param payload the encoded delta or state, possibly empty; copied
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code key} or {@code type} is empty
   */
  public StoredRecord {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty: type=\"" + type + "\"");
    }
    if (type.isEmpty()) {
      throw new IllegalArgumentException("type must not be empty: key=\"" + key + "\"");
    }
    payload = payload.clone();
  }

  /**
   * Returns a copy of the payload.
   *
   * @return a new array holding the payload's bytes
   */
  @Override
  public byte[] payload() {
    return payload.clone();
  }

  /** Returns the payload itself, not a copy: callers in this package must not modify it. */
  byte[] payloadUnsafe() {
    return payload;
  }

  /**
   * Returns whether {@code o} is a record with the same key, type and payload bytes.
   *
   * @param o the object to compare with
   * @return true if equal by content
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof StoredRecord r
        && key.equals(r.key)
        && type.equals(r.type)
        && Arrays.equals(payload, r.payload);
  }

  /**
   * Returns a hash code over the key, type and payload bytes.
   *
   * @return the hash code
   */
  @Override
  public int hashCode() {
    return (key.hashCode() * 31 + type.hashCode()) * 31 + Arrays.hashCode(payload);
  }

  /**
   * Returns the key, the type and the payload's length and first bytes in hex, for example {@code
   * StoredRecord[key=cart-1, type=ORSet, payload=3 bytes 0a0b0c]}.
   *
   * @return a description of the record
   */
  @Override
  public String toString() {
    StringBuilder sb =
        new StringBuilder("StoredRecord[key=")
            .append(key)
            .append(", type=")
            .append(type)
            .append(", payload=")
            .append(payload.length)
            .append(" bytes ");
    int shown = Math.min(payload.length, 32);
    for (int i = 0; i < shown; i++) {
      sb.append(Character.forDigit((payload[i] >> 4) & 0xf, 16))
          .append(Character.forDigit(payload[i] & 0xf, 16));
    }
    if (shown < payload.length) {
      sb.append("...");
    }
    return sb.append(']').toString();
  }
}
