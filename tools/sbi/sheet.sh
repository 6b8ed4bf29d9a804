#!/usr/bin/env bash
# A contact sheet of self-blended pairs (real | fake | |fake − real| × 4 | mask | boundary) from the
# first frame of each LivePortrait driving clip in ../shared/data, and the pairs/s of one thread at
# 128 px with the detector's post-augmentation (JPEG included).
# Usage: tools/sbi/sheet.sh [OUT.png] [extra sbi-sheet options, e.g. --plain --seed 7]
# (default /tmp/sbi-sheet.png; needs `make models`).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-/tmp/sbi-sheet.png}
shift || true
swift build -c release --product sbi-sheet >/dev/null
"$(swift build -c release --show-bin-path)/sbi-sheet" --data "${DATA:-../shared/data}" --output "$OUT" "$@"
