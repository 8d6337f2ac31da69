#!/usr/bin/env bash
# Fails when a C++ file of the project is not formatted by .clang-format.
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(find src tests fuzz bench -name '*.cpp' -o -name '*.hpp' 2>/dev/null | sort)
bad=0
for file in $files; do
  if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then
    echo "not formatted: $file (run clang-format -i $file)"
    bad=1
  fi
done
exit $bad
