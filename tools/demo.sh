#!/usr/bin/env bash
# The README's first command (`make demo`). STAND-IN: until the detector lands, the main job is
# `deepfake probe` and `deepfake frames` on a committed fixture clip. The detector issue replaces
# this with `deepfake score` on a fixture clip with the model shipped in models/.
set -euo pipefail
cd "$(dirname "$0")/.."
deepfake=${1:?usage: tools/demo.sh PATH_TO_DEEPFAKE_BINARY}
clip=fixtures/video/h264_aac.mp4
out=${DEMO_OUT:-demo-output}
echo "== deepfake probe $clip"
"$deepfake" probe "$clip"
echo
echo "== deepfake frames $clip --count 8 --out $out/frames"
"$deepfake" frames "$clip" --count 8 --out "$out/frames"
ls "$out/frames"
echo
echo "(stand-in demo: scoring with the shipped detector model replaces this once it exists)"
