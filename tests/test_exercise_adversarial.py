"""Every checker against answers built to hang it, escape it, crash it or fool it (issue 28 §4).

For each of the 12 coding checkers: answers an alarm cannot stop (a loop that catches
``BaseException`` around a C call, one long C call, a sleep), answers that leave (``sys.exit``,
``os._exit``, a segfault, ``KeyboardInterrupt``), answers that fill memory or recurse, return
values that lie (``__eq__`` always true, ``__float__`` raising, attribute access exiting, 10**400,
a never-ending iterator), the library's answer by routes a name check cannot see (``importlib``,
a helper in another module, with the profile hook removed), and wrong answers that try to fool
the comparison (mutating the inputs after computing the right result, zeroing them first,
monkeypatching the checker, its library and ``torch.allclose`` before returning a wrong value).

For each of the 27 question checkers: answers that are not plain values (``__eq__`` always
true, a ``str`` subclass with hostile methods, an object that pretends to be a ``str``, numbers
too large for a float, ``__float__`` raising or exiting, NaN, infinities, booleans, containers).

Each must be refused, with one ✗ line and no traceback, without the checker crashing ("could
not finish"), within a bounded time.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import signal
import sys
import time
import types
from collections.abc import Callable

import pytest
import torch
from torch.func import functional_call
from zh_feedback_probe import every_checker  # the one discovery of the checkers

from course_lib import exercises
from course_lib.exercises import sandbox
from course_lib.exercises.components import (
    check_more_steps_question,
    check_no_gradient_question,
    check_shift_question,
)
from course_lib.exercises.fewshot import (
    check_chance_accuracy,
    check_most_changed_layer,
    check_pixel_yardstick,
    check_zero_step_maml,
)
from course_lib.exercises.maml import check_second_order_term
from course_lib.exercises.maml_rl import (
    check_episodes_needed,
    check_ood_prediction,
    check_rl2_inner_loop,
)
from course_lib.exercises.meta import check_maml_objective, check_which_phi
from course_lib.exercises.pearl import (
    check_efficiency_prediction,
    check_encoder_gradient,
    check_posterior_variance,
    check_product_of_gaussians,
)
from course_lib.exercises.pg import check_constant_baseline, check_value_at_gamma_zero
from course_lib.exercises.ppo import check_clipped_value, check_flat_gradient
from course_lib.exercises.rl2 import (
    check_input_size,
    check_reset_each_episode,
    check_thompson_short_horizon,
)
from course_lib.exercises.sampling import (
    check_batches_per_epoch,
    check_drop_last_uses,
    check_never_used,
)
from course_lib.exercises.start import (
    check_distinct_draws,
    check_paper_scale,
    check_seeded_noise,
)
from course_lib.stats import Interval

TIME_SCALE = 0.1  # time limits shrink tenfold here: the hanging answers cost less


@pytest.fixture(autouse=True)
def _short_limits(monkeypatch):
    monkeypatch.setattr(sandbox, "TIME_SCALE", TIME_SCALE)
    monkeypatch.setattr(sandbox, "GRACE_SECONDS", 0.3)


# --- the coding checkers, each with a right answer and the library by another route -----


def _rtg(rewards, gamma):
    returns, future = torch.zeros_like(rewards), 0.0
    for t in reversed(range(len(rewards))):
        future = rewards[t] + gamma * future
        returns[t] = future
    return returns


def _minibatches(n, batch_size, generator=None):
    order = torch.randperm(n, generator=generator)
    return [order[s : s + batch_size].tolist() for s in range(0, n, batch_size)]


def _clipped(logprob, old, adv, eps):
    r = torch.exp(logprob - old)
    return -torch.min(r * adv, torch.clamp(r, 1 - eps, 1 + eps) * adv).mean()


def _step(model, params, x, y, lr):
    loss = ((functional_call(model, params, (x,)) - y) ** 2).mean()
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
    return {
        n: p - (lr[n] if isinstance(lr, dict) else lr) * g
        for (n, p), g in zip(params.items(), grads)
    }


def _prototypes(support, labels, query, n_way):
    centres = torch.stack([support[labels == n].mean(0) for n in range(n_way)])
    return -((query[:, None] - centres[None]) ** 2).sum(-1)


def _trial_input(obs, prev_action, prev_reward, prev_episode_end, num_actions):
    one_hot = torch.zeros(len(prev_action), num_actions)
    taken = prev_action >= 0
    one_hot[taken, prev_action[taken].long()] = 1.0
    return torch.cat([obs.float(), one_hot, prev_reward[:, None], prev_episode_end[:, None]], 1)


def _dice(logprob, rewards, gamma):
    w = torch.cumsum(logprob, 0)
    discount = gamma ** torch.arange(rewards.shape[0], dtype=rewards.dtype)[:, None]
    return (torch.exp(w - w.detach()) * discount * rewards).sum(0).mean()


def _q_update(Q, s, a, r, s_next, terminal, alpha, gamma):
    target = r if terminal else r + gamma * Q[s_next].max()
    out = Q.clone()
    out[s, a] = Q[s, a] + alpha * (target - Q[s, a])
    return out


def _q_library(lib, Q, s, a, r, s_next, terminal, alpha, gamma):
    one = lambda x: torch.tensor([x])  # noqa: E731 — the library's update is batched over learners
    return lib(Q[None], one(s), one(a), one(r).double(), one(s_next), one(terminal), alpha, gamma)[
        0
    ]


def _second_order(model, params, task, alpha):
    x_s, y_s, x_q, y_q = task
    loss = lambda p, x, y: ((functional_call(model, p, (x,)) - y) ** 2).mean()  # noqa: E731
    g = torch.autograd.grad(loss(params, x_s, y_s), list(params.values()), create_graph=True)
    theta = {n: p - alpha * gi for (n, p), gi in zip(params.items(), g)}
    v = torch.autograd.grad(loss(theta, x_q, y_q), list(theta.values()), retain_graph=True)
    hv = torch.autograd.grad(g, list(params.values()), grad_outputs=v)
    return {n: -alpha * h for n, h in zip(params, hv)}


def _posterior(means, variances):
    precision = 1.0 + (1.0 / variances).sum(0)
    return (means / variances).sum(0) / precision, 1.0 / precision


def _noise(seed, n):
    return torch.randn(n, generator=torch.Generator().manual_seed(seed))


@dataclasses.dataclass(frozen=True)
class Coding:
    checker: Callable
    right: Callable
    module: str  # where the library's answer lives
    name: str
    adapt: Callable = staticmethod(lambda library, *a: library(*a))  # calls it like the answer
    inputs: bool = True  # the answer receives tensors it could change in place


CODING = {
    "seeded_noise": Coding(
        check_seeded_noise,
        _noise,
        "course_lib.training",
        "make_generator",
        lambda lib, seed, n: torch.randn(n, generator=lib(seed)),
        inputs=False,
    ),
    "reward_to_go": Coding(exercises.check_reward_to_go, _rtg, "course_lib.pg", "reward_to_go"),
    "reward_to_go, Ch 8's": Coding(
        exercises.check_reward_to_go,
        _rtg,
        "course_lib.maml_rl.dice",
        "discounted_reward_to_go",
        lambda lib, r, g: lib(r[:, None], g)[:, 0],
    ),
    "q_learning_update": Coding(
        exercises.check_q_learning_update,
        _q_update,
        "course_lib.td",
        "q_learning_update",
        _q_library,
    ),
    "second_order_term": Coding(
        check_second_order_term,
        _second_order,
        "course_lib.meta.first_order",
        "second_order_term",
        lambda lib, m, p, t, a: lib(m, p, t, inner_lr=a),
    ),
    "minibatches": Coding(
        exercises.check_minibatches,
        _minibatches,
        "course_lib.sampling",
        "minibatch_indices",
        lambda lib, n, b, g: list(lib(n, b, generator=g)),
        inputs=False,
    ),
    "clipped_surrogate": Coding(
        exercises.check_clipped_surrogate, _clipped, "course_lib.ppo", "clipped_surrogate_loss"
    ),
    "inner_step": Coding(
        exercises.check_inner_step,
        _step,
        "course_lib.meta",
        "adapt",
        lambda lib, m, p, x, y, lr: lib(m, p, x, y, inner_lr=lr, steps=1),
    ),
    "meta_sgd_step": Coding(
        exercises.check_meta_sgd_step,
        _step,
        "course_lib.meta",
        "adapt",
        lambda lib, m, p, x, y, lr: lib(m, p, x, y, inner_lr=lr, steps=1),
    ),
    "prototype_logits": Coding(
        exercises.check_prototype_logits, _prototypes, "course_lib.meta", "prototype_logits"
    ),
    "trial_input": Coding(
        exercises.check_trial_input, _trial_input, "course_lib.rl2", "trial_input"
    ),
    "dice_objective": Coding(
        exercises.check_dice_objective,
        _dice,
        "course_lib.maml_rl.dice",
        "dice_surrogate",
        lambda lib, lp, r, g: lib(lp, r, None, g),
    ),
    "product_of_gaussians": Coding(
        check_product_of_gaussians,
        _posterior,
        "course_lib.pearl.encoder",
        "product_of_gaussians",
    ),
}

# The library reached through a helper that lives in another module: a name check sees only
# `helpers.call_library`, nothing of course_lib.
_helpers = types.ModuleType("student_helpers")
exec(
    "import importlib\n"
    "def call_library(module, name, adapt, *args):\n"
    "    return adapt(getattr(importlib.import_module(module), name), *args)\n",
    _helpers.__dict__,
)


def _tensors(obj):
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for value in obj.values():
            yield from _tensors(value)
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            yield from _tensors(value)
    elif isinstance(obj, torch.nn.Module):
        yield from obj.parameters()


class _AlwaysEqual:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__

    def __float__(self):
        raise RuntimeError("no float")

    def __bool__(self):
        raise SystemExit

    def __getattr__(self, name):
        raise SystemExit(f"escaped through {name}")

    def __len__(self):
        return 10**18

    def __iter__(self):
        while True:
            yield self


class _HostileTensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        raise SystemExit("escaped through __torch_function__")


def _patch_everything():
    """What an answer can reach: the checker modules, the library, torch's comparisons."""
    true = lambda *a, **k: True  # noqa: E731
    for name, module in list(sys.modules.items()):
        if name.startswith("course_lib"):
            for attr, value in list(vars(module).items()):
                if isinstance(value, types.FunctionType):
                    setattr(module, attr, true)
    torch.allclose = torch.equal = true


def _adversaries(spec: Coding) -> dict[str, Callable]:
    right, library = spec.right, (spec.module, spec.name, spec.adapt)

    def swallows(*a):
        while True:
            try:
                sum(range(10**7))
            except BaseException:
                continue

    def long_c_call(*a):
        return sum(range(10**12))

    def sleeps(*a):
        time.sleep(60)

    def exits(*a):
        sys.exit(0)

    def os_exit(*a):
        os._exit(0)

    def segfault(*a):
        os.kill(os.getpid(), signal.SIGSEGV)

    def interrupt(*a):
        raise KeyboardInterrupt

    def huge_tensor(*a):
        return torch.zeros(10**12)

    def huge_list(*a):
        return list(range(10**12))

    def recurses(*a):
        return recurses(*a)

    def always_equal(*a):
        return _AlwaysEqual()

    def huge_int(*a):
        return 10**400

    def returns_none(*a):
        return None

    def hostile_tensor(*a):
        return torch.zeros(3).as_subclass(_HostileTensor)

    def forks_and_returns(*a):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        return None

    def prints_a_lot(*a):
        print("x" * 10**6)
        return None

    def via_importlib(*a):
        return spec.adapt(getattr(importlib.import_module(spec.module), spec.name), *a)

    def via_helper(*a):
        return _helpers.call_library(*library, *a)

    def unhooks_then_library(*a):
        sys.setprofile(None)
        return via_importlib(*a)

    def patches_then_wrong(*a):
        _patch_everything()
        return None

    answers = {
        "swallows BaseException": swallows,
        "one long C call": long_c_call,
        "sleeps": sleeps,
        "sys.exit": exits,
        "os._exit": os_exit,
        "segfault": segfault,
        "KeyboardInterrupt": interrupt,
        "10**12 floats": huge_tensor,
        "a list of 10**12": huge_list,
        "endless recursion": recurses,
        "__eq__ always True": always_equal,
        "10**400": huge_int,
        "None": returns_none,
        "hostile tensor subclass": hostile_tensor,
        "forks a sleeper": forks_and_returns,
        "prints a megabyte": prints_a_lot,
        "library via importlib": via_importlib,
        "library via a helper": via_helper,
        "library with the hook removed": unhooks_then_library,
        "patches the checker": patches_then_wrong,
    }
    if spec.inputs:

        def right_then_mutate(*a):
            out = right(*a)
            with torch.no_grad():
                for t in _tensors(a):
                    t.add_(5)
            return out

        def zero_then_right(*a):
            with torch.no_grad():
                for t in _tensors(a):
                    t.zero_()
            return right(*a)

        answers["right, then inputs changed"] = right_then_mutate
        answers["inputs zeroed, then right"] = zero_then_right
    return answers


CODING_CASES = [
    pytest.param(spec, label, answer, id=f"{name}: {label}")
    for name, spec in CODING.items()
    for label, answer in _adversaries(spec).items()
]


@pytest.mark.parametrize("spec", list(CODING.values()), ids=list(CODING))
def test_the_right_answer_passes(spec, capsys, monkeypatch):
    monkeypatch.setattr(sandbox, "TIME_SCALE", 1.0)  # the real limits
    assert spec.checker(spec.right) is True, capsys.readouterr().out


@pytest.mark.parametrize(("spec", "label", "answer"), CODING_CASES)
def test_coding_checkers_survive_every_adversary(spec, label, answer, capsys):
    began = time.perf_counter()
    verdict = spec.checker(answer)
    seconds = time.perf_counter() - began
    out = capsys.readouterr().out
    assert verdict is False, out
    lines = [line for line in out.splitlines() if line.startswith("✗")]
    assert len(lines) == 1, out
    assert "could not finish" not in out and "Traceback" not in out, out
    if label.startswith("library"):
        assert "the library's own" in lines[0] or "profile hook" in lines[0], out
    if label == "right, then inputs changed":
        assert "in place" in lines[0] or "was changed" in lines[0], out
    assert seconds < 30, f"{label} took {seconds:.1f} s"  # bounded: every limit × 0.1 + grace


# --- the question checkers --------------------------------------------------------------

QUESTIONS = {
    "paper_scale": check_paper_scale,
    "distinct_draws": check_distinct_draws,
    "value_at_gamma_zero": check_value_at_gamma_zero,
    "constant_baseline": check_constant_baseline,
    "batches_per_epoch": check_batches_per_epoch,
    "never_used": check_never_used,
    "drop_last_uses": check_drop_last_uses,
    "clipped_value": check_clipped_value,
    "flat_gradient": check_flat_gradient,
    "more_steps": check_more_steps_question,
    "shift": check_shift_question,
    "no_gradient": check_no_gradient_question,
    "maml_objective": check_maml_objective,
    "which_phi": check_which_phi,
    "chance_accuracy": check_chance_accuracy,
    "zero_step_maml": check_zero_step_maml,
    "most_changed_layer": lambda a: check_most_changed_layer(
        a, {"hidden layer 1": 0.04, "hidden layer 2": 0.05, "head": 0.35}
    ),
    "input_size": check_input_size,
    "reset_each_episode": check_reset_each_episode,
    "rl2_inner_loop": check_rl2_inner_loop,
    "episodes_needed": lambda a: check_episodes_needed(a, steps=3, num_trajectories=20),
    "ood_prediction": lambda a: check_ood_prediction(a, Interval(-0.4, 0.3, 100)),
    "thompson_short_horizon": check_thompson_short_horizon,
    "pixel_yardstick": lambda a: check_pixel_yardstick(a, 0.871, 0.417),
    "posterior_variance": check_posterior_variance,
    "encoder_gradient": check_encoder_gradient,
    "efficiency_prediction": lambda a: check_efficiency_prediction(
        a, {"RL²": 2.0e6, "MAML-RL": 4.0e6, "PEARL": 1.0e5}
    ),
}


class _StrWithHostileMethods(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__

    def strip(self, *a):
        raise SystemExit

    def lower(self):
        raise SystemExit

    def __str__(self):
        raise SystemExit


class _PretendsToBeStr:
    @property
    def __class__(self):
        return str

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class _FloatExits:
    def __float__(self):
        raise SystemExit

    def __index__(self):
        raise SystemExit

    def __repr__(self):
        raise SystemExit


class _FloatRaises:
    def __float__(self):
        raise ValueError("no")


QUESTION_ADVERSARIES = {
    "__eq__ always True": _AlwaysEqual(),
    "str subclass, hostile methods": _StrWithHostileMethods("zzz"),
    "pretends to be a str": _PretendsToBeStr(),
    "10**400": 10**400,
    "-10**400": -(10**400),
    "__float__ exits": _FloatExits(),
    "__float__ raises": _FloatRaises(),
    "NaN": float("nan"),
    "inf": float("inf"),
    "True": True,
    "a list": [0.2, "a"],
    "a set": {"a", "b", "c", "d"},
    "a NaN tensor": torch.tensor(float("nan")),
    "a hostile tensor": torch.zeros(()).as_subclass(_HostileTensor),
    "bytes": b"a",
}

QUESTION_CASES = [
    pytest.param(checker, answer, id=f"{name}: {label}")
    for name, checker in QUESTIONS.items()
    for label, answer in QUESTION_ADVERSARIES.items()
]


@pytest.mark.parametrize(("checker", "answer"), QUESTION_CASES)
def test_question_checkers_survive_every_adversary(checker, answer, capsys):
    assert checker(answer) is False
    out = capsys.readouterr().out
    assert out.startswith("✗") and out.count("✗") == 1, out
    assert "could not finish" not in out and "Traceback" not in out, out


def test_the_counts(capsys):
    """The figures for the report: how many answers each checker faced here."""
    with capsys.disabled():
        for name, spec in CODING.items():
            print(f"{name:>22}: {len(_adversaries(spec))} adversarial answers")
        print(f"{'each question':>22}: {len(QUESTION_ADVERSARIES)} adversarial answers")
        print(f"{'in all':>22}: {len(CODING_CASES) + len(QUESTION_CASES)}")
    assert len(QUESTIONS) == 27 and len({s.checker for s in CODING.values()}) == 12


#: Checkers not in the sweep above, with the reason (none may be left out silently).
NOT_SWEPT = {
    "check_choice": "the harness's multiple-choice helper: swept through every question using it",
    "check_number": "the harness's number helper: swept through every question using it",
}


def test_every_checker_is_in_the_sweep():
    swept = {s.checker for s in CODING.values()} | set(QUESTIONS.values())
    wrapped = {f"check_{name}" for name, q in QUESTIONS.items() if q.__name__ == "<lambda>"}
    wrapped |= {f"check_{name}_question" for name in QUESTIONS}  # the components module's names
    checkers = every_checker()
    assert len(checkers) > 30  # the discovery works
    missing = sorted(
        name
        for name, fn in checkers.items()
        if fn not in swept and name not in wrapped and name not in NOT_SWEPT
    )
    assert not missing, f"checkers missing from the adversarial sweep: {missing}"
