"""Golden values for Adam and SGD: 3 steps of torch.optim on fixed gradients, in float32 as in
training (the optimizers' rounding is part of what is checked).

Writes fixtures/golden/optimizers.safetensors. Case `caseK` stores `param` (the start), `grad1..3`
(the gradient given before each step), `param1..3` (after each step) and, for Adam, `exp_avg` and
`exp_avg_sq` after step 3. The settings are JSON in the metadata key `cases`.
"""
import torch

from golden_common import save

SEED = 20261128


def main():
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    settings = [
        dict(optimizer="adam", lr=2e-4, betas=[0.5, 0.999], eps=1e-8, weight_decay=0.0),
        dict(optimizer="adam", lr=1e-3, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.01),
        dict(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=0.0, nesterov=False),
        dict(optimizer="sgd", lr=0.05, momentum=0.5, weight_decay=0.001, nesterov=True),
        dict(optimizer="sgd", lr=0.1, momentum=0.0, weight_decay=0.0, nesterov=False),
    ]
    tensors = {}
    for index, setting in enumerate(settings):
        key = f"case{index}"
        param = torch.nn.Parameter(torch.randn(3, 4, 5, generator=generator) * 0.1)
        tensors[f"{key}.param"] = param.detach().clone()
        if setting["optimizer"] == "adam":
            optimizer = torch.optim.Adam([param], lr=setting["lr"], betas=tuple(setting["betas"]),
                                         eps=setting["eps"], weight_decay=setting["weight_decay"])
        else:
            optimizer = torch.optim.SGD([param], lr=setting["lr"], momentum=setting["momentum"],
                                        weight_decay=setting["weight_decay"], nesterov=setting["nesterov"])
        for step in (1, 2, 3):
            # Gradients over several orders of magnitude, as real ones are.
            grad = torch.randn(3, 4, 5, generator=generator) * 10.0 ** torch.randint(-4, 1, (3, 4, 5), generator=generator)
            tensors[f"{key}.grad{step}"] = grad.clone()
            param.grad = grad
            optimizer.step()
            tensors[f"{key}.param{step}"] = param.detach().clone()
        if setting["optimizer"] == "adam":
            state = optimizer.state[param]
            tensors[f"{key}.exp_avg"] = state["exp_avg"].clone()
            tensors[f"{key}.exp_avg_sq"] = state["exp_avg_sq"].clone()
    save("optimizers", tensors, SEED, __file__, {"cases": settings})


if __name__ == "__main__":
    main()
