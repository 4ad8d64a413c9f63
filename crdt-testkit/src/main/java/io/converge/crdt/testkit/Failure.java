package io.converge.crdt.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds the message of an {@link AssertionError} that explains a broken law: a headline, the
 * values involved, one per line and aligned, and optional sections such as the steps that led
 * there.
 */
final class Failure {

  private static final String NL = System.lineSeparator();

  private final String headline;
  private final List<String> labels = new ArrayList<>();
  private final List<Object> values = new ArrayList<>();
  private final StringBuilder sections = new StringBuilder();

  private Failure(String headline) {
    this.headline = headline;
  }

  static Failure of(String headline) {
    return new Failure(headline);
  }

  /** Adds a labelled value, shown as {@code label = value}. */
  Failure with(String label, Object value) {
    labels.add(label);
    values.add(value);
    return this;
  }

  /** Adds a titled section of lines, each indented. */
  Failure section(String title, List<String> lines) {
    sections.append(NL).append(title);
    for (String line : lines) {
      sections.append(NL).append("  ").append(line);
    }
    return this;
  }

  String message() {
    StringBuilder out = new StringBuilder(headline);
    int width = labels.stream().mapToInt(String::length).max().orElse(0);
    for (int i = 0; i < labels.size(); i++) {
      String label = labels.get(i);
      out.append(NL).append("  ").append(label).append(" ".repeat(width - label.length()));
      out.append(" = ").append(values.get(i));
    }
    return out.append(sections).toString();
  }

  AssertionError error() {
    return new AssertionError(message());
  }

  AssertionError error(Throwable cause) {
    return new AssertionError(message(), cause);
  }
}
