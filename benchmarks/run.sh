#!/usr/bin/env bash
# Runs the benchmark suite and rewrites the tables and charts of BENCHMARKS.md from its results.
#
#   bash benchmarks/run.sh            # the whole suite: about 20 minutes on 2 cores
#   bash benchmarks/run.sh --quick    # a smoke pass: every benchmark once, small sizes, ~1 minute
#
# Results go to benchmarks/results/ (full run) or benchmarks/results/quick/ (smoke pass, which
# writes no tables into BENCHMARKS.md: its figures are not measurements).
set -euo pipefail
cd "$(dirname "$0")/.."

quick=false
if [[ "${1:-}" == "--quick" ]]; then
  quick=true
elif [[ $# -gt 0 ]]; then
  echo "usage: bash benchmarks/run.sh [--quick]" >&2
  exit 2
fi

mvn -B -q package -pl benchmarks -am -DskipTests
jar=benchmarks/target/benchmarks.jar
started=$(date +%s)

if $quick; then
  out=benchmarks/results/quick
  mkdir -p "$out"
  # One short iteration per benchmark, the smallest sizes, no fork per combination.
  java -jar "$jar" 'io.converge.benchmarks.(crdt|clocks|codec)' \
    -f 0 -wi 0 -i 1 -r 100ms -p elements=100 -p replicas=3 \
    -rf json -rff "$out/merge.json"
  java -jar "$jar" StoreBenchmark -f 0 -wi 0 -i 1 -r 100ms -p engine=rocksdb \
    -rf json -rff "$out/store.json"
  java -cp "$jar" io.converge.benchmarks.replication.ReplicationBenchmark --quick \
    -o "$out/replication.json"
else
  out=benchmarks/results
  mkdir -p "$out"
  java -jar "$jar" 'io.converge.benchmarks.(crdt|clocks|codec)' -prof gc \
    -rf json -rff "$out/merge.json"
  java -jar "$jar" StoreBenchmark -rf json -rff "$out/store.json"
  java -cp "$jar" io.converge.benchmarks.replication.ReplicationBenchmark \
    -o "$out/replication.json"
  java -cp "$jar" io.converge.benchmarks.report.BenchmarkReport \
    "$out/merge.json" BENCHMARKS.md merge "$out"
  java -cp "$jar" io.converge.benchmarks.report.BenchmarkReport \
    "$out/store.json" BENCHMARKS.md store "$out"
fi
echo "benchmark suite done in $(( $(date +%s) - started )) s; results in $out"
