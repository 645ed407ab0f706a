"""The component modules on their own: tasks, corruption, weights, evolution, geometry."""

from __future__ import annotations

import math

import pytest
import torch

from course_lib.meta import (
    CorruptedSupport,
    EvolutionConfig,
    LinearBoundaryTasks,
    MixedActivationMLP,
    SinusoidTasks,
    accuracy,
    augment_support,
    block_weights,
    descend_inner_lr,
    evolve_inner_loop,
    example_weights,
    fit_tasks,
    init_params,
    mlp_regressor,
    nearest_fit,
    parameter_distance,
    steps_to_reach,
    task_loss,
)
from course_lib.meta.binary_tasks import label
from course_lib.meta.geometry import TaskFits
from course_lib.meta.reweighting import init_weighting_net

torch.set_num_threads(1)


def test_mixed_mlp_with_one_candidate_is_a_relu_mlp():
    mixed = MixedActivationMLP(1, (8, 8), ("relu",), seed=0)
    plain = mlp_regressor((8, 8), seed=0)
    x = torch.linspace(-5, 5, 7).reshape(-1, 1)
    assert torch.allclose(mixed(x), plain(x))
    assert block_weights(mixed, mixed.mix) == {"relu": [1.0, 1.0]}
    three = MixedActivationMLP(1, (4,), ("relu", "tanh", "sin"), seed=0)
    weights = block_weights(three, torch.tensor([[0.0, 0.0, math.log(2.0)]]))
    assert {k: [round(w, 6) for w in v] for k, v in weights.items()} == {
        "relu": [0.25],
        "tanh": [0.25],
        "sin": [0.5],
    }
    with pytest.raises(ValueError, match="activations must be distinct"):
        MixedActivationMLP(1, (8,), ("relu", "relu"))


def test_augment_support_partners_are_true_points_at_pi():
    tasks = SinusoidTasks().sample(3, 6, 1, torch.Generator().manual_seed(0))
    amplitude, phase = SinusoidTasks().sample_params(3, torch.Generator().manual_seed(0))
    x, y = augment_support(tasks.x_support, tasks.y_support, torch.tensor(math.pi))
    assert x.shape == (3, 12, 1)
    truth = amplitude[:, None, None] * torch.sin(x + phase[:, None, None])
    assert torch.allclose(y, truth, atol=1e-4)


def test_corrupted_support_moves_exactly_the_masked_points():
    family = CorruptedSupport(SinusoidTasks(), fraction=0.3)
    batch, mask = family.sample_with_mask(5, 10, 4, torch.Generator().manual_seed(0))
    clean = SinusoidTasks().sample(5, 10, 4, torch.Generator().manual_seed(0))
    assert mask.sum(1).tolist() == [3] * 5
    moved = (batch.y_support - clean.y_support).abs()[..., 0]
    assert torch.all(moved[mask] >= 6.0) and torch.all(moved[~mask] == 0)
    assert torch.equal(batch.y_query, clean.y_query)
    with pytest.raises(ValueError, match="fraction"):
        CorruptedSupport(fraction=1.0)
    with pytest.raises(ValueError, match="offset must satisfy"):
        CorruptedSupport(offset=(5.0, 1.0))


def test_example_weights_start_equal_and_have_mean_one():
    net = init_weighting_net()
    losses = torch.tensor([[0.1, 4.0, 50.0], [1.0, 1.0, 1.0]])
    assert torch.allclose(example_weights(net, losses), torch.ones(2, 3))
    net["w2"] = torch.ones(1, 8)
    w = example_weights(net, losses)
    assert torch.allclose(w.mean(-1), torch.ones(2))


def test_linear_boundary_labels_follow_the_line():
    angle, offset = torch.tensor([0.0, math.pi / 2]), torch.tensor([0.2, -0.1])
    x = torch.tensor([[[0.5, 0.0], [0.1, 0.9]], [[0.0, 0.0], [0.9, -0.5]]])
    assert label(x, angle, offset)[..., 0].tolist() == [[1.0, 0.0], [1.0, 0.0]]
    logits = torch.tensor([[[2.0], [-1.0]]])
    assert accuracy(logits, torch.tensor([[[1.0], [1.0]]])).item() == 0.5
    with pytest.raises(ValueError, match="max_offset"):
        LinearBoundaryTasks(max_offset=1.5)


def test_steps_to_reach_counts_first_crossing():
    per_task = torch.tensor([[3.0, 0.5, 0.2], [3.0, 2.0, 0.9], [3.0, 2.0, 2.0]])
    assert steps_to_reach(per_task, 1.0).tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="per_task must be"):
        steps_to_reach(torch.ones(3), 1.0)
    with pytest.raises(ValueError, match="threshold"):
        steps_to_reach(per_task, -1.0)


def test_weighting_net_can_tell_clean_points_from_outliers_at_the_start():
    # clean points of a sinusoid have squared errors up to about 10, outliers above 30: some
    # hidden unit must change sign between the two, whatever the seed (its threshold tiles log ℓ)
    net = init_weighting_net()
    thresholds = -net["b1"] / net["w1"][:, 0]
    assert thresholds.min() <= -5 and thresholds.max() >= 5
    assert torch.any((thresholds > math.log(10.0)) & (thresholds < math.log(30.0)))


def _fit_one_task_by_hand(net, start, x, y, *, target, lr, max_steps):
    """An independent reference: one task, a Python loop, torch.autograd."""
    theta = {n: p.detach().clone().requires_grad_(True) for n, p in start.items()}
    steps = 0
    for _ in range(max_steps):
        loss = task_loss(net, theta, x, y)
        if loss.item() <= target:
            break
        grads = torch.autograd.grad(loss, list(theta.values()))
        theta = {
            n: (p - lr * g).detach().requires_grad_(True) for (n, p), g in zip(theta.items(), grads)
        }
        steps += 1
    return {n: p.detach() for n, p in theta.items()}, steps


def test_fit_tasks_matches_a_per_task_loop_and_stops_each_task_at_the_target():
    net = mlp_regressor((8,), seed=0)
    phi = init_params(net)
    tasks = SinusoidTasks().sample(3, 5, 5, torch.Generator().manual_seed(0))
    x, y = tasks.all_points()
    start_losses = torch.stack([task_loss(net, phi, x[m], y[m]) for m in range(3)]).detach()
    target = float(start_losses.sort().values[1]) * 0.9  # one task is fitted fast, one is slow
    fits = fit_tasks(net, phi, tasks, target=target, inner_lr=0.02, max_steps=60)
    for m in range(3):
        theta, steps = _fit_one_task_by_hand(
            net, phi, x[m], y[m], target=target, lr=0.02, max_steps=60
        )
        assert fits.steps[m].item() == steps
        for n in phi:
            assert torch.allclose(fits.theta[n][m], theta[n], atol=1e-5), (m, n)
    assert torch.equal(fits.reached, fits.losses <= target)
    assert fits.steps.unique().numel() > 1  # the tasks stopped at different steps
    already = fit_tasks(net, phi, tasks, target=float(start_losses.max()) + 1.0)
    assert already.steps.tolist() == [0, 0, 0]  # a task already at the target is not moved
    assert torch.all(parameter_distance(phi, already.theta) == 0)
    with pytest.raises(ValueError, match="target"):
        fit_tasks(net, phi, tasks, target=0.0)
    with pytest.raises(ValueError, match=r"max_steps must be an integer in \[1, 100_000\]"):
        fit_tasks(net, phi, tasks, target=0.1, max_steps=10**6)


def test_parameter_distance_and_nearest_fit_against_direct_computation():
    generator = torch.Generator().manual_seed(0)
    phi = {"w": torch.randn(2, 3, generator=generator), "b": torch.randn(3, generator=generator)}
    theta = {
        "w": torch.randn(4, 2, 3, generator=generator),
        "b": torch.randn(4, 3, generator=generator),
    }
    by_hand = torch.stack(
        [
            torch.cat([(theta["w"][m] - phi["w"]).flatten(), theta["b"][m] - phi["b"]]).norm()
            for m in range(4)
        ]
    )
    assert torch.allclose(parameter_distance(phi, theta), by_hand)
    assert torch.allclose(parameter_distance(theta, theta), torch.zeros(4))
    near = {n: phi[n] + 0.1 * (theta[n] - phi[n]) for n in phi}  # 10% of the way
    fits = {
        "far": TaskFits(
            theta, torch.zeros(4), torch.zeros(4), torch.tensor([True, True, True, False])
        ),
        "near": TaskFits(
            near, torch.zeros(4), torch.zeros(4), torch.tensor([True, False, True, False])
        ),
    }
    distance, which = nearest_fit(phi, fits)
    assert which.tolist() == [1, 0, 1, -1]  # a fit that missed the target never counts
    assert torch.allclose(
        distance[:3], torch.stack([0.1 * by_hand[0], by_hand[1], 0.1 * by_hand[2]])
    )
    assert distance[3] == math.inf
    with pytest.raises(ValueError, match="same parameters"):
        parameter_distance({"w": phi["w"]}, theta)
    with pytest.raises(ValueError, match="fits must be a non-empty dict"):
        nearest_fit(phi, {})  # an empty dict is a wrong value, not a wrong type


def test_evolution_finds_the_optimum_of_a_toy_fitness():
    def fitness(steps, lr):
        return (steps - 4) ** 2 + (math.log10(lr) + 2) ** 2

    result = evolve_inner_loop(fitness, EvolutionConfig(generations=15, seed=0), progress=False)
    assert result.model["steps"] == 4 and abs(math.log10(result.model["inner_lr"]) + 2) < 0.3
    evaluations = result.metric("evaluations")
    assert evaluations[0] == 8 and evaluations[-1] == 8 + 14 * 6
    assert list(result.metric("loss")) == sorted(result.metric("loss"), reverse=True)


def test_gradient_route_descends_and_counts():
    result = descend_inner_lr(
        lambda lr: (torch.log10(lr) + 2) ** 2,
        start=1e-3,
        iterations=300,
        learning_rate=0.1,
        target=1e-4,
    )
    assert abs(math.log10(result.model["inner_lr"]) + 2) < 0.02
    assert result.history[-1]["evaluations"] == len(result.history) < 300


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"population": 1}, "population"),
        ({"survivors": 8}, "survivors must be in"),
        ({"max_steps": 0}, "max_steps"),
        ({"log10_lr_range": (-1.0, -3.0)}, "log10_lr_range must satisfy"),
        ({"generations": 5000}, "generations must be an integer in"),
    ],
)
def test_evolution_config_rejects_bad_input(kwargs, words):
    with pytest.raises(ValueError, match=words):
        EvolutionConfig(**kwargs)


def test_evolution_rejects_non_callable_fitness():
    with pytest.raises(TypeError, match="fitness must be callable"):
        evolve_inner_loop(3.0, EvolutionConfig())


def test_wrong_types_raise_type_errors_naming_the_argument():
    from course_lib.meta import ComponentConfig, learn_components
    from course_lib.meta.learned_update import init_update_rule

    with pytest.raises(TypeError, match="loss must be one of"):
        ComponentConfig(loss=3)
    with pytest.raises(TypeError, match="components must be a tuple of names"):
        ComponentConfig(components=("init", 3))
    with pytest.raises(TypeError, match="log10_lr_range must be a pair"):
        EvolutionConfig(log10_lr_range=(1.0,))
    with pytest.raises(TypeError, match="offset must be a pair"):
        CorruptedSupport(offset=5.0)
    with pytest.raises(TypeError, match="family must be a task family"):
        CorruptedSupport(family="sinusoids")
    with pytest.raises(TypeError, match="loss_of_lr must be callable"):
        descend_inner_lr(0.5, start=0.01)
    with pytest.raises(ValueError, match=r"hidden must be an integer in \[1, 1_024\]"):
        init_update_rule(10**6)
    with pytest.raises(ValueError, match=r"hidden must be an integer in \[1, 1_024\]"):
        init_weighting_net(10**6)
    algorithm = learn_components(
        ComponentConfig(iterations=1, hidden_sizes=(4,)), progress=False
    ).model
    x = torch.zeros(3, 1)
    with pytest.raises(ValueError, match=r"steps must be an integer in \[0, 1_000\]"):
        algorithm.adapt(x, x, steps=10**6)
    with pytest.raises(TypeError, match="steps"):
        algorithm.adapt(x, x, steps=1.5)


def _one_unit_rule(reads: int, c: float) -> dict:
    """u = c·tanh(input ``reads``): 0 reads g, 1 reads θ (see rule_update's feature order)."""
    w1 = torch.zeros(1, 3)
    w1[0, reads] = 1.0
    return {"w1": w1, "b1": torch.zeros(1), "w2": torch.tensor([[c]]), "b2": torch.zeros(1)}


def test_rule_effects_tell_a_weight_rule_from_a_gradient_rule():
    from course_lib.meta import rule_effects

    weights = {"a": torch.tensor([0.5, -0.2]), "b": torch.tensor([[1.0]])}
    gradients = {
        "a": torch.tensor([[0.3, -0.1], [0.2, 0.4]]),
        "b": torch.tensor([[[-0.5]], [[0.1]]]),
    }
    theta = torch.tensor([0.5, -0.2, 1.0])
    g = torch.tensor([[0.3, -0.1, -0.5], [0.2, 0.4, 0.1]])
    by_weight = rule_effects(_one_unit_rule(1, 0.4), gradients, weights)
    assert by_weight["gradient"] == pytest.approx(0.0, abs=1e-7)
    assert by_weight["weight"] == pytest.approx(
        (0.4 * torch.tanh(theta)).abs().mean().item(), rel=1e-6
    )
    slope = (0.4 * torch.tanh(theta) * theta).sum() / (theta**2).sum()
    assert by_weight["slope"] == pytest.approx(slope.item(), rel=1e-6)
    assert by_weight["gradient_slope"] == pytest.approx(0.0, abs=1e-7)
    by_gradient = rule_effects(_one_unit_rule(0, 0.4), gradients, weights)
    assert by_gradient["weight"] == pytest.approx(0.0, abs=1e-7)
    b = (0.4 * torch.tanh(g) * g).sum() / (g**2).sum()
    assert by_gradient["gradient_slope"] == pytest.approx(b.item(), rel=1e-6)
    top = g.abs() >= g.abs().flatten().quantile(0.99)  # the one largest gradient, -0.5
    assert top.sum() == 1
    assert by_gradient["large_gradient_slope"] == pytest.approx(
        (0.4 * torch.tanh(torch.tensor(-0.5)) / -0.5).item(), rel=1e-6
    )
    assert by_gradient["gradient"] == pytest.approx(
        (0.4 * torch.tanh(g)).abs().mean().item(), rel=1e-6
    )
    with pytest.raises(ValueError, match="same parameters"):
        rule_effects(_one_unit_rule(0, 0.4), {"a": gradients["a"]}, weights)


def test_a_rule_without_its_gradient_input_ignores_the_gradient():
    from course_lib.meta import init_update_rule, without_gradient_input
    from course_lib.meta.learned_update import rule_update

    rule = init_update_rule(seed=0)
    rule["w2"] = torch.randn(1, 16, generator=torch.Generator().manual_seed(1))
    blind = without_gradient_input(rule)
    g, theta = torch.linspace(-2, 2, 9), torch.linspace(-1, 1, 9)
    assert torch.allclose(rule_update(blind, g, theta, 0.5), rule_update(rule, 0 * g, theta, 0.5))
    assert not torch.allclose(
        rule_update(rule, g, theta, 0.5), rule_update(rule, 0 * g, theta, 0.5)
    )
    assert torch.equal(rule["w1"], init_update_rule(seed=0)["w1"])  # the original is untouched


def test_nearby_moves_exactly_the_radius():
    from course_lib.meta import nearby

    phi = init_params(mlp_regressor((8,), seed=0))
    moved = nearby(phi, 0.5, torch.Generator().manual_seed(0))
    batched = {n: p[None] for n, p in moved.items()}
    assert parameter_distance(phi, batched).item() == pytest.approx(0.5, rel=1e-5)
    again = nearby(phi, 0.5, torch.Generator().manual_seed(0))
    assert all(torch.equal(moved[n], again[n]) for n in phi)
    with pytest.raises(ValueError, match="radius"):
        nearby(phi, -1.0, torch.Generator())


def test_rule_effects_say_whether_the_weight_part_is_a_scaling_or_a_sign():
    from course_lib.meta import rule_effects

    theta = torch.linspace(-0.6, 0.6, 12)  # no weight at exactly 0, where sign(θ) = 0
    weights, gradients = {"w": theta}, {"w": torch.zeros(1, 12)}

    def steep(c: float, scale: float) -> dict:
        rule = _one_unit_rule(1, c)
        rule["w1"] = rule["w1"] * scale  # u = c·tanh(scale·θ)
        return rule

    # a nearly linear rule: u ≈ 0.4·θ; its share explained computed by hand
    near_line = rule_effects(steep(0.4, 0.5), gradients, weights)
    u = 0.4 * torch.tanh(0.5 * theta)
    c = (u * theta).sum() / (theta**2).sum()
    assert near_line["slope"] == pytest.approx(c.item(), rel=1e-6)
    explained = 1 - ((u - c * theta) ** 2).sum() / (u**2).sum()
    assert near_line["slope_fit"] == pytest.approx(explained.item(), rel=1e-6)
    assert near_line["slope_fit"] > 0.99 > near_line["sign_fit"]
    # a saturated rule: u ≈ ±0.25 by the sign of θ, whatever its size
    by_sign = rule_effects(steep(0.25, 200.0), gradients, weights)
    a = (0.25 * torch.tanh(200 * theta)).abs().mean()
    assert by_sign["sign_size"] == pytest.approx(a.item(), rel=1e-6)
    assert by_sign["sign_fit"] > 0.99 > by_sign["slope_fit"]
