#!/usr/bin/env python3
"""A before-and-after contact sheet of an altered clip, to check by eye that replaced faces sit in
place without seams.

    tools/alter/contact_sheet.py SOURCE ALTERED OUT.png [--n 4]

Reads ALTERED.truth.json (written by 'deepfake alter'), picks N altered frames spread over the clip,
and lays out four rows: source frames, altered frames, then the face regions of both enlarged 3x
(the first altered face of each frame, with a margin). Frames come from OpenCV's decoder. The sheet
holds the source's pixels: write it outside the repository (e.g. /tmp).
"""
import argparse
import json

import cv2
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("source")
ap.add_argument("altered")
ap.add_argument("out")
ap.add_argument("--n", type=int, default=4)
a = ap.parse_args()

truth = json.load(open(a.altered + ".truth.json"))
frames = [f for f in truth["frames"] if f["faces"]]
if not frames:
    raise SystemExit(f"{a.altered}.truth.json lists no altered frame")
picks = [frames[round(i * (len(frames) - 1) / max(a.n - 1, 1))] for i in range(min(a.n, len(frames)))]


def read(path, indices):
    if path.lower().endswith(".png"):
        return {0: cv2.imread(path)}
    capture, out, i = cv2.VideoCapture(path), {}, 0
    while len(out) < len(indices):
        ok, image = capture.read()
        if not ok:
            break
        if i in indices:
            out[i] = image
        i += 1
    return out


indices = {f["index"] for f in picks}
before, after = read(a.source, indices), read(a.altered, indices)
width = 320
rows = [[], [], [], []]
for f in picks:
    b, af = before[f["index"]], after[f["index"]]
    scale = width / b.shape[1]
    for row, image in ((0, b), (1, af)):
        rows[row].append(cv2.resize(image, (width, round(image.shape[0] * scale)), interpolation=cv2.INTER_AREA))
    x, y, w, h = f["faces"][0]["mask"]
    m = max(w, h) // 3
    x0, y0 = max(x - m, 0), max(y - m, 0)
    x1, y1 = min(x + w + m, b.shape[1]), min(y + h + m, b.shape[0])
    for row, image in ((2, b), (3, af)):
        crop = image[y0:y1, x0:x1]
        side = width
        crop = cv2.resize(crop, (side, round(crop.shape[0] * side / crop.shape[1])), interpolation=cv2.INTER_CUBIC)
        rows[row].append(crop)


def strip(tiles):
    height = max(t.shape[0] for t in tiles)
    padded = [cv2.copyMakeBorder(t, 0, height - t.shape[0], 0, 4, cv2.BORDER_CONSTANT, value=(255, 255, 255)) for t in tiles]
    return np.hstack(padded)


strips = [strip(r) for r in rows]
full = max(s.shape[1] for s in strips)
sheet = np.vstack([cv2.copyMakeBorder(s, 0, 4, 0, full - s.shape[1], cv2.BORDER_CONSTANT, value=(255, 255, 255)) for s in strips])
cv2.imwrite(a.out, sheet)
print(f"{a.out}: frames {[f['index'] for f in picks]}, rows: source, altered, source faces, altered faces")
