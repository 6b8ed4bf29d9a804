"""PyTorch peer of nn-bench: the same DCGAN workloads, 2 threads, same output keys.

Usage: python nn_peer.py peak | train [iterations] | infer
Times are the best wall-clock run and the process CPU time of that run.
"""
import os
import resource
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
from dcgan_reference import Discriminator, Generator, train_step, weights_init  # noqa: E402

torch.set_num_threads(2)


def report(key, value, unit=""):
    print(f"{key} {value:.6g}{' ' + unit if unit else ''}")


def measure(body):
    wall, cpu = time.perf_counter(), time.process_time()
    body()
    return time.perf_counter() - wall, time.process_time() - cpu


def best(runs, body):
    return min((measure(body) for _ in range(runs)), key=lambda t: t[0])


def peak():
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    torch.mm(a, b)
    wall, _ = best(5, lambda: torch.mm(a, b))
    report("sgemm_peak_gflops", 2 * 2048 ** 3 / wall / 1e9)


def models(nz=100, ngf=64, ndf=64):
    torch.manual_seed(2026)
    netG, netD = Generator(nz, ngf), Discriminator(ndf)
    netG.apply(weights_init)
    netD.apply(weights_init)
    return netG, netD


def train(iterations):
    batch, nz = 64, 100
    netG, netD = models()
    criterion = nn.BCELoss()
    optimizerD = torch.optim.Adam(netD.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizerG = torch.optim.Adam(netG.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(batch, 3, 64, 64) * 2 - 1
    noises = [torch.randn(batch, nz, 1, 1) for _ in range(iterations + 1)]
    train_step(netG, netD, optimizerG, optimizerD, criterion, real, noises[0])
    times = [measure(lambda i=i: train_step(netG, netD, optimizerG, optimizerD, criterion, real, noises[i]))
             for i in range(1, iterations + 1)]
    wall, cpu = min(times, key=lambda t: t[0])
    report("train_s", wall, "s")
    report("train_cpu_s", cpu, "s")
    report("train_median_s", sorted(t[0] for t in times)[len(times) // 2], "s")
    report("train_peak_rss_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MB")


def infer():
    netG, netD = models()
    netG.eval()
    netD.eval()
    with torch.inference_mode():
        one = torch.rand(1, 3, 64, 64) * 2 - 1
        netD(one)
        repeats = 50
        wall, cpu = best(5, lambda: [netD(one) for _ in range(repeats)])
        report("d_infer_b1_img_s", repeats / wall, "img/s")
        report("d_infer_b1_cpu_img_s", repeats / cpu, "img/s")
        batch = torch.rand(64, 3, 64, 64) * 2 - 1
        netD(batch)
        wall, cpu = best(5, lambda: netD(batch))
        report("d_infer_b64_img_s", 64 / wall, "img/s")
        report("d_infer_b64_cpu_img_s", 64 / cpu, "img/s")
        noise = torch.randn(64, 100, 1, 1)
        netG(noise)
        wall, cpu = best(5, lambda: netG(noise))
        report("g_infer_b64_img_s", 64 / wall, "img/s")
        report("g_infer_b64_cpu_img_s", 64 / cpu, "img/s")


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "peak":
        peak()
    elif mode == "train":
        train(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
    elif mode == "infer":
        infer()
    else:
        sys.exit("usage: nn_peer.py peak | train [iterations] | infer")
