#!/usr/bin/env bash
# Runs fuzz targets one after the other: ./run.sh SECONDS [TARGET...] (default: all four).
# Seeds the corpora first (seed.sh); logs go to fuzz/logs/<target>.log, crashes to
# fuzz/artifacts/<target>/. Needs cargo-fuzz; sanitizer flags on stable via RUSTC_BOOTSTRAP.
# SANITIZER=none (default address) runs without AddressSanitizer, about twice as fast; the
# targets' own allocator (fuzz_targets/harness/alloc_limit.rs) still enforces the malloc limit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
secs="${1:-600}"; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(nifti_read dicom_file dicom_folder mesh_read)
target_dir="${FUZZ_TARGET_DIR:-$here/target}"
./seed.sh
mkdir -p logs
for t in "${targets[@]}"; do
  echo "== $t for ${secs}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run -O -s "${SANITIZER:-address}" --target-dir "$target_dir" \
    "$t" "corpus/$t" -- \
    -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -max_len=262144 -print_final_stats=1 > "logs/$t.log" 2>&1 || echo "$t: exit $? (see logs/$t.log)"
  grep -E "^#[0-9]+.*(DONE|INITED)|stat::number_of_executed_units|SUMMARY|panicked" "logs/$t.log" | tail -4 || true
done
