#!/usr/bin/env python3
"""OpenCV 4's counts on scikit-image's LFW subset (100 faces, 100 non-faces, 25x25 grey), each
patch upscaled 4x to 100x100 with INTER_LINEAR_EXACT (which our GrayImage.resizedBilinear matches
bit for bit), scanned with haarcascade_frontalface_default, scale 1.1, 5 neighbours, min size 40.
Writes fixtures/faces/lfw-opencv-counts.json (counts only; no pixels leave the shared data).

    .venv-peers/bin/python tools/faces/lfw_counts.py [DATA_DIR]
"""
import json
import os
import sys

import cv2
import numpy as np

DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../../shared/data")
raw = np.fromfile(os.path.join(DATA, "scikit-image/lfw_subset_200x25x25_u8.raw"), np.uint8).reshape(200, 25, 25)
cc = cv2.CascadeClassifier("/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml")
hits = []
for patch in raw:
    big = cv2.resize(patch, (100, 100), interpolation=cv2.INTER_LINEAR_EXACT)
    hits.append(len(cc.detectMultiScale(big, scaleFactor=1.1, minNeighbors=5, minSize=(40, 40))) > 0)
out = {"opencv": cv2.__version__, "generator": "tools/faces/lfw_counts.py", "upscale": 4,
       "scaleFactor": 1.1, "minNeighbors": 5, "minSize": 40,
       "facesDetected": int(sum(hits[:100])), "nonFacesDetected": int(sum(hits[100:])),
       "detectedIndices": [i for i, h in enumerate(hits) if h]}
dest = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "faces", "lfw-opencv-counts.json")
with open(dest + ".tmp", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
os.replace(dest + ".tmp", dest)
print({k: out[k] for k in ("facesDetected", "nonFacesDetected")})
