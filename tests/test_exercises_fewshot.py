"""Chapter 6 checkers: the reference answer passes; each wrong answer gets its own diagnosis."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from course_lib.exercises.fewshot import (
    check_chance_accuracy,
    check_most_changed_layer,
    check_pixel_yardstick,
    check_prototype_logits,
    check_zero_step_maml,
)
from course_lib.meta import prototype_logits


def _means(support, labels, n_way):
    one_hot = (labels.unsqueeze(-1) == torch.arange(n_way)).float()
    return (one_hot.T @ support) / one_hot.sum(0).unsqueeze(-1)


def reference(support, support_labels, query, n_way):
    protos = torch.stack([support[support_labels == n].mean(0) for n in range(n_way)])
    return -((query[:, None, :] - protos[None]) ** 2).sum(-1)


def test_reference_answer_passes(capsys):
    assert check_prototype_logits(reference) is True
    assert "✓ prototype_logits is right" in capsys.readouterr().out


def test_log_softmax_is_not_the_logits(capsys):
    def log_probs(support, support_labels, query, n_way):
        return torch.log_softmax(reference(support, support_labels, query, n_way), -1)

    assert check_prototype_logits(log_probs) is False
    assert "differ from −‖f(x) − c_n‖²" in capsys.readouterr().out


def _distance(s, y, q, n):
    return ((q[:, None] - _means(s, y, n)[None]) ** 2).sum(-1)


WRONG = {
    "positive distance": (
        lambda s, y, q, n: _distance(s, y, q, n),
        "return minus the distance",
    ),
    "square root": (lambda s, y, q, n: -_distance(s, y, q, n).sqrt(), "square root"),
    "sum not mean": (
        lambda s, y, q, n: -((q[:, None] - (F.one_hot(y, n).float().T @ s)[None]) ** 2).sum(-1),
        "you summed them",
    ),
    "by position": (
        lambda s, y, q, n: -((q[:, None] - s[:n][None]) ** 2).sum(-1),
        "by position",
    ),
    "mean over features": (
        lambda s, y, q, n: -((q[:, None] - _means(s, y, n)[None]) ** 2).mean(-1),
        "averaged the squared differences",
    ),
    "softmax": (
        lambda s, y, q, n: torch.softmax(-_distance(s, y, q, n), -1),
        "returned probabilities",
    ),
    "cosine": (
        lambda s, y, q, n: F.normalize(q, dim=-1) @ F.normalize(_means(s, y, n), dim=-1).T,
        "cosine similarity",
    ),
    "transposed": (lambda s, y, q, n: reference(s, y, q, n).T, "transposed"),
    "detached": (lambda s, y, q, n: reference(s.detach(), y, q.detach(), n), "no gradient"),
    "numpy": (lambda s, y, q, n: reference(s, y, q, n).detach().numpy(), "return a torch tensor"),
    "first image only": (
        lambda s, y, q, n: (
            -((q[:, None] - torch.stack([s[y == c][0] for c in range(n)])[None]) ** 2).sum(-1)
        ),
        "not take the first one",
    ),
    "library": (prototype_logits, "library's own"),
    "calls library": (lambda s, y, q, n: prototype_logits(s, y, q, n), "library's own"),
    "stub": (lambda s, y, q, n: (_ for _ in ()).throw(NotImplementedError()), "not implemented"),
}


@pytest.mark.parametrize("name", list(WRONG))
def test_each_wrong_answer_gets_its_diagnosis(name, capsys):
    fn, diagnosis = WRONG[name]
    assert check_prototype_logits(fn) is False
    out = capsys.readouterr().out
    assert diagnosis in out, out
    assert "Traceback" not in out


def test_in_place_change_is_named(capsys):
    def in_place(support, support_labels, query, n_way):
        out = reference(support, support_labels, query, n_way)
        with torch.no_grad():
            query.zero_()
        return out

    assert check_prototype_logits(in_place) is False
    assert "changed `query` in place" in capsys.readouterr().out


def test_an_endless_loop_is_stopped(capsys):
    def forever(support, support_labels, query, n_way):
        while True:
            pass

    assert check_prototype_logits(forever) is False
    assert "was stopped" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (0.2, "✓"),
        (20, "fraction between 0 and 1 (20% is 0.2)"),
        (0.1, "10 digits"),
        (1 / 40, "40 classes"),
        (1 / 16, "16 classes"),
        (1 / 24, "24 is the number"),
        (1 / 1000, "1,000 characters"),
        (1 / 200, "200 characters"),
        (1 / 28, "28 is the number of typefaces"),
        (0.5, "not 2"),
        (3, "between 0 and 1"),
        (None, "not answered"),
        ("a lot", "give a number"),
    ],
)
def test_chance_accuracy(answer, expected, capsys):
    assert check_chance_accuracy(answer) is (expected == "✓")
    assert expected in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("a", "✓"),
        ("(A)", "✓"),
        ("b", "shuffled"),
        ("c", "0% would mean"),
        ("d", "nothing can beat"),
        ("e", "not one of the choices"),
        (None, "not answered"),
    ],
)
def test_zero_step_maml(answer, expected, capsys):
    assert check_zero_step_maml(answer) is (expected == "✓")
    assert expected in capsys.readouterr().out


HEAD_MOVES = {"hidden layer 1": 0.04, "hidden layer 2": 0.05, "head": 0.35}


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("c", "✓"),
        ("a", "hidden layer 1 moved 4.0%"),
        ("b", "hidden layer 2 moved 5.0%"),
        ("d", "did not change equally"),
        (None, "not answered"),
    ],
)
def test_most_changed_layer_follows_the_measurement(answer, expected, capsys):
    assert check_most_changed_layer(answer, HEAD_MOVES) is (expected == "✓")
    assert expected in capsys.readouterr().out


def test_most_changed_layer_when_all_move_alike(capsys):
    alike = {"hidden layer 1": 0.10, "hidden layer 2": 0.11, "head": 0.12}
    assert check_most_changed_layer("d", alike) is True
    assert check_most_changed_layer("c", alike) is False
    assert "within a factor 1.5" in capsys.readouterr().out


def test_a_nan_change_is_left_out_and_the_right_answer_still_passes(capsys):
    changes = {"hidden layer 1": float("nan"), "hidden layer 2": 0.05, "head": 0.35}
    assert check_most_changed_layer("c", changes) is True
    assert "hidden layer 1: not a number in this run, left out" in capsys.readouterr().out
    assert check_most_changed_layer("a", changes) is False
    assert "hidden layer 1's change is not a number in this run" in capsys.readouterr().out


@pytest.mark.parametrize(
    "changes, says",
    [
        ({"hidden layer 1": 0.04, "head": 0.35}, "lack ['hidden layer 2']"),
        (
            {"hidden layer 1": float("nan"), "hidden layer 2": float("inf"), "head": 0.3},
            "are not finite",
        ),
        ([0.1, 0.2, 0.3], "changes must map layer names to numbers"),
    ],
)
def test_broken_measurements_cannot_judge(changes, says, capsys):
    for answer in ("a", "b", "c", "d"):
        assert check_most_changed_layer(answer, changes) is False
        out = capsys.readouterr().out
        assert out.startswith("✗ the check cannot judge an answer yet") and says in out, out


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("a", "✓ right: this run: digits 87.1%, characters 41.7%"),
        ("(A)", "✓"),
        ("b", "the digits scored higher (this run: digits 87.1%, characters 41.7%)"),
        ("c", "the digits scored higher"),
        ("d", "not one of the choices"),
        (None, "not answered"),
    ],
)
def test_pixel_yardstick_follows_the_run(answer, expected, capsys):
    assert check_pixel_yardstick(answer, 0.871, 0.417) is expected.startswith("✓")
    assert expected in capsys.readouterr().out


def test_pixel_yardstick_when_the_run_says_otherwise(capsys):
    assert check_pixel_yardstick("c", 0.50, 0.47) is True  # within 5 points: about the same
    assert check_pixel_yardstick("a", 0.50, 0.47) is False
    assert "differ by less than 5 points" in capsys.readouterr().out
    assert check_pixel_yardstick("b", 0.40, 0.60) is True


@pytest.mark.parametrize("digits", [2.0, -0.1, 87.1])
def test_pixel_yardstick_cannot_judge_an_impossible_accuracy(digits, capsys):
    """An accuracy outside [0, 1] (a percentage passed by mistake, a broken run) decides no
    answer: the check says it cannot judge, naming the measurement and the value."""
    assert check_pixel_yardstick("a", digits, 0.417) is False
    out = capsys.readouterr().out
    assert "cannot judge" in out and "digits accuracy must be a fraction in [0, 1]" in out
    assert f"got {digits}" in out
