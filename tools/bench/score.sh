#!/usr/bin/env bash
# deepfake score speed (make bench-score):
#   (a) `deepfake score --count 32` on liveportrait/videos/driving_d13.mp4 (720x1280, 352 frames):
#       total and per-stage seconds from the report's timings; target <= 2 s on 2 cores.
#   (b) `deepfake score --all` on face_recognition/videos/short_hamilton_clip.mp4 (640x360, 275
#       frames) in frames/s, against tools/bench/score_peer.py (OpenCV 4 Haar cascade on every frame
#       at full resolution, scale 1.1, 5 neighbours, min size 40, and PyTorch 2.13 with the same D
#       weights from our safetensors file), alternating rounds so both see the same load; prints
#       the ratio (target >= 2x).
# Usage: tools/bench/score.sh [DATA_DIR]
# Env: PEER_VENV (python with torch 2.13 CPU, safetensors, numpy, opencv-python-headless<5;
#      default .venv-peers), MODEL (detector or GAN checkpoint; default
#      models/deepfake-detector.safetensors), ROUNDS (3).
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${1:-${DATA:-../shared/data}}
PEER_VENV=${PEER_VENV:-.venv-peers}
PY="$PEER_VENV/bin/python"
MODEL=${MODEL:-models/deepfake-detector.safetensors}
ROUNDS=${ROUNDS:-3}
[ -x "$PY" ] || { echo "No Python peer at $PY: run 'make peers' or set PEER_VENV." >&2; exit 1; }
[ -d "$DATA" ] || { echo "No data at $DATA: the benchmark needs ../shared/data." >&2; exit 1; }
[ -f "$MODEL" ] || { echo "No model at $MODEL: build the detector, or set MODEL to a detector or GAN checkpoint." >&2; exit 1; }

swift build -c release --product deepfake >&2
BIN="$(swift build -c release --show-bin-path)/deepfake"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
load() { cut -d' ' -f1-3 /proc/loadavg; }
D13="$DATA/liveportrait/videos/driving_d13.mp4"
HAMILTON="$DATA/face_recognition/videos/short_hamilton_clip.mp4"

stages() {  # report.json -> one line of per-stage seconds
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); t=r["timings"]; s=r["summary"]
print("total %.3f s  (hash %.3f, decode %.3f, detect %.3f, crop %.3f, score %.3f)  %d faces, %d tracks, %s" % (
    t["total"], t.get("hash",0), t["decode"], t["detect"], t["crop"], t["score"], s["faces"], s["tracks"], s["verdict"]))' "$1"
}

echo "model: $MODEL"
echo "== (a) score --count 32, driving_d13.mp4 (720x1280, 352 frames): target <= 2 s  (load average before: $(load))"
echo "   the ffmpeg program decoding the same file to RGB, for scale: $( { /usr/bin/time -f '%e s wall, %U s user' ffmpeg -v error -i "$D13" -f rawvideo -pix_fmt rgb24 -y /dev/null; } 2>&1 )"
# The default settings, then detection on a 640-pixel copy (never below 0.6x, so 40-pixel faces stay findable).
for variant in "default:" "detect-side 640:--detect-side 640"; do
    name=${variant%%:*}
    flags=${variant#*:}
    echo "-- $name"
    for r in $(seq "$ROUNDS"); do
        # shellcheck disable=SC2086
        /usr/bin/time -o "$work/time" -f '%e %U %S' "$BIN" score "$D13" --model "$MODEL" --count 32 $flags --report "$work/d13-$r.json" 2>/dev/null
        read -r wall user sys <"$work/time"
        echo "  round $r: $(stages "$work/d13-$r.json"); process $wall s wall, $(echo "$user + $sys" | bc) s CPU  (load $(load))"
    done
done

echo "== (b) score --all, short_hamilton_clip.mp4 (640x360) against the Python peer  (load average before: $(load))"
echo "   ours: default pipeline for consecutive frames (full resolution, whole-frame scan on every 3rd frame, scans near the tracks between)"
for r in $(seq "$ROUNDS"); do
    "$BIN" score "$HAMILTON" --model "$MODEL" --all --report "$work/ham-$r.json" 2>/dev/null
    ours=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("%.2f %d %d" % (r["input"]["frameCount"] / r["timings"]["total"], r["input"]["frameCount"], r["summary"]["faces"]))' "$work/ham-$r.json")
    peer=$("$PY" tools/bench/score_peer.py "$MODEL" "$HAMILTON")
    read -r ours_fps ours_frames ours_faces <<<"$ours"
    peer_fps=$(sed -E 's/.*fps=([0-9.]+).*/\1/' <<<"$peer")
    ratio=$(echo "scale=2; $ours_fps / $peer_fps" | bc)
    echo "  round $r: ours $ours_fps frames/s ($ours_frames frames, $ours_faces faces; $(stages "$work/ham-$r.json" | cut -d')' -f1)))"
    echo "           peer $peer_fps frames/s ($peer)"
    echo "           ratio ${ratio}x  (load $(load))"
done
echo "load average after: $(load)"
