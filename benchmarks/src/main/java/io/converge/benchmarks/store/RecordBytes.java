package io.converge.benchmarks.store;

import io.converge.replication.store.StoredRecord;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The value MVStore and LMDB store for a record: the layout RocksDbStore uses (a format byte, then
 * the key, the type and the payload, each as a 4-byte big-endian length and its bytes, UTF-8 for
 * the strings), so every engine writes and reads the same bytes per record.
 */
final class RecordBytes {

  private static final byte FORMAT = 1;

  private RecordBytes() {}

  /** Returns the encoded size of a record. */
  static int size(byte[] key, byte[] type, byte[] payload) {
    return 1 + 4 + key.length + 4 + type.length + 4 + payload.length;
  }

  /** Writes a record at {@code out}'s position. */
  static void encode(ByteBuffer out, byte[] key, byte[] type, byte[] payload) {
    out.put(FORMAT)
        .putInt(key.length)
        .put(key)
        .putInt(type.length)
        .put(type)
        .putInt(payload.length)
        .put(payload);
  }

  /** Returns a record encoded in a new array. */
  static byte[] encode(String key, String type, byte[] payload) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] t = type.getBytes(StandardCharsets.UTF_8);
    ByteBuffer out = ByteBuffer.allocate(size(k, t, payload));
    encode(out, k, t, payload);
    return out.array();
  }

  /** Decodes the record from {@code in}'s position to its limit. */
  static StoredRecord decode(ByteBuffer in) {
    in.order(ByteOrder.BIG_ENDIAN);
    byte format = in.get();
    if (format != FORMAT) {
      throw new IllegalArgumentException("unknown record format " + format);
    }
    String key = new String(bytes(in), StandardCharsets.UTF_8);
    String type = new String(bytes(in), StandardCharsets.UTF_8);
    byte[] payload = bytes(in);
    if (in.hasRemaining()) {
      throw new IllegalArgumentException(in.remaining() + " trailing bytes after the payload");
    }
    return new StoredRecord(key, type, payload);
  }

  private static byte[] bytes(ByteBuffer in) {
    byte[] b = new byte[in.getInt()];
    in.get(b);
    return b;
  }
}
