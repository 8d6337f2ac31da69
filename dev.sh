#!/usr/bin/env bash
# The developer's entry point, and the README's quick start:
#
#   ./dev.sh demo    install what is missing, build, run the demo
#   ./dev.sh test    install what is missing, build, run every test
#                    (plain build, ASan+UBSan build, fuzz targets)
#   ./dev.sh build   install what is missing and build build/src/cli/ecluse
#   ./dev.sh package build (release) and package into dist/: the .deb and
#                    the tarball with its libraries (scripts/package.sh)
#   ./dev.sh deps    only install what is missing
#
# Installing uses apt-get (as root, or through sudo) and says nothing when
# every package is already there.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES=(
  meson ninja-build pkg-config g++ git
  libpq-dev libboost-program-options-dev nlohmann-json3-dev libspdlog-dev
  doctest-dev libpg-query-dev libssl-dev libtoml11-dev
  postgresql-15 postgresql-client-15
)
# Packaging (./dev.sh package, and the tests) needs these.
PACKAGE_PACKAGES=(dpkg-dev patchelf binutils)
# Only the tests need these: the fuzz targets build with clang's libFuzzer.
# The GitHub Actions example's test reads its YAML with python3-yaml; the
# man pages and completions are checked with groff and the real shells; the
# hooks with the pre-commit framework; `adopt` with a real Alembic project.
TEST_PACKAGES=(clang libclang-rt-14-dev clang-format python3-yaml groff-base man-db bash-completion
  zsh fish pre-commit python3-alembic python3-psycopg2)

install_missing() {
  local missing=()
  for package in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$package")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# meson setup once per folder, then an incremental build.
build_in() {
  local dir=$1; shift
  if [ ! -f "$dir/build.ninja" ]; then
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
    rm -f "$dir.setup.log"
  fi
  ninja -C "$dir" >/dev/null || ninja -C "$dir"
}

# "N passed, N failed, N skipped" over every testlog.json given.
# The first argument counts failures found outside meson (a broken build).
summarize() {
  local passed=0 failed=$1 skipped=0 result
  shift
  for log in "$@"; do
    [ -f "$log" ] || continue
    while read -r result; do
      case "$result" in
        OK|EXPECTEDFAIL) passed=$((passed + 1)) ;;
        SKIP) skipped=$((skipped + 1)) ;;
        *) failed=$((failed + 1)) ;;
      esac
    done < <(grep -o '"result": *"[A-Z]*"' "$log" | sed 's/.*"\([A-Z]*\)"$/\1/')
  done
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
}

# One counted check outside meson, recorded the way testlog.json records a
# test (exit 77 is a skip, as in meson): step LOG NAME COMMAND...
step() {
  local log=$1 name=$2 result start rc=0
  shift 2
  start=$(date +%s)
  "$@" >"$log.$(basename "$name").txt" 2>&1 || rc=$?
  case "$rc" in 0) result=OK ;; 77) result=SKIP ;; *) result=FAIL ;; esac
  printf '{"name": "%s", "result": "%s", "duration": %s}\n' "$name" "$result" "$(($(date +%s) - start))" >>"$log"
  echo "$name: $result ($(($(date +%s) - start)) s)"
  [ "$result" = FAIL ] && { tail -n 40 "$log.$(basename "$name").txt"; return 1; }
  return 0
}

# Mermaid's parser, for the test of history's Mermaid output, from the npm
# registry with the machine's node (tests/mermaid/run skips without it).
install_mermaid() {
  local dir=$1/tests/mermaid
  [ -d "$dir/node_modules/mermaid" ] && return 0
  command -v npm >/dev/null || { echo "npm is missing: the Mermaid test will be skipped"; return 0; }
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error mermaid@11 >/dev/null ||
    echo "npm could not install mermaid: the Mermaid test will be skipped"
}

run_tests() {
  install_missing "${PACKAGES[@]}" "${PACKAGE_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
  local logs=() status=0 broken_builds=0
  # Each build starts from scratch so that a stale folder cannot hide a failure.
  rm -rf build-test build-san build-fuzz
  echo "== plain build (warnings are errors)"
  if build_in build-test -Dwerror=true; then
    install_mermaid build-test
    meson test -C build-test --print-errorlogs --num-processes 2 || status=1
    logs+=(build-test/meson-logs/testlog.json)
    # The package from this build rather than a third compilation.
    echo "== package (from build-test): the .deb installed, the tarball in a bare chroot"
    local steps=build-test/meson-logs/package.json
    : >"$steps"
    if step "$steps" package/build scripts/package.sh build-test build-test/dist; then
      step "$steps" package/deb tests/package/deb.sh build-test/dist || status=1
      step "$steps" package/tarball tests/package/tarball.sh build-test/dist || status=1
    else
      status=1
    fi
    logs+=("$steps")
  else
    broken_builds=$((broken_builds + 1))
  fi

  # One clang build serves both the sanitizer run of every test and the
  # fuzz targets: its libraries carry libFuzzer's coverage instrumentation,
  # which costs the tests little, and clang compiles this code about four
  # times faster than g++ under the sanitizers.
  echo "== AddressSanitizer + UndefinedBehaviorSanitizer build (clang, with the fuzz targets)"
  if CXX=clang++ build_in build-san -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dfuzz_seconds="${ECLUSE_FUZZ_SECONDS:-30}"; then
    install_mermaid build-san
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
      meson test -C build-san --print-errorlogs --num-processes 2 --no-suite lint --no-suite fuzz \
      --no-suite docs \
      --logbase sanitizers || status=1
    logs+=(build-san/meson-logs/sanitizers.json)
    echo "== fuzz targets (libFuzzer, ASan + UBSan, ${ECLUSE_FUZZ_SECONDS:-30} s each)"
    meson test -C build-san --suite fuzz --print-errorlogs --num-processes 2 --logbase fuzz || status=1
    logs+=(build-san/meson-logs/fuzz.json)
  else
    broken_builds=$((broken_builds + 1))
  fi

  [ "$broken_builds" -eq 0 ] || { echo "$broken_builds build(s) failed"; status=1; }
  summarize "$broken_builds" "${logs[@]}" || status=1
  return $status
}

case "${1:-}" in
  deps) install_missing "${PACKAGES[@]}" ;;
  build) install_missing "${PACKAGES[@]}"; build_in build --buildtype=release ;;
  demo) install_missing "${PACKAGES[@]}"; build_in build --buildtype=release; exec ./scripts/demo.sh build/src/cli/ecluse ;;
  package)
    install_missing "${PACKAGES[@]}" "${PACKAGE_PACKAGES[@]}"
    build_in build --buildtype=release
    exec scripts/package.sh build dist ;;
  test) run_tests ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
