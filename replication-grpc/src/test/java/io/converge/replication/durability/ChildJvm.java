package io.converge.replication.durability;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM, its standard output as lines read on a daemon thread, each with the time it was
 * read, its standard error in a file.
 */
final class ChildJvm {

  /**
   * JVM options for a short-lived child on a loaded two-core machine: start fast, spend no core on
   * C2 or G1.
   */
  static final List<String> SHORT_LIVED = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  private static final String EOF = "\u0000eof";

  /** A line of a child's standard output and when this JVM read it ({@link System#nanoTime()}). */
  record Line(String text, long readAt) {

    /** Whether this is the line that marks the end of the output, not a line the child wrote. */
    boolean isEof() {
      return text.equals(EOF);
    }
  }

  private final String name;
  private final Process process;
  private final Path stderr;
  private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();

  private ChildJvm(String name, Process process, Path stderr) {
    this.name = name;
    this.process = process;
    this.stderr = stderr;
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  lines.add(new Line(line, System.nanoTime()));
                }
              } catch (IOException e) {
                // the child was killed while we read: end of stream
              } finally {
                lines.add(new Line(EOF, System.nanoTime()));
              }
            },
            name + "-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code java} from {@code java.home} with this JVM's class path: {@code jvmOptions}
   * (flags and {@code -D} system properties) come before the class path, {@code args} after {@code
   * mainClass}. The child's standard error goes to {@code <name>.stderr.txt} in {@code dir}.
   */
  static ChildJvm start(
      String name, Path dir, List<String> jvmOptions, Class<?> mainClass, List<String> args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(mainClass.getName());
    command.addAll(args);
    Path stderr = dir.resolve(name + ".stderr.txt");
    Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
    return new ChildJvm(name, process, stderr);
  }

  /** The name given at the start, for messages. */
  String name() {
    return name;
  }

  /** Whether the child process is still running. */
  boolean isAlive() {
    return process.isAlive();
  }

  /** The next line; fails at the deadline or at the end of the output. */
  Line next(long deadline, String waitingFor) {
    Line line = nextOrEof(deadline, waitingFor);
    if (line.isEof()) {
      fail(name + " exited while waiting for " + waitingFor + stderrTail());
    }
    return line;
  }

  /**
   * The next line, or the end-of-output line ({@link Line#isEof()}) once the output has ended;
   * fails at the deadline.
   */
  Line nextOrEof(long deadline, String waitingFor) {
    Line line;
    try {
      line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + waitingFor, e);
    }
    if (line == null) {
      fail(
          "no "
              + waitingFor
              + " from "
              + name
              + " before the deadline, alive="
              + process.isAlive()
              + stderrTail());
    }
    return line;
  }

  /** SIGKILL on Linux, then waits for the process to be gone. */
  void kill() {
    process.destroyForcibly();
    try {
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), () -> name + " did not die" + stderrTail());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for " + name + " to die", e);
    }
  }

  /** The last 4000 characters of the child's standard error, for failure messages. */
  String stderrTail() {
    try {
      String all =
          Files.exists(stderr)
              ? new String(Files.readAllBytes(stderr), StandardCharsets.UTF_8)
              : "";
      String tail = all.length() > 4000 ? "..." + all.substring(all.length() - 4000) : all;
      return "\n--- " + name + " stderr (" + stderr + ") ---\n" + tail;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
