"""Components φ: gradients through each one against an unrolled reference (float64), the
outer loop's contract, and clear errors for bad input."""

from __future__ import annotations

import math

import pytest
import torch
from torch.func import functional_call

from course_lib.meta import (
    COMPONENTS,
    ComponentConfig,
    LearningAlgorithm,
    LinearBoundaryTasks,
    MixedActivationMLP,
    SinusoidTasks,
    component_meta_loss,
    learn_components,
)
from course_lib.meta.components import initial_components

torch.set_num_threads(1)


def _phi64(model, config):
    phi = initial_components(model, config)
    generator = torch.Generator().manual_seed(3)
    out = {}
    for name, group in phi.items():
        out[name] = {}
        for key, t in group.items():
            t = t.detach().double()
            if name == "update_rule" and key == "w2":  # nonzero, so the rule's gradient is tested
                t = 0.1 * torch.randn(t.shape, generator=generator, dtype=torch.float64)
            if name == "sample_weights" and key == "w2":
                t = torch.randn(t.shape, generator=generator, dtype=torch.float64)
            if name == "architecture":
                t = torch.randn(t.shape, generator=generator, dtype=torch.float64)
            out[name][key] = t.requires_grad_(name in config.components)
    return out


def _reference_meta_loss(model, phi, tasks, *, inner_lr, steps):
    """The same F_φ written as a plain per-task loop with autograd.grad(create_graph=True)."""
    losses = []
    for x, y, x_q, y_q in zip(*tasks):
        if "augmentation" in phi:
            s = phi["augmentation"]["shift"]
            x = torch.cat([x, x - s * torch.sign(x)])
            y = torch.cat([y, -y])
        # a constant (unlearned) init still needs requires_grad for the inner gradient
        theta = {
            n: p if p.requires_grad else p.detach().requires_grad_() for n, p in phi["init"].items()
        }
        mix = phi["architecture"]["mix"]
        for t in range(steps):
            pred = functional_call(model, {**theta, "mix": mix}, (x,))
            per_point = ((pred - y) ** 2).sum(-1)
            if "sample_weights" in phi:
                net = phi["sample_weights"]
                h = torch.tanh(torch.log(per_point + 1e-6)[:, None] @ net["w1"].T + net["b1"])
                w = torch.sigmoid(h @ net["w2"].T + net["b2"])[:, 0]
                per_point = w / w.mean() * per_point
            names = list(theta)
            grads = torch.autograd.grad(
                per_point.mean(), [theta[n] for n in names], create_graph=True
            )
            new = {}
            for n, g in zip(names, grads):
                lr = phi["step_sizes"][n] if "step_sizes" in phi else inner_lr
                step = theta[n] - lr * g
                if "update_rule" in phi:
                    rule = phi["update_rule"]
                    feats = torch.stack([g, theta[n], torch.full_like(g, t / steps)], -1)
                    step = (
                        step
                        + (torch.tanh(feats @ rule["w1"].T + rule["b1"]) @ rule["w2"].T)[..., 0]
                        + rule["b2"]
                    )
                new[n] = step
            theta = new
        pred_q = functional_call(model, {**theta, "mix": mix}, (x_q,))
        losses.append(((pred_q - y_q) ** 2).mean())
    return torch.stack(losses).mean()


CASES = [
    ("init",),
    ("init", "step_sizes"),
    ("init", "architecture"),
    ("init", "update_rule"),
    ("augmentation",),
    ("init", "sample_weights"),
]


@pytest.mark.parametrize("components", CASES)
def test_gradient_through_each_component_matches_unrolled_reference(components):
    config = ComponentConfig(
        components=components, activations=("relu", "tanh", "sin"), hidden_sizes=(6,)
    )
    model = MixedActivationMLP(1, (6,), ("relu", "tanh", "sin"), seed=1).double()
    phi = _phi64(model, config)
    tasks = SinusoidTasks().sample(3, 4, 5, torch.Generator().manual_seed(0))
    tasks = type(tasks)(*(t.double() for t in tasks))
    leaves = [t for name in components for t in phi[name].values()]
    ours = component_meta_loss(model, phi, tasks, inner_lr=0.05, steps=2).mean()
    reference = _reference_meta_loss(model, phi, tasks, inner_lr=0.05, steps=2)
    assert torch.allclose(ours, reference, rtol=1e-10, atol=1e-12)
    for g_ours, g_ref in zip(
        torch.autograd.grad(ours, leaves), torch.autograd.grad(reference, leaves)
    ):
        assert torch.allclose(g_ours, g_ref, rtol=1e-8, atol=1e-10)


def test_augmentation_gradient_matches_finite_difference():
    config = ComponentConfig(components=("augmentation",), hidden_sizes=(8,))
    model = MixedActivationMLP(1, (8,), ("tanh",), seed=2).double()
    phi = _phi64(model, config)
    tasks = SinusoidTasks().sample(2, 5, 5, torch.Generator().manual_seed(1))
    tasks = type(tasks)(*(t.double() for t in tasks))
    shift = phi["augmentation"]["shift"]

    def loss_at(value):
        trial = {**phi, "augmentation": {"shift": value}}
        return component_meta_loss(model, trial, tasks, inner_lr=0.1, steps=2).mean()

    (analytic,) = torch.autograd.grad(loss_at(shift), [shift])
    eps = 1e-6
    with torch.no_grad():
        numeric = (loss_at(shift + eps) - loss_at(shift - eps)) / (2 * eps)
    assert math.isclose(analytic.item(), numeric.item(), rel_tol=1e-5, abs_tol=1e-8)


def test_unlearned_components_keep_their_defaults():
    result = learn_components(
        ComponentConfig(components=(), iterations=3, log_every=1, hidden_sizes=(8,)),
        progress=False,
    )
    algorithm = result.model
    assert isinstance(algorithm, LearningAlgorithm)
    assert set(algorithm.phi) == {"init", "architecture"}
    before = MixedActivationMLP(1, (8,), seed=0)
    for name, p in before.named_parameters():
        if name != "mix":
            assert torch.equal(algorithm.phi["init"][name], p.detach())


def test_learning_every_component_runs_and_reports():
    config = ComponentConfig(
        components=COMPONENTS,
        iterations=4,
        meta_batch_size=3,
        log_every=2,
        hidden_sizes=(8,),
        activations=("relu", "sin"),
        inner_steps=2,
    )
    rows = []
    result = learn_components(config, callback=lambda row, alg: rows.append(row), progress=False)
    assert [r["iteration"] for r in result.history] == [2.0, 4.0] and rows == result.history
    for key in ("loss", "seconds", "shift", "mean_step_size", "weight_relu", "weight_sin"):
        assert key in result.history[-1]
    new = SinusoidTasks().sample(4, 5, 6, torch.Generator().manual_seed(9))
    assert result.model.query_losses(new).shape == (4,)
    assert result.model.query_losses(new, steps=0).shape == (4,)


def test_same_seed_same_numbers_and_global_rng_untouched():
    config = ComponentConfig(
        components=("init", "sample_weights"), iterations=3, log_every=1, hidden_sizes=(8,)
    )
    state = torch.get_rng_state()
    a = learn_components(config, progress=False)
    assert torch.equal(state, torch.get_rng_state())
    b = learn_components(config, progress=False)
    assert a.metric("loss").tolist() == b.metric("loss").tolist()


def test_callback_true_stops():
    config = ComponentConfig(iterations=10, log_every=1, hidden_sizes=(8,))
    result = learn_components(config, callback=lambda row, alg: True, progress=False)
    assert len(result.history) == 1


def test_classification_tasks_run_with_bce():
    config = ComponentConfig(iterations=2, log_every=1, loss="bce", hidden_sizes=(8,))
    result = learn_components(config, tasks=LinearBoundaryTasks(), progress=False)
    assert result.model.model.layers[0].in_features == 2
    batch = LinearBoundaryTasks().sample(2, 4, 3, torch.Generator().manual_seed(0))
    assert set(batch.y_support.unique().tolist()) <= {0.0, 1.0}
    assert batch.x_support.shape == (2, 4, 2) and batch.y_query.shape == (2, 3, 1)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"components": "init"}, TypeError, "components must be a tuple"),
        ({"components": ("init", "wings")}, ValueError, "components must be distinct names"),
        ({"components": ("init", "init")}, ValueError, "components must be distinct names"),
        ({"iterations": 0}, ValueError, "iterations"),
        ({"iterations": 2.5}, TypeError, "iterations"),
        ({"inner_steps": 101}, ValueError, "inner_steps must be an integer in [1, 100]"),
        ({"inner_lr": -0.1}, ValueError, "inner_lr"),
        ({"activations": ("relu", "swish")}, ValueError, "activations"),
        ({"activations": "relu"}, TypeError, "activations"),
        ({"loss": "hinge"}, ValueError, "loss must be one of"),
        ({"components": ("augmentation",), "loss": "bce"}, ValueError, "regression targets"),
        ({"hidden_sizes": ()}, ValueError, "hidden_sizes"),
        ({"seed": -1}, ValueError, "seed"),
    ],
)
def test_config_rejects_bad_input(kwargs, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        ComponentConfig(**kwargs)


def test_learn_components_rejects_bad_arguments():
    with pytest.raises(TypeError, match="config must be a ComponentConfig"):
        learn_components({"components": ("init",)})
    with pytest.raises(TypeError, match="task family with a sample"):
        learn_components(ComponentConfig(iterations=1), tasks=[1, 2, 3])
    with pytest.raises(TypeError, match="callback must be callable"):
        learn_components(ComponentConfig(iterations=1), callback=3)
