#!/bin/sh
# deploy/examples/kubernetes/release.sh with a fake kubectl on PATH: when
# kubectl errors, and when a Job never finishes, the release stops within a
# bounded time, says why, and exits non-zero; a Job that completes lets it
# go on to the rollout.
set -eu
root=${ECLUSE_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
# The fake: `apply` reads the manifest; `get` answers $FAKE_STATE, or fails
# when it is "error"; everything else succeeds.
cat >"$work/bin/kubectl" <<'FAKE'
#!/bin/sh
case "$1" in
  apply) cat >/dev/null; echo "job.batch/fake created" ;;
  get)
    if [ "$FAKE_STATE" = error ]; then
      echo "The connection to the server localhost:8080 was refused" >&2
      exit 1
    fi
    printf '%s' "$FAKE_STATE" ;;
  *) echo "kubectl $*" ;;
esac
FAKE
chmod +x "$work/bin/kubectl"
PATH=$work/bin:$PATH
export PATH RELEASE=v1 POLL_SECONDS=0 KUBECTL_ATTEMPTS=3

failures=0
# expect NAME STATE EXIT_WANTED MESSAGE
expect() {
  status=0
  FAKE_STATE=$2 JOB_TIMEOUT_SECONDS=2 timeout 30 "$root/deploy/examples/kubernetes/release.sh" \
    >"$work/out" 2>"$work/err" || status=$?
  if [ "$status" = 124 ]; then
    echo "FAILED: $1: release.sh still ran after 30 s"; failures=$((failures + 1))
  elif { [ "$3" = 0 ] && [ "$status" != 0 ]; } || { [ "$3" != 0 ] && [ "$status" = 0 ]; }; then
    echo "FAILED: $1: exit $status"; cat "$work/err"; failures=$((failures + 1))
  elif ! grep -q "$4" "$work/err" "$work/out"; then
    echo "FAILED: $1: no \"$4\" in its output:"; cat "$work/out" "$work/err"; failures=$((failures + 1))
  else
    echo "ok: $1 (exit $status): $(grep -h "$4" "$work/err" "$work/out" | head -n 1)"
  fi
}
expect "kubectl errors" error 1 "release: cannot read job app-migrate-pre-v1: kubectl failed 3 times"
expect "the job never finishes" / 1 "release: job app-migrate-pre-v1 neither completed nor failed within 2s"
expect "the job failed" /1 1 "release: job app-migrate-pre-v1 failed"
expect "the job completed" 1/ 0 "kubectl rollout status deployment/app"
[ "$failures" -eq 0 ]
