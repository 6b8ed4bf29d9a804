"""Golden trajectory of the reference DCGAN (pytorch/examples dcgan/main.py) at 64x64.

Fixed initial weights (main.py's weights_init under a seed), fixed noise for each step and a fixed
synthetic "real" batch; 5 alternating D/G steps with Adam(lr 2e-4, betas (0.5, 0.999)) and BCELoss,
in float32 as real training runs. Stores:
  netG.<key>, netD.<key>          initial state_dict (num_batches_tracked as float32)
  real [B,3,64,64], noise [S,B,nz,1,1]
  errD_real, errD_fake, errG [S]  losses per step
  fake1 [B,3,64,64]               G's output in step 1
  final.netG.<key>, final.netD.<key>  state_dict after the last step

Default: nz 16, ngf 8, ndf 8, batch 4, 5 steps -> fixtures/golden/dcgan_trajectory.safetensors.
The benchmark runs it at full width into a temporary file: --nz 100 --ngf 64 --ndf 64 --out PATH.
"""
import argparse
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dcgan_reference import Discriminator, Generator, train_step, weights_init  # noqa: E402
from golden_common import output_path, save  # noqa: E402

SEED = 20261129


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nz", type=int, default=16)
    parser.add_argument("--ngf", type=int, default=8)
    parser.add_argument("--ndf", type=int, default=8)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default=None, help="output path (default: the committed golden)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    torch.manual_seed(SEED)
    netG, netD = Generator(args.nz, args.ngf), Discriminator(args.ndf)
    netG.apply(weights_init)
    netD.apply(weights_init)
    tensors = {}
    for prefix, net in (("netG", netG), ("netD", netD)):
        for key, value in net.state_dict().items():
            tensors[f"{prefix}.{key}"] = value.clone()

    generator = torch.Generator().manual_seed(SEED + 1)
    # Synthetic "real" images in [-1, 1]: smooth colour gradients plus noise, like normalised photos.
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, 64), torch.linspace(-1, 1, 64), indexing="ij")
    phases = torch.rand(args.batch, 3, 1, 1, generator=generator) * 6.283
    real = torch.tanh(torch.sin(3 * xs + phases) * torch.cos(2 * ys - phases)
                      + 0.3 * torch.randn(args.batch, 3, 64, 64, generator=generator))
    noise = torch.randn(args.steps, args.batch, args.nz, 1, 1, generator=generator)
    tensors["real"] = real
    tensors["noise"] = noise

    criterion = nn.BCELoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    losses = {"errD_real": [], "errD_fake": [], "errG": []}
    for step in range(args.steps):
        errD_real, errD_fake, errG, fake = train_step(netG, netD, optimizerG, optimizerD, criterion,
                                                      real, noise[step])
        losses["errD_real"].append(errD_real)
        losses["errD_fake"].append(errD_fake)
        losses["errG"].append(errG)
        if step == 0:
            tensors["fake1"] = fake
        print(f"step {step + 1}: errD {errD_real + errD_fake:.6f} errG {errG:.6f}", file=sys.stderr)
    for name, values in losses.items():
        tensors[name] = torch.tensor(values, dtype=torch.float32)
    for prefix, net in (("final.netG", netG), ("final.netD", netD)):
        for key, value in net.state_dict().items():
            tensors[f"{prefix}.{key}"] = value.clone()

    config = dict(nz=args.nz, ngf=args.ngf, ndf=args.ndf, batch=args.batch, steps=args.steps,
                  lr=2e-4, beta1=0.5, beta2=0.999, threads=args.threads)
    if args.out is None:
        save("dcgan_trajectory", tensors, SEED, __file__, {"config": config})
    else:
        from safetensors.torch import save_file
        save_file({k: v.detach().to(torch.float32).contiguous() for k, v in tensors.items()}, args.out,
                  metadata={"format_version": "1", "torch_version": torch.__version__, "seed": str(SEED),
                            "generator": "tools/golden/dcgan_trajectory.py", "config": str(config)})


if __name__ == "__main__":
    main()
