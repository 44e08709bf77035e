# Prints a JAVA_HOME with Java 21 or newer: $JAVA_HOME if it qualifies, else the newest under /usr/lib/jvm.
countersign_java_home() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] && [ -x "$candidate/bin/javac" ] || continue
    version="$(countersign_java_major "$candidate")"
    if [ -n "$version" ] && [ "$version" -ge 21 ]; then
      echo "${candidate%/}"
      return 0
    fi
  done
  return 1
}

# Prints the major Java version of the JDK at $1.
countersign_java_major() {
  local spec
  spec="$("$1/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  echo "${spec%%.*}"
}
