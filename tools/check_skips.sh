#!/usr/bin/env bash
# Fails when `swift test` skipped a test whose requirement is in fact met: a test skipped for
# "../shared/data is absent" while ../shared/data exists, for missing MediaPipe models after
# `make models`, or for missing OpenCV cascades after `make deps`. Skips for other reasons (running
# as root) are listed and allowed. Reads the test output (a file, or standard input).
#   swift test 2>&1 | tee test.log; tools/check_skips.sh test.log
set -euo pipefail
cd "$(dirname "$0")/.."
log=${1:-/dev/stdin}
skips=$(grep -E '^.{0,4}(Test|Suite) .* skipped' "$log" || true)
total=$(grep -cE '^.{0,4}(Test|Suite) .* skipped' <<<"$skips" || true)
[ -n "$skips" ] || total=0
echo "skipped tests: $total"
[ "$total" = 0 ] || sed 's/^/  /' <<<"$skips"
bad=""
if [ -d ../shared/data ]; then bad+=$(grep -F '../shared/data is absent' <<<"$skips" || true); fi
if [ -f models/third-party/mediapipe/face_landmark.tflite ]; then bad+=$(grep -F "MediaPipe's face models are not in" <<<"$skips" || true); fi
if [ -d /usr/share/opencv4/haarcascades ]; then bad+=$(grep -F "OpenCV's cascades are not installed" <<<"$skips" || true); fi
if [ -n "$bad" ]; then
  echo "error: these tests were skipped although what they need is here (a test's check of its data is wrong):" >&2
  echo "$bad" >&2
  exit 1
fi
