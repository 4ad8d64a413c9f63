package io.converge.benchmarks.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Fresh directories under {@code java.io.tmpdir} for the benchmark's stores. */
final class TempDirs {

  private TempDirs() {}

  /** Creates a new empty directory under {@code java.io.tmpdir}. */
  static Path create(String prefix) {
    try {
      return Files.createTempDirectory(prefix);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory", e);
    }
  }

  /** Copies the regular files of {@code from} (no subdirectories) into {@code to}, created. */
  static void copyFlat(Path from, Path to) {
    try {
      Files.createDirectories(to);
      List<Path> files;
      try (Stream<Path> s = Files.list(from)) {
        files = s.toList();
      }
      for (Path f : files) {
        Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
    }
  }

  /** Deletes {@code dir} and everything under it; does nothing if it is null or missing. */
  static void delete(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
