#!/usr/bin/env bash
# Audit log benchmarks. Usage: bench/audit.sh [append seconds] [proof tree size] [export entries]
#  1. append: 64 and 256 concurrent writers through the store (durable group commit), then a plain
#     sequential write + fsync of the same bytes and batch size on the same disk;
#  2. inclusion proof generation from the stored tree (JMH, sample mode: p50/p99), default 10M leaves
#     (the tree is built once into bench/target and reused);
#  3. full offline verification of an export (`countersign audit verify --entries`), default 1M entries.
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/lib/java-home.sh
JAVA_HOME="$(countersign_java_home)"
export JAVA_HOME
seconds="${1:-20}"; size="${2:-10000000}"; entries="${3:-1000000}"
./mvnw -B -q -ntp -DskipTests -pl bench,cli -am install
java="$JAVA_HOME/bin/java"; cp="bench/target/classes:bench/target/lib/*"
work="$(mktemp -d -p bench/target)"; trap 'rm -rf "$work"' EXIT
echo "# Countersign audit log benchmarks, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB, disk $(df -h bench/target | awk 'NR==2{print $1}'); java $("$java" -version 2>&1 | head -1)"
echo; echo "## append (${seconds}s each after 3s warm-up)"
for threads in 64 256; do "$java" -cp "$cp" io.countersign.bench.AuditAppendLoad "$work/append" "$threads" "$seconds" 2>/dev/null | grep -v '^SLF4J'; done
# The same appends on the local PostgreSQL (127.0.0.1:5432, database test), when it runs.
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  schema="cs_append_$$"; psql -q postgresql://postgres@127.0.0.1:5432/test -c "CREATE SCHEMA $schema"
  "$java" -cp "$cp" io.countersign.bench.AuditAppendLoad "$work/append-pg" 64 "$seconds" \
    "jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$schema" 2>/dev/null | grep -v '^SLF4J' | head -n1
  psql -q postgresql://postgres@127.0.0.1:5432/test -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1
fi
echo; echo "## inclusion proof, tree of $size leaves"
"$java" -cp "$cp" org.openjdk.jmh.Main InclusionProofBenchmark -p size="$size" 2>&1 | grep -E 'building|inclusionProof|p0.50|p0.90|p0.99 |p0.999 '
echo; echo "## offline verification of a $entries-entry export"
"$java" -cp "$cp" io.countersign.bench.ExportGenerator "$work/export" "$entries"
/usr/bin/time -f "verify wall time: %e s, max RSS %M KiB" bin/countersign audit verify --key "$work/export/log.vkey" \
  --entries "$work/export/log.jsonl" --checkpoint "$work/export/log.checkpoint"
