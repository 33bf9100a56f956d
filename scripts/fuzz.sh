#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ (not part of CI).
#   scripts/fuzz.sh                 every target, 60 s each, one after another
#   scripts/fuzz.sh TARGET [SECS]   one target
#   scripts/fuzz.sh all SECS        every target, SECS each
#   scripts/fuzz.sh list
# Works on a stable toolchain: RUSTC_BOOTSTRAP=1 lets cargo-fuzz use the
# nightly-only -Z sanitizer flags. Installs cargo-fuzz when missing.
# Corpora grow in fuzz/corpus/<target> (git-ignored), seeded from
# fuzz/seeds/<target>; crashes land in fuzz/artifacts/<target>.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
TARGETS=(settings_parse callback_query redirect_url provider_profile token_response service_export settings_meta connection_string bundle_client_key)
what="${1:-all}"
secs="${2:-60}"
if [[ "$what" == list ]]; then printf '%s\n' "${TARGETS[@]}"; exit 0; fi
if [[ "$what" != all ]]; then TARGETS=("$what"); fi
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t"
  echo "== $t ($secs s)" >&2
  cargo fuzz run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
done
