#!/usr/bin/env bash
# `deepfake alter` throughput on a 640x360 clip, per stage, beside the ffmpeg program re-encoding
# the same clip with the same encoder settings (the floor any alteration pipeline pays).
#   make bench-alter            (or: tools/bench/alter.sh [CLIP])
# Env: MODEL (GAN file, default models/utkface64-dcgan32.safetensors), ROUNDS (2), OUT (/tmp/alter-bench).
# Targets: replace >= 15 frames/s, invert >= 2 frames/s on 2 cores. Take figures on a quiet machine:
# the load average is printed before each run.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLIP=${1:-../shared/data/face_recognition/videos/short_hamilton_clip.mp4}
MODEL=${MODEL:-models/utkface64-dcgan32.safetensors}
ROUNDS=${ROUNDS:-2}
OUT=${OUT:-/tmp/alter-bench}
[ -f "$CLIP" ] || { echo "no clip at $CLIP: the benchmark needs ../shared/data" >&2; exit 1; }
[ -f "$MODEL" ] || { echo "no generator at $MODEL: set MODEL or run tools/train_generator.sh" >&2; exit 1; }
swift build -c release --product deepfake >/dev/null
BIN="$(swift build -c release --show-bin-path)/deepfake"
mkdir -p "$OUT"
load() { cut -d' ' -f1-3 /proc/loadavg; }
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "$CLIP")
echo "clip: $CLIP ($frames frames), model: $MODEL"

best_ffmpeg=""
for r in $(seq "$ROUNDS"); do
  echo "== round $r (load average $(load))"
  start=$(date +%s.%N)
  ffmpeg -v error -y -i "$CLIP" -c:v libx264 -crf 18 -preset veryfast -pix_fmt yuv420p -c:a copy "$OUT/ffmpeg.mp4"
  fps=$(python3 -c "print($frames / ($(date +%s.%N) - $start))")
  printf 'ffmpeg re-encode (decode + libx264 crf 18 veryfast + audio copy): %.1f frames/s\n' "$fps"
  best_ffmpeg=$(python3 -c "print(max($fps, ${best_ffmpeg:-0}))")
  for mode in replace invert; do
    "$BIN" alter "$CLIP" --out "$OUT/$mode.mp4" --model "$MODEL" --mode "$mode" --json 2>/dev/null > "$OUT/$mode-$r.json"
    python3 - "$OUT/$mode-$r.json" "$mode" "$best_ffmpeg" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t = s["timings"]
fps = s["frames"] / t["total"]
stages = ", ".join(f"{k} {t[k]:.2f} s" for k in ("decode", "detect", "generate", "blend", "encode") if k in t)
target = 15 if sys.argv[2] == "replace" else 2
print(f"alter --mode {sys.argv[2]}: {fps:.1f} frames/s (target >= {target}; {fps / float(sys.argv[3]):.2f}x the ffmpeg "
      f"re-encode), {s['faces_altered']} faces in {s['tracks']} tracks\n  stages: {stages}, total {t['total']:.2f} s")
PY
  done
done
