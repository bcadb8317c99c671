#!/usr/bin/env bash
# Measures the platform's cold start after a build: from launching the AppHost to every
# service's /health answering 200 on the development ports, then how long a SIGTERM takes to
# leave no process behind. Usage: scripts/measure-cold-start.sh [runs]
# FRESH=1 gives every run a new, empty data folder (initdb included).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}

dotnet build AppHost --nologo -v quiet -clp:ErrorsOnly
scripts/prerequisites.sh
scripts/dev-certificate.sh

export ASPNETCORE_ENVIRONMENT=Development DOTNET_ENVIRONMENT=Development
export ASPNETCORE_URLS=https://localhost:17100
export ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=https://localhost:21100
export ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=https://localhost:22100

now_ms() { date +%s%3N; }
fresh=""
trap '[ -n "$fresh" ] && rm -rf "$fresh"' EXIT
for run in $(seq 1 "$runs"); do
  if [ "${FRESH:-0}" = 1 ]; then
    fresh=$(mktemp -d /tmp/healthplatform-cold-XXXXXX); chmod 755 "$fresh"
    export LocalInfrastructure__DataDirectory=$fresh
  fi
  start=$(now_ms)
  AppHost/bin/Debug/net10.0/HealthPlatform.AppHost >/tmp/healthplatform-cold-start.log 2>&1 &
  apphost=$!
  for port in 7001 7002 7003 7004 7005; do
    until curl -sf -m 2 "http://127.0.0.1:$port/health" >/dev/null; do
      kill -0 "$apphost" 2>/dev/null || { echo "AppHost exited; see /tmp/healthplatform-cold-start.log" >&2; exit 1; }
      if [ $(( $(now_ms) - start )) -gt 300000 ]; then echo "not healthy after 300 s" >&2; kill -TERM "$apphost"; exit 1; fi
      sleep 0.2
    done
  done
  healthy=$(now_ms)

  kill -TERM "$apphost"
  wait "$apphost" || true
  until ! pgrep -f 'HealthPlatform\.(Identity|Consent|Records|KeyManagement|Audit)|postgres -D .*healthplatform|healthplatform-[0-9a-f]{8}@localhost|redis-server 127|epmd -port' >/dev/null; do
    if [ $(( $(now_ms) - healthy )) -gt 120000 ]; then echo "processes left after 120 s:" >&2; pgrep -af 'HealthPlatform|rabbitmq|redis-server|epmd' >&2; exit 1; fi
    sleep 0.2
  done
  stopped=$(now_ms)
  [ "${FRESH:-0}" = 1 ] && rm -rf "$fresh"
  awk -v r="$run" -v up=$((healthy - start)) -v down=$((stopped - healthy)) \
    'BEGIN { printf "run %d: all five services healthy after %.1f s; everything stopped %.1f s after SIGTERM\n", r, up / 1000, down / 1000 }'
done
