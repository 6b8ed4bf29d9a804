#!/usr/bin/env python3
"""Record the stage, weak-classifier, node and feature counts that OpenCV 4 reports for the face
cascades, as fixtures/faces/cascade-counts.json. FacesTests checks our XML loader against it.

Run with the peer venv (opencv-python-headless<5):
    .venv-peers/bin/python tools/faces/cascade_counts.py [CASCADE_DIR_ROOT]
The counts come from OpenCV's own FileStorage parser; each cascade is also loaded with
cv2.CascadeClassifier to record the window size and feature type OpenCV itself uses.
"""
import json
import os
import sys

import cv2

ROOT = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/opencv4"
CASCADES = [
    "haarcascades/haarcascade_frontalface_default.xml",
    "haarcascades/haarcascade_frontalface_alt.xml",
    "haarcascades/haarcascade_frontalface_alt2.xml",
    "haarcascades/haarcascade_profileface.xml",
    "haarcascades/haarcascade_eye_tree_eyeglasses.xml",
    "lbpcascades/lbpcascade_frontalface.xml",
    "lbpcascades/lbpcascade_frontalface_improved.xml",
    "lbpcascades/lbpcascade_profileface.xml",
]


def counts(path):
    fs = cv2.FileStorage(path, cv2.FILE_STORAGE_READ)
    root = fs.getFirstTopLevelNode()
    stages = root.getNode("stages")
    cat = int(root.getNode("featureParams").getNode("maxCatCount").real())
    node_step = 3 + ((cat + 31) // 32 if cat > 0 else 1)
    weak, nodes, max_nodes = 0, 0, 0
    per_stage = []
    for i in range(stages.size()):
        wcs = stages.at(i).getNode("weakClassifiers")
        per_stage.append(wcs.size())
        for j in range(wcs.size()):
            n = wcs.at(j).getNode("internalNodes").size() // node_step
            nodes += n
            max_nodes = max(max_nodes, n)
        weak += wcs.size()
    features = root.getNode("features")
    tilted = 0
    for i in range(features.size()):
        t = features.at(i).getNode("tilted")
        if not t.empty() and int(t.real()) != 0:
            tilted += 1
    cc = cv2.CascadeClassifier(path)
    assert not cc.empty(), path
    w, h = cc.getOriginalWindowSize()
    return {
        "featureType": {0: "HAAR", 1: "LBP"}[cc.getFeatureType()],
        "windowWidth": w,
        "windowHeight": h,
        "stages": stages.size(),
        "weakClassifiersPerStage": per_stage,
        "weakClassifiers": weak,
        "nodes": nodes,
        "maxNodesPerTree": max_nodes,
        "features": features.size(),
        "tiltedFeatures": tilted,
    }


out = {"opencv": cv2.__version__, "generator": "tools/faces/cascade_counts.py", "cascades": {}}
for rel in CASCADES:
    out["cascades"][os.path.basename(rel)] = counts(os.path.join(ROOT, rel))
dest = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "faces", "cascade-counts.json")
with open(dest + ".tmp", "w") as f:
    json.dump(out, f, indent=1, sort_keys=True)
    f.write("\n")
os.replace(dest + ".tmp", dest)
print(json.dumps({k: (v["stages"], v["weakClassifiers"], v["features"]) for k, v in out["cascades"].items()}))
