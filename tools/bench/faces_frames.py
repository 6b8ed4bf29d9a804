#!/usr/bin/env python3
"""Frame sets for the MediaPipe face benchmark, written once as PNGs so that MediaPipe's Python
solutions and `faces-bench mediapipe` read identical pixels.

    faces_frames.py [--data ../shared/data] [--out DIR] [--per-clip 8] [--speed-frames 4]
                    [--sets video,utkface-holdout,lfw-faces,lfw-nonfaces,speed]

DIR defaults to ${XDG_CACHE_HOME:-~/.cache}/deepfake-workbench/faces-bench/. Each set is a folder
with PNGs and a list.json: a JSON array of objects, each with at least "path" (absolute), "width"
and "height". A set is rebuilt only when its list.json is missing or was made with other settings
(recorded in its meta.json); run it again and it does nothing. The PNGs hold shared-data pixels:
keep DIR out of the repository.

Sets:
  video/            --per-clip frames (default 8) sampled evenly from every video under --data
                    (*.mp4, *.mov, *.avi, *.mkv, *.webm), decoded with OpenCV (upright; none of
                    the clips carries a rotation). Frame i of k is index floor((i + 0.5) * n / k)
                    of the n decoded frames. Rows: clip (path under --data), frame, width, height,
                    one_person (from tools/faces/one_person_clips.json).
  utkface-holdout/  every UTKFace chip of index.csv's holdout split (faces64/), as the crop
                    convention fit made them (faces-bench fit-crop): the 64x64 chip upscaled 3x to
                    192x192 by RGBImage.resized's bilinear rule (pixel centres aligned, float32,
                    rounded half away from zero; reproduced here in numpy), then padded by half its
                    width (96 px) of replicated edge pixels on every side -> 384x384. File stem kept.
                    Rows add face_box [96, 96, 192, 192] (the chip in the padded image).
  lfw-faces/, lfw-nonfaces/
                    scikit-image's lfw_subset.npy: rows 0-99 faces, 100-199 non-face patches,
                    25x25 grey. Made exactly like the chips, at the same final geometry: resized to
                    192x192 (7.68x, same bilinear rule), padded by 96 px of replicated edge on every
                    side -> 384x384, grey copied to R, G and B. So the patch fills the same share of
                    the frame as a chip does (half its width), a size both of MediaPipe's detectors
                    see well (the full-range detector's 192x192 input then holds a 96-px patch).
                    Rows add index (0-99 within the set) and face_box.
  speed/720p/, speed/1080p/, speed/720x1280/
                    --speed-frames frames (default 4) with faces. There is no 1280x720 landscape
                    clip in the data (driving_d13.mp4 is a true portrait 720x1280, no rotation tag),
                    so 1080p = facenet-pytorch/video.mp4 (1920x1080, 5-8 pedestrians), 720p = the
                    same frames scaled to 1280x720 with cv2.INTER_AREA, and 720x1280 = frames of
                    liveportrait/videos/driving_d13.mp4 (one face), kept as a third group.

Needs OpenCV and numpy (the MediaPipe venv has both: make .venv-mediapipe/bin/python).
"""
import argparse
import csv
import glob
import json
import os
import sys

import cv2
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ONE_PERSON = os.path.join(REPO, "tools", "faces", "one_person_clips.json")
VIDEO_EXTENSIONS = (".mp4", ".mov", ".avi", ".mkv", ".webm")
VERSION = 1  # bump when a set's pixels or rows change

# The convention fit's recipe (Sources/faces-bench/FitCrop.swift defaults).
CHIP_UPSCALE = 3
CHIP_PAD = 0.5
FACE_SIDE = 64 * CHIP_UPSCALE  # 192
SPEED_1080P = "facenet-pytorch/video.mp4"
SPEED_PORTRAIT = "liveportrait/videos/driving_d13.mp4"


# ---------------------------------------------------------------------------------------------------
# Pixels

def taps(source, target):
    """RGBImage.taps for an axis that grows: left/right indices and float32 weights."""
    assert target > source, "only upscaling is reproduced"
    scale = source / target
    centre = (np.arange(target, dtype=np.float64) + 0.5) * scale - 0.5
    clamped = np.clip(centre, 0, source - 1)
    left = np.floor(clamped).astype(np.int64)
    right = np.minimum(left + 1, source - 1)
    fraction = (clamped - left).astype(np.float32)
    w0 = (np.float32(1) - fraction).astype(np.float32)
    w1 = fraction
    same = right == left
    w0[same], w1[same] = np.float32(1), np.float32(0)
    return left, right, w0, w1


def resized_up(image, width, height):
    """RGBImage.resized(width:height:) for a growing image: bilinear, pixel centres aligned,
    horizontal pass into float32, vertical pass, rounded half away from zero."""
    h, w = image.shape[:2]
    src = image.astype(np.float32)
    xl, xr, xw0, xw1 = taps(w, width)
    mid = xw0[None, :, None] * src[:, xl, :] + xw1[None, :, None] * src[:, xr, :]
    yl, yr, yw0, yw1 = taps(h, height)
    out = yw0[:, None, None] * mid[yl] + yw1[:, None, None] * mid[yr]
    out = np.floor(out.astype(np.float64) + 0.5)
    return np.clip(out, 0, 255).astype(np.uint8)


def chip_frame(rgb):
    """Upscale a square patch to FACE_SIDE and pad it by CHIP_PAD of that on every side, replicating
    edge pixels (RGBImage.cropped with a negative origin)."""
    big = resized_up(rgb, FACE_SIDE, FACE_SIDE)
    pad = int(FACE_SIDE * CHIP_PAD)
    return np.pad(big, ((pad, pad), (pad, pad), (0, 0)), mode="edge"), [pad, pad, FACE_SIDE, FACE_SIDE]


def write_png(path, rgb):
    if not cv2.imwrite(path, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)):
        sys.exit(f"cannot write {path}")


# ---------------------------------------------------------------------------------------------------
# Videos

def list_videos(data):
    found = []
    for path in sorted(glob.glob(os.path.join(data, "**", "*"), recursive=True)):
        if path.lower().endswith(VIDEO_EXTENSIONS) and os.path.isfile(path):
            found.append(os.path.relpath(path, data))
    return found


def frame_count(path):
    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        sys.exit(f"OpenCV cannot open {path}")
    n = 0
    while capture.grab():
        n += 1
    capture.release()
    return n


def read_frames(path, wanted):
    """{index: RGB} for the wanted indices, decoding in order."""
    wanted = set(wanted)
    capture = cv2.VideoCapture(path)
    out, index = {}, 0
    while wanted - out.keys():
        ok = capture.grab()
        if not ok:
            break
        if index in wanted:
            ok, bgr = capture.retrieve()
            if ok:
                out[index] = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        index += 1
    capture.release()
    missing = sorted(wanted - out.keys())
    if missing:
        sys.exit(f"{path}: frames {missing} did not decode")
    return out


def evenly(n, k):
    if n <= k:
        return list(range(n))
    return [int((i + 0.5) * n / k) for i in range(k)]


def slug(clip):
    return os.path.splitext(clip)[0].replace(os.sep, "__")


# ---------------------------------------------------------------------------------------------------
# Sets

def make_video(args, folder):
    with open(ONE_PERSON) as f:
        judged = json.load(f)
    one_person = set(judged["one_person"])
    rows = []
    for clip in list_videos(args.data):
        if clip not in one_person and clip not in judged.get("other", {}):
            print(f"note: {clip} is not judged in {os.path.relpath(ONE_PERSON, REPO)}", file=sys.stderr)
        path = os.path.join(args.data, clip)
        n = frame_count(path)
        frames = read_frames(path, evenly(n, args.per_clip))
        os.makedirs(os.path.join(folder, slug(clip)), exist_ok=True)
        for index, rgb in sorted(frames.items()):
            png = os.path.join(folder, slug(clip), f"f{index:05d}.png")
            write_png(png, rgb)
            rows.append({"path": png, "clip": clip, "frame": index, "frames": n,
                         "width": rgb.shape[1], "height": rgb.shape[0],
                         "one_person": clip in one_person})
        print(f"  {clip}: {len(frames)} of {n} frames")
    return rows


def make_utkface(args, folder):
    root = os.path.join(args.data, "utkface")
    with open(os.path.join(root, "index.csv"), newline="") as f:
        names = [r["file"] for r in csv.DictReader(f) if r["split"].strip() == "holdout"]
    rows = []
    for name in names:
        bgr = cv2.imread(os.path.join(root, "faces64", name), cv2.IMREAD_COLOR)
        if bgr is None or bgr.shape[:2] != (64, 64):
            sys.exit(f"cannot read a 64x64 chip {name}")
        frame, box = chip_frame(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
        stem = os.path.splitext(name)[0]
        png = os.path.join(folder, stem + ".png")
        write_png(png, frame)
        rows.append({"path": png, "stem": stem, "width": frame.shape[1], "height": frame.shape[0],
                     "face_box": box})
    return rows


def make_lfw(args, folder, faces):
    patches = np.load(os.path.join(args.data, "scikit-image", "lfw_subset.npy"))
    assert patches.shape == (200, 25, 25), patches.shape
    chosen = patches[:100] if faces else patches[100:]
    rows = []
    for i, patch in enumerate(chosen):
        grey = np.round(patch * 255).astype(np.uint8)  # as lfw_subset_200x25x25_u8.raw
        frame, box = chip_frame(np.repeat(grey[:, :, None], 3, axis=2))
        png = os.path.join(folder, f"{'face' if faces else 'nonface'}_{i:03d}.png")
        write_png(png, frame)
        rows.append({"path": png, "index": i, "width": frame.shape[1], "height": frame.shape[0],
                     "face_box": box})
    return rows


def make_speed(args, folder, resolution):
    clip = SPEED_PORTRAIT if resolution == "720x1280" else SPEED_1080P
    path = os.path.join(args.data, clip)
    n = frame_count(path)
    frames = read_frames(path, evenly(n, args.speed_frames))
    rows = []
    for index, rgb in sorted(frames.items()):
        if resolution == "720p":
            rgb = cv2.resize(rgb, (1280, 720), interpolation=cv2.INTER_AREA)
        png = os.path.join(folder, f"{slug(clip)}_f{index:05d}.png")
        write_png(png, rgb)
        rows.append({"path": png, "clip": clip, "frame": index, "resolution": resolution,
                     "width": rgb.shape[1], "height": rgb.shape[0]})
    return rows


def build(args, name, params, make):
    folder = os.path.join(args.out, name)
    list_path, meta_path = os.path.join(folder, "list.json"), os.path.join(folder, "meta.json")
    if os.path.exists(list_path) and os.path.exists(meta_path):
        with open(meta_path) as f:
            if json.load(f) == params:
                with open(list_path) as g:
                    rows = json.load(g)
                if all(os.path.exists(r["path"]) for r in rows):
                    print(f"{name}: {len(rows)} images (already there)")
                    return
    print(f"{name}: making")
    if os.path.exists(list_path):
        os.remove(list_path)  # list.json last: its presence means the set is complete
    for old in glob.glob(os.path.join(folder, "**", "*.png"), recursive=True):
        os.remove(old)
    os.makedirs(folder, exist_ok=True)
    rows = make(folder)
    with open(meta_path, "w") as f:
        json.dump(params, f, indent=1)
    with open(list_path + ".tmp", "w") as f:
        json.dump(rows, f, indent=0)
    os.replace(list_path + ".tmp", list_path)
    print(f"{name}: {len(rows)} images -> {list_path}")


def main():
    default_out = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"),
                               "deepfake-workbench", "faces-bench")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.path.join(REPO, "..", "shared", "data"))
    ap.add_argument("--out", default=default_out)
    ap.add_argument("--per-clip", type=int, default=8, help="frames sampled from each video")
    ap.add_argument("--speed-frames", type=int, default=4, help="frames per speed resolution")
    ap.add_argument("--sets", default="video,utkface-holdout,lfw-faces,lfw-nonfaces,speed")
    args = ap.parse_args()
    args.data = os.path.abspath(args.data)
    args.out = os.path.abspath(args.out)
    if os.path.commonpath([args.out, REPO]) == REPO:
        ap.error("--out is inside the repository; the frames hold shared-data pixels")
    if not os.path.isdir(args.data):
        ap.error(f"no data at {args.data}")
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    base = {"version": VERSION, "data": args.data, "opencv": cv2.__version__}
    with open(ONE_PERSON) as f:
        judged = json.load(f)
    for name in sets:
        if name == "video":
            build(args, "video", {**base, "per_clip": args.per_clip, "one_person": sorted(judged["one_person"])},
                  lambda d: make_video(args, d))
        elif name == "utkface-holdout":
            build(args, name, base, lambda d: make_utkface(args, d))
        elif name in ("lfw-faces", "lfw-nonfaces"):
            build(args, name, base, lambda d, faces=(name == "lfw-faces"): make_lfw(args, d, faces))
        elif name == "speed":
            for resolution in ("720p", "1080p", "720x1280"):
                build(args, f"speed/{resolution}", {**base, "speed_frames": args.speed_frames},
                      lambda d, r=resolution: make_speed(args, d, r))
        else:
            ap.error(f"unknown set {name}")


if __name__ == "__main__":
    main()
