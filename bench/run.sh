#!/usr/bin/env bash
# Every benchmark in one run, on this machine, written to bench/results/results.md and results.json
# (with the machine's details). Each part keeps its own script for a longer look.
#   bench/run.sh            about 12 minutes: policy engines, audit append, HTTP decisions, held action to
#                           Slack, waiting capacity, MCP gateway, AWS gateway and Kubernetes admission
#   bench/run.sh --quick    about 6 minutes: the same parts, shorter
#   bench/run.sh --full     adds a 3-minute soak (bench/soak.sh) and several nodes on PostgreSQL
#                           (bench/cluster.sh), about 7 minutes more
# Needs: a JDK 21+, Node.js (MCP part; skipped without it), wrk (installed from Debian when missing),
# PostgreSQL on 127.0.0.1:5432 for the PostgreSQL rows (skipped when it is not running).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source bin/lib/java-home.sh
JAVA_HOME="$(countersign_java_home)"
export JAVA_HOME
java="$JAVA_HOME/bin/java"

profile="${1:-standard}"
case "$profile" in
  --quick) seconds=8;  jmh=(-wi 2 -w 1 -i 3 -r 1); held=200; waiters="1000,4000"; calls=1000; warmup=3000 ;;
  --full|standard) seconds=15; jmh=(); held=500; waiters="1000,5000,10000"; calls=3000; warmup=15000 ;;
  *) echo "usage: bench/run.sh [--quick|--full]" >&2; exit 2 ;;
esac

./mvnw -B -q -ntp -DskipTests install
work="$(mktemp -d -p bench/target)"; trap 'rm -rf "$work"' EXIT
results="$work/results.jsonl"; : > "$results"
collect() { tee -a "$work/log" | { grep '^RESULT ' || true; } | sed 's/^RESULT //' >> "$results"; }
# A part that fails is said so; the others still run and the table shows what was measured.
failed() { echo "== that part failed (exit $?); its output is in bench/results/run.log"; }
cp="bench/target/classes:bench/target/lib/*"
flags=(--enable-native-access=ALL-UNNAMED)

pg_version="not running"
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  pg_version="$(psql -tA postgresql://postgres@127.0.0.1:5432/test -c 'show server_version' 2>/dev/null || echo '?')"
fi
cat > "$work/machine.json" <<EOF
{"date": "$(date -u +%Y-%m-%dT%H:%MZ)", "arguments": "${1:+ $1}",
 "cpu": "$(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)",
 "memory": "$(free -g | awk '/Mem:/{print $2}') GiB", "disk": "$(df -h bench/target | awk 'NR==2{print $1}'), $(findmnt -no FSTYPE -T bench/target 2>/dev/null || echo '?')",
 "kernel": "$(uname -r)", "java": "$("$java" -version 2>&1 | head -n1 | sed 's/"/\\"/g')",
 "node": "$(node --version 2>/dev/null || echo 'not installed')", "postgresql": "$pg_version"}
EOF

echo "== policy engines (JMH)"
"$java" -cp "$cp" org.openjdk.jmh.Main PolicyEnginesBenchmark "${jmh[@]}" -rf json -rff "$work/jmh.json" 2>&1 \
  | tee -a "$work/log" | grep -E '^# .*agree|^PolicyEngines|^Benchmark' || failed

echo "== audit append"
"$java" -cp "$cp" io.countersign.bench.AuditAppendLoad "$work/append" 64 "$seconds" 2>/dev/null | collect || failed
if [ "$pg_version" != "not running" ]; then
  schema="cs_run_$$"; psql -q postgresql://postgres@127.0.0.1:5432/test -c "CREATE SCHEMA $schema"
  "$java" -cp "$cp" io.countersign.bench.AuditAppendLoad "$work/append-pg" 64 "$seconds" \
    "jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$schema" 2>/dev/null | collect || failed
  psql -q postgresql://postgres@127.0.0.1:5432/test -c "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1
fi

echo "== allowed decisions over HTTP"
bench/decisions.sh "$seconds" "32" | collect || failed

echo "== held action to Slack"
"$java" "${flags[@]}" -cp "$cp" io.countersign.bench.HeldToSlackLatency "$work/held" "$held" 2>/dev/null | collect || failed

echo "== waiting capacity"
"$java" -cp "$cp" io.countersign.bench.WaitingCapacity "$work/waiting" bin/countersign "$JAVA_HOME/bin/jcmd" "$waiters" 2>/dev/null | collect || failed

if command -v node >/dev/null; then
  echo "== MCP gateway"
  bench/mcp.sh "$calls" "$warmup" | collect || failed
else
  echo "== MCP gateway: skipped (no Node.js)"
fi

echo "== AWS gateway and Kubernetes admission"
"$java" -cp "$cp" io.countersign.bench.GatewayLatency "$work/gateways" bin/countersign "$calls" "$((warmup / 10))" 2>/dev/null | collect || failed

if [ "$profile" = "--full" ]; then
  echo "== soak (3 minutes of mixed traffic)"
  "$java" -cp "$cp" io.countersign.bench.Soak "$work/soak" bin/countersign "$JAVA_HOME/bin/jcmd" 180 16 2>/dev/null | collect || failed
  if [ "$pg_version" != "not running" ]; then
    echo "== several nodes"
    bench/cluster.sh "$seconds" 32 | collect || failed
  fi
fi

mkdir -p bench/results
"$java" -cp "$cp" io.countersign.bench.ResultsReport "$results" "$work/jmh.json" "$work/machine.json" bench/results
cp "$work/log" bench/results/run.log
echo "written: bench/results/results.md, bench/results/results.json (raw output: bench/results/run.log)"
