"""Python peer of `deepfake score --all` (tools/bench/score.sh): a naive full-rate scorer.

Every frame of the video is read with OpenCV, searched at full resolution with OpenCV 4's frontal
Haar cascade (haarcascade_frontalface_default.xml, scaleFactor 1.1, minNeighbors 5, minSize 40),
and every face is cut by the same crop convention as ours (read from the model's metadata, the
UTKFace chip convention by default), resized to the model's size with INTER_AREA, and scored by
PyTorch 2.13 with the same discriminator weights, loaded from our safetensors file
(`discriminator.main.*` keys; D in eval mode; p_fake = sigmoid(-logit / T)). No tracking, no shot
changes: the straightforward way to do it.

Usage: score_peer.py MODEL.safetensors VIDEO
Prints one line of key=value pairs: frames, faces, seconds, fps, detect_s, score_s, decode_s.
"""
import json
import os
import struct
import sys
import time

import cv2
import numpy as np
import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
from gan_models import Discriminator  # noqa: E402

CASCADES = "/usr/share/opencv4/haarcascades"


def metadata(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        return json.loads(f.read(n)).get("__metadata__", {})


def main():
    model_path, video = sys.argv[1], sys.argv[2]
    torch.set_num_threads(2)
    cv2.setNumThreads(2)
    meta = metadata(model_path)
    size, ndf = int(meta["image_size"]), int(meta["ndf"])
    temperature = float(meta.get("temperature", "1"))
    # A detector file stores its crop convention as JSON; a GAN file (used uncalibrated) names
    # UTKFace's chips in words, and the scorer then uses the project default, utkface-chip-v1.
    crop = {"centerOffsetX": 0.0057, "centerOffsetY": 0.0869, "scale": 0.9697}
    if meta.get("crop", "").startswith("{"):
        crop = json.loads(meta["crop"])
    d = Discriminator(size=size, nc=3, ndf=ndf)
    state = {k[len("discriminator."):]: v for k, v in load_file(model_path).items() if k.startswith("discriminator.")}
    d.load_state_dict(state)
    d.eval()
    logit_net = torch.nn.Sequential(*list(d.main.children())[:-1])
    cascade = cv2.CascadeClassifier(os.path.join(CASCADES, "haarcascade_frontalface_default.xml"))

    capture = cv2.VideoCapture(video)
    frames = faces = 0
    decode_s = detect_s = score_s = 0.0
    start = time.perf_counter()
    while True:
        t = time.perf_counter()
        ok, frame = capture.read()
        decode_s += time.perf_counter() - t
        if not ok:
            break
        frames += 1
        t = time.perf_counter()
        gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        boxes = cascade.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(40, 40))
        detect_s += time.perf_counter() - t
        if len(boxes) == 0:
            continue
        t = time.perf_counter()
        rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
        h, w = rgb.shape[:2]
        crops = []
        for (x, y, bw, bh) in boxes:
            side = max(1, int(round(crop["scale"] * (bw + bh) / 2)))
            cx = x + bw / 2 + crop["centerOffsetX"] * bw
            cy = y + bh / 2 + crop["centerOffsetY"] * bh
            x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
            padded = cv2.copyMakeBorder(rgb, side, side, side, side, cv2.BORDER_REPLICATE)
            square = padded[y0 + side:y0 + 2 * side, x0 + side:x0 + 2 * side]
            crops.append(cv2.resize(square, (size, size), interpolation=cv2.INTER_AREA))
        batch = torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float() / 127.5 - 1
        with torch.no_grad():
            logits = logit_net(batch).view(-1)
        scores = torch.sigmoid(-logits / temperature)
        faces += len(crops)
        score_s += time.perf_counter() - t
        del scores
    seconds = time.perf_counter() - start
    print(f"frames={frames} faces={faces} seconds={seconds:.3f} fps={frames / seconds:.2f} "
          f"decode_s={decode_s:.3f} detect_s={detect_s:.3f} score_s={score_s:.3f}")


if __name__ == "__main__":
    main()
