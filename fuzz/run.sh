#!/usr/bin/env bash
# Short, bounded fuzzing of every target: `fuzz/run.sh [seconds-per-target]` (default 60).
#
# Needs a nightly toolchain and cargo-fuzz. Without nightly it says so and exits 0: the committed
# corpora (fuzz/corpus/*, fuzz/regressions/*) are still replayed on stable by `tests/corpus.rs`.
# New inputs go to a scratch corpus, so a run never dirties the tree; a crash leaves its input in
# fuzz/artifacts/<target>/ and fails the run (copy it to fuzz/regressions/<target>/ with the fix).
set -euo pipefail

secs=${1:-60}
here=$(cd "$(dirname "$0")" && pwd)
targets=(ipc_request pack_manifest config audio_decode)

if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "fuzz/run.sh: no nightly toolchain; skipped fuzzing (tests/corpus.rs still replayed the corpora on stable)"
  exit 0
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz/run.sh: cargo-fuzz is not installed (cargo install cargo-fuzz); skipped fuzzing" \
    "(tests/corpus.rs still replayed the corpora on stable)"
  exit 0
fi

target_dir=${FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$here/target}/fuzz}
scratch=${FUZZ_SCRATCH:-$(mktemp -d "${TMPDIR:-/tmp}/sonora-fuzz.XXXXXX")}
status=0
for t in "${targets[@]}"; do
  mkdir -p "$scratch/$t" "$here/artifacts/$t"
  seeds=("$here/corpus/$t")
  [ -d "$here/regressions/$t" ] && seeds+=("$here/regressions/$t")
  # The analysis engineer's corpus for the same decoder (daemon/analysis/fuzz).
  if [ "$t" = audio_decode ] && [ -d "$here/../daemon/analysis/fuzz/corpus/read_audio_bytes" ]; then
    seeds+=("$here/../daemon/analysis/fuzz/corpus/read_audio_bytes")
  fi
  echo "== fuzz $t for ${secs}s"
  if ! cargo +nightly fuzz run --fuzz-dir "$here" --target-dir "$target_dir" "$t" "$scratch/$t" "${seeds[@]}" -- \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=131072 \
      -artifact_prefix="$here/artifacts/$t/" -print_final_stats=1 2>"$scratch/$t.log"; then
    status=1
    echo "!! $t found a crash; input in $here/artifacts/$t/, log $scratch/$t.log:"
    grep -A30 -m1 -E "panicked|ERROR: libFuzzer|SUMMARY" "$scratch/$t.log" || tail -40 "$scratch/$t.log"
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb|^Done" "$scratch/$t.log" | sed "s/^/   /" || true
  fi
done
exit $status
