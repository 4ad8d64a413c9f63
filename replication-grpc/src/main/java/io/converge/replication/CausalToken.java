package io.converge.replication;

import com.google.protobuf.InvalidProtocolBufferException;
import io.converge.replication.wire.v1.CausalTokenData;
import io.converge.replication.wire.v1.KeyedDelta;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a client wrote, to read it back in any region: returned by {@link Replica#write}, passed to
 * {@link Replica#get(Key, CausalToken, java.time.Duration)} on any replica, which waits until it
 * has seen every write of the token. A user routed to another region after a write (a failover, a
 * load balancer) so reads their own write. Immutable and thread-safe.
 *
 * <p><b>What a token holds.</b> One entry per write: the key, its type, and the write's delta (the
 * small state the write added, as it travels between replicas), so a token costs about as many
 * bytes as the deltas it names. A replica has seen a write when merging its delta into the
 * replica's value changes nothing: the write, or something that supersedes it, is there. This holds
 * however the write arrived (as a delta, by anti-entropy, or through a third region) and across
 * restarts. The delta also carries what the writer had seen of what it replaced (the context of an
 * OR-set remove, the versions an MV-register write overwrote), so a reader does not see a value the
 * writer removed.
 *
 * <p><b>Sessions.</b> {@link #and} joins tokens, for a session that makes several writes; joined
 * tokens grow with each write, up to {@value #MAX_BYTES} bytes. {@link #toString()} is the token as
 * URL-safe text (for an HTTP header or a cookie) and {@link #parse} reads it back; {@link
 * #toByteArray()} and {@link #fromBytes} do the same in binary. A token read back from a client is
 * untrusted: the parsers bound its size and check its form, and a replica refuses an entry of a key
 * it does not declare with that type, or whose delta does not decode.
 */
public final class CausalToken {

  /** The largest token, encoded, in bytes: 64 KiB. */
  public static final int MAX_BYTES = 64 * 1024;

  /**
   * The version of the encoding that {@link #toByteArray()} writes and {@link #fromBytes} reads.
   */
  public static final int FORMAT_VERSION = 1;

  private static final CausalToken EMPTY = new CausalToken(List.of());

  private final List<KeyedDelta> writes;

  private CausalToken(List<KeyedDelta> writes) {
    this.writes = writes;
  }

  /**
   * Returns the token of no write: every replica has seen it.
   *
   * @return the empty token
   */
  public static CausalToken empty() {
    return EMPTY;
  }

  /** The token of one write; the caller checked its size against the transport's limits. */
  static CausalToken of(KeyedDelta write) {
    return new CausalToken(List.of(write));
  }

  /** The writes, in the order they were joined. */
  List<KeyedDelta> writes() {
    return writes;
  }

  /**
   * Returns whether the token names no write.
   *
   * @return true for the empty token
   */
  public boolean isEmpty() {
    return writes.isEmpty();
  }

  /**
   * Returns the number of writes the token names.
   *
   * @return the count, {@code >= 0}
   */
  public int size() {
    return writes.size();
  }

  /**
   * Returns the names of the keys the token's writes went to.
   *
   * @return an immutable, sorted set
   */
  public Set<String> keys() {
    Set<String> keys = new TreeSet<>();
    for (KeyedDelta write : writes) {
      keys.add(write.getKey());
    }
    return Collections.unmodifiableSet(keys);
  }

  /**
   * Returns a token of the writes of both tokens (each once): a replica has seen it when it has
   * seen both.
   *
   * @param other the other token
   * @return the joined token
   * @throws NullPointerException if {@code other} is null
   * @throws IllegalArgumentException if the joined token would exceed {@value #MAX_BYTES} bytes
   */
  public CausalToken and(CausalToken other) {
    Objects.requireNonNull(other, "other");
    if (other.writes.isEmpty()) {
      return this;
    }
    if (writes.isEmpty()) {
      return other;
    }
    Set<KeyedDelta> joined = new LinkedHashSet<>(writes);
    joined.addAll(other.writes);
    CausalToken token = new CausalToken(List.copyOf(joined));
    int bytes = token.data().getSerializedSize();
    if (bytes > MAX_BYTES) {
      throw new IllegalArgumentException(
          "joined causal token of "
              + joined.size()
              + " writes would be "
              + bytes
              + " bytes, over MAX_BYTES="
              + MAX_BYTES
              + ": start a new token from a fresh read or write");
    }
    return token;
  }

  /**
   * Returns the token in binary form, for {@link #fromBytes}.
   *
   * @return the encoding, at most {@value #MAX_BYTES} bytes
   * @throws IllegalStateException if the token is larger: the token of one write whose delta alone
   *     is that large (a mutation that added thousands of elements at once) can be used within the
   *     process ({@link Replica#get(Key, CausalToken, java.time.Duration)}) but not encoded
   */
  public byte[] toByteArray() {
    CausalTokenData data = data();
    int bytes = data.getSerializedSize();
    if (bytes > MAX_BYTES) {
      throw new IllegalStateException(
          "causal token of "
              + bytes
              + " bytes (writes to "
              + keys()
              + ") is over MAX_BYTES="
              + MAX_BYTES
              + " and cannot be encoded");
    }
    return data.toByteArray();
  }

  /**
   * Reads a token written by {@link #toByteArray()}.
   *
   * @param bytes the encoding
   * @return the token
   * @throws NullPointerException if {@code bytes} is null
   * @throws IllegalArgumentException if {@code bytes} is longer than {@value #MAX_BYTES}, is not a
   *     token, is of another format version, or names a write without a key name (or with one
   *     longer than {@value Key#MAX_NAME_LENGTH} characters), a type or a delta; the message says
   *     which
   */
  public static CausalToken fromBytes(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length > MAX_BYTES) {
      throw new IllegalArgumentException(
          "causal token of " + bytes.length + " bytes is over MAX_BYTES=" + MAX_BYTES);
    }
    CausalTokenData data;
    try {
      data = CausalTokenData.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(
          "not a causal token (" + bytes.length + " bytes): " + e.getMessage(), e);
    }
    if (data.getVersion() != FORMAT_VERSION) {
      throw new IllegalArgumentException(
          "causal token format version "
              + data.getVersion()
              + ", this version of Converge reads version "
              + FORMAT_VERSION);
    }
    List<KeyedDelta> writes = new ArrayList<>(data.getWritesCount());
    for (int i = 0; i < data.getWritesCount(); i++) {
      KeyedDelta write = data.getWrites(i);
      String key = write.getKey();
      if (key.isEmpty() || key.length() > Key.MAX_NAME_LENGTH) {
        throw new IllegalArgumentException(
            "causal token write "
                + i
                + " has a key name of "
                + key.length()
                + " characters, expected 1 to "
                + Key.MAX_NAME_LENGTH);
      }
      if (write.getType().isEmpty()) {
        throw new IllegalArgumentException(
            "causal token write " + i + " (key " + key + ") has no type");
      }
      if (write.getPayload().isEmpty()) {
        throw new IllegalArgumentException(
            "causal token write " + i + " (key " + key + ") has no delta");
      }
      writes.add(write);
    }
    return writes.isEmpty() ? EMPTY : new CausalToken(List.copyOf(new LinkedHashSet<>(writes)));
  }

  /**
   * Reads a token from its text form, {@link #toString()}.
   *
   * @param text the text
   * @return the token
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException if {@code text} is not URL-safe base64 of a token (see {@link
   *     #fromBytes}); the message says why
   */
  public static CausalToken parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.length() > (MAX_BYTES + 2) / 3 * 4) {
      throw new IllegalArgumentException(
          "causal token text of "
              + text.length()
              + " characters is longer than a token of MAX_BYTES="
              + MAX_BYTES);
    }
    byte[] bytes;
    try {
      bytes = Base64.getUrlDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "causal token text is not URL-safe base64: " + e.getMessage(), e);
    }
    return fromBytes(bytes);
  }

  private CausalTokenData data() {
    return CausalTokenData.newBuilder().setVersion(FORMAT_VERSION).addAllWrites(writes).build();
  }

  /**
   * Returns the token as URL-safe base64 text without padding, for {@link #parse}.
   *
   * @return the text
   * @throws IllegalStateException if the token is over {@value #MAX_BYTES} bytes (see {@link
   *     #toByteArray()})
   */
  @Override
  public String toString() {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(toByteArray());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CausalToken t && writes.equals(t.writes);
  }

  @Override
  public int hashCode() {
    return writes.hashCode();
  }
}
