#!/usr/bin/env bash
# The cart example's game days, on a fresh clone: builds what the example needs (no tests), then
# plays the four scenarios on three local region processes and writes the reports to
# examples/target/gameday/. Exits 0 when every check of every scenario passed.
#   bash examples/gameday.sh                      # all four
#   bash examples/gameday.sh --scenario kill      # one (concurrent, partition, kill, skew)
#   bash examples/gameday.sh regions              # start the three regions (mutual TLS) for curl;
#                                                 # Ctrl-C stops
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -pl examples -am package -Dmaven.test.skip=true
cd examples
if [[ "${1:-}" == "regions" ]]; then
  shift
  exec java -jar target/converge-examples.jar regions "$@"
fi
exec java -jar target/converge-examples.jar run --report-dir target/gameday "$@"
