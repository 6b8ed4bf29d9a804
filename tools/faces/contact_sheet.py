#!/usr/bin/env python3
"""A contact sheet of face crops beside UTKFace chips, to check by eye that crops are framed like
the chips the generator trains on.

    tools/faces/contact_sheet.py CROPS_DIR UTKFACE_DIR OUT.png [--n 24]

Left block: the first N crops under CROPS_DIR (PNG, e.g. from 'deepfake faces'); right block: N
UTKFace chips (every 97th of faces64/). Both shown at 64x64, 2x enlarged. The sheet holds shared-data
pixels: write it outside the repository (e.g. /tmp).
"""
import argparse
import glob
import os

import cv2
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("crops")
ap.add_argument("utkface")
ap.add_argument("out")
ap.add_argument("--n", type=int, default=24)
a = ap.parse_args()

crops = sorted(glob.glob(os.path.join(a.crops, "**", "*.png"), recursive=True))[: a.n]
chips = sorted(glob.glob(os.path.join(a.utkface, "faces64", "*.jpg")))[::97][: a.n]


def block(paths, cols=6):
    tiles = [cv2.resize(cv2.imread(p), (64, 64), interpolation=cv2.INTER_AREA) for p in paths]
    while len(tiles) % cols:
        tiles.append(np.full((64, 64, 3), 255, np.uint8))
    rows = [np.hstack(tiles[i:i + cols]) for i in range(0, len(tiles), cols)]
    return np.vstack(rows)


left, right = block(crops), block(chips)
h = max(left.shape[0], right.shape[0])
pad = lambda b: np.vstack([b, np.full((h - b.shape[0], b.shape[1], 3), 255, np.uint8)])
sheet = np.hstack([pad(left), np.full((h, 16, 3), 255, np.uint8), pad(right)])
sheet = cv2.resize(sheet, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
cv2.imwrite(a.out, sheet)
print(f"{len(crops)} crops | {len(chips)} chips -> {a.out}")
