#!/usr/bin/env bash
# Browser tests of the gameplan web UI (`make browser`).
#
# Builds a database with the example missions using the real binary
# (`gameplan demo --no-serve`), serves it on a free local port, runs the tests in
# tests/browser/*.test.mjs with node's test runner (playwright-core driving
# /usr/bin/chromium, axe-core checking WCAG 2.2 AA), and stops the server on exit.
# Modules resolve from web/node_modules (one package.json and lock file: web/).
#
# Environment:
#   BASE_URL   test an already running server instead of starting one
#   GAMEPLAN   the binary (default build/gameplan)
#   GAMEPLAN_TOKEN  an API token for BASE_URL (set from the demo's output otherwise);
#              without one the revision test is skipped
# Screenshots go to tests/output/browser/ (gitignored).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1
BIN=${GAMEPLAN:-$ROOT/build/gameplan}

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "browser: installing chromium" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null || exit 1
  else
    echo "browser: /usr/bin/chromium is missing (apt-get install -y chromium)" >&2
    exit 1
  fi
fi
if [ ! -d web/node_modules/playwright-core ] || [ ! -d web/node_modules/axe-core ]; then
  (cd web && npm ci --no-audit --no-fund) || exit 1
fi
if [ ! -f build/web/index.html ]; then
  (cd web && npm run --silent build) || exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/gameplan-browser.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${BASE_URL:-}" ]; then
  if [ ! -x "$BIN" ]; then
    echo "browser: $BIN not built (make build/gameplan)" >&2
    exit 1
  fi
  if ! "$BIN" demo --db "$TMP/demo.db" --no-serve >"$TMP/demo.log" 2>&1; then
    echo "browser: '$BIN demo --db $TMP/demo.db --no-serve' failed:" >&2
    cat "$TMP/demo.log" >&2
    exit 1
  fi
  # The demo prints an API token once; the revision test uses it to post a revised value.
  GAMEPLAN_TOKEN=$(sed -n 's/.*API token (shown once): *\([^ ]*\).*/\1/p' "$TMP/demo.log" | tail -n 1)
  export GAMEPLAN_TOKEN
  PORT=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
  GAMEPLAN_WEB="$ROOT/build/web" \
    "$BIN" serve --db "$TMP/demo.db" --port "$PORT" --bind 127.0.0.1 >"$TMP/serve.log" 2>&1 &
  SERVER_PID=$!
  BASE_URL="http://127.0.0.1:$PORT"
  ready=
  for _ in $(seq 1 150); do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "browser: the server exited early:" >&2
      cat "$TMP/serve.log" >&2
      SERVER_PID=
      exit 1
    fi
    if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
      "$BASE_URL/api/v1/missions" 2>/dev/null; then
      ready=1
      break
    fi
    sleep 0.2
  done
  if [ -z "$ready" ]; then
    echo "browser: $BASE_URL/api/v1/missions did not answer within 30 s" >&2
    cat "$TMP/serve.log" >&2
    exit 1
  fi
fi

mkdir -p tests/output/browser
export BASE_URL
echo "browser: testing $BASE_URL"
node --test --test-concurrency=1 --test-reporter=spec tests/browser/*.test.mjs
status=$?
if [ "$status" -ne 0 ] && [ -n "$SERVER_PID" ]; then
  echo "browser: server log:" >&2
  tail -n 40 "$TMP/serve.log" >&2
fi
exit "$status"
