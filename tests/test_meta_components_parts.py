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
    distance_to_task_optima,
    evolve_inner_loop,
    example_weights,
    init_params,
    mlp_regressor,
    steps_to_reach,
)
from course_lib.meta.binary_tasks import label
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
    net = init_weighting_net(seed=0)
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


def test_distance_is_zero_at_a_task_optimum():
    net = mlp_regressor((8,), seed=0)
    phi = init_params(net)
    tasks = SinusoidTasks().sample(2, 5, 5, torch.Generator().manual_seed(0))
    distances, losses = distance_to_task_optima(net, phi, tasks, inner_lr=0.01, steps=50)
    assert distances.shape == (2,) and torch.all(distances > 0) and torch.all(losses >= 0)
    zero_lr = distance_to_task_optima(net, phi, tasks, inner_lr=1e-12, steps=1)[0]
    assert torch.all(zero_lr < 1e-6)
    with pytest.raises(ValueError, match="steps must be in"):
        distance_to_task_optima(net, phi, tasks, steps=10_000)


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
        ({"generations": 5000}, "generations must be in"),
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
    with pytest.raises(ValueError, match=r"hidden must be in \[1, 1024\]"):
        init_update_rule(10**6)
    with pytest.raises(ValueError, match=r"hidden must be in \[1, 1024\]"):
        init_weighting_net(10**6)
    algorithm = learn_components(
        ComponentConfig(iterations=1, hidden_sizes=(4,)), progress=False
    ).model
    x = torch.zeros(3, 1)
    with pytest.raises(ValueError, match=r"steps must be in \[0, 1000\]"):
        algorithm.adapt(x, x, steps=10**6)
    with pytest.raises(TypeError, match="steps"):
        algorithm.adapt(x, x, steps=1.5)
