package io.converge.replication.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes seed inputs into the corpus a Jazzer {@code @FuzzTest} replays in {@code mvn verify}: the
 * test resources folder {@code <package>/<TestClass>Inputs/<method>/} (Jazzer 0.24's convention),
 * one file per seed, named {@code seed-<name>}. Each fuzz test class has a {@code writeSeeds} test
 * that calls {@link #write}: in {@code mvn verify} it checks that the committed corpus holds every
 * seed the code makes today, byte for byte (so a changed encoding cannot leave the corpus stale);
 * with {@code -Dconverge.fuzz.writeSeeds=true} (from the module folder, as Maven runs tests) it
 * writes them instead, to be committed.
 */
public final class Corpus {

  /** The system property that makes the {@code writeSeeds} tests write the seeds. */
  public static final String WRITE_SEEDS = "converge.fuzz.writeSeeds";

  private Corpus() {}

  /**
   * Writes {@code seeds} into the inputs folder of {@code testClass}'s fuzz test {@code method},
   * replacing files of the same names, when {@value #WRITE_SEEDS} is {@code true}; otherwise checks
   * that the folder holds each of them with the same bytes.
   *
   * @param testClass the class of the fuzz test
   * @param method the name of the {@code @FuzzTest} method
   * @param seeds seed name (letters, digits, '-') to input
   * @return the folder written to or checked
   * @throws AssertionError if not writing and a seed is missing or differs
   */
  public static Path write(Class<?> testClass, String method, Map<String, byte[]> seeds) {
    Path dir =
        Path.of("src", "test", "resources")
            .resolve(testClass.getPackageName().replace('.', '/'))
            .resolve(testClass.getSimpleName() + "Inputs")
            .resolve(method);
    boolean writing = Boolean.getBoolean(WRITE_SEEDS);
    try {
      if (writing) {
        Files.createDirectories(dir);
      }
      for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
        if (!seed.getKey().matches("[A-Za-z0-9-]+")) {
          throw new IllegalArgumentException("bad seed name: " + seed.getKey());
        }
        Path file = dir.resolve("seed-" + seed.getKey());
        if (writing) {
          Files.write(file, seed.getValue());
        } else if (!Files.exists(file)
            || !java.util.Arrays.equals(Files.readAllBytes(file), seed.getValue())) {
          throw new AssertionError(
              "the committed corpus does not hold today's seed "
                  + file
                  + (Files.exists(file) ? " (its bytes differ)" : " (missing)")
                  + ": run this test with -D"
                  + WRITE_SEEDS
                  + "=true from the module folder and commit the files");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }
}
