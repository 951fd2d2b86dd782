#!/usr/bin/env bash
# Installs what gameplan needs to build, test and demo on a fresh Debian 12
# machine: Debian packages (apt-get, as root; skipped when already present)
# and the web UI's npm packages (npm ci against the committed lock file,
# skipped when node_modules already matches the lock).
#
# Usage: scripts/deps.sh [build|check|bench]
#   build  what `make` and `make demo` need
#   check  plus what `make check` needs (browser, fuzzing, reference tools)
#   bench  plus the peers the benchmarks compare with
set -euo pipefail
level=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)

pkgs=(gcc make pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
      sqlite3 libsodium-dev libcsv-dev libgsl-dev libstemmer-dev nodejs npm)
if [ "$level" = check ] || [ "$level" = bench ]; then
  pkgs+=(libcmocka-dev clang libclang-rt-14-dev chromium fonts-dejavu-core
         python3 python3-numpy python3-scipy python3-statsmodels)
fi
if [ "$level" = bench ]; then
  pkgs+=(wrk hyperfine)
fi
# scripts/deps-extra.txt: one "package level" per line (level: build, check
# or bench), for packages that a single engine or test needs.
rank() { case "$1" in build) echo 0;; check) echo 1;; *) echo 2;; esac; }
if [ -f "$here/scripts/deps-extra.txt" ]; then
  while read -r p l _; do
    case "$p" in ''|'#'*) continue;; esac
    [ "$(rank "${l:-build}")" -le "$(rank "$level")" ] && pkgs+=("$p")
  done < "$here/scripts/deps-extra.txt"
fi

missing=()
for p in "${pkgs[@]}"; do
  # node/npm may come from the machine image rather than Debian's packages
  if [ "$p" = nodejs ] && command -v node >/dev/null; then continue; fi
  if [ "$p" = npm ] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" != 0 ]; then
    echo "deps: run as root (or install these Debian packages): ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Web UI packages: npm ci when node_modules is missing or older than the lock.
web="$here/web"
if [ -f "$web/package-lock.json" ]; then
  stamp="$web/node_modules/.gameplan-ci-stamp"
  if [ ! -f "$stamp" ] || [ "$web/package-lock.json" -nt "$stamp" ]; then
    echo "deps: npm ci in web/"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
  fi
fi
