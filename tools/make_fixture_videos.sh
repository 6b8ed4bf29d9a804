#!/usr/bin/env bash
# Makes the small clips in fixtures/video/ with the ffmpeg program's synthetic sources, and records
# what ffprobe says of each (frame count by decoding, size, codec, rotation) in manifest.json.
# The tests compare the project's reader against that manifest. Re-run after changing a clip:
#   tools/make_fixture_videos.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=fixtures/video
mkdir -p "$out"
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
x264=(-c:v libx264 -preset veryfast -crf 30 -pix_fmt yuv420p -bitexact)

# H.264 + AAC in MP4, with audio (2.4 s: 60 frames at 25 fps, 320x240), faststart.
ff -f lavfi -i testsrc2=size=320x240:rate=25:duration=2.4 -f lavfi -i sine=frequency=440:duration=2.4:sample_rate=48000 \
   "${x264[@]}" -c:a aac -b:a 48k -shortest -movflags +faststart "$out/h264_aac.mp4"
# An odd size: 318x238 (chroma planes of odd width, rows padded by the decoder).
ff -f lavfi -i testsrc2=size=318x238:rate=24:duration=1 "${x264[@]}" "$out/odd_318x238.mp4"
# Variable frame rate: frames at irregular times (every 3rd of a 30 fps source dropped).
ff -f lavfi -i testsrc2=size=320x240:rate=30:duration=1 -vf "select='not(eq(mod(n\,3)\,2))'" \
   -fps_mode vfr "${x264[@]}" "$out/vfr.mp4"
# Display rotation of 90 degrees (stored 320x240, shown 240x320).
# FFmpeg 5.1's muxer ignores the old `rotate` tag and has no -display_rotation yet, so the track
# header's transformation matrix is written directly: the 90-degree clockwise matrix that phones
# write for portrait video ({0, 1, 0; -1, 0, 0; 0, 0, 1} in 16.16 fixed point).
ff -f lavfi -i testsrc2=size=320x240:rate=25:duration=1 "${x264[@]}" "$out/rotated_90.mp4"
python3 - "$out/rotated_90.mp4" <<'PY'
import struct, sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
at = data.find(b"tkhd")
assert at > 0, "no tkhd box"
version = data[at + 4]
# box start (at - 4) + size/type (8) + version/flags (4) + times, id, duration (32 or 20)
# + reserved, layer, group, volume, reserved (16)
matrix = at - 4 + 8 + 4 + (32 if version == 1 else 20) + 16
data[matrix:matrix + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
open(path, "wb").write(data)
PY
# MPEG-4 Part 2 in AVI (no frame count in the header's stream info that FFmpeg exposes).
ff -f lavfi -i testsrc2=size=320x240:rate=25:duration=1 -c:v mpeg4 -q:v 8 "$out/mpeg4.avi"
# VP9 in WebM.
ff -f lavfi -i testsrc2=size=320x240:rate=25:duration=1 -c:v libvpx-vp9 -b:v 200k -deadline realtime -cpu-used 8 "$out/vp9.webm"
# A 1x1 video (H.264 4:4:4: 4:2:0 needs even sizes), for the writer's smallest-size error.
ff -f lavfi -i color=red:s=2x2:r=25:d=0.4 -vf scale=1:1 -c:v libx264 -preset veryfast -crf 30 -pix_fmt yuv444p -bitexact "$out/tiny_1x1.mp4"
# Bad inputs: a truncated faststart MP4 (cut at 60%), an empty file, and text named .mp4.
size=$(stat -c %s "$out/h264_aac.mp4")
head -c $((size * 6 / 10)) "$out/h264_aac.mp4" > "$out/truncated.mp4"
: > "$out/empty.mp4"
printf 'This is a text file, not a video.\n' > "$out/not_video.mp4"

# The manifest: ffprobe's facts for every clip it can read.
python3 - "$out" <<'PY'
import json, os, subprocess, sys
out = sys.argv[1]
manifest = {}
for name in sorted(os.listdir(out)):
    path = os.path.join(out, name)
    if name == "manifest.json":
        continue
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_streams",
         "-show_format", "-of", "json", path], capture_output=True, text=True)
    entry = {"bytes": os.path.getsize(path)}
    if probe.returncode != 0 or not json.loads(probe.stdout or "{}").get("streams"):
        entry["readable"] = False
        manifest[name] = entry
        continue
    facts = json.loads(probe.stdout)
    s = facts["streams"][0]
    rotation = 0
    for side in s.get("side_data_list", []):
        if "rotation" in side:
            rotation = (-int(side["rotation"])) % 360
    entry.update({
        "readable": True,
        "codec": s["codec_name"],
        "width": s["width"],
        "height": s["height"],
        "rotation": rotation,
        "frames": int(s["nb_read_frames"]),
        "container": facts["format"]["format_name"],
        "duration": float(facts["format"].get("duration", 0)),
    })
    manifest[name] = entry
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=2, sort_keys=True)
    f.write("\n")
PY
ls -l "$out"
