"""Tests of meta-training, evaluation, the black-box learner and the (a, b) landscape."""

import pytest
import torch

from course_lib.meta import (
    METHODS,
    BlackBoxConfig,
    ConditionalNeuralProcess,
    MetaConfig,
    MetaLearner,
    SinusoidTasks,
    adaptation_curve,
    adaptation_trajectory,
    blackbox_mse,
    evaluation_tasks,
    meta_train,
    mse,
    sine_loss_grid,
    train_blackbox,
    two_loop_paths,
)

torch.set_num_threads(1)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_trains_and_is_seeded(method):
    config = MetaConfig(
        method=method, iterations=6, meta_batch_size=4, inner_steps=2, log_every=3, seed=1
    )
    result_a, result_b = meta_train(config, progress=False), meta_train(config, progress=False)
    a, b = result_a.model, result_b.model
    assert isinstance(a, MetaLearner) and a.method == method
    assert result_a.metric("iteration").tolist() == [3.0, 6.0]
    assert result_a.metric("loss").tolist() == result_b.metric("loss").tolist()
    for name in a.params:
        assert torch.equal(a.params[name], b.params[name])
    c = meta_train(
        MetaConfig(
            method=method, iterations=6, meta_batch_size=4, inner_steps=2, log_every=3, seed=2
        ),
        progress=False,
    ).model
    assert not torch.equal(a.params["0.weight"], c.params["0.weight"])
    if method == "metasgd":
        assert isinstance(a.inner_lr, dict) and "mean_inner_lr" in result_a.history[0]
        assert any(not torch.allclose(v, torch.full_like(v, 0.01)) for v in a.inner_lr.values())
    else:
        assert a.inner_lr == config.inner_lr


def test_maml_learns_an_initialization_that_adapts():
    result = meta_train(
        MetaConfig(method="maml", iterations=300, log_every=100, learning_rate=3e-3, seed=0),
        progress=False,
    )
    learner, losses = result.model, result.metric("loss")
    assert losses[-1] < 0.8 * losses[0]
    tasks = evaluation_tasks(50, k_support=10, k_query=50, seed=5)
    curve = adaptation_curve(learner, tasks, max_steps=3)
    assert curve.mean[1] < curve.mean[0]  # one inner step helps on new tasks


def test_adaptation_curve_shapes_and_step_zero_is_the_loss_at_phi():
    learner = meta_train(
        MetaConfig(method="pretrain", iterations=5, log_every=5), progress=False
    ).model
    tasks = evaluation_tasks(7, k_support=5, k_query=20, seed=0)
    curve = adaptation_curve(learner, tasks, max_steps=4, inner_lr=0.02)
    assert curve.steps == [0, 1, 2, 3, 4] and curve.per_task.shape == (7, 5)
    assert curve.mean.shape == curve.std.shape == curve.stderr.shape == curve.ci.shape == (5,)
    assert curve.metric == "query MSE" and not curve.higher_is_better and curve.tasks is None
    at_phi = torch.stack(
        [mse(learner.predict(tasks.x_query[i]), tasks.y_query[i]) for i in range(7)]
    )
    torch.testing.assert_close(curve.per_task[:, 0], at_phi)
    theta = learner.adapt(tasks.x_support[2], tasks.y_support[2], steps=2, inner_lr=0.02)
    torch.testing.assert_close(
        curve.per_task[2, 2], mse(learner.predict(tasks.x_query[2], theta), tasks.y_query[2])
    )
    with pytest.raises(ValueError, match=r"max_steps must be an integer in \[0, 1_000\], got -1"):
        adaptation_curve(learner, tasks, max_steps=-1)


def test_adaptation_trajectory_starts_at_phi():
    learner = meta_train(MetaConfig(method="maml", iterations=3, log_every=3), progress=False).model
    x_eval = torch.linspace(-5, 5, 30).reshape(-1, 1)
    tasks = evaluation_tasks(1, k_support=5, seed=1)
    path = adaptation_trajectory(learner, tasks.x_support[0], tasks.y_support[0], x_eval, steps=3)
    assert path.shape == (4, 30)
    torch.testing.assert_close(path[0], learner.predict(x_eval).reshape(-1))
    assert not torch.allclose(path[0], path[3])


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("method", "maml2", "method must be one of"),
        ("k_support", 0, r"k_support must be an integer in \[1, 10_000\]"),
        ("k_query", -2, r"k_query must be an integer in \[1, 10_000\]"),
        ("inner_lr", -0.01, r"inner_lr must be in \(0.0, 10.0\]"),
        ("inner_lr", float("inf"), r"inner_lr must be in \(0.0, 10.0\]"),
        ("learning_rate", 0.0, r"learning_rate must be in \(0.0, 1.0\]"),
        ("iterations", 0, r"iterations must be an integer in \[1, 10_000_000\]"),
        ("inner_steps", 0, "inner_steps must be >= 1"),
        ("hidden_sizes", (40, 0), r"hidden_sizes entries must be an integer in \[1, 4_096\]"),
        ("seed", 2**64, r"seed must be an integer in \[0, 2\*\*63\)"),
    ],
)
def test_meta_config_rejects_bad_values(field, value, message):
    with pytest.raises(ValueError, match=message):
        MetaConfig(**{field: value})


def test_meta_config_rejects_bad_types():
    with pytest.raises(TypeError, match="meta_batch_size"):
        MetaConfig(meta_batch_size=2.5)
    with pytest.raises(TypeError, match="inner_lr"):
        MetaConfig(inner_lr="0.01")
    with pytest.raises(TypeError, match="config must be a MetaConfig"):
        meta_train({"method": "maml"})
    MetaConfig(method="pretrain", inner_steps=0)  # pre-training has no inner loop


def test_conditional_neural_process_reads_a_set():
    torch.manual_seed(0)
    model = ConditionalNeuralProcess(hidden_sizes=(16, 16), representation=8)
    tasks = SinusoidTasks().sample(3, 6, 9, torch.Generator().manual_seed(0))
    out = model(tasks.x_support, tasks.y_support, tasks.x_query)
    assert out.shape == (3, 9, 1)
    perm = torch.randperm(6)
    shuffled = model(tasks.x_support[:, perm], tasks.y_support[:, perm], tasks.x_query)
    torch.testing.assert_close(out, shuffled)  # the order of the support set does not matter
    assert blackbox_mse(model, tasks).shape == (3,)


def test_blackbox_training_is_seeded_and_learns():
    config = BlackBoxConfig(
        iterations=300, hidden_sizes=(32, 32), representation=32, log_every=100, learning_rate=3e-3
    )
    history = train_blackbox(config, progress=False).metric("loss")
    again = train_blackbox(config, progress=False).metric("loss")
    assert history.tolist() == again.tolist()
    assert history[-1] < 0.8 * history[0]
    with pytest.raises(ValueError, match="k_min must be <= k_support"):
        BlackBoxConfig(k_min=11)
    with pytest.raises(
        ValueError, match=r"iterations must be an integer in \[1, 10_000_000\], got 0"
    ):
        BlackBoxConfig(iterations=0)


def test_sine_loss_grid_is_zero_at_the_task():
    family = SinusoidTasks()
    tasks = family.make_tasks(
        torch.tensor([2.0]), torch.tensor([1.0]), 20, 1, torch.Generator().manual_seed(0)
    )
    a = torch.tensor([1.0, 2.0, 3.0])
    b = torch.tensor([0.0, 1.0])
    grid = sine_loss_grid(a, b, tasks.x_support, tasks.y_support)
    assert grid.shape == (2, 3)
    assert grid[1, 1] < 1e-10 and grid.min() == grid[1, 1]


def test_two_loop_paths_maml_vs_pretraining():
    family = SinusoidTasks()
    tasks = family.make_tasks(
        torch.tensor([1.0, 4.0]), torch.tensor([0.5, 2.5]), 10, 10, torch.Generator().manual_seed(0)
    )
    maml = two_loop_paths(
        tasks, method="maml", inner_lr=0.1, inner_steps=2, outer_steps=3, learning_rate=0.2
    )
    pre = two_loop_paths(
        tasks, method="pretrain", inner_lr=0.1, inner_steps=2, outer_steps=3, learning_rate=0.2
    )
    assert (
        maml.outer.shape == (4, 2)
        and maml.inner.shape == (4, 2, 3, 2)
        and maml.losses.shape == (4,)
    )
    torch.testing.assert_close(maml.outer[0], torch.tensor([1.0, 0.0]))
    torch.testing.assert_close(
        maml.inner[0, :, 0], maml.outer[0].expand(2, 2)
    )  # inner paths start at φ
    assert not torch.allclose(maml.outer[1], pre.outer[1])  # the two outer loops go different ways
    # pre-training's first outer step is plain gradient descent on the mixture loss at φ0
    x = torch.cat([tasks.x_support, tasks.x_query], 1)
    y = torch.cat([tasks.y_support, tasks.y_query], 1)
    a, b = torch.tensor(1.0, requires_grad=True), torch.tensor(0.0, requires_grad=True)
    ga, gb = torch.autograd.grad(((a * torch.sin(x + b) - y) ** 2).mean(), [a, b])
    torch.testing.assert_close(pre.outer[1], torch.stack([a - 0.2 * ga, b - 0.2 * gb]).detach())
    with pytest.raises(ValueError, match="method must be one of"):
        two_loop_paths(tasks, method="reptile")
    with pytest.raises(ValueError, match="outer_steps"):
        two_loop_paths(tasks, outer_steps=-1)
