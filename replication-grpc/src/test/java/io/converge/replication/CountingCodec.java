package io.converge.replication;

import io.converge.crdt.ORSet;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.codec.ElementCodec;
import java.util.List;

/** Test codecs that record every state they encode, to count the encodings of a version. */
final class CountingCodec {

  private CountingCodec() {}

  /** The OR-set of strings codec, adding each state it encodes to {@code encoded}. */
  static CrdtCodec<ORSet<String>> orSetOfStrings(List<Object> encoded) {
    CrdtCodec<ORSet<String>> strings = CrdtCodec.orSet(ElementCodec.strings());
    return new CrdtCodec<>() {
      @Override
      public String typeName() {
        return strings.typeName();
      }

      @Override
      public byte[] encode(ORSet<String> state) {
        encoded.add(state);
        return strings.encode(state);
      }

      @Override
      public ORSet<String> decode(byte[] bytes) {
        return strings.decode(bytes);
      }
    };
  }
}
