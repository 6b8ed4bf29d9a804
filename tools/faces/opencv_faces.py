#!/usr/bin/env python3
"""OpenCV 4's CascadeClassifier.detectMultiScale on the raw frames of a manifest written by
bench_frames.py: the peer that our detector is measured against (opencv-python-headless<5).

    opencv_faces.py MANIFEST OUT.json [--cascade XML] [--scale 1.1] [--neighbors 5]
                    [--min-size 40] [--threads 2] [--repeat 1]

OUT.json: {"opencv": version, "settings": {...}, "frames": [{"boxes": [[x,y,w,h],...],
"seconds": best time of detectMultiScale on that frame}]}. The time covers what our detector's
time covers: grey conversion, pyramid, scan and grouping.
"""
import argparse
import json
import time

import cv2
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("manifest")
ap.add_argument("out")
ap.add_argument("--cascade", default="/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml")
ap.add_argument("--scale", type=float, default=1.1)
ap.add_argument("--neighbors", type=int, default=5)
ap.add_argument("--min-size", type=int, default=40)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--repeat", type=int, default=1)
a = ap.parse_args()

cv2.setNumThreads(a.threads)
cc = cv2.CascadeClassifier(a.cascade)
assert not cc.empty(), a.cascade
frames = json.load(open(a.manifest))
out = []
for fr in frames:
    rgb = np.fromfile(fr["path"], np.uint8).reshape(fr["height"], fr["width"], 3)
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    best = float("inf")
    for _ in range(a.repeat):
        t0 = time.perf_counter()
        boxes = cc.detectMultiScale(bgr, scaleFactor=a.scale, minNeighbors=a.neighbors,
                                    minSize=(a.min_size, a.min_size))
        best = min(best, time.perf_counter() - t0)
    out.append({"boxes": [list(map(int, b)) for b in boxes], "seconds": best})
json.dump({"opencv": cv2.__version__, "settings": vars(a), "frames": out}, open(a.out, "w"))
total = sum(f["seconds"] for f in out)
print(f"opencv {cv2.__version__}: {len(out)} frames, {sum(len(f['boxes']) for f in out)} boxes, "
      f"{len(out) / total:.2f} frames/s ({1000 * total / len(out):.1f} ms/frame, {a.threads} threads)")
