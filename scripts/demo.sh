#!/usr/bin/env bash
# The demo behind `./dev.sh demo`: the example application's migrations
# (three releases, pre and post), then two engineers adding revisions in
# parallel and ecluse turning the git conflict into a clean chain.
set -euo pipefail
ecluse=$(realpath "${1:-build/src/cli/ecluse}")
root=$(cd "$(dirname "$0")/.." && pwd)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "ecluse $*"; "$ecluse" "$@"; }

say "The example application: three releases, each with pre and post revisions"
cd "$root"
run heads
echo "(exactly the content of alembic_version_conflict_detection.txt)"
run history
run check

post_with_dependency=$("$ecluse" history | grep '(post)' | grep -m1 '(depends on' | awk '{print $3}' || true)
if [ -n "$post_with_dependency" ]; then
  say "A post revision that waits for a pre revision (depends_on)"
  run show "$post_with_dependency"
fi

say "Applying it: a private PostgreSQL (ecluse scratch), pre first, then post"
url_file=$(mktemp)
"$ecluse" scratch >"$url_file" 2>/dev/null &
scratch_pid=$!
for _ in $(seq 1 300); do [ -s "$url_file" ] && break; sleep 0.1; done
url=$(cat "$url_file")
rm -f "$url_file"
if [ -n "$url" ]; then
  export ECLUSE_DATABASE_URL=$url
  echo "\$ export ECLUSE_DATABASE_URL=$url"
  run upgrade pre@head
  run status
  run upgrade heads
  run current
  run downgrade post@-1
  run downgrade pre@base || echo "(refused, as it should be: post revisions still depend on pre)"
  run upgrade heads
  printf '$ ecluse upgrade pre@base:pre@head --sql   # the same plan as a psql script, no database\n'
  "$ecluse" upgrade pre@base:pre@head --sql | sed -n '1,3p;/-- upgrade pre/p'
else
  echo "(the scratch server did not start; skipping)"
fi
unset ECLUSE_DATABASE_URL
kill -INT "$scratch_pid" 2>/dev/null || true
wait "$scratch_pid" 2>/dev/null || true

say "Two engineers, two git branches, one revision each"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export GIT_AUTHOR_NAME=Demo GIT_AUTHOR_EMAIL=demo@example.org GIT_COMMITTER_NAME=Demo \
  GIT_COMMITTER_EMAIL=demo@example.org GIT_EDITOR=true GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b main
run init
run revision -m "create users" --head pre@head >/dev/null
run revision -m "add users email" --head pre@head >/dev/null
run revision -m "drop users legacy name" --head post@head >/dev/null
git add -A && git commit -q -m "release 1"
cat alembic_version_conflict_detection.txt

git checkout -q -b alice
echo "alice, on her branch:"
run revision -m "add bookings" --head pre@head
git add -A && git commit -q -m "alice: bookings"

git checkout -q main
echo "bob, merged to main first:"
run revision -m "add venues" --head pre@head
git add -A && git commit -q -m "bob: venues"

say "alice rebases on main: git stops on the conflict file, as designed"
git checkout -q alice
git rebase main >/dev/null 2>&1 || true
git status --short
cat alembic_version_conflict_detection.txt
run check || true

say "ecluse rebase puts alice's revision on top of bob's"
run rebase
run check
git rebase --continue >/dev/null 2>&1
git log --oneline --format='  %s'
run history
