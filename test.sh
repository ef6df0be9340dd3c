#!/usr/bin/env bash
# Runs every Hearth test: the browser runtime's build and tests, then the .NET suites.
set -euo pipefail
cd "$(dirname "$0")"

# Headless Chromium for the browser tests (Debian's, never a downloaded build).
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium chromium-driver >/dev/null; fi
fi

if [ -f web/package.json ]; then
  (cd web && npm ci --no-audit --no-fund && npm run build && npm test)
fi

dotnet test Hearth.slnx -c Release --logger "console;verbosity=normal" 2>&1 | tee /tmp/hearth-dotnet-test.log
