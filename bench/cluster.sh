#!/usr/bin/env bash
# Benchmark: allowed-action decisions per second, each durably stored with its audit-log leaves before
# it is answered, on the embedded SQLite node and on 1, 2 and 3 nodes sharing one PostgreSQL, in one run.
# Load: one wrk per node on loopback, the connections split evenly; decisions/s is their sum, latency
# the worst node's. Needs PostgreSQL on 127.0.0.1:5432 (database test, trust auth) as in .ci/run.
# Usage: bench/cluster.sh [seconds per run] [total connections]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration="${1:-15}"; connections="${2:-32}"
command -v wrk >/dev/null || { apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }; }
pg="postgresql://postgres@127.0.0.1:5432/test"
work="$(mktemp -d)"; schema="cs_bench_$$"; pids=()
stop_nodes() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
trap 'stop_nodes; psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1; rm -rf "$work"' EXIT

start_node() { # dir port id
  "$root/bin/countersign" serve --config "$1" --port "$2" --node-id "$3" > "$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$2/healthz" >/dev/null && return; sleep 0.5; done
  echo "node $3 did not start:"; cat "$1.log"; exit 1
}

# One run: wrk against each port at once; prints a table row.
measure() { # label ports...
  local label="$1"; shift; local ports=("$@"); local n=${#ports[@]}; local per=$(( connections / n )); local outs=()
  set -a; . "$work/base/demo-keys.env"; set +a
  local loads=()
  for port in "${ports[@]}"; do wrk -t1 -c"$per" -d5s -s "$root/bench/allowed-action.lua" "http://127.0.0.1:$port" >/dev/null & loads+=($!); done
  wait "${loads[@]}"; loads=()
  for port in "${ports[@]}"; do
    wrk -t1 -c"$per" -d"${duration}s" --latency -s "$root/bench/allowed-action.lua" "http://127.0.0.1:$port" > "$work/wrk.$port" &
    loads+=($!)
  done
  wait "${loads[@]}"
  local rps=0 p50="" p99="" errors=0
  for port in "${ports[@]}"; do
    local out; out="$(cat "$work/wrk.$port")"
    rps=$(( rps + $(awk '/Requests\/sec/{printf "%.0f", $2}' <<<"$out") ))
    p50="$p50 $(awk '/^ +50%/{print $2}' <<<"$out")"; p99="$p99 $(awk '/^ +99%/{print $2}' <<<"$out")"
    errors=$(( errors + $(awk '/Non-2xx/{n=$5} /Socket errors/{n+=1} END{print n+0}' <<<"$out") ))
  done
  echo "| $label | $n | $connections | $rps | ${p50# } | ${p99# } | $errors |"
  printf 'RESULT {"section":"cluster","name":"%s, %s node(s)","metrics":{"store":"%s","nodes":%s,"connections":%s,"decisions_per_s":%s,"p50_per_node":"%s","p99_per_node":"%s","errors":%s}}\n' \
    "$label" "$n" "$label" "$n" "$connections" "$rps" "${p50# }" "${p99# }" "$errors"
}

"$root/bin/countersign" serve --config "$work/base" --port 18480 > "$work/base.log" 2>&1 & first=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:18480/healthz" >/dev/null && break; sleep 0.5; done
kill "$first"; wait "$first" 2>/dev/null || true
. "$root/bench/unlimited.sh"; unlimited_config "$work/base"   # the load comes from one agent

echo "# Countersign cluster benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)"
echo "java: $("$(. "$root/bin/lib/java-home.sh"; countersign_java_home)/bin/java" -version 2>&1 | head -n1); $(psql -tA "$pg" -c 'show server_version' 2>/dev/null | sed 's/^/PostgreSQL /')"
echo "every node, PostgreSQL and wrk share the same cores; ${duration}s per row after a 5 s warm-up"
printf '\n| store | nodes | connections | decisions/s | p50 per node | p99 per node | non-2xx |\n|---|---|---|---|---|---|---|\n'

cp -a "$work/base" "$work/sqlite"
start_node "$work/sqlite" 18481 sqlite
measure SQLite 18481
stop_nodes

for nodes in 1 2 3; do
  psql -q "$pg" -c "DROP SCHEMA IF EXISTS $schema CASCADE; CREATE SCHEMA $schema" >/dev/null
  ports=()
  for i in $(seq 1 "$nodes"); do
    dir="$work/pg-$nodes-$i"; cp -a "$work/base" "$dir"
    sed -i "s|  sqlite: data/countersign.db|  url: jdbc:postgresql://127.0.0.1:5432/test?currentSchema=$schema\n  user: postgres|" "$dir/countersign.yaml"
    start_node "$dir" $(( 18490 + i )) "node-$i"
    ports+=($(( 18490 + i )))
  done
  measure PostgreSQL "${ports[@]}"
  stop_nodes
done
leaves="$(psql -tA "$pg" -c "select count(*), count(distinct leaf_index), max(leaf_index) + 1 from $schema.events" 2>/dev/null || echo '?')"
echo; echo "last PostgreSQL run: events|distinct leaf indexes|log size = $leaves (one tree: all three equal)"
