#!/usr/bin/env bash
# Runs every test. The tests start the servers they need (Postgres, Redis, RabbitMQ, the whole
# platform through the AppHost) and stop them afterwards; nothing has to be running first.
set -euo pipefail
cd "$(dirname "$0")"

scripts/prerequisites.sh
scripts/dev-certificate.sh
rm -rf TestResults
status=0
# A test that hangs is cut off (and dumped) instead of blocking the run.
dotnet test HealthPlatform.sln --logger "trx" --results-directory TestResults --blame-hang-timeout 10m "$@" || status=$?
scripts/test-summary.sh TestResults || status=1
exit $status
