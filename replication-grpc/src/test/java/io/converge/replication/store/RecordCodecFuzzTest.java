package io.converge.replication.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.converge.replication.codec.CrdtCodec;
import io.converge.replication.fuzz.Allocations;
import io.converge.replication.fuzz.Corpus;
import io.converge.replication.fuzz.Samples;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes {@link RecordCodec#decode}, which reads the records of a data directory back (a disk that
 * was corrupted, or written by another version): it returns a record or throws {@link
 * IllegalArgumentException} saying what is wrong, nothing else, within {@link Allocations}' bound;
 * and the stored form is exact, so a record that decodes re-encodes to the very bytes it was read
 * from.
 */
final class RecordCodecFuzzTest {

  @FuzzTest
  void decode(byte[] input) {
    List<StoredRecord> decoded = new ArrayList<>(1);
    Allocations.assertBounded(
        () -> {
          decoded.clear();
          try {
            decoded.add(RecordCodec.decode(input));
          } catch (IllegalArgumentException e) {
            assertNotNull(e.getMessage(), "message");
          }
        },
        input.length,
        Allocations.BASE,
        "RecordCodec.decode");
    if (!decoded.isEmpty()) {
      assertArrayEquals(input, RecordCodec.encode(decoded.get(0)), "encode(decode(input))");
    }
  }

  @Test
  void writeSeeds() {
    Map<String, byte[]> seeds = new LinkedHashMap<>();
    seeds.put(
        "gcounter",
        RecordCodec.encode(
            new StoredRecord(
                "visits",
                "GCounter",
                CrdtCodec.gCounter().encode(Samples.gCounters().get("merged")))));
    seeds.put(
        "empty-payload",
        RecordCodec.encode(new StoredRecord("k\u00e9y \ud83d\udd11", "ORSet", new byte[0])));
    Corpus.write(getClass(), "decode", seeds);
  }
}
