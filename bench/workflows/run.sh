#!/usr/bin/env bash
# The workflow benchmark, side by side: the same ASL definition (definition.json) run sequentially for SECONDS (default
# 10) on aws-local-stepfunctions (in memory) and on Contrail (durable, SQLite synchronous=FULL, in process), ROUNDS
# times alternately (default 3: on a shared machine one round of each says little).
# Usage: bench/workflows/run.sh [SECONDS] [ROUNDS]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${1:-10}"
rounds="${2:-3}"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GiB"
(cd "$here" && [ -d node_modules/aws-local-stepfunctions ] || npm ci --no-audit --no-fund --silent)
dotnet build "$root/bench/Contrail.Load" -c Release -v quiet -nologo > /dev/null

for round in $(seq 1 "$rounds"); do
  echo "== round $round, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  node "$here/peer.mjs" "$seconds"
  dotnet "$root/bench/Contrail.Load/bin/Release/net10.0/Contrail.Load.dll" workflows --seconds "$seconds" --definition "$here/definition.json"
done
