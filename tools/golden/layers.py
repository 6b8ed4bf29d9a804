"""Golden values for NN's layers and losses: inputs, outputs and every gradient.

Run with the peer venv: `make golden PEER_VENV=/work/venv-peers` (or python tools/golden/layers.py).
Writes fixtures/golden/{conv2d,conv_transpose2d,batchnorm2d,activations,linear,losses}.safetensors.
Each case `caseK` stores input, parameters, output, grad_output (a seeded random upstream gradient)
and grad_input/grad_<parameter>; the case list (geometry, flags) is JSON in the metadata key `cases`.
"""
import torch
import torch.nn.functional as F

from golden_common import randn32, save

SEED = 20261127


def conv2d_cases():
    # (N, C, H, W, O, k, stride, padding, bias): generic shapes, then the DCGAN discriminator's
    # shapes at ndf 8 (64x64 input) at batch 2, and one with C*k*k = 2048 like the full-width D.
    return [
        (2, 3, 5, 5, 4, 3, 1, 1, True),
        (2, 3, 6, 6, 2, 4, 2, 1, False),
        (3, 2, 7, 5, 3, 3, 2, 0, True),
        (1, 4, 9, 9, 2, 3, 3, 2, True),
        (2, 3, 64, 64, 8, 4, 2, 1, False),    # D layer 0: nc -> ndf, 64 -> 32
        (2, 16, 16, 16, 32, 4, 2, 1, False),  # D layer 5: 2ndf -> 4ndf, 16 -> 8
        (2, 64, 4, 4, 1, 4, 1, 0, False),     # D layer 11: 8ndf -> 1, 4 -> 1
        (2, 128, 8, 8, 4, 4, 2, 1, True),     # K = 2048 accumulation
    ]


def conv_transpose2d_cases():
    # (N, C, H, W, O, k, stride, padding, output_padding, bias): generic, then the DCGAN generator's
    # shapes at nz 16, ngf 8, batch 2.
    return [
        (2, 3, 3, 3, 2, 4, 2, 1, 0, True),
        (2, 2, 3, 4, 3, 3, 2, 1, 1, True),
        (2, 4, 1, 1, 2, 4, 1, 0, 0, False),
        (1, 3, 4, 4, 2, 3, 3, 1, 2, True),
        (2, 16, 1, 1, 64, 4, 1, 0, 0, False),  # G layer 0: nz -> 8ngf, 1 -> 4
        (2, 32, 8, 8, 16, 4, 2, 1, 0, False),  # G layer 6: 4ngf -> 2ngf, 8 -> 16
        (2, 8, 32, 32, 3, 4, 2, 1, 0, False),  # G layer 12: ngf -> nc, 32 -> 64
    ]


def layer_case(tensors, key, inputs, forward, generator):
    """Runs forward in float64, backpropagates a random upstream gradient, stores everything."""
    for value in inputs.values():
        value.requires_grad_(True)
    output = forward(**inputs)
    grad_output = randn32(generator, *output.shape)
    output.backward(grad_output)
    for name, value in inputs.items():
        tensors[f"{key}.{name}"] = value.detach()
        tensors[f"{key}.grad_{name}"] = value.grad
    tensors[f"{key}.output"] = output.detach()
    tensors[f"{key}.grad_output"] = grad_output


def conv2d(generator):
    tensors, cases = {}, []
    for index, (n, c, h, w, o, k, s, p, bias) in enumerate(conv2d_cases()):
        inputs = {"input": randn32(generator, n, c, h, w), "weight": randn32(generator, o, c, k, k, scale=0.2)}
        if bias:
            inputs["bias"] = randn32(generator, o)
        layer_case(tensors, f"case{index}", inputs,
                   lambda input, weight, bias=None: F.conv2d(input, weight, bias, stride=s, padding=p), generator)
        cases.append(dict(in_channels=c, out_channels=o, kernel=k, stride=s, padding=p, bias=bias))
    return tensors, cases


def conv_transpose2d(generator):
    tensors, cases = {}, []
    for index, (n, c, h, w, o, k, s, p, op, bias) in enumerate(conv_transpose2d_cases()):
        inputs = {"input": randn32(generator, n, c, h, w), "weight": randn32(generator, c, o, k, k, scale=0.2)}
        if bias:
            inputs["bias"] = randn32(generator, o)
        layer_case(tensors, f"case{index}", inputs,
                   lambda input, weight, bias=None: F.conv_transpose2d(
                       input, weight, bias, stride=s, padding=p, output_padding=op), generator)
        cases.append(dict(in_channels=c, out_channels=o, kernel=k, stride=s, padding=p, output_padding=op, bias=bias))
    return tensors, cases


def batchnorm2d(generator):
    """Training mode (batch statistics, running statistics after one step) and evaluation mode."""
    tensors, cases = {}, []
    shapes = [(2, 3, 4, 4), (4, 5, 3, 2), (2, 8, 32, 32), (2, 64, 4, 4)]
    index = 0
    for shape in shapes:
        for training in (True, False):
            c = shape[1]
            key = f"case{index}"
            running_mean = randn32(generator, c, scale=0.5)
            running_var = randn32(generator, c).abs() + 0.5
            tensors[f"{key}.running_mean_before"] = running_mean.clone()
            tensors[f"{key}.running_var_before"] = running_var.clone()
            inputs = {"input": randn32(generator, *shape, scale=2.0) + 0.7,
                      "weight": 1 + randn32(generator, c, scale=0.1), "bias": randn32(generator, c, scale=0.1)}
            layer_case(tensors, key, inputs,
                       lambda input, weight, bias: F.batch_norm(input, running_mean, running_var, weight, bias,
                                                                training=training, momentum=0.1, eps=1e-5), generator)
            tensors[f"{key}.running_mean"] = running_mean
            tensors[f"{key}.running_var"] = running_var
            cases.append(dict(features=c, training=training))
            index += 1
    return tensors, cases


def activations(generator):
    tensors, cases = {}, []
    functions = {
        "relu": F.relu,
        "leaky_relu_0.2": lambda x: F.leaky_relu(x, 0.2),
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
    }
    index = 0
    for name, function in functions.items():
        for shape in [(2, 3, 4, 4), (2, 8, 16, 16)]:
            x = randn32(generator, *shape, scale=3.0)
            layer_case(tensors, f"case{index}", {"input": x}, lambda input: function(input), generator)
            cases.append(dict(function=name))
            index += 1
    return tensors, cases


def linear(generator):
    tensors, cases = {}, []
    for index, (n, fin, fout, bias) in enumerate([(4, 10, 5, True), (3, 64, 1, False)]):
        inputs = {"input": randn32(generator, n, fin), "weight": randn32(generator, fout, fin, scale=0.3)}
        if bias:
            inputs["bias"] = randn32(generator, fout)
        layer_case(tensors, f"case{index}", inputs,
                   lambda input, weight, bias=None: F.linear(input, weight, bias), generator)
        cases.append(dict(in_features=fin, out_features=fout, bias=bias))
    return tensors, cases


def losses(generator):
    """Mean-reduced losses: value and gradient, including extreme logits and probabilities."""
    tensors, cases = {}, []
    logits = torch.cat([randn32(generator, 64, scale=3.0),
                        torch.tensor([-100.0, -30.0, -1e-3, 0.0, 1e-3, 30.0, 100.0], dtype=torch.float64)])
    targets = torch.cat([torch.rand(64, generator=generator, dtype=torch.float32).to(torch.float64).round(),
                         torch.tensor([0.0, 1.0, 0.5, 1.0, 0.0, 0.0, 1.0], dtype=torch.float64)])
    probabilities = torch.sigmoid(randn32(generator, 71, scale=2.0)).to(torch.float32).to(torch.float64)
    definitions = [
        ("bce_with_logits", logits, lambda x: F.binary_cross_entropy_with_logits(x, targets)),
        ("bce", probabilities, lambda x: F.binary_cross_entropy(x, targets)),
        ("mse", logits / 10, lambda x: F.mse_loss(x, targets)),
    ]
    for index, (name, x, function) in enumerate(definitions):
        x = x.clone().requires_grad_(True)
        loss = function(x)
        loss.backward()
        key = f"case{index}"
        tensors[f"{key}.input"] = x.detach()
        tensors[f"{key}.target"] = targets
        tensors[f"{key}.loss"] = loss.detach().reshape(1)
        tensors[f"{key}.grad_input"] = x.grad
        cases.append(dict(loss=name))
    return tensors, cases


def main():
    for name, build in [("conv2d", conv2d), ("conv_transpose2d", conv_transpose2d), ("batchnorm2d", batchnorm2d),
                        ("activations", activations), ("linear", linear), ("losses", losses)]:
        generator = torch.Generator().manual_seed(SEED)
        tensors, cases = build(generator)
        save(name, tensors, SEED, __file__, {"cases": cases})


if __name__ == "__main__":
    main()
