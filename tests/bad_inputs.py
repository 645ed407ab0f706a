"""The bad-input sweep's shared pieces: the rules every case is judged by, the time limit, the
lazily built fixtures, and the registry each ``tests/test_bad_inputs_<area>.py`` fills.

Each case is ``(call, expected exception type, fragment of its message)``. The rules checked
for every one of them:

* a wrong **type** raises ``TypeError``; a wrong **value** raises ``ValueError`` and *not* a
  ``TypeError`` (``validation.ArgumentTypeError`` is both, so it counts as a type error only);
* the message names the argument and what was given (the fragment);
* the call returns within :data:`TIMEOUT_S` seconds (a ``SIGALRM`` timer), so step counts and
  table sizes without a cap show up here as failures, not as a stuck test run.

The README's "Reliability" counts come from ``pytest tests/test_bad_inputs*.py -q`` and
``tests/test_bad_inputs.py::test_case_count``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import signal
from collections.abc import Callable, Iterator

import gymnasium as gym
import pytest
import torch

from course_lib import (
    ppo,
)
from course_lib.meta import models, tasks
from course_lib.meta.train import MetaConfig, meta_train
from course_lib.rl2.train import RL2Config, evaluate_rl2, make_agent
from course_lib.tasks import bandits, mazes

TIMEOUT_S = 10  # generous: the machine is shared; every case below fails in milliseconds


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    """Raise ``TimeoutError`` if the block runs longer than ``seconds`` (main thread, POSIX)."""

    def on_alarm(signum, frame):
        raise TimeoutError(f"the call did not return within {seconds} s (a hang)")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    # Re-fire every second after the first: an exception raised while a gc callback or a
    # finalizer happens to run is swallowed ("ignored"), and a one-shot alarm would be lost.
    signal.setitimer(signal.ITIMER_REAL, seconds, 1.0)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module", autouse=True)
def remove_hypothesis_gc_callback() -> Iterator[None]:
    """Hypothesis installs a permanent ``gc.callbacks`` hook (to time garbage collection). A
    SIGALRM that lands while it runs raises inside the hook, where the exception is swallowed:
    later tests whose time limits use SIGALRM (the exercise harness) would then never time
    out. Remove it when this module is done (hypothesis re-installs it if it runs again)."""
    yield
    from hypothesis.internal.conjecture import junkdrawer

    gc.callbacks[:] = [cb for cb in gc.callbacks if "gc_cumulative_time" not in cb.__qualname__]
    junkdrawer._gc_initialized = False


def assert_clear_error(call: Callable[[], object], error: type[Exception], fragment: str) -> None:
    """``call()`` raises ``error`` (a pure ValueError for value errors) whose message has ``fragment``."""
    with time_limit(TIMEOUT_S):
        try:
            result = call()
        except TimeoutError:
            raise
        except Exception as err:  # noqa: BLE001 - every exception is judged below
            assert isinstance(err, error), f"expected {error.__name__}, got {err!r}"
            if error is ValueError:
                assert not isinstance(err, TypeError), f"a wrong value raised a type error: {err!r}"
            assert fragment in str(err), f"{fragment!r} not in the message {str(err)!r}"
            return
    pytest.fail(f"accepted silently, returned {result!r}")


# ------------------------------------------------------------------------ small fixtures
# Built lazily (inside the calls) and cached, so collecting the tests costs nothing.


@dataclasses.dataclass
class Lazy:
    make: Callable[[], object]
    value: object = None

    def __call__(self):
        if self.value is None:
            self.value = self.make()
        return self.value


def _meta_learner():
    config = MetaConfig(iterations=2, meta_batch_size=2, hidden_sizes=(8,), log_every=1)
    return meta_train(config, progress=False).model


def _bandit_batch():
    env = bandits.BernoulliBanditVectorEnv(num_envs=4, k=3, episodes_per_trial=5)
    agent = make_agent(env, RL2Config(hidden_size=8))
    return evaluate_rl2(agent, env, seed=0)["batch"]


def _maze():
    env = mazes.RandomGoalMazeVectorEnv(num_envs=2, layout="room4", max_steps=5)
    agent = make_agent(env, RL2Config(hidden_size=8))
    return env, evaluate_rl2(agent, env, seed=0)["batch"]


LEARNER = Lazy(_meta_learner)
BANDIT_BATCH = Lazy(_bandit_batch)
MAZE = Lazy(_maze)
AGENT = Lazy(lambda: ppo.ActorCritic(gym.spaces.Box(-1, 1, (4,)), gym.spaces.Discrete(2), (8,)))
SINE = Lazy(lambda: models.mlp_regressor((8,), seed=0))
SINE_PARAMS = Lazy(lambda: models.init_params(SINE()))
TASKS = Lazy(lambda: tasks.SinusoidTasks().sample(3, 5, 5, torch.Generator().manual_seed(0)))

V4 = torch.zeros(4)
V41 = torch.zeros(4, 1)
K5 = torch.linspace(-1, 1, 5).reshape(5, 1)


def widget(name: str, *args, **kwargs):
    """``course_lib.widgets.<name>(...)``, imported only when a case calls it."""
    import course_lib.widgets as widgets

    return getattr(widgets, name)(*args, **kwargs)


def registry() -> tuple[list, Callable[[str, Callable[[], object], type[Exception], str], None]]:
    """An area's list of cases and the ``case(name, call, error, fragment)`` that fills it."""
    cases: list = []

    def case(name: str, call: Callable[[], object], error: type[Exception], fragment: str) -> None:
        cases.append(pytest.param(call, error, fragment, id=name))

    return cases, case


def sweep(cases: list) -> Callable:
    """The test an area's module binds to run its cases under the rules above."""

    @pytest.mark.parametrize("call, error, fragment", cases)
    def test_bad_input_gives_a_clear_error(call, error, fragment):
        assert_clear_error(call, error, fragment)

    return test_bad_input_gives_a_clear_error


T, V = TypeError, ValueError
