#!/usr/bin/env bash
# Makes fixtures/demo/generated_faces.mp4, the clip `make demo` scores: every face in it comes from
# the shipped generator, so the detector should call it fake. No shared data is used.
#
# Two generated faces (seeds chosen so the cascade finds them in every frame) are enlarged to
# 176 px and drift slowly over a soft background for 4 s at 25 fps, 480x270, with a quiet tone as
# audio; then `deepfake alter --mode replace` swaps both for other generated identities,
# so the clip also carries a truth file. Re-run after the shipped generator changes:
#   tools/make_demo_clip.sh
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${MODEL:-models/utkface64-dcgan32.safetensors}
out=fixtures/demo
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if [ -n "${DEEPFAKE_BIN:-}" ]; then
  bin=$DEEPFAKE_BIN   # a binary already built (e.g. while a long job uses the release build)
else
  swift build -c release --product deepfake >/dev/null
  bin="$(swift build -c release --show-bin-path)/deepfake"
fi
mkdir -p "$out"
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }

# Generated faces, kept when the cascade finds the face enlarged on the clip's background (a
# chip filling the whole image is too tight a frame for it).
"$bin" generate --model "$MODEL" --count 16 --seed 7 --out "$work/faces" 2>/dev/null
picked=()
for f in "$work"/faces/*.png; do
  ff -i "$f" -vf "scale=176:176:flags=lanczos,pad=264:264:44:44:color=0x6b7d8c" "$work/probe.png"
  found=$("$bin" faces "$work/probe.png" --out "$work/probe-faces" --min-face 60 2>&1)
  if [[ "$found" == *" 1 faces"* ]]; then
    picked+=("$f")
  fi
  rm -rf "$work/probe-faces"
  [ "${#picked[@]}" -ge 2 ] && break
done
[ "${#picked[@]}" -ge 2 ] || { echo "fewer than 2 of 16 generated faces are detected; try another seed" >&2; exit 1; }
ff -f lavfi -i "color=c=0x6b7d8c:size=480x270:rate=25:duration=4" -i "${picked[0]}" -i "${picked[1]}" \
   -f lavfi -i "sine=frequency=220:duration=4:sample_rate=48000" \
   -filter_complex "[0]geq=r='90+40*Y/H':g='100+30*Y/H':b='120+20*X/W'[bg];\
[1]scale=176:176:flags=lanczos[a];[2]scale=176:176:flags=lanczos[b];\
[bg][a]overlay=x='40+10*sin(t)':y='45+6*cos(t*0.7)'[t1];[t1][b]overlay=x='262-8*sin(t*0.8)':y='50+5*sin(t)'[v]" \
   -map "[v]" -map 3:a -c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -c:a aac -b:a 32k -shortest \
   -movflags +faststart "$work/base.mp4"
"$bin" alter "$work/base.mp4" --out "$out/generated_faces.mp4" --model "$MODEL" --seed 11 --min-face 60
# The truth file names the temporary source; keep only the file name.
python3 - "$out/generated_faces.mp4.truth.json" <<'PY'
import json, sys
p = sys.argv[1]
t = json.load(open(p))
t["source"]["path"] = "generated (tools/make_demo_clip.sh)"
t["output"]["path"] = "fixtures/demo/generated_faces.mp4"
t["generator"]["path"] = "models/utkface64-dcgan32.safetensors"
json.dump(t, open(p, "w"), indent=2, sort_keys=True)
PY
ls -l "$out"
