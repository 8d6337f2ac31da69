#!/bin/sh
# One release on Kubernetes: the pre Job, the rollout, the post Job.
#   RELEASE=v42 deploy/examples/kubernetes/release.sh
# Each step stops the release when it fails, as `ecluse deploy` would:
# pre failed: code N runs, nothing else happens; rollout failed: pre stays
# applied (code N tolerates it), post does not run; post failed: code N+1
# runs, fix the revision and re-apply post-job.yaml.
set -eu
: "${RELEASE:?set RELEASE, the image tag to deploy}"
here=$(dirname "$0")
export RELEASE

run_job() {
  envsubst <"$here/$1-job.yaml" | kubectl apply -f -
  job="app-migrate-$1-$RELEASE"
  # Wait for completion or failure, whichever comes first.
  while :; do
    if kubectl wait --for=condition=complete "job/$job" --timeout=10s >/dev/null 2>&1; then
      kubectl logs "job/$job"
      return 0
    fi
    if kubectl wait --for=condition=failed "job/$job" --timeout=1s >/dev/null 2>&1; then
      kubectl logs "job/$job" >&2
      echo "job $job failed" >&2
      return 1
    fi
  done
}

run_job pre
kubectl set image deployment/app app="registry.example.org/app:$RELEASE"
kubectl rollout status deployment/app --timeout=20m
run_job post
