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
 * that runs only with {@code -Dconverge.fuzz.writeSeeds=true} (from the module folder, as Maven
 * runs tests) and calls {@link #write}; the files are committed.
 */
public final class Corpus {

  /** The system property that enables the {@code writeSeeds} tests. */
  public static final String WRITE_SEEDS = "converge.fuzz.writeSeeds";

  private Corpus() {}

  /**
   * Writes {@code seeds} into the inputs folder of {@code testClass}'s fuzz test {@code method},
   * replacing files of the same names.
   *
   * @param testClass the class of the fuzz test
   * @param method the name of the {@code @FuzzTest} method
   * @param seeds seed name (letters, digits, '-') to input
   * @return the folder written to
   */
  public static Path write(Class<?> testClass, String method, Map<String, byte[]> seeds) {
    Path dir =
        Path.of("src", "test", "resources")
            .resolve(testClass.getPackageName().replace('.', '/'))
            .resolve(testClass.getSimpleName() + "Inputs")
            .resolve(method);
    try {
      Files.createDirectories(dir);
      for (Map.Entry<String, byte[]> seed : seeds.entrySet()) {
        if (!seed.getKey().matches("[A-Za-z0-9-]+")) {
          throw new IllegalArgumentException("bad seed name: " + seed.getKey());
        }
        Files.write(dir.resolve("seed-" + seed.getKey()), seed.getValue());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }
}
