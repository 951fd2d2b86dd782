#!/usr/bin/env bash
# API tests: start a real `gameplan serve` on a free loopback port with a
# fresh database, run tests/api/*.test.mjs against it (node's test runner),
# stop the server. Exits with the tests' status.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bin="$here/build/gameplan"
# The documents first: docs/openapi.json matches the route table, docs/api.md
# and docs/cli.md cover every route, command and option.
/usr/bin/python3 "$here/tests/api/validate_openapi.py" | tail -1
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
db="$tmp/api.db"
token=$("$bin" init --db "$db" 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --db "$db" --port "$port" > "$tmp/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/api/v1/missions" >/dev/null 2>&1 && break
  sleep 0.1
done
export BASE_URL="http://127.0.0.1:$port" GAMEPLAN_TOKEN="$token" GAMEPLAN_BIN="$bin" \
       GAMEPLAN_DB="$db" EXAMPLES="$here/examples"
node --test --test-reporter=spec "$here"/tests/api/*.test.mjs
