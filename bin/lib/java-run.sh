# Sourced by the bin/ launchers: builds the project when its sources changed, then runs a main class of the
# examples module (which sees every module) with the JVM flags Spark needs (bin/jvm-flags, the one list).
# The benchmarks live in test sources (the production jars hold none): sparkgrad_run_bench runs them on the test
# classpath instead.
# shellcheck shell=bash
set -euo pipefail

SPARKGRAD_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SPARKGRAD_CP_FILE="$SPARKGRAD_ROOT/examples/target/classpath.txt"
SPARKGRAD_TEST_CP_FILE="$SPARKGRAD_ROOT/examples/target/test-classpath.txt"
# Embedded Spark binds to loopback unless told otherwise.
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"

# sparkgrad_build_if_needed [compile|test]: the classpath file of that scope, rebuilt when missing or older than a
# pom or a source it depends on (main sources; for test, test sources too).
sparkgrad_build_if_needed() {
  local scope="${1:-compile}" cp_file="$SPARKGRAD_CP_FILE" sources='*/src/main/*'
  if [ "$scope" = test ]; then
    cp_file="$SPARKGRAD_TEST_CP_FILE"
    sources='*/src/*'
  fi
  local stale=""
  if [ ! -f "$cp_file" ]; then
    stale=yes
  elif [ -n "$(find "$SPARKGRAD_ROOT" -path "$SPARKGRAD_ROOT/.git" -prune -o \( -name pom.xml -o -path "$sources" \) \
        -newer "$cp_file" -print -quit)" ]; then
    stale=yes
  fi
  if [ -n "$stale" ]; then
    echo "building Sparkgrad (first run, or sources changed) ..." >&2
    (cd "$SPARKGRAD_ROOT" && ./mvnw -q -B -DskipTests -pl examples -am package dependency:build-classpath \
        -Dmdep.outputFile="target/$(basename "$cp_file")" -Dmdep.includeScope="$scope") >&2
    # The dependency plugin leaves an unchanged file alone: mark the build as done, or every run would rebuild.
    touch "$cp_file"
  fi
}

sparkgrad_jvm_flags() {
  grep -v '^[[:space:]]*#' "$SPARKGRAD_ROOT/bin/jvm-flags" | tr '\n' ' '
  sparkgrad_huge_pages_flag
}

# sparkgrad_huge_pages_flag: -XX:+UseTransparentHugePages where the kernel offers transparent huge pages on request
# (madvise mode; in always mode the heap gets them anyway, in never mode the JVM would only warn). The Java heap then
# faults in 2 MB at a time instead of 4 KB: on the 2-core build VM, whose kernel reclaims idle memory, a fresh 4 KB
# page cost microseconds, and the main job ran 7 % faster with the flag (15.8 s against 17.1 s, means of six
# interleaved runs each, 2026-12-07).
sparkgrad_huge_pages_flag() {
  if grep -qs '\[madvise\]' /sys/kernel/mm/transparent_hugepage/enabled; then
    echo -n " -XX:+UseTransparentHugePages"
  fi
}

# sparkgrad_cds_archive CLASSPATH NAME: the class-data sharing archive of command NAME on CLASSPATH (jars only), a
# file under examples/target/cds/ named by NAME, a hash of the java binary and a hash of every jar's path, size and
# time, so a rebuilt jar gets a new one and each JDK keeps its own (each command too: `sparkgrad config` loads no
# Spark). The main job loads ~15,000 classes (Spark, Scala, Hadoop) from ~200 jars; mapped from the archive instead of
# parsed and verified, Spark's start takes seconds less.
sparkgrad_cds_archive() {
  local java_bin jdk_key cp_key
  java_bin="$(readlink -f "$(command -v "${JAVA:-java}")")"
  jdk_key="$( (stat -c '%n %s %Y' "$java_bin" 2>/dev/null || true) | sha256sum | cut -c1-8)"
  # shellcheck disable=SC2086
  cp_key="$( (stat -c '%n %s %Y' ${1//:/ } 2>/dev/null || true) | sha256sum | cut -c1-16)"
  echo "$SPARKGRAD_ROOT/examples/target/cds/$2-$jdk_key-$cp_key.jsa"
}

# sparkgrad_run MAIN_CLASS [ARGS...]: runs MAIN_CLASS with the examples module's classpath (Spark included).
# Class-data sharing (SPARKGRAD_CDS=0 turns it off): the first run dumps the classes it loaded into an archive when it
# exits (JDK 17's -XX:ArchiveClassesAtExit, a few seconds after the last line), later runs map it.
sparkgrad_run() {
  local main="$1"
  shift
  sparkgrad_build_if_needed
  local cp="$SPARKGRAD_ROOT/examples/target/examples-$(sparkgrad_version).jar:$(cat "$SPARKGRAD_CP_FILE")"
  local java="${JAVA:-java}"
  if [ "${SPARKGRAD_CDS:-1}" = 0 ]; then
    # shellcheck disable=SC2046
    exec "$java" $(sparkgrad_jvm_flags) ${SPARKGRAD_JAVA_OPTS:--Xmx6g} -cp "$cp" "$main" "$@"
  fi
  local name="${main##*.}" archive
  if [[ "${1:-}" =~ ^[a-z][a-z-]*$ ]]; then
    name="$name-$1"
  fi
  archive="$(sparkgrad_cds_archive "$cp" "$name")"
  # CDS's own notes stay quiet: the per-class notes of a dump (classes it skips), and on JDK 24+ the notice, logged as
  # an error, that the JDK's base archive was dumped without our --add-modules/--add-opens (CDS then only skips its
  # module-graph shortcut; a run never fails for its archive).
  local quiet="-Xlog:cds=off -Xlog:cds+dynamic=off"
  if [ -f "$archive" ]; then
    # shellcheck disable=SC2046,SC2086
    exec "$java" $(sparkgrad_jvm_flags) -XX:SharedArchiveFile="$archive" $quiet ${SPARKGRAD_JAVA_OPTS:--Xmx6g} -cp "$cp" "$main" "$@"
  fi
  # First run on this build and JDK: dump to a private file and move it in place once complete, so a run starting
  # meanwhile never maps half an archive; this JDK's archives of older builds go.
  mkdir -p "$(dirname "$archive")"
  local partial="$archive.$$.partial" rc=0 prefix
  prefix="$(basename "$archive" | sed 's/-[0-9a-f]*\.jsa$//')"
  # shellcheck disable=SC2046,SC2086
  "$java" $(sparkgrad_jvm_flags) -XX:ArchiveClassesAtExit="$partial" $quiet \
      ${SPARKGRAD_JAVA_OPTS:--Xmx6g} -cp "$cp" "$main" "$@" || rc=$?
  if [ "$rc" = 0 ] && [ -s "$partial" ]; then
    find "$(dirname "$archive")" -name "$prefix-*.jsa" ! -name "$(basename "$archive")" -delete
    mv -f "$partial" "$archive"
  fi
  rm -f "$partial"
  exit "$rc"
}

# The project version, from the root pom (the examples jar's name).
sparkgrad_version() {
  sed -n 's:^  <version>\(.*\)</version>:\1:p' "$SPARKGRAD_ROOT/pom.xml" | head -1
}

# sparkgrad_run_bench MAIN_CLASS [ARGS...]: runs a benchmark main from the test sources of examples, spark-trainer or
# data-ingest, with the examples module's test classpath (Spark included).
sparkgrad_run_bench() {
  local main="$1"
  shift
  sparkgrad_build_if_needed test
  local cp="$SPARKGRAD_ROOT/examples/target/classes"
  local module
  for module in examples spark-trainer data-ingest; do
    cp="$cp:$SPARKGRAD_ROOT/$module/target/test-classes"
  done
  cp="$cp:$(cat "$SPARKGRAD_TEST_CP_FILE")"
  # shellcheck disable=SC2046
  exec "${JAVA:-java}" $(sparkgrad_jvm_flags) ${SPARKGRAD_JAVA_OPTS:--Xmx6g} -cp "$cp" "$main" "$@"
}
