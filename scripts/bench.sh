#!/usr/bin/env bash
# Reproduces the README "Performance" table (release build, local servers,
# no network). Prints the table as Markdown at the end.
#   scripts/bench.sh                 all figures
#   BENCH_COLD_BUILD=1 scripts/bench.sh   also time a cold release build
#                                    (a separate target dir; takes minutes)
# Needs hyperfine, gh, node/npm, curl and GNU time (apt-get installs them
# when missing and we are root).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v gh >/dev/null || need+=(gh)
command -v curl >/dev/null || need+=(curl)
command -v node >/dev/null || need+=(nodejs npm)
[[ -x /usr/bin/time ]] || need+=(time)
if ((${#need[@]})); then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
[[ -d tests/node/node_modules ]] || npm ci --prefix tests/node --no-audit --no-fund --loglevel=error

cargo build --release --locked -q
BIN=$ROOT/target/release/oauth-setup

W=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT

# An isolated user: own config dir, key, log; a browser that follows the
# authorize redirect like the tests' one. No RUST_LOG: default level.
export HOME=$W/home OAUTH_SETUP_CONFIG_DIR=$W/config OAUTH_SETUP_LOG_FILE=$W/oauth-setup.log
export BROWSER=$W/browser.sh GH_CONFIG_DIR=$W/gh
unset RUST_LOG OAUTH_SETUP_KEY OAUTH_SETUP_KEY_FILE OAUTH_SETUP_SETTINGS GH_TOKEN GITHUB_TOKEN
mkdir -p "$HOME" "$GH_CONFIG_DIR"
printf '#!/bin/sh\n(curl -sS -L -o /dev/null "$1" >/dev/null 2>&1 &)\n' >"$BROWSER"
chmod +x "$BROWSER"

# start_server NAME ARGS...: sets ISSUER_<NAME>
start_server() {
  local name=$1
  shift
  node tests/node/server.mjs "$@" --stats "$W/$name.stats" >"$W/$name.out" &
  PIDS+=($!)
  for _ in $(seq 100); do [[ -s "$W/$name.out" ]] && break; sleep 0.05; done
  printf -v "ISSUER_$name" '%s' "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["issuer"])' "$W/$name.out")"
}

login() { # ISSUER FILE
  "$BIN" login custom --issuer "$1" --client-id app-1 --scopes "openid offline_access" \
    --settings "$2" >/dev/null 2>&1
}

# A: tokens valid for an hour (the cached fast path).
start_server A --ttl 3600
login "$ISSUER_A" "$W/valid.json"
# B: the login token lives 30 s (inside the 60 s renewal skew: expired for
# `token`); renewed tokens live an hour. Each run starts from a copy of the
# expired file (hyperfine --prepare).
start_server B --ttl 30 --refresh-ttl 3600
login "$ISSUER_B" "$W/expired.template.json"

# gh: `gh auth login --with-token` checks the token at api.github.com, so
# offline the token goes straight into gh's hosts.yml (what that command writes).
printf 'github.com:\n    oauth_token: ghp_benchfake0123456789abcdefghijABCDEF\n    user: bench\n    git_protocol: https\n' >"$GH_CONFIG_DIR/hosts.yml"
gh auth token >/dev/null

cat >"$W/burst.sh" <<'EOF'
#!/bin/bash
# burst.sh N BIN FILE: N concurrent `token` calls, waits for all.
n=$1 bin=$2 file=$3
for ((i = 0; i < n; i++)); do "$bin" token --settings "$file" >/dev/null & done
wait
EOF
chmod +x "$W/burst.sh"
PREP="cp $W/expired.template.json $W/run.json"

H="hyperfine -N --style basic"
echo "== token, cached (valid) vs gh auth token" >&2
$H --warmup 20 --runs 300 --export-json "$W/h1.json" \
  -n "oauth-setup token (cached)" "$BIN token --settings $W/valid.json" \
  -n "gh auth token" "gh auth token" >&2

echo "== token, expired (refresh + locked write) vs bare curl refresh" >&2
# The mock server issues a refresh grant for any refresh token string.
$H --warmup 5 --runs 100 --export-json "$W/h2.json" --prepare "$PREP" \
  -n "oauth-setup token (expired)" "$BIN token --settings $W/run.json" \
  -n "curl refresh" "curl -s -o /dev/null -X POST $ISSUER_B/token -d grant_type=refresh_token -d refresh_token=r -d client_id=app-1" >&2

echo "== 50 concurrent token calls on an expired file vs 1" >&2
before=$(grep -c refresh_token "$W/B.stats" || true)
$H --warmup 2 --runs 20 --export-json "$W/h3.json" --prepare "$PREP" \
  -n "1 x token (expired)" "$W/burst.sh 1 $BIN $W/run.json" \
  -n "50 x token (expired, concurrent)" "$W/burst.sh 50 $BIN $W/run.json" \
  -n "50 x token (valid, concurrent)" "$W/burst.sh 50 $BIN $W/valid.json" >&2
after=$(grep -c refresh_token "$W/B.stats" || true)
runs3=$((2 + 20 + 2 + 20))

rss() { # max peak RSS (KB) over 20 runs
  local m=0 v
  for _ in $(seq 20); do
    v=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n1)
    ((v > m)) && m=$v
  done
  echo "$m"
}
rss_tok=$(rss "$BIN" token --settings "$W/valid.json")
rss_gh=$(rss gh auth token)
cp "$W/expired.template.json" "$W/run.json"
rss_exp=$(/usr/bin/time -f %M "$BIN" token --settings "$W/run.json" 2>&1 >/dev/null | tail -n1)

size_raw=$(stat -c %s "$BIN")
strip -o "$W/oauth-setup.stripped" "$BIN"
size_strip=$(stat -c %s "$W/oauth-setup.stripped")

cold="not measured (set BENCH_COLD_BUILD=1)"
if [[ "${BENCH_COLD_BUILD:-}" == 1 ]]; then
  t0=$(date +%s)
  CARGO_TARGET_DIR=$W/cold cargo build --release --locked -q
  cold="$(($(date +%s) - t0)) s on $(nproc) cores"
fi

python3 - "$W" "$rss_tok" "$rss_gh" "$rss_exp" "$size_raw" "$size_strip" "$cold" "$((after - before))" "$runs3" <<'EOF'
import json, sys
w, rss_tok, rss_gh, rss_exp, size_raw, size_strip, cold, refreshes, runs3 = sys.argv[1:]
def med(f):
    return {r["command"]: r["median"] * 1000 for r in json.load(open(f"{w}/{f}"))["results"]}
h1, h2, h3 = med("h1.json"), med("h2.json"), med("h3.json")
tok, gh = h1["oauth-setup token (cached)"], h1["gh auth token"]
exp, curl = h2["oauth-setup token (expired)"], h2["curl refresh"]
one, fifty = h3["1 x token (expired)"], h3["50 x token (expired, concurrent)"]
fifty_valid = h3["50 x token (valid, concurrent)"]
mb = lambda kb: f"{int(kb) / 1024:.1f} MB"
print()
print("| measure | result | compared with | ratio | goal |")
print("|---|---|---|---|---|")
print(f"| `token`, cached valid token (median) | {tok:.2f} ms | `gh auth token` {gh:.2f} ms | {tok / gh:.2f}× | ≤ 3 ms {'✔' if tok <= 3 else '✘'} |")
print(f"| `token`, cached: peak RSS (max of 20) | {mb(rss_tok)} | `gh auth token` {mb(rss_gh)} | {int(rss_tok) / int(rss_gh):.2f}× | ≤ 8 MB {'✔' if int(rss_tok) <= 8192 else '✘'} |")
print(f"| `token`, expired: refresh + locked write (median) | {exp:.2f} ms | bare `curl` refresh {curl:.2f} ms | {exp / curl:.2f}× | ≤ 1.3× {'✔' if exp <= 1.3 * curl else '✘'} |")
print(f"| `token`, expired: peak RSS | {mb(rss_exp)} | | | |")
print(f"| 50 concurrent `token`, expired (wall, median) | {fifty:.1f} ms | 1 `token`, expired {one:.1f} ms | {fifty / one:.2f}× | ≤ 2× {'✔' if fifty <= 2 * one else '✘'} |")
print(f"| 50 concurrent `token`, expired vs 50 on a valid file (the cost of starting 50 processes) | {fifty:.1f} ms | {fifty_valid:.1f} ms | {fifty / fifty_valid:.2f}× | |")
print(f"| refresh requests reaching the server per run (1 or 50 processes) | {int(refreshes) / int(runs3):.2f} ({refreshes} in {runs3} runs) | | | 1 |")
print(f"| binary size, release | {int(size_raw) / 2**20:.1f} MiB (stripped {int(size_strip) / 2**20:.1f} MiB) | | | |")
print(f"| cold release build | {cold} | | | |")
EOF
