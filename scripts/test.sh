#!/usr/bin/env bash
# The README's test command: installs the test servers, then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "node and npm are needed for the test servers (oauth2-mock-server)" >&2
    exit 1
  fi
fi
# The Kubernetes export tests parse its YAML with PyYAML (a YAML 1.1 parser).
if ! python3 -c 'import yaml' >/dev/null 2>&1; then
  python3 -m pip install --quiet pyyaml 2>/dev/null \
    || { apt-get update -qq && apt-get install -y -qq python3-yaml >/dev/null; }
fi
npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
cargo test --locked "$@"
