#!/usr/bin/env bash
# JMH benchmark of policy evaluation: a 100-rule policy, one thread. Usage: bench/policy.sh [JMH options]
# e.g. bench/policy.sh -p rules=20,100,200   or   bench/policy.sh -wi 1 -i 2 (a quick look)
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/lib/java-home.sh
JAVA_HOME="$(countersign_java_home)"
export JAVA_HOME
./mvnw -B -q -ntp -DskipTests -pl bench -am install
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/{print $2}') GiB; java $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
exec "$JAVA_HOME/bin/java" -cp "bench/target/classes:bench/target/lib/*" org.openjdk.jmh.Main PolicyBenchmark "$@"
