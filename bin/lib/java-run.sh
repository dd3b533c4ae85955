# Sourced by the bin/ launchers: builds the project when its sources changed, then runs a main class of the
# examples module (which sees every module) with the JVM flags Spark needs (bin/jvm-flags, the one list).
# shellcheck shell=bash
set -euo pipefail

SPARKGRAD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SPARKGRAD_CP_FILE="$SPARKGRAD_ROOT/examples/target/classpath.txt"
# Embedded Spark binds to loopback unless told otherwise.
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"

sparkgrad_build_if_needed() {
  local stale=""
  if [ ! -f "$SPARKGRAD_CP_FILE" ]; then
    stale=yes
  elif [ -n "$(find "$SPARKGRAD_ROOT" -path "$SPARKGRAD_ROOT/.git" -prune -o \( -name pom.xml -o -path '*/src/main/*' \) \
        -newer "$SPARKGRAD_CP_FILE" -print -quit)" ]; then
    stale=yes
  fi
  if [ -n "$stale" ]; then
    echo "building Sparkgrad (first run, or sources changed) ..." >&2
    (cd "$SPARKGRAD_ROOT" && ./mvnw -q -B -DskipTests -pl examples -am package dependency:build-classpath \
        -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=compile) >&2
    # The dependency plugin leaves an unchanged file alone: mark the build as done, or every run would rebuild.
    touch "$SPARKGRAD_CP_FILE"
  fi
}

sparkgrad_jvm_flags() {
  grep -v '^[[:space:]]*#' "$SPARKGRAD_ROOT/bin/jvm-flags" | tr '\n' ' '
}

# sparkgrad_run MAIN_CLASS [ARGS...]: runs MAIN_CLASS with the examples module's classpath (Spark included).
sparkgrad_run() {
  local main="$1"
  shift
  sparkgrad_build_if_needed
  local cp="$SPARKGRAD_ROOT/examples/target/classes:$(cat "$SPARKGRAD_CP_FILE")"
  # shellcheck disable=SC2046
  exec "${JAVA:-java}" $(sparkgrad_jvm_flags) ${SPARKGRAD_JAVA_OPTS:--Xmx6g} -cp "$cp" "$main" "$@"
}
