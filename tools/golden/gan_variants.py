"""Golden forward passes of the GAN module's variants (tools/golden/gan_models.py).

For each variant, narrow so the file stays small: random weights (BatchNorm affine and running
statistics perturbed so that they matter), a batch of noise (and labels), G's output in training
mode, D's output on that image batch in training mode, and both again in eval mode.
Stores <variant>.netG.<key>, <variant>.netD.<key>, noise, labels (float), fake, d_out,
fake_eval, d_out_eval; metadata `variants` lists each variant's settings.
-> fixtures/golden/gan_variants.safetensors
"""
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gan_models import Discriminator, Generator, weights_init  # noqa: E402
from golden_common import save  # noqa: E402

SEED = 20261127
VARIANTS = [
    dict(name="dcgan32", arch="dcgan", size=32, nc=3, nz=8, ngf=4, ndf=4, classes=0, batch=3),
    dict(name="dcgan64", arch="dcgan", size=64, nc=3, nz=8, ngf=4, ndf=4, classes=0, batch=2),
    dict(name="dcgan128", arch="dcgan", size=128, nc=3, nz=8, ngf=2, ndf=2, classes=0, batch=1),
    dict(name="cgan64", arch="dcgan", size=64, nc=3, nz=8, ngf=4, ndf=4, classes=3, batch=2),
    dict(name="mlp16", arch="mlp", size=16, nc=1, nz=8, ngf=16, ndf=16, classes=0, batch=4),
]


def main():
    torch.set_num_threads(1)
    tensors = {}
    for index, v in enumerate(VARIANTS):
        torch.manual_seed(SEED + index)
        netG = Generator(v["arch"], v["size"], v["nc"], v["nz"], v["ngf"], v["classes"])
        netD = Discriminator(v["arch"], v["size"], v["nc"], v["ndf"], v["classes"])
        netG.apply(weights_init)
        netD.apply(weights_init)
        for net in (netG, netD):
            for module in net.modules():
                if isinstance(module, torch.nn.BatchNorm2d):
                    module.running_mean.normal_(0, 0.1)
                    module.running_var.uniform_(0.5, 1.5)
                    module.bias.data.normal_(0, 0.1)
        name, batch = v["name"], v["batch"]
        for prefix, net in (("netG", netG), ("netD", netD)):
            for key, value in net.state_dict().items():
                tensors[f"{name}.{prefix}.{key}"] = value.clone()
        noise = torch.randn(batch, v["nz"], 1, 1)
        labels = torch.randint(0, v["classes"], (batch,)) if v["classes"] else None
        tensors[f"{name}.noise"] = noise
        if labels is not None:
            tensors[f"{name}.labels"] = labels.to(torch.float32)
        with torch.no_grad():
            netG.eval()
            netD.eval()
            fake_eval = netG(noise, labels)
            tensors[f"{name}.fake_eval"] = fake_eval
            tensors[f"{name}.d_out_eval"] = netD(fake_eval, labels)
            netG.train()
            netD.train()
            fake = netG(noise, labels)
            tensors[f"{name}.fake"] = fake
            tensors[f"{name}.d_out"] = netD(fake, labels)
    save("gan_variants", tensors, SEED, __file__, {"variants": VARIANTS})


if __name__ == "__main__":
    main()
