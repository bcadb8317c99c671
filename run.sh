#!/usr/bin/env bash
# Runs the whole platform: Postgres, Redis, RabbitMQ and the five services, with the Aspire
# dashboard. Containers are used when a container engine answers; otherwise the servers run
# as local processes from the system packages (installed here if missing). Ctrl+C stops all.
set -euo pipefail
cd "$(dirname "$0")"

mode=${Platform__RunMode:-auto}
if [ "${mode,,}" != "containers" ]; then
  scripts/prerequisites.sh
fi
scripts/dev-certificate.sh
exec dotnet run --project AppHost -- "$@"
