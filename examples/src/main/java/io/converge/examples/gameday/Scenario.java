package io.converge.examples.gameday;

import java.util.List;

/** One game day: a fault, what the users do through it, and what is checked and measured. */
interface Scenario {

  /** The short name used on the command line and for the report's directory. */
  String id();

  /** The title of the report. */
  String title();

  /** Extra options of every region of this scenario's cluster. */
  default List<String> regionOptions() {
    return List.of();
  }

  /** Runs the scenario on a fresh cluster; records narrative, figures and checks in the report. */
  void run(Stage stage) throws Exception;
}
