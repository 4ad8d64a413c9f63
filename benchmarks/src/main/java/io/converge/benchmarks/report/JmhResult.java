package io.converge.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One row of a JMH JSON result file ({@code -rf json}): a benchmark method with one combination of
 * parameters, its score and, with {@code -prof gc}, its allocation per operation.
 *
 * @param benchmark the fully qualified benchmark method, for example {@code
 *     io.converge.benchmarks.crdt.ORSetBenchmark.merge}
 * @param mode JMH's mode: {@code avgt}, {@code thrpt}, {@code sample} or {@code ss}
 * @param params the parameters, sorted by name
 * @param score the primary score
 * @param error the primary score's error (99.9 % half-width), NaN if JMH gave none
 * @param unit the primary score's unit, for example {@code ns/op}
 * @param allocBytesPerOp {@code gc.alloc.rate.norm} in bytes per operation, NaN without {@code
 *     -prof gc}
 */
public record JmhResult(
    String benchmark,
    String mode,
    Map<String, String> params,
    double score,
    double error,
    String unit,
    double allocBytesPerOp) {

  /**
   * Checks and copies the components.
   *
   * @param benchmark the benchmark method
   * @param mode the mode
   * @param params the parameters
   * @param score the score
   * @param error the error
   * @param unit the unit
   * @param allocBytesPerOp bytes allocated per operation
   */
  public JmhResult {
    Objects.requireNonNull(benchmark, "benchmark");
    Objects.requireNonNull(mode, "mode");
    params = Collections.unmodifiableMap(new TreeMap<>(params));
    Objects.requireNonNull(unit, "unit");
  }

  /**
   * Returns the class and method, without the package: {@code ORSetBenchmark.merge}.
   *
   * @return the short name
   */
  public String shortName() {
    int method = benchmark.lastIndexOf('.');
    int type = benchmark.lastIndexOf('.', method - 1);
    return benchmark.substring(type + 1);
  }

  /**
   * Whether a larger score is better (throughput) rather than a smaller one (time per operation).
   *
   * @return true for {@code thrpt}
   */
  public boolean higherIsBetter() {
    return mode.equals("thrpt");
  }

  /**
   * Reads a JMH JSON result file.
   *
   * @param file the file JMH wrote with {@code -rf json -rff file}
   * @param mapper the JSON mapper
   * @return its results, in file order
   * @throws IOException if the file cannot be read or is not JSON
   * @throws IllegalArgumentException if it is JSON but not a JMH result array; the message names
   *     the file and what is missing
   */
  public static List<JmhResult> read(Path file, ObjectMapper mapper) throws IOException {
    JsonNode root = mapper.readTree(file.toFile());
    if (root == null || !root.isArray()) {
      throw new IllegalArgumentException(file + " is not a JMH JSON result array");
    }
    List<JmhResult> results = new ArrayList<>();
    int index = 0;
    for (JsonNode row : root) {
      results.add(parse(file, index++, row));
    }
    return results;
  }

  private static JmhResult parse(Path file, int index, JsonNode row) {
    JsonNode primary = row.path("primaryMetric");
    if (!row.hasNonNull("benchmark") || !primary.has("score")) {
      throw new IllegalArgumentException(
          file + ": entry " + index + " has no benchmark or primaryMetric.score");
    }
    Map<String, String> params = new TreeMap<>();
    for (Map.Entry<String, JsonNode> p : row.path("params").properties()) {
      params.put(p.getKey(), p.getValue().asText());
    }
    JsonNode alloc = row.path("secondaryMetrics").path("gc.alloc.rate.norm");
    return new JmhResult(
        row.get("benchmark").asText(),
        row.path("mode").asText("avgt"),
        params,
        primary.get("score").asDouble(),
        primary.path("scoreError").isNumber() ? primary.get("scoreError").asDouble() : Double.NaN,
        primary.path("scoreUnit").asText(""),
        alloc.has("score") ? alloc.get("score").asDouble() : Double.NaN);
  }
}
