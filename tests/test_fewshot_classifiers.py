"""Few-shot classifiers: the training contract, each method's inner loop, evaluation, errors."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
import torch.nn.functional as F

from course_lib.meta import meta_loss, meta_loss_loop
from course_lib.meta.classifiers import (
    FEWSHOT_METHODS,
    FewShotConfig,
    FewShotLearner,
    FewShotNet,
    adaptation_accuracy,
    evaluate_fewshot,
    layer_changes,
    meta_iterations_per_second,
    outer_loss,
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


def test_config_errors_name_the_argument():
    with pytest.raises(ValueError, match="method must be one of"):
        FewShotConfig(method="reptile")
    with pytest.raises(ValueError, match="n_way"):
        FewShotConfig(n_way=1)
    with pytest.raises(TypeError, match="k_shot"):
        FewShotConfig(k_shot=1.5)
    with pytest.raises(ValueError, match=r"inner_steps must be an integer in \[1, 20\]"):
        FewShotConfig(inner_steps=50)
    with pytest.raises(ValueError, match=r"iterations must be an integer in \[1, 1_000_000\]"):
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
    with pytest.raises(ValueError, match=r"max_steps must be an integer in \[0, 100\]"):
        evaluate_fewshot(learner, test_tasks, max_steps=1000)
    with pytest.raises(ValueError, match=r"\[S, 1, 8, 8\]"):
        learner.adapt(test_tasks.x_support, test_tasks.y_support, steps=1)
    with pytest.raises(TypeError, match="TaskBatch"):
        evaluate_fewshot(learner, (1, 2, 3, 4))


# ---------------------------------------------------------------------------------------
# The characters (28×28) and the CNN backbone
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def characters():
    from course_lib.meta import character_split

    return character_split()


@pytest.mark.parametrize("backbone, sizes", [("mlp", (32, 32)), ("cnn", (8, 8, 8))])
@pytest.mark.parametrize("method", ["maml", "anil", "protonet", "pretrain"])
def test_every_backbone_trains_on_characters(method, backbone, sizes, characters):
    train, _, test = characters
    config = FewShotConfig(
        method=method, backbone=backbone, hidden_sizes=sizes, iterations=4, meta_batch_size=2,
        log_every=2, inner_lr=0.1,
    )  # fmt: skip
    learner = train_fewshot(config, train, progress=False).model
    assert learner.image_shape == (1, 28, 28)
    tasks = test.sample(6, 5, 1, 2, torch.Generator().manual_seed(0))
    evaluation = evaluate_fewshot(learner, tasks, max_steps=2)
    assert evaluation.per_task.shape == (6, 3)


def test_cnn_layers_halve_the_image():
    net = FewShotNet(5, (8, 16, 4), (1, 28, 28), backbone="cnn")
    x = torch.zeros(2, 3, 1, 28, 28)  # leading dims are kept
    assert net(x, head=False).shape == (2, 3, 4 * 4 * 4)  # 28 → 14 → 7 → 4
    assert net(x).shape == (2, 3, 5)
    assert [n for n, _ in net.named_parameters()][:2] == ["body.0.weight", "body.0.bias"]
    with pytest.raises(ValueError, match="backbone must be one of"):
        FewShotNet(5, backbone="transformer")
    with pytest.raises(ValueError, match="backbone must be one of"):
        FewShotConfig(backbone="rnn")


def test_cnn_meta_loss_matches_the_per_task_loop(characters):
    batch = characters[0].sample(2, 5, 1, 2, torch.Generator().manual_seed(0))
    torch.manual_seed(0)  # a test may seed the global RNG
    model = FewShotNet(5, (4, 4), (1, 28, 28), backbone="cnn")
    params = {n: p.detach().clone().requires_grad_(True) for n, p in model.named_parameters()}
    kw = dict(inner_lr=0.4, steps=1, loss_fn=F.cross_entropy)
    fast, slow = meta_loss(model, params, batch, **kw), meta_loss_loop(model, params, batch, **kw)
    g_fast = torch.autograd.grad(fast, list(params.values()))
    g_slow = torch.autograd.grad(slow, list(params.values()))
    assert torch.allclose(fast, slow, atol=1e-6)
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(g_fast, g_slow))


def test_learners_check_the_image_size(characters, test_tasks):
    train, _, test = characters
    learner = train_fewshot(
        FewShotConfig(method="scratch", hidden_sizes=(8,)), train, progress=False
    ).model
    with pytest.raises(ValueError, match=r"\[\.\.\., 1, 28, 28\].*got \(12, 5, 1, 8, 8\)"):
        evaluate_fewshot(learner, test_tasks)  # digit tasks for a character learner
    with pytest.raises(
        ValueError, match=r"image_shape must be \(1, H, W\) with H, W in \[8, 256\]"
    ):
        pixel_prototypes(5, (1, 4, 4))
    assert pixel_prototypes(5, test.image_shape).image_shape == (1, 28, 28)


def test_pixel_prototypes_on_characters_are_weak(characters):
    """The reason for the data set: raw pixels separate typefaces' drawings poorly."""
    tasks = characters[2].sample(100, 5, 1, 5, torch.Generator().manual_seed(4))
    accuracy = adaptation_accuracy(pixel_prototypes(5, (1, 28, 28)), tasks, max_steps=0).mean()
    assert 0.3 < accuracy < 0.55


def test_choose_inner_lr_picks_the_best_on_the_given_tasks(split, test_tasks):
    from course_lib.meta import choose_inner_lr

    learner = _train("pretrain", split).model
    best, scores = choose_inner_lr(learner, test_tasks, (0.001, 0.1, 1.0), steps=3)
    assert best == max(scores, key=scores.get) and set(scores) == {0.001, 0.1, 1.0}
    moved = learner.with_inner_lr(best)
    assert moved.inner_lr == moved.config.inner_lr == best and learner.inner_lr == 0.4
    assert moved.params is learner.params
    with pytest.raises(ValueError, match="candidates must hold"):
        choose_inner_lr(learner, test_tasks, ())
    with pytest.raises(ValueError, match="inner_lr must be in"):
        learner.with_inner_lr(-1.0)


def test_meta_iterations_per_second_times_the_outer_step(characters):
    from course_lib.meta import meta_iterations_per_second

    config = FewShotConfig(method="maml", hidden_sizes=(16,), meta_batch_size=2)
    assert meta_iterations_per_second(config, characters[0], seconds=0.2, batches=2) > 0
    with pytest.raises(ValueError, match="meta-learner"):
        meta_iterations_per_second(FewShotConfig(method="pretrain"), characters[0])
    with pytest.raises(ValueError, match=r"seconds must be in \(0.0, 60.0\]"):
        meta_iterations_per_second(config, characters[0], seconds=0)


def test_evaluation_intervals_come_from_course_stats(split, test_tasks):
    from course_lib.stats import mean_ci

    evaluation = evaluate_fewshot(_train("maml", split).model, test_tasks, max_steps=2)
    interval = evaluation.interval(1)
    assert interval == mean_ci(evaluation.per_task[:, 1])
    assert evaluation.metric == "query accuracy" and evaluation.higher_is_better
    with pytest.raises(ValueError, match=r"steps must be one of the evaluated \[0, 1, 2\]"):
        evaluation.interval(5)


# ---------------------------------------------------------------------------------------
# Issue #28's few-shot examples, refused at the edge (the generated sweep covers the rest)
# ---------------------------------------------------------------------------------------


def test_prototype_logits_refuses_zero_classes_labels_beyond_n_and_nan_features():
    support, labels, query = torch.randn(4, 3), torch.tensor([0, 0, 1, 1]), torch.randn(2, 3)
    with pytest.raises(ValueError, match=r"n_way must be an integer in \[1, 10_000\], got 0"):
        prototype_logits(support, labels, query, 0)  # used to return [Q, 0]
    with pytest.raises(
        ValueError, match=r"cover every class 0\.\.4 \(n_way = 5\).*got \[0, 1, 7\]"
    ):
        prototype_logits(torch.randn(3, 3), torch.tensor([0, 1, 7]), query, 5)
    support[0, 0] = float("nan")
    with pytest.raises(ValueError, match="support must hold finite numbers.*got 1 NaN"):
        prototype_logits(support, labels, query, 2)
    assert prototype_logits(torch.randn(4, 3), labels, query, 2).shape == (2, 2)


def test_labels_7_in_a_5_way_task_are_refused_not_nan(split, test_tasks):
    """A protonet's class 7 has no support image: its prototype would be 0 / 0 = NaN."""
    bad = test_tasks._replace(y_support=test_tasks.y_support.clone().fill_(7))
    config = FewShotConfig(method="protonet", hidden_sizes=(8,))
    model = FewShotNet(5, (8,))
    params = dict(model.named_parameters())
    with pytest.raises(ValueError, match=r"batch\.y_support must hold labels in 0\.\.4.*got"):
        outer_loss(config, model, params, bad)
    learner = train_fewshot(FewShotConfig(method="scratch", hidden_sizes=(8,)), split[0]).model
    with pytest.raises(ValueError, match=r"tasks\.y_support must hold labels in 0\.\.4"):
        adaptation_accuracy(learner, bad, max_steps=1)
    with pytest.raises(ValueError, match=r"y must hold labels in 0\.\.4"):
        learner.adapt(bad.x_support[0], bad.y_support[0], steps=1)
    assert torch.isfinite(outer_loss(config, model, params, test_tasks))


def test_a_learner_checks_its_fields_and_their_agreement(split):
    learner = train_fewshot(FewShotConfig(method="scratch", hidden_sizes=(8,)), split[0]).model
    fields = {f.name: getattr(learner, f.name) for f in dataclasses.fields(learner)}
    with pytest.raises(ValueError, match=r"inner_lr must be in \(0\.0, 10\.0\], got -1\.0"):
        FewShotLearner(**{**fields, "inner_lr": -1.0})  # gradient ascent, silently
    with pytest.raises(ValueError, match="n_way must match config.n_way = 5, got 3"):
        FewShotLearner(**{**fields, "n_way": 3})
    with pytest.raises(ValueError, match="params must hold the model's weights"):
        FewShotLearner(**{**fields, "params": {"head.weight": torch.zeros(5, 8)}})
    with pytest.raises(TypeError, match="head_only must be True or False, got 'yes'"):
        learner.adapt(*_one_task(split), steps=1, head_only="yes")  # bool("no") is True
    assert learner.with_inner_lr(0.1).inner_lr == 0.1


def _one_task(split):
    batch = split[1].sample(1, 5, 1, 1, torch.Generator().manual_seed(0))
    return batch.x_support[0], batch.y_support[0]


def test_valid_numbers_of_numpy_still_pass(split):
    import numpy as np

    net = FewShotNet(np.int64(5), (np.int64(8),), (np.int64(1), np.int64(8), np.int64(8)))
    assert net.image_shape == (1, 8, 8) and net.head.out_features == 5
    logits = prototype_logits(
        torch.randn(4, 3), torch.tensor([0, 0, 1, 1]), torch.randn(2, 3), np.int64(2)
    )
    assert logits.shape == (2, 2)


def test_the_images_one_step_holds_are_capped(split):
    """Each size is within its range, but their product is 4.2 million images (13 GB)."""
    huge = FewShotConfig(meta_batch_size=1000, n_way=24, k_shot=100, k_query=74)
    with pytest.raises(
        ValueError,
        match=r"config: meta_batch_size · n_way · \(k_shot \+ k_query\) must be at most 200_000 images held at once, got 4_176_000",
    ):
        train_fewshot(huge, split[0], progress=False)
    tiny = FewShotConfig(meta_batch_size=100, n_way=24, k_shot=10, k_query=10)  # 48,000
    with pytest.raises(ValueError, match=r"batches · meta_batch_size .* got 4_800_000"):
        meta_iterations_per_second(tiny, split[0], seconds=0.01, batches=100)


def test_a_protonet_needs_every_class_in_each_support_set(split):
    """A class with no support image has the prototype 0 / 0: NaN scores, silently."""
    learner = pixel_prototypes(2)
    tasks = split[1].sample(3, 2, 1, 1, torch.Generator().manual_seed(0))
    blind = tasks._replace(y_support=torch.zeros_like(tasks.y_support))  # class 1 never shown
    with pytest.raises(ValueError, match="tasks.y_support must show each of the 2 classes.*got 3"):
        adaptation_accuracy(learner, blind, max_steps=0)
    with pytest.raises(ValueError, match="support's labels must show each of the 2 classes"):
        learner.logits(tasks.x_query[0], support=(blind.x_support[0], blind.y_support[0]))
    empty = tasks._replace(**{k: v[:0] for k, v in tasks._asdict().items()})
    with pytest.raises(ValueError, match="tasks must hold at least one task, got B = 0"):
        evaluate_fewshot(learner, empty, max_steps=0)
    assert adaptation_accuracy(learner, tasks, max_steps=0).shape == (3, 1)


def test_the_network_checks_its_images_also_inside_vmap(split):
    """FewShotNet refuses what it cannot score; inside vmap (where a value cannot be branched on)
    it checks the shape and skips the finiteness check, so batched training still works."""
    from torch.func import functional_call, vmap

    net = FewShotNet(2, (8,))
    x = torch.rand(3, 4, 1, 8, 8)
    nan = x.clone()
    nan[0, 0, 0, 0, 0] = float("nan")
    with pytest.raises(ValueError, match="x must hold finite numbers.*got 1 NaN"):
        net(nan)
    with pytest.raises(
        ValueError, match=r"x must hold images of shape \[..., 1, 8, 8\], got \(3, 64\)"
    ):
        net.features(torch.zeros(3, 64))
    with pytest.raises(TypeError, match="x must be a float tensor of images.*got torch.int64"):
        net(torch.zeros(3, 1, 8, 8, dtype=torch.long))
    with pytest.raises(TypeError, match="head must be True or False, got 'no'"):
        net(x[0], head="no")  # bool("no") is True: it used to return the scores
    params = dict(net.named_parameters())
    batched = vmap(lambda xi: functional_call(net, params, (xi,)))(x)
    assert torch.allclose(batched, net(x))


def test_a_support_set_is_checked_for_every_method(split):
    """A scratch learner ignores a support set, but a malformed one is still a mistake."""
    learner = _train("scratch", split).model
    x, y = _one_task(split)
    assert torch.equal(learner.logits(x, support=(x, y)), learner.logits(x))
    with pytest.raises(
        ValueError, match="support's labels must hold labels in 0..4.*got values from 7"
    ):
        learner.logits(x, support=(x, torch.full_like(y, 7)))
    with pytest.raises(TypeError, match="support must be \\(x_support, y_support\\), got tensor"):
        learner.logits(x, support=x)
