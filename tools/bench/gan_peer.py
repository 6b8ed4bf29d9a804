"""PyTorch 2.13 peer of the GAN benchmarks (tools/bench/gan.sh).

  throughput  one DCGAN training iteration (D real + D fake + G) on random batches in [-1, 1];
              prints `images_per_second=...` (median over the timed steps).
  prepare     the shared schedule of the quality run: DIR/init.safetensors (main.py's weights_init
              under a torch seed, as netG.<key>/netD.<key>) and DIR/order.i32 (little-endian int32
              indices into the train split, a numpy-seeded permutation per epoch, batch after batch).
  quality     trains PyTorch's DCGAN from DIR/init.safetensors in DIR/order.i32's order (no flips),
              Adam(2e-4, (0.5, 0.999)), BCE, and writes DIR/torch_generator.safetensors in the
              project's generator format, so `deepfake evaluate gan` scores both sides alike; with
              --save-steps A,B also DIR/torch_generator-step-0000000A.safetensors, ... after those
              steps (the steps of our run's kept checkpoints, so both sides are compared at several).

Images: the train split of utkface/index.csv, decoded by the ffmpeg program to raw RGB in the
index's (file name) order, the order `deepfake train` reads them in.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from safetensors.torch import load_file, save_file

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
from gan_models import Discriminator, Generator, weights_init  # noqa: E402


def train_split(index, split):
    with open(index) as f:
        return [row["file"] for row in csv.DictReader(f) if row["split"] == split]


def load_images(folder, files):
    """uint8 [N, 64, 64, 3] of the given files: ffmpeg decodes the whole folder in name order (the
    way utkface/SOURCE.md describes), then the listed files are picked."""
    names = sorted(n for n in os.listdir(folder) if n.lower().endswith((".jpg", ".jpeg", ".png")))
    raw = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-pattern_type", "glob", "-i",
                          os.path.join(folder, "*.jpg"), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    images = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 64, 64, 3)
    if len(images) != len(names):
        sys.exit(f"ffmpeg decoded {len(images)} images, the folder holds {len(names)}")
    position = {name: i for i, name in enumerate(names)}
    return images[[position[name] for name in files]]


def iteration(netG, netD, optG, optD, criterion, real, nz):
    batch = real.size(0)
    netD.zero_grad()
    errD_real = criterion(netD(real), torch.full((batch,), 1.0))
    errD_real.backward()
    fake = netG(torch.randn(batch, nz, 1, 1))
    errD_fake = criterion(netD(fake.detach()), torch.full((batch,), 0.0))
    errD_fake.backward()
    optD.step()
    netG.zero_grad()
    errG = criterion(netD(fake), torch.full((batch,), 1.0))
    errG.backward()
    optG.step()
    return (errD_real + errD_fake).item(), errG.item()


def models(args):
    netG, netD = Generator("dcgan", 64, 3, args.nz, args.ngf), Discriminator("dcgan", 64, 3, args.ndf)
    optD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    return netG, netD, optG, optD


def throughput(args):
    torch.manual_seed(args.seed)
    netG, netD, optG, optD = models(args)
    netG.apply(weights_init)
    netD.apply(weights_init)
    criterion = nn.BCELoss()
    real = torch.rand(args.batch, 3, 64, 64) * 2 - 1
    times = []
    for step in range(args.steps + 2):
        start = time.perf_counter()
        iteration(netG, netD, optG, optD, criterion, real, args.nz)
        if step >= 2:
            times.append(time.perf_counter() - start)
    print(f"images_per_second={args.batch / float(np.median(times)):.2f}")


def prepare(args):
    files = train_split(args.index, "train")
    torch.manual_seed(args.seed)
    netG, netD, _, _ = models(args)
    netG.apply(weights_init)
    netD.apply(weights_init)
    tensors = {f"netG.{k}": v.float().contiguous() for k, v in netG.state_dict().items()}
    tensors.update({f"netD.{k}": v.float().contiguous() for k, v in netD.state_dict().items()})
    os.makedirs(args.dir, exist_ok=True)
    save_file(tensors, os.path.join(args.dir, "init.safetensors"))
    per_epoch = len(files) // args.batch
    rng = np.random.default_rng(args.seed)
    order = []
    for epoch in range((args.steps + per_epoch - 1) // per_epoch):
        permutation = rng.permutation(len(files))[: per_epoch * args.batch]
        order.append(permutation)
    np.concatenate(order)[: args.steps * args.batch].astype("<i4").tofile(os.path.join(args.dir, "order.i32"))
    print(f"prepared {args.dir}: {len(files)} train images, {per_epoch} batches an epoch, {args.steps} steps")


def quality(args):
    files = train_split(args.index, "train")
    images = torch.from_numpy(load_images(args.data, files).copy()).permute(0, 3, 1, 2).float() / 127.5 - 1
    order = np.fromfile(os.path.join(args.dir, "order.i32"), dtype="<i4")
    torch.manual_seed(args.seed + 1)
    netG, netD, optG, optD = models(args)
    init = load_file(os.path.join(args.dir, "init.safetensors"))
    netG.load_state_dict({k[5:]: v for k, v in init.items() if k.startswith("netG.")})
    netD.load_state_dict({k[5:]: v for k, v in init.items() if k.startswith("netD.")})
    criterion = nn.BCELoss()
    save_steps = {int(s) for s in args.save_steps.split(",") if s}

    def save(name, steps):
        metadata = {"schema": "deepfake-gan-generator/1", "arch": "dcgan", "image_size": "64", "channels": "3",
                    "nz": str(args.nz), "ngf": str(args.ngf), "ndf": str(args.ndf), "classes": "0",
                    "normalisation": "[-1,1]: x = pixel / 127.5 - 1", "provenance": "tools/bench/gan_peer.py quality",
                    "training": json.dumps({"steps": steps, "batch": args.batch, "torch": torch.__version__})}
        save_file({k: v.float().contiguous() for k, v in netG.state_dict().items()},
                  os.path.join(args.dir, name), metadata=metadata)

    start = time.perf_counter()
    for step in range(args.steps):
        batch = images[torch.from_numpy(order[step * args.batch:(step + 1) * args.batch].astype(np.int64))]
        errD, errG = iteration(netG, netD, optG, optD, criterion, batch, args.nz)
        if (step + 1) % 100 == 0:
            print(f"step {step + 1}: loss D {errD:.3f} G {errG:.3f}", file=sys.stderr)
        if step + 1 in save_steps:
            save(f"torch_generator-step-{step + 1:08d}.safetensors", step + 1)
    elapsed = time.perf_counter() - start
    save("torch_generator.safetensors", args.steps)
    print(f"trained {args.steps} steps in {elapsed:.0f} s ({args.steps * args.batch / elapsed:.1f} images/s)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["throughput", "prepare", "quality"])
    parser.add_argument("--ngf", type=int, default=64)
    parser.add_argument("--ndf", type=int, default=64)
    parser.add_argument("--nz", type=int, default=100)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--data", default="../shared/data/utkface/faces64")
    parser.add_argument("--index", default="../shared/data/utkface/index.csv")
    parser.add_argument("--dir", default="/tmp/deepfake-bench/gan-quality")
    parser.add_argument("--save-steps", default="", help="comma-separated steps after which to save G as well")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    {"throughput": throughput, "prepare": prepare, "quality": quality}[args.mode](args)


if __name__ == "__main__":
    main()
