#!/usr/bin/env bash
# DEV ONLY: the services' HTTPS listeners use the ASP.NET Core development certificate until a
# certificate is configured (Kestrel__Certificates__Default__Path / __KeyPath). Create it once.
set -euo pipefail
if ! dotnet dev-certs https --check >/dev/null 2>&1; then
  dotnet dev-certs https >/dev/null
fi
