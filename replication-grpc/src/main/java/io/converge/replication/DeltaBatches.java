package io.converge.replication;

import io.converge.clocks.HlcTimestamp;
import io.converge.replication.codec.Clocks;
import io.converge.replication.codec.WireException;
import io.converge.replication.wire.v1.DeltaBatch;
import io.converge.replication.wire.v1.KeyedDelta;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The compact form of a {@link DeltaBatch} (see {@code replication.proto}): the sender names each
 * CRDT type once per batch and tells each delta's origin time as a distance before the batch's
 * newest, which takes a GCounter delta of a 13-character key from 48 bytes to 31 (cross-region
 * bytes are money). The outbound log keeps each delta in full (a causal token carries one), and a
 * batch is made compact as it is built. A receiver reads both forms, and refuses a batch that mixes
 * them or points outside it as {@code MALFORMED}.
 *
 * <p>Not thread-safe; the engine uses it under its lock.
 */
final class DeltaBatches {

  private DeltaBatches() {}

  /** Builds one compact batch from deltas in full, in sequence order. */
  static final class Builder {
    private final DeltaBatch.Builder batch;
    private final List<KeyedDelta> deltas = new ArrayList<>();
    private final Map<String, Integer> typeIndex = new HashMap<>(4);
    private final List<String> types = new ArrayList<>(4);

    Builder(long firstSequence) {
      this.batch = DeltaBatch.newBuilder().setFirstSequence(firstSequence);
    }

    long firstSequence() {
      return batch.getFirstSequence();
    }

    int count() {
      return deltas.size();
    }

    void add(KeyedDelta delta) {
      deltas.add(delta);
    }

    /** The batch, compact: each delta copied without its type name and full origin time. */
    DeltaBatch build() {
      long base = -1;
      for (KeyedDelta d : deltas) {
        if (d.hasOriginTime()) {
          base = Math.max(base, d.getOriginTime().getPacked());
        }
      }
      if (base >= 0) {
        batch.setBaseTime(
            io.converge.replication.wire.v1.HlcTimestamp.newBuilder().setPacked(base));
      }
      for (KeyedDelta d : deltas) {
        Integer index = typeIndex.get(d.getType());
        if (index == null) {
          index = types.size();
          typeIndex.put(d.getType(), index);
          types.add(d.getType());
        }
        KeyedDelta.Builder compact =
            KeyedDelta.newBuilder().setKey(d.getKey()).setPayload(d.getPayload());
        if (index != 0) {
          compact.setTypeIndex(index);
        }
        if (d.hasOriginTime()) {
          compact.setOriginBeforeBase(base - d.getOriginTime().getPacked());
        }
        batch.addDeltas(compact);
      }
      return batch.addAllTypes(types).build();
    }
  }

  /**
   * The CRDT type of a delta of {@code batch}, in either form.
   *
   * @throws WireException MALFORMED if the delta and its batch disagree on the form, or its index
   *     is beyond the batch's types
   */
  static String type(DeltaBatch batch, KeyedDelta delta, long sequence) {
    if (batch.getTypesCount() == 0) {
      if (delta.getTypeIndex() != 0) {
        throw malformed(
            sequence, "type_index " + delta.getTypeIndex() + " in a batch without types");
      }
      return delta.getType();
    }
    if (!delta.getType().isEmpty()) {
      throw malformed(sequence, "a type name (" + delta.getType() + ") in a batch with types");
    }
    int index = delta.getTypeIndex();
    if (index < 0 || index >= batch.getTypesCount()) {
      throw malformed(
          sequence,
          "type_index "
              + Integer.toUnsignedString(index)
              + " beyond the batch's "
              + batch.getTypesCount()
              + " types");
    }
    return batch.getTypes(index);
  }

  /**
   * The origin time of a delta of {@code batch}, in either form; null if it has none. The batch's
   * {@code base_time} (which bounds every compact origin time) is checked by the caller.
   *
   * @throws WireException MALFORMED if the delta sets both forms, a compact origin time without a
   *     base, a distance beyond the base, or a packed timestamp out of range
   */
  static HlcTimestamp origin(DeltaBatch batch, KeyedDelta delta, long sequence) {
    if (!delta.hasOriginBeforeBase()) {
      return delta.hasOriginTime() ? Clocks.fromWire(delta.getOriginTime()) : null;
    }
    if (delta.hasOriginTime()) {
      throw malformed(sequence, "both origin_time and origin_before_base");
    }
    if (!batch.hasBaseTime()) {
      throw malformed(sequence, "origin_before_base in a batch without base_time");
    }
    long base = batch.getBaseTime().getPacked();
    long before = delta.getOriginBeforeBase();
    if (before < 0 || base < 0 || before > base) {
      throw malformed(
          sequence,
          "origin_before_base "
              + Long.toUnsignedString(before)
              + " is beyond base_time "
              + Long.toUnsignedString(base));
    }
    return HlcTimestamp.fromPacked(base - before);
  }

  private static WireException malformed(long sequence, String what) {
    return new WireException(WireException.Reason.MALFORMED, "delta " + sequence + ": " + what);
  }
}
