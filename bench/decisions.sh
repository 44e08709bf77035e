#!/usr/bin/env bash
# Benchmark: allowed-action decisions per second over HTTP, each durably stored (SQLite WAL,
# synchronous=FULL, group commit) before it is answered. Load from wrk on loopback.
# Usage: bench/decisions.sh [seconds per run] [connection counts...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
duration="${1:-20}"; shift || true
connections=("${@:-8 16 32 64}")
[ ${#connections[@]} -eq 1 ] && read -r -a connections <<< "${connections[0]}"
command -v wrk >/dev/null || { apt-get install -y -q wrk >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }; }

work="$(mktemp -d)"; port=18471
. "$root/bench/unlimited.sh"
# First start writes the example config; the load comes from one agent, so its limits are lifted.
"$root/bin/countersign" serve --config "$work/config" --port "$port" > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
kill "$server"; wait "$server" 2>/dev/null || true
unlimited_config "$work/config"
"$root/bin/countersign" serve --config "$work/config" --port "$port" > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.5; done
set -a; . "$work/config/demo-keys.env"; set +a

echo "# Countersign allowed-decision benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1); disk $(df -h "$work" | awk 'NR==2{print $1}')"
echo "java: $("$(. "$root/bin/lib/java-home.sh"; countersign_java_home)/bin/java" -version 2>&1 | head -n1); wrk and server share the cores"
echo "warm-up: 10s at 16 connections"
wrk -t2 -c16 -d10s -s "$root/bench/allowed-action.lua" "http://127.0.0.1:$port" > /dev/null
printf '\n| connections | decisions/s | p50 | p90 | p99 | errors |\n|---|---|---|---|---|---|\n'
for c in "${connections[@]}"; do
  out="$(wrk -t"$(( c < 2 ? 1 : 2 ))" -c"$c" -d"${duration}s" --latency -s "$root/bench/allowed-action.lua" "http://127.0.0.1:$port")"
  rps="$(awk '/Requests\/sec/{printf "%.0f", $2}' <<<"$out")"
  p50="$(awk '/^ +50%/{print $2}' <<<"$out")"; p90="$(awk '/^ +90%/{print $2}' <<<"$out")"; p99="$(awk '/^ +99%/{print $2}' <<<"$out")"
  errors="$(awk '/Non-2xx/{print $5} /Socket errors/{print $0}' <<<"$out" | tr '\n' ' ')"
  echo "| $c | $rps | $p50 | $p90 | $p99 | ${errors:-0} |"
  printf 'RESULT {"section":"end_to_end","name":"allowed decisions over HTTP, %s connections","metrics":{"connections":%s,"decisions_per_s":%s,"p50":"%s","p90":"%s","p99":"%s","errors":"%s"}}\n' \
    "$c" "$c" "$rps" "$p50" "$p90" "$p99" "$(xargs <<<"${errors:-0}")"
done
rows="$(sqlite3 "$work/config/data/countersign.db" "select count(*) from actions" 2>/dev/null || echo '?')"
echo; echo "actions stored: $rows (every answered request is a committed row)"
