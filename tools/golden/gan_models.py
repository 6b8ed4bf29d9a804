"""The GAN variants of the GAN module in PyTorch, with the same layer order and state_dict keys.

- DCGAN (pytorch/examples dcgan/main.py) at 32, 64 or 128 pixels: one ConvTranspose2d/Conv2d block
  fewer at 32, one more at 128; channel multipliers 2^k, widest 8 at 64 (16 at 128, 4 at 32).
- Conditional: a one-hot label concatenated to G's noise as channels, and to D's image as constant
  planes (channel C + k all ones for class k). Only main.0's input width changes.
- MLP (Goodfellow et al. 2014) for small grey images: G Linear-ReLU-Linear-ReLU-Linear-Tanh,
  D Linear-LeakyReLU(0.2)-Linear-LeakyReLU(0.2)-Linear-Sigmoid.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def multipliers(size):
    blocks, side = 0, size
    while side > 4:
        side //= 2
        blocks += 1
    return [2 ** k for k in reversed(range(blocks))]


class Generator(nn.Module):
    def __init__(self, arch="dcgan", size=64, nc=3, nz=100, ngf=64, classes=0):
        super().__init__()
        self.arch, self.size, self.nc, self.classes = arch, size, nc, classes
        zin = nz + classes
        if arch == "mlp":
            self.main = nn.Sequential(nn.Linear(zin, ngf), nn.ReLU(True), nn.Linear(ngf, ngf), nn.ReLU(True),
                                      nn.Linear(ngf, nc * size * size), nn.Tanh())
            return
        m = multipliers(size)
        layers = [nn.ConvTranspose2d(zin, ngf * m[0], 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * m[0]), nn.ReLU(True)]
        for a, b in zip(m, m[1:]):
            layers += [nn.ConvTranspose2d(ngf * a, ngf * b, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * b), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, noise, labels=None):
        if self.classes:
            onehot = F.one_hot(labels, self.classes).to(noise.dtype)[:, :, None, None]
            noise = torch.cat([noise, onehot], 1)
        if self.arch == "mlp":
            return self.main(noise.flatten(1)).view(-1, self.nc, self.size, self.size)
        return self.main(noise)


class Discriminator(nn.Module):
    def __init__(self, arch="dcgan", size=64, nc=3, ndf=64, classes=0):
        super().__init__()
        self.arch, self.size, self.classes = arch, size, classes
        cin = nc + classes
        if arch == "mlp":
            self.main = nn.Sequential(nn.Linear(cin * size * size, ndf), nn.LeakyReLU(0.2, True),
                                      nn.Linear(ndf, ndf), nn.LeakyReLU(0.2, True), nn.Linear(ndf, 1), nn.Sigmoid())
            return
        m = list(reversed(multipliers(size)))
        layers = [nn.Conv2d(cin, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, inplace=True)]
        for a, b in zip(m, m[1:]):
            layers += [nn.Conv2d(ndf * a, ndf * b, 4, 2, 1, bias=False), nn.BatchNorm2d(ndf * b),
                       nn.LeakyReLU(0.2, inplace=True)]
        layers += [nn.Conv2d(ndf * m[-1], 1, 4, 1, 0, bias=False), nn.Sigmoid()]
        self.main = nn.Sequential(*layers)

    def forward(self, images, labels=None):
        if self.classes:
            onehot = F.one_hot(labels, self.classes).to(images.dtype)[:, :, None, None]
            images = torch.cat([images, onehot.expand(-1, -1, self.size, self.size)], 1)
        if self.arch == "mlp":
            images = images.flatten(1)
        return self.main(images).view(-1)


def weights_init(m):
    """dcgan/main.py's initialisation, plus N(0, 0.02) weights and zero biases for Linear."""
    classname = m.__class__.__name__
    if classname.find("Conv") != -1 or classname == "Linear":
        nn.init.normal_(m.weight.data, 0.0, 0.02)
        if getattr(m, "bias", None) is not None:
            nn.init.constant_(m.bias.data, 0)
    elif classname.find("BatchNorm") != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)
