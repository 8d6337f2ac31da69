#!/bin/sh
# One release on Kubernetes: the pre Job, the rollout, the post Job.
#   RELEASE=v42 deploy/examples/kubernetes/release.sh
# The Jobs run the image the repository's Dockerfile builds (ecluse from its
# .deb, and the revisions): see docs/install.md.
# Each step stops the release when it fails, as `ecluse deploy` would:
# pre failed: code N runs, nothing else happens; rollout failed: pre stays
# applied (code N tolerates it), post does not run; post failed: code N+1
# runs, fix the revision and re-apply post-job.yaml.
set -eu
: "${RELEASE:?set RELEASE, the image tag to deploy}"
here=$(dirname "$0")
export RELEASE

# How long a Job may take (past its activeDeadlineSeconds of 3600, Kubernetes
# marks it failed), how often to look, and how many kubectl errors in a row
# stop the release (the API server unreachable, the Job deleted, no rights).
job_timeout=${JOB_TIMEOUT_SECONDS:-3900}
poll_seconds=${POLL_SECONDS:-5}
kubectl_attempts=${KUBECTL_ATTEMPTS:-5}

run_job() {
  envsubst <"$here/$1-job.yaml" | kubectl apply -f -
  job="app-migrate-$1-$RELEASE"
  deadline=$(($(date +%s) + job_timeout))
  errors=0
  # Completion or failure, whichever comes first; never forever.
  while :; do
    if state=$(kubectl get "job/$job" -o 'jsonpath={.status.succeeded}/{.status.failed}' 2>&1); then
      errors=0
      case "$state" in
        [1-9]*/*)
          kubectl logs "job/$job"
          return 0 ;;
        */[1-9]*)
          kubectl logs "job/$job" >&2 || true
          echo "release: job $job failed" >&2
          return 1 ;;
      esac
    else
      errors=$((errors + 1))
      if [ "$errors" -ge "$kubectl_attempts" ]; then
        echo "release: cannot read job $job: kubectl failed $errors times in a row: $state" >&2
        return 1
      fi
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "release: job $job neither completed nor failed within ${job_timeout}s" >&2
      return 1
    fi
    sleep "$poll_seconds"
  done
}

run_job pre
kubectl set image deployment/app app="registry.example.org/app:$RELEASE"
kubectl rollout status deployment/app --timeout=20m
run_job post
