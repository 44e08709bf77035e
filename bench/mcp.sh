#!/usr/bin/env bash
# MCP gateway latency: the same allowed tools/call made directly to an upstream MCP server (the echo
# tool of a TypeScript SDK server), through a relay process that does nothing (bench/relay.mjs: the floor
# for any gateway in its own process) and through `countersign mcp`, interleaved in one run; then the
# disk's write + fdatasync alone, which every allowed call's commit waits for. Node and gateway are
# processes of their own, started by bin/countersign as users start them.
# Usage: bench/mcp.sh [calls] [warm-up calls]   (needs Node and the npm peers: npm ci --prefix mcp-gateway/src/test/mcp)
# The warm-up (15,000 by default, about 75 s here) lets the JIT of three JVMs settle: measured is the steady state.
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/lib/java-home.sh
JAVA_HOME="$(countersign_java_home)"
export JAVA_HOME
calls="${1:-5000}"
warmup="${2:-15000}"
[ -d mcp-gateway/src/test/mcp/node_modules ] || npm ci --prefix mcp-gateway/src/test/mcp --no-audit --no-fund --loglevel=error
./mvnw -B -q -ntp -DskipTests -pl bench,cli -am install
java="$JAVA_HOME/bin/java"
work="$(mktemp -d -p bench/target)"; trap 'rm -rf "$work"' EXIT
echo "# Countersign MCP gateway latency, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB; java $("$java" -version 2>&1 | head -1); node $(node --version)"
"$java" -cp "bench/target/classes:bench/target/lib/*" io.countersign.bench.McpLatency "$work" mcp-gateway/src/test/mcp/faulty-server.mjs \
  bin/countersign bench/relay.mjs "$calls" "$warmup" 2>/dev/null
