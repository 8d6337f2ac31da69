#!/usr/bin/env bash
# The demo behind `./dev.sh demo`: the example application deployed release
# by release on a private PostgreSQL (pre, the hook, post), then two
# engineers adding revisions in parallel and ecluse turning the git conflict
# into a clean chain.
set -euo pipefail
ecluse=$(realpath "${1:-build/src/cli/ecluse}")
root=$(cd "$(dirname "$0")/.." && pwd)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
note() { printf '\033[2m# %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "ecluse $*"; "$ecluse" "$@"; }

work=$(mktemp -d)
scratch_pid=
cleanup() {
  if [ -n "$scratch_pid" ]; then
    kill -INT "$scratch_pid" 2>/dev/null || true
    wait "$scratch_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

say "The example application: 7 pre and 5 post revisions, three releases"
cd "$root"
run heads
note "exactly alembic_version_conflict_detection.txt"
run check

# The project as it stood before each release: the revisions of that
# release are added to a copy, then `ecluse deploy` runs pre, the hook and post.
release_1=(ebb4d23eaaa5 dbb38f85ea88 12c2305eba23)
release_2=(45b1cb474d4b 8d355450ac54 9c335497c732 ad3a8226b687)
release_3=(26231c8784d5 d8cee81c3474 f5e53a6966d3 3b7673895d5a 3fc966982cf1)
titles=("" "September: the launch, users, venues, offers and bookings"
  "October: bookings get an exact amount; legacy_price is on its way out"
  "November: offer categories, amount NOT NULL, legacy_price dropped")

app=$work/app
mkdir -p "$app/migrations/pre" "$app/migrations/post"
cp -R "$root/deploy" "$app/deploy"
touch "$app/alembic_version_conflict_detection.txt"

url_file=$work/scratch-url
"$ecluse" scratch >"$url_file" 2>/dev/null &
scratch_pid=$!
for _ in $(seq 1 300); do [ -s "$url_file" ] && break; sleep 0.1; done
url=$(cat "$url_file")
if [ -z "$url" ]; then
  echo "the private PostgreSQL (ecluse scratch) did not start; run \`ecluse scratch\` to see why" >&2
  exit 1
fi
export ECLUSE_DATABASE_URL=$url
say "A private PostgreSQL for the demo"
echo "\$ ecluse scratch &    # prints its URL, removes everything on exit"
echo "\$ export ECLUSE_DATABASE_URL=$url"

cd "$app"
for release in 1 2 3; do
  say "Release $release (${titles[$release]})"
  revisions="release_$release[@]"
  added=0
  for revision in "${!revisions}"; do
    for file in "$root"/migrations/*/*_"$revision"_*.sql; do
      cp "$file" "$app/migrations/$(basename "$(dirname "$file")")/"
      added=$((added + 1))
    done
  done
  "$ecluse" heads --rewrite >/dev/null 2>&1
  note "git pull: $added new revisions in migrations/, the conflict file names the new heads"
  if [ "$release" = 3 ]; then
    run deploy --plan
    echo
  fi
  run deploy
  note "release $release, now alone, on the schema post just changed:"
  deploy/app/run "$release"
done
echo
run status
unset ECLUSE_DATABASE_URL

say "Two engineers, two git branches, one revision each"
mkdir "$work/git" && cd "$work/git"
export GIT_AUTHOR_NAME=Demo GIT_AUTHOR_EMAIL=demo@example.org GIT_COMMITTER_NAME=Demo \
  GIT_COMMITTER_EMAIL=demo@example.org GIT_EDITOR=true GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
git init -q -b main
"$ecluse" init >/dev/null
"$ecluse" -q revision -m "create users" --head pre@head >/dev/null
git add -A && git commit -q -m "release 1"
git checkout -q -b alice
"$ecluse" -q revision -m "add bookings" --head pre@head >/dev/null
git add -A && git commit -q -m "alice: bookings"
git checkout -q main
"$ecluse" -q revision -m "add venues" --head pre@head >/dev/null
git add -A && git commit -q -m "bob: venues"
echo "alice and bob each added a pre revision on top of 'create users'; bob merged first."

say "alice rebases on main: git stops on the conflict file, as designed"
git checkout -q alice
git rebase main >/dev/null 2>&1 || true
git status --short
run check || true

say "ecluse rebase puts alice's revision on top of bob's"
run rebase
git rebase --continue >/dev/null 2>&1
run history
