#!/usr/bin/env bash
# The man pages and the shell completions the build writes, as a user meets
# them: every command has its page, listing every option its --help lists,
# and groff reads each page without a warning; bash, zsh and fish complete
# commands, options and the values they take.
#   tests/reference/check.sh DOCS_BUILD_DIR ECLUSE_BIN
set -euo pipefail
docs=$(realpath "${1:?usage: check.sh DOCS_BUILD_DIR ECLUSE_BIN}")
ecluse=$(realpath "${2:?usage: check.sh DOCS_BUILD_DIR ECLUSE_BIN}")
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
for tool in groff bash zsh fish; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: ./dev.sh deps installs it" >&2; exit 1; }
done

# --- man pages -----------------------------------------------------------
commands=$("$ecluse" --help | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }')
[ "$(wc -w <<<"$commands")" -ge 20 ] || fail "ecluse --help lists too few commands: $commands"
for page in ecluse $(sed 's/^/ecluse-/' <<<"$commands"); do
  file=$docs/$page.1
  [ -f "$file" ] || { fail "no man page $page.1"; continue; }
  warnings=$(groff -man -ww -z -Tutf8 "$file" 2>&1)
  [ -z "$warnings" ] || fail "groff warns on $page.1: $warnings"
  command=${page#ecluse-}
  [ "$page" = ecluse ] && help=$("$ecluse" --help) || help=$("$ecluse" "$command" --help)
  for flag in $(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u); do
    grep -qF -- "$(sed 's/-/\\-/g' <<<"$flag")" "$file" || fail "$page.1 does not list $flag"
  done
done
rendered=$(MANWIDTH=80 man -l "$docs/ecluse-upgrade.1" 2>/dev/null || groff -man -Tutf8 "$docs/ecluse-upgrade.1")
grep -q 'ecluse \[global options\] upgrade \[options\] \[TARGET\]' <<<"$rendered" ||
  fail "ecluse-upgrade(1) has no synopsis: $rendered"
grep -q 'another ecluse holds' <<<"$rendered" || fail "ecluse-upgrade(1) lists no exit codes"

# --- bash ----------------------------------------------------------------
bash_complete() { # WORD... (the last one is completed); prints the candidates
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ecluse; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$docs/ecluse.bash" "$@" | sort | tr '\n' ' '
}
expect() { # WHAT GOT WANT...
  local what=$1 got=" $2" word
  shift 2
  for word in "$@"; do
    [[ $got == *" $word "* ]] || fail "$what: expected $word, got:$got"
  done
}
refuse() { # WHAT GOT WORD
  [[ " $2" != *" $3 "* ]] || fail "$1: did not expect $3, got: $2"
}
expect "bash: ecluse up" "$(bash_complete ecluse up)" upgrade
expect "bash: ecluse upgrade --s" "$(bash_complete ecluse upgrade --s)" --sql --statement-timeout
expect "bash: ecluse --format" "$(bash_complete ecluse --format '')" text json github
expect "bash: ecluse --format=j" "$(bash_complete ecluse --format = j)" json
expect "bash: ecluse -C DIR up" "$(bash_complete ecluse -C /tmp up)" upgrade
expect "bash: ecluse --format json data" "$(bash_complete ecluse --format json data '')" load dump
expect "bash: ecluse deploy --phase" "$(bash_complete ecluse deploy --phase '')" pre deploy post
expect "bash: ecluse help dep" "$(bash_complete ecluse help dep)" deploy
refuse "bash: ecluse upgrade --s" "$(bash_complete ecluse upgrade --s)" --sql-file
# A FILE argument offers files, a DIR option folders.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/folder" && touch "$scratch/dump.sql"
expect "bash: ecluse data load FILE" "$(cd "$scratch" && bash_complete ecluse data load '')" dump.sql
expect "bash: ecluse -C DIR" "$(cd "$scratch" && bash_complete ecluse -C '')" folder
refuse "bash: ecluse -C DIR" "$(cd "$scratch" && bash_complete ecluse -C '')" dump.sql

# --- fish ----------------------------------------------------------------
fish_complete() { # COMMAND LINE; prints the candidates
  fish -N -c "source $(printf %q "$docs/ecluse.fish"); complete -C '$1'" | cut -f1 | sort | tr '\n' ' '
}
expect "fish: ecluse up" "$(fish_complete 'ecluse up')" upgrade
expect "fish: ecluse upgrade --s" "$(fish_complete 'ecluse upgrade --s')" --sql --statement-timeout
expect "fish: ecluse --format" "$(fish_complete 'ecluse --format ')" text json github
expect "fish: ecluse deploy --phase" "$(fish_complete 'ecluse deploy --phase ')" pre deploy post
refuse "fish: ecluse upgrade --" "$(fish_complete 'ecluse upgrade --')" --phase

# --- zsh: the real completion system, in a pseudo-terminal ---------------
zsh_complete() { # TYPED; prints what the line shows after a TAB
  ZDOTDIR=$scratch zsh -f -c '
    zmodload zsh/zpty
    zpty z zsh -f -i
    zpty -w z "fpath=($1 \$fpath); autoload -U compinit; compinit -u -D; PS1=\"%% \""
    zpty -w -n z "$2"$'"'"'\t'"'"'
    out="" deadline=$((SECONDS + 10))
    while (( SECONDS < deadline )); do
      zpty -r -t z chunk && out+=$chunk || sleep 0.2
      [[ $out == *"$3"* ]] && break
    done
    zpty -d z
    print -r -- "$out"' _ "$docs" "$1" "$2" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
}
[[ $(zsh_complete 'ecluse up' 'ecluse upgrade') == *'ecluse upgrade'* ]] ||
  fail "zsh: ecluse up does not complete to upgrade"
listing=$(zsh_complete 'ecluse deploy --phase p' 'pre')
[[ $listing == *'pre'* && $listing == *'post'* ]] ||
  fail "zsh: ecluse deploy --phase p does not offer pre and post: $listing"
[[ $(zsh_complete 'ecluse deploy --ph' 'deploy --phase') == *'ecluse deploy --phase'* ]] ||
  fail "zsh: ecluse deploy --ph does not complete to --phase"

if [ "$failures" -ne 0 ]; then
  echo "$failures failures" >&2
  exit 1
fi
echo "man pages and completions: ok"
