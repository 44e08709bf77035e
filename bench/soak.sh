#!/usr/bin/env bash
# A bounded soak test: mixed traffic (allowed reads with outcomes, held changes approved or denied, waits
# and cancels, inbox reads) from 16 clients against one node for 3 minutes on loopback; memory sampled
# every 15 s; the audit log verified at the end. Exits non-zero on any unexpected answer or a log that
# does not verify. Usage: bench/soak.sh [seconds] [clients]
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/lib/java-home.sh
JAVA_HOME="$(countersign_java_home)"
export JAVA_HOME
./mvnw -B -q -ntp -DskipTests install
work="$(mktemp -d -p bench/target)"; trap 'rm -rf "$work"' EXIT
echo "# Countersign soak, $(date -u +%Y-%m-%dT%H:%MZ)"
echo "machine: $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1), $(free -g | awk '/Mem:/{print $2}') GiB; java $("$JAVA_HOME/bin/java" -version 2>&1 | head -n1)"
"$JAVA_HOME/bin/java" -cp "bench/target/classes:bench/target/lib/*" io.countersign.bench.Soak "$work" bin/countersign "$JAVA_HOME/bin/jcmd" "${1:-180}" "${2:-16}" 2>/dev/null
