#!/usr/bin/env bash
# The shipped detector's evaluation for its model card (models/README.md), on data it never saw:
#   1. UTKFace's holdout chips (real) against fresh samples of the shipped generator (fake);
#   2. the six held-out real videos against their altered versions, replace and invert
#      (frame labels from the truth files);
#   3. the laundering control: the same six videos re-encoded by the project's writer with nothing
#      altered (`deepfake alter --mode reencode`), scored as real: a detector of compression would
#      call them fake;
#   4. Olivetti (grey, replicated to RGB) and dlib's face chips and photos as extra real faces, for
#      the false-positive rate; both go through face detection and the crop convention.
# Altered and re-encoded videos are cached in WORK (skipped when present). Prints each evaluation's
# table and writes WORK/TAG*.json (deepfake-detector-evaluation/1) and WORK/TAG*.svg (ROC curves);
# TAG (empty by default) keeps the reports of another model apart, e.g. the raw GAN discriminator:
#   MODEL=models/utkface64-dcgan32.safetensors TAG=raw- tools/evaluate_detector.sh
#   tools/evaluate_detector.sh            # models/deepfake-detector.safetensors
#   MODEL=/tmp/d.safetensors WORK=/tmp/eval tools/evaluate_detector.sh
# FACES picks the face detector that scoring uses (mediapipe by default; haar for the cascade),
# ALTER_FACES the one `alter` uses when it makes the altered videos (cached in WORK, so a second
# run with another FACES scores the same altered videos):
#   ALTER_FACES=haar FACES=haar WORK=/tmp/eval tools/evaluate_detector.sh
#   ALTER_FACES=haar FACES=mediapipe TAG=mediapipe- WORK=/tmp/eval tools/evaluate_detector.sh
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-../shared/data}
MODEL=${MODEL:-models/deepfake-detector.safetensors}
GAN=${GAN:-models/utkface64-dcgan32.safetensors}
WORK=${WORK:-runs/detector-evaluation}
SAMPLES=${SAMPLES:-2048}
FACES=${FACES:-mediapipe}
ALTER_FACES=${ALTER_FACES:-mediapipe}
[ -s "$MODEL" ] || { echo "no detector at $MODEL: run tools/build_detector.sh first (or set MODEL)" >&2; exit 1; }
if [ -n "${DEEPFAKE_BIN:-}" ]; then
  bin=$DEEPFAKE_BIN
else
  swift build -c release --product deepfake >/dev/null
  bin="$(swift build -c release --show-bin-path)/deepfake"
fi
mkdir -p "$WORK"
# shellcheck source=tools/detector_held_out.sh
source tools/detector_held_out.sh
evaluate() {  # name, then evaluate-detector arguments
  local name=$1; shift
  echo "== $name"
  "$bin" evaluate detector --model "$MODEL" --detector "$FACES" "$@" --report "$WORK/${TAG:-}$name.json" --roc "$WORK/${TAG:-}$name.svg"
  echo
}

# 1. UTKFace holdout against fresh generator samples (seed 424242, never used in training).
if [ ! -d "$WORK/holdout" ]; then
  mkdir -p "$WORK/holdout.partial"
  tr -d '\r' < "$DATA/utkface/index.csv" | awk -F, 'NR > 1 && $7 == "holdout" { print $1 }' | while read -r f; do
    ln -sf "$(realpath "$DATA/utkface/faces64/$f")" "$WORK/holdout.partial/$f"
  done
  mv "$WORK/holdout.partial" "$WORK/holdout"
fi
if [ ! -d "$WORK/samples" ]; then
  "$bin" generate --model "$GAN" --count "$SAMPLES" --seed 424242 --out "$WORK/samples.partial"
  mv "$WORK/samples.partial" "$WORK/samples"
fi
evaluate utkface-vs-samples --real "$WORK/holdout" --fake "$WORK/samples"

# 2 and 3. Held-out videos: altered in both modes, and re-encoded with nothing altered.
real=() fake=() laundered=()
seed=1000
for relative in "${held_out[@]}"; do
  video="$DATA/$relative"
  name=$(echo "${relative%.*}" | tr '/' '_')
  real+=("$video")
  for mode in replace invert reencode; do
    seed=$((seed + 1))
    out="$WORK/videos/$name-$mode.mp4"
    mkdir -p "$WORK/videos"
    if [ ! -s "$out.truth.json" ]; then
      "$bin" alter "$video" --out "$out" --mode "$mode" --model "$GAN" --seed "$seed" --detector "$ALTER_FACES" 2>&1 | tail -1
    fi
    if [ "$mode" = reencode ]; then laundered+=("$out"); else fake+=("$out"); fi
  done
done
fake_args=(); for f in "${fake[@]}"; do fake_args+=(--fake "$f"); done
real_args=(); for f in "${real[@]}"; do real_args+=(--real "$f"); done
laundered_args=(); for f in "${laundered[@]}"; do laundered_args+=(--real "$f"); done
evaluate videos "${real_args[@]}" "${fake_args[@]}"
evaluate videos-reencoded "${laundered_args[@]}" "${fake_args[@]}"

# 4. Extra real faces: Olivetti (64x64 grey, enlarged 3x and padded so the cascade finds the
#    face, then cut by the crop convention) and dlib's chips and photos.
if [ ! -d "$WORK/olivetti" ]; then
  mkdir -p "$WORK/olivetti.partial"
  ffmpeg -v error -f rawvideo -pix_fmt gray -s 64x64 -i "$DATA/olivetti/olivetti_400x64x64_u8.raw" \
    -vf "scale=192:192:flags=bicubic,pad=288:288:48:48:color=gray,format=rgb24" "$WORK/olivetti.partial/face_%03d.png"
  mv "$WORK/olivetti.partial" "$WORK/olivetti"
fi
dlib=(); for d in "$DATA"/dlib/johns/*/; do dlib+=(--real "$d"); done
evaluate extra-real --real "$WORK/olivetti" "${dlib[@]}" --real "$DATA/dlib/faces" "${fake_args[@]}"
