"""Few-shot classifiers: the training contract, each method's inner loop, evaluation, errors."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from course_lib.meta import meta_loss, meta_loss_loop
from course_lib.meta.classifiers import (
    FEWSHOT_METHODS,
    FewShotConfig,
    FewShotNet,
    adaptation_accuracy,
    confidence_interval,
    evaluate_fewshot,
    layer_changes,
    pixel_prototypes,
    predictions_along_the_way,
    prototype_logits,
    train_fewshot,
)
from course_lib.meta.images import digit_split
from course_lib.meta.tasks import TaskBatch


@pytest.fixture(scope="module")
def split():
    return digit_split()


@pytest.fixture(scope="module")
def test_tasks(split):
    return split[1].sample(12, 5, 1, 3, torch.Generator().manual_seed(3))


def _train(method, split, **kw):
    config = FewShotConfig(method=method, iterations=6, meta_batch_size=4, log_every=3, **kw)
    return train_fewshot(config, split[0], progress=False)


@pytest.mark.parametrize("method", FEWSHOT_METHODS)
def test_every_method_trains_and_evaluates(method, split, test_tasks):
    result = _train(method, split)
    if method == "scratch":
        assert result.history == []
    else:
        assert [row["iteration"] for row in result.history] == [3.0, 6.0]
        assert {"iteration", "loss", "accuracy", "seconds"} <= set(result.history[0])
        assert all(math.isfinite(row["loss"]) for row in result.history)
    evaluation = evaluate_fewshot(result.model, test_tasks, max_steps=3)
    assert evaluation.per_task.shape == (12, 4)
    assert ((0 <= evaluation.per_task) & (evaluation.per_task <= 1)).all()


def test_same_seed_same_numbers(split):
    a = _train("maml", split, seed=5)
    b = _train("maml", split, seed=5)
    c = _train("maml", split, seed=6)
    assert [r["loss"] for r in a.history] == [r["loss"] for r in b.history]
    assert all(torch.equal(a.model.params[n], b.model.params[n]) for n in a.model.params)
    assert a.history[-1]["loss"] != c.history[-1]["loss"]


def test_training_leaves_the_global_rng_alone(split):
    state = torch.get_rng_state()
    _train("protonet", split)
    assert torch.equal(state, torch.get_rng_state())


def test_callback_can_stop_training(split):
    rows = []
    config = FewShotConfig(method="anil", iterations=30, meta_batch_size=2, log_every=2)
    result = train_fewshot(
        config, split[0], lambda row, learner: rows.append(row) or True, progress=False
    )
    assert len(result.history) == 1 and rows == result.history


def test_meta_loss_with_cross_entropy_matches_the_per_task_loop(split):
    """The shared functional inner loop classifies: vmap over tasks = the textbook loop."""
    batch = split[0].sample(3, 5, 2, 2, torch.Generator().manual_seed(0))
    model = FewShotNet(5)
    params = {n: p.detach().clone().requires_grad_(True) for n, p in model.named_parameters()}
    kw = dict(inner_lr=0.4, steps=2, loss_fn=F.cross_entropy)
    fast, slow = meta_loss(model, params, batch, **kw), meta_loss_loop(model, params, batch, **kw)
    g_fast = torch.autograd.grad(fast, list(params.values()))
    g_slow = torch.autograd.grad(slow, list(params.values()))
    assert torch.allclose(fast, slow, atol=1e-6)
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(g_fast, g_slow))


def test_prototype_logits_by_hand():
    support = torch.tensor([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0]])
    labels = torch.tensor([0, 0, 1])
    query = torch.tensor([[1.0, 1.0]])
    # prototypes (1, 0) and (0, 4): squared distances 1 and 10
    assert torch.equal(prototype_logits(support, labels, query, 2), torch.tensor([[-1.0, -10.0]]))


def test_anil_moves_only_the_head(split, test_tasks):
    learner = _train("anil", split).model
    theta = learner.adapt(test_tasks.x_support[0], test_tasks.y_support[0], steps=3)
    for name, p in learner.params.items():
        assert torch.equal(theta[name], p) != name.startswith("head.")


def test_maml_moves_every_layer_and_head_changes_most_relative(split, test_tasks):
    learner = _train("maml", split).model
    changes = layer_changes(learner, test_tasks, steps=1)
    assert list(changes) == ["hidden layer 1", "hidden layer 2", "head"]
    assert all(v > 0 for v in changes.values())


def test_pretrain_gets_a_new_zero_head(split):
    learner = _train("pretrain", split).model
    assert learner.params["head.weight"].shape == (5, 64)
    assert not learner.params["head.weight"].any()
    with pytest.raises(ValueError, match="non-zero weights"):
        layer_changes(learner, split[1].sample(2, 5, 1, 1), steps=1)


def test_zero_steps_of_maml_is_chance_level(split):
    """Labels are a fresh permutation in every task: before adapting, no output means a class."""
    learner = _train("maml", split).model
    tasks = split[1].sample(300, 5, 1, 5, torch.Generator().manual_seed(1))
    assert abs(adaptation_accuracy(learner, tasks, max_steps=0).mean().item() - 0.2) < 0.05


def test_pixel_prototypes_need_no_training(split):
    learner = pixel_prototypes()
    tasks = split[1].sample(50, 5, 1, 5, torch.Generator().manual_seed(2))
    assert adaptation_accuracy(learner, tasks, max_steps=0).mean() > 0.6


def test_predictions_along_the_way_shape(split, test_tasks):
    learner = _train("scratch", split).model
    labels = predictions_along_the_way(learner, test_tasks, max_steps=2, chunk=5)
    assert labels.shape == (12, 3, 15) and labels.dtype == torch.long


def test_confidence_interval():
    mean, half = confidence_interval(torch.tensor([0.0, 1.0] * 50))
    assert mean == 0.5
    assert half == pytest.approx(1.96 * 0.5025 / 10, rel=1e-3)
    with pytest.raises(ValueError, match="at least 2"):
        confidence_interval(torch.tensor([1.0]))


def test_config_errors_name_the_argument():
    with pytest.raises(ValueError, match="method must be one of"):
        FewShotConfig(method="reptile")
    with pytest.raises(ValueError, match="n_way"):
        FewShotConfig(n_way=1)
    with pytest.raises(TypeError, match="k_shot"):
        FewShotConfig(k_shot=1.5)
    with pytest.raises(ValueError, match=r"inner_steps must be in \[1, 20\]"):
        FewShotConfig(inner_steps=50)
    with pytest.raises(ValueError, match=r"iterations must be in \[1, 1_000_000\]"):
        FewShotConfig(iterations=10**7)
    with pytest.raises(ValueError, match="only makes sense for 'protonet'"):
        FewShotConfig(method="maml", hidden_sizes=())


def test_training_rejects_impossible_tasks(split):
    with pytest.raises(ValueError, match="n_way must be <= 24"):
        train_fewshot(FewShotConfig(n_way=30), split[0], progress=False)
    with pytest.raises(ValueError, match="k_shot \\+ k_query must be <="):
        train_fewshot(FewShotConfig(k_shot=100, k_query=100), split[0], progress=False)
    with pytest.raises(TypeError, match="FewShotConfig"):
        train_fewshot({"method": "maml"}, split[0])


def test_evaluation_rejects_wrong_shapes_and_labels(split, test_tasks):
    learner = _train("scratch", split).model
    flat = TaskBatch(test_tasks.x_support.flatten(-3), *test_tasks[1:])
    with pytest.raises(ValueError, match=r"1, 8, 8"):
        evaluate_fewshot(learner, flat)
    wrong_labels = TaskBatch(test_tasks.x_support, test_tasks.y_support + 5, *test_tasks[2:])
    with pytest.raises(ValueError, match=r"labels in 0\.\.4"):
        evaluate_fewshot(learner, wrong_labels)
    with pytest.raises(ValueError, match=r"max_steps must be in \[0, 100\]"):
        evaluate_fewshot(learner, test_tasks, max_steps=1000)
    with pytest.raises(ValueError, match=r"\[S, 1, 8, 8\]"):
        learner.adapt(test_tasks.x_support, test_tasks.y_support, steps=1)
    with pytest.raises(TypeError, match="TaskBatch"):
        evaluate_fewshot(learner, (1, 2, 3, 4))
