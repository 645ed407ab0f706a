"""Bad and hostile input at every public entry point: a clear error, never a hang or a silent NaN.

Each case is ``(call, expected exception type, fragment of its message)``. The rules checked
for every one of them:

* a wrong **type** raises ``TypeError``; a wrong **value** raises ``ValueError`` and *not* a
  ``TypeError`` (``validation.ArgumentTypeError`` is both, so it counts as a type error only);
* the message names the argument and what was given (the fragment);
* the call returns within :data:`TIMEOUT_S` seconds (a ``SIGALRM`` timer), so step counts and
  table sizes without a cap show up here as failures, not as a stuck test run.

The configs are swept field by field from their annotations (every bad value of the field's
kind), and again with hypothesis. The README's "Reliability" counts come from this file:
``pytest tests/test_bad_inputs.py -q`` and :func:`test_case_count`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import math
import signal
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from course_lib import (
    checkpoints,
    evaluation,
    nets,
    plotting,
    ppo,
    sampling,
    training,
    trials,
    validation,
)
from course_lib.maml_rl.bandits import BanditMAMLConfig
from course_lib.maml_rl.train import MAMLRLConfig
from course_lib.meta import evaluation as meta_evaluation
from course_lib.meta import functional, landscape, models, tasks
from course_lib.meta.blackbox import BlackBoxConfig, blackbox_mse, train_blackbox
from course_lib.meta.classifiers import FewShotConfig
from course_lib.meta.components import ComponentConfig
from course_lib.meta.train import MetaConfig, meta_train, outer_gradient
from course_lib.pearl.train import PEARLConfig
from course_lib.pg import ReinforceConfig
from course_lib.ppo import PPOConfig
from course_lib.rl2 import baselines
from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.rl2.train import RL2Config, evaluate_rl2, make_agent, train_rl2
from course_lib.tasks import bandits, mazes
from course_lib.trials import rollout_trials

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
def _remove_hypothesis_gc_callback() -> Iterator[None]:
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

# ------------------------------------------------------------------------ the cases

CASES: list = []


def case(name: str, call: Callable[[], object], error: type[Exception], fragment: str) -> None:
    CASES.append(pytest.param(call, error, fragment, id=name))


T, V = TypeError, ValueError

# -- the reproducers, each with its exact message
case(
    "repro-clipped-loss-broadcast",
    lambda: ppo.clipped_surrogate_loss(V4, V4, V41, 0.2),
    V,
    "logprob, old_logprob, advantages must all have the same shape, "
    "got logprob [4], old_logprob [4], advantages [4, 1]",
)
case(
    "repro-mse-broadcast",
    lambda: functional.mse(K5, K5.reshape(5)),
    V,
    "prediction, target must all have the same shape, got prediction [5, 1], target [5]",
)
case(
    "repro-task-loss-broadcast",
    lambda: functional.task_loss(SINE(), SINE_PARAMS(), K5, K5.reshape(5)),
    V,
    "prediction, target must all have the same shape, got prediction [5, 1], target [5]",
)
case(
    "repro-adapt-broadcast",
    lambda: functional.adapt(SINE(), SINE_PARAMS(), K5, K5.reshape(5), inner_lr=0.1, steps=1),
    V,
    "prediction, target must all have the same shape, got prediction [5, 1], target [5]",
)
case(
    "repro-meta-loss-broadcast",
    lambda: functional.meta_loss(
        SINE(),
        SINE_PARAMS(),
        tasks.TaskBatch(TASKS().x_support, TASKS().y_support[..., 0], *TASKS()[2:]),
        inner_lr=0.1,
        steps=1,
    ),
    V,
    "prediction, target must all have the same shape, got prediction [5, 1], target [5]",
)
case(
    "repro-two-loop-paths-broadcast",
    lambda: landscape.two_loop_paths(
        tasks.TaskBatch(TASKS().x_support, TASKS().y_support[..., 0], *TASKS()[2:])
    ),
    V,
    "prediction, target must all have the same shape, got prediction [5, 1], target [5]",
)
case(
    "repro-ppo-minibatch-of-one",
    lambda: PPOConfig(num_envs=2, num_steps=4, num_minibatches=8, total_steps=8),
    V,
    "norm_adv=True needs minibatches of at least 2 samples",
)
case(
    "repro-meta-inner-lr-inf",
    lambda: MetaConfig(inner_lr=math.inf),
    V,
    "inner_lr must be in (0.0, 10.0], got inf",
)
case(
    "repro-blackbox-lr-inf",
    lambda: BlackBoxConfig(learning_rate=math.inf),
    V,
    "learning_rate must be in (0.0, 1.0], got inf",
)
case(
    "repro-rl2-recurrent-string",
    lambda: RL2Config(recurrent="False"),
    T,
    "recurrent must be True or False, got 'False'",
)
for _cls in (PPOConfig, MetaConfig, BlackBoxConfig, RL2Config):
    case(
        f"repro-seed-2**64-{_cls.__name__}",
        lambda c=_cls: c(seed=2**64),
        V,
        "seed must be an integer in [0, 2**63), got 18446744073709551616",
    )
    case(
        f"repro-string-rate-{_cls.__name__}",
        lambda c=_cls: c(learning_rate="0.001"),
        T,
        "learning_rate must be a number in (0.0, 1.0], got '0.001'",
    )
case("repro-gae-gamma-str", lambda: ppo.compute_gae(*[V41] * 5, "0.9", 0.9), T, "gamma must be a number in [0.0, 1.0], got '0.9'")  # fmt: skip
case("repro-gae-lam-str", lambda: ppo.compute_gae(*[V41] * 5, 0.9, "x"), T, "lam must be a number in [0.0, 1.0], got 'x'")  # fmt: skip
case(
    "repro-inner-lr-str",
    lambda: functional.adapt(SINE(), SINE_PARAMS(), K5, K5, inner_lr="fast", steps=1),
    T,
    "inner_lr must be a float >= 0 or a dict of per-parameter tensors, got str",
)
case(
    "repro-reptile-epsilon-str",
    lambda: functional.reptile_update(
        SINE(), SINE_PARAMS(), TASKS(), inner_lr=0.1, steps=1, epsilon="half"
    ),
    T,
    "epsilon must be a number in (0.0, 1.0], got 'half'",
)
case(
    "repro-adapt-steps-1e9",
    lambda: functional.adapt(SINE(), SINE_PARAMS(), K5, K5, inner_lr=0.1, steps=10**9),
    V,
    "steps must be an integer in [0, 1_000], got 1000000000",
)
case(
    "repro-two-loop-outer-steps-1e7",
    lambda: landscape.two_loop_paths(TASKS(), outer_steps=10**7),
    V,
    "outer_steps must be an integer in [0, 1_000], got 10000000",
)
case(
    "repro-gittins-n-300",
    lambda: baselines.run_baseline("gittins", 2, 300, 10, 0),
    V,
    "n must be an integer in [1, 200] for the finite-horizon Gittins index",
)
case(
    "repro-widget-sampling-n-0",
    lambda: _widget("sampling_explorer", n=0),
    V,
    "n must be an integer in [4, 256], got 0",
)
case(
    "repro-widget-sampling-n-1000",
    lambda: _widget("sampling_explorer", n=1000),
    V,
    "n must be an integer in [4, 256], got 1000",
)
case(
    "repro-widget-clip-0.7",
    lambda: _widget("clip_objective_explorer", clip_coef=0.7),
    V,
    "clip_coef must be in [0.05, 0.5], got 0.7",
)
case(
    "repro-widget-bandit-trial-99",
    lambda: _widget("bandit_trial_viewer", BANDIT_BATCH(), trial=99),
    V,
    "trial must be an integer in [0, 3], got 99",
)
case(
    "repro-rl2-one-env-single-pull",
    lambda: train_rl2(
        RL2Config(num_minibatches=1, iterations=1),
        bandits.BernoulliBanditVectorEnv(num_envs=1, k=2, episodes_per_trial=1),
        progress=False,
    ),
    V,
    "norm_adv=True needs minibatches of at least 2 samples (a 1-sample minibatch has no "
    "standard deviation, and its normalised advantage is NaN), got 1",
)
case(
    "repro-rl2-more-minibatches-than-envs",
    lambda: train_rl2(RL2Config(), bandits.BernoulliBanditVectorEnv(num_envs=1), progress=False),
    V,
    "env.num_envs (1) must be >= config.num_minibatches (4)",
)


def _widget(name: str, *args, **kwargs):
    import course_lib.widgets as widgets

    return getattr(widgets, name)(*args, **kwargs)


# -- configs: every field swept with bad values of its kind (from the annotations)
BAD_BY_KIND: dict[str, list[tuple[object, type[Exception]]]] = {
    "int": [("1", T), (1.5, T), (True, T), (None, T), (-1, V)],
    "float": [("0.1", T), (None, T), (True, T), (math.nan, V), (math.inf, V), (-math.inf, V)],
    "bool": [("False", T), (1, T), (None, T)],
    "str": [(3, T), (None, T), ("no-such-value", V)],
    "tuple[int, ...]": [("64", T), (64, T), ((0,), V), ((2.5,), T), ((10**6,), V)],
    "float | None": [("x", T), (math.nan, V), (math.inf, V)],
    "tuple[str, ...]": [(3, T), (("no-such-value",), V)],
}
#: Fields whose size drives the run time or memory: a huge value must hit a stated cap.
CAPPED = {
    "PPOConfig": ["num_envs", "num_steps", "total_steps", "update_epochs", "num_minibatches"],
    "MetaConfig": ["iterations", "meta_batch_size", "k_support", "k_query", "inner_steps"],
    "BlackBoxConfig": ["iterations", "meta_batch_size", "k_support", "k_query", "representation"],
    "RL2Config": ["iterations", "hidden_size", "update_epochs", "num_minibatches"],
    "ReinforceConfig": ["iterations", "episodes_per_batch"],
    "FewShotConfig": ["iterations", "meta_batch_size", "inner_steps"],
    "MAMLRLConfig": ["iterations", "update_epochs", "max_steps", "cg_iterations"],
    "BanditMAMLConfig": ["k", "pulls_per_step", "inner_steps", "meta_batch_size", "iterations"],
    "PEARLConfig": [
        "iterations",
        "num_train_tasks",
        "gradient_steps",
        "meta_batch_size",
        "batch_size",
        "context_size",
        "buffer_capacity",
        "max_steps",
        "initial_episodes",
        "posterior_episodes",
    ],  # fmt: skip
}
#: Every config of the library: each field is swept with bad values below.
CONFIGS = [
    PPOConfig,
    MetaConfig,
    BlackBoxConfig,
    RL2Config,
    ReinforceConfig,
    FewShotConfig,
    ComponentConfig,
    MAMLRLConfig,
    BanditMAMLConfig,
    PEARLConfig,
]


for _cls in CONFIGS:
    for _field in dataclasses.fields(_cls):
        for _value, _error in BAD_BY_KIND.get(_field.type, []):
            if _field.name == "env_id" and _value == "no-such-value":
                _error = V
            case(
                f"config-{_cls.__name__}.{_field.name}={_value!r}",
                lambda c=_cls, f=_field.name, v=_value: c(**{f: v}),
                _error,
                _field.name,
            )
        if _field.name in CAPPED.get(_cls.__name__, []):
            case(
                f"config-cap-{_cls.__name__}.{_field.name}",
                lambda c=_cls, f=_field.name: c(**{f: 10**12}),
                V,
                _field.name,
            )
    case(
        f"config-{_cls.__name__}.seed=2**63",
        lambda c=_cls: c(seed=2**63),
        V,
        "seed must be an integer in [0, 2**63)",
    )
    case(f"config-{_cls.__name__}.device=gpu", lambda c=_cls: c(device="gpu"), V, "device must be")
    case(
        f"config-{_cls.__name__}.unknown-field",
        lambda c=_cls: c(no_such_field=1),
        T,
        "no_such_field",
    )

# -- PPO: losses, GAE, rollouts, the update
_G = torch.zeros(3, 2)
for _name, _args, _error, _frag in [
    (
        "gae-values-int",
        (_G, _G.long(), _G, _G, _G, 0.9, 0.9),
        T,
        "values must be a floating-point tensor, got dtype torch.int64",
    ),  # fmt: skip
    ("gae-shape", (_G, _G, torch.zeros(3, 1), _G, _G, 0.9, 0.9), V, "next_values [3, 1]"),
    ("gae-list", ([0.0], _G, _G, _G, _G, 0.9, 0.9), T, "rewards must be a torch.Tensor, got list"),
    (
        "gae-gamma-nan",
        (_G, _G, _G, _G, _G, math.nan, 0.9),
        V,
        "gamma must be in [0.0, 1.0], got nan",
    ),  # fmt: skip
    ("gae-gamma-big", (_G, _G, _G, _G, _G, 1.5, 0.9), V, "gamma must be in [0.0, 1.0], got 1.5"),
    ("gae-lam-neg", (_G, _G, _G, _G, _G, 0.9, -0.1), V, "lam must be in [0.0, 1.0], got -0.1"),
    ("gae-lam-none", (_G, _G, _G, _G, _G, 0.9, None), T, "lam must be a number"),
    ("gae-terminated-shape", (_G, _G, _G, _G.T, _G, 0.9, 0.9), V, "terminated [2, 3]"),
]:
    case(f"ppo-{_name}", lambda a=_args: ppo.compute_gae(*a), _error, _frag)
for _name, _args, _error, _frag in [
    ("clip-coef-zero", (V4, V4, V4, 0.0), V, "clip_coef must be in (0.0, 1.0], got 0.0"),
    ("clip-coef-nan", (V4, V4, V4, math.nan), V, "clip_coef must be in (0.0, 1.0], got nan"),
    ("clip-coef-str", (V4, V4, V4, "0.2"), T, "clip_coef must be a number"),
    ("clip-old-shape", (V4, torch.zeros(5), V4, 0.2), V, "old_logprob [5]"),
    ("clip-numpy", (np.zeros(4), V4, V4, 0.2), T, "logprob must be a torch.Tensor, got ndarray"),
    ("clip-adv-2d", (V41, V41, torch.zeros(1, 4), 0.2), V, "advantages [1, 4]"),
]:
    case(f"ppo-{_name}", lambda a=_args: ppo.clipped_surrogate_loss(*a), _error, _frag)
_L = dict(clip_coef=0.2, vf_coef=0.5, ent_coef=0.0)
case("ppo-loss-values-shape", lambda: ppo.ppo_loss(V4, V4, V4, V41, V4, V4, V4, **_L), V, "values [4, 1]")  # fmt: skip
case("ppo-loss-returns-shape", lambda: ppo.ppo_loss(V4, V4, V4, V4, V4, V41, V4, **_L), V, "returns [4, 1]")  # fmt: skip
case("ppo-loss-mask-float", lambda: ppo.ppo_loss(*[V4] * 7, mask=torch.ones(4), **_L), T, "mask must be a bool tensor, got dtype torch.float32")  # fmt: skip
case("ppo-loss-mask-shape", lambda: ppo.ppo_loss(*[V4] * 7, mask=torch.ones(3, dtype=torch.bool), **_L), V, "mask [3]")  # fmt: skip
case("ppo-loss-clip", lambda: ppo.ppo_loss(*[V4] * 7, clip_coef=-1, vf_coef=0.5, ent_coef=0.0), V, "clip_coef must be in")  # fmt: skip
case("ppo-loss-entropy-list", lambda: ppo.ppo_loss(*[V4] * 6, [0.0], **_L), T, "entropy must be a torch.Tensor")  # fmt: skip
case("ppo-loss-vf-coef-nan", lambda: ppo.ppo_loss(*[V4] * 7, clip_coef=0.2, vf_coef=math.nan, ent_coef=0.0), V, "vf_coef must be in [0.0, 100.0], got nan")  # fmt: skip
case("ppo-loss-ent-coef-str", lambda: ppo.ppo_loss(*[V4] * 7, clip_coef=0.2, vf_coef=0.5, ent_coef="0"), T, "ent_coef must be a number")  # fmt: skip
case("ppo-loss-norm-adv-str", lambda: ppo.ppo_loss(*[V4] * 7, norm_adv="yes", **_L), T, "norm_adv must be True or False, got 'yes'")  # fmt: skip
case("ppo-loss-one-sample", lambda: ppo.ppo_loss(*[torch.zeros(1)] * 7, **_L), V, "norm_adv=True needs minibatches of at least 2 samples")  # fmt: skip
case("ppo-update-ppo-loss-mask-int", lambda: ppo.ppo_loss(*[V4] * 7, mask=torch.ones(4, dtype=torch.long), **_L), T, "mask must be a bool tensor, got dtype torch.int64")  # fmt: skip
case("ppo-train-config-dict", lambda: ppo.train({"seed": 0}), T, "config must be a PPOConfig, got dict")  # fmt: skip
case("ppo-train-callback", lambda: ppo.train(PPOConfig(), callback=3), T, "callback must be callable")  # fmt: skip
case("ppo-env-id-unknown", lambda: PPOConfig(env_id="NoSuchEnv-v0"), V, "env_id must be a registered gymnasium id such as 'CartPole-v1', got 'NoSuchEnv-v0'")  # fmt: skip
case("ppo-env-id-empty", lambda: PPOConfig(env_id=""), T, "env_id must be a non-empty string")
case("ppo-batch-cap", lambda: PPOConfig(num_envs=4096, num_steps=1000), V, "the batch num_envs × num_steps must be <= 1_000_000 transitions")  # fmt: skip
case("ppo-total-lt-batch", lambda: PPOConfig(total_steps=10), V, "total_steps must be >= the batch")  # fmt: skip
case("ppo-minibatches-divide", lambda: PPOConfig(num_minibatches=3), V, "num_minibatches must divide the batch")  # fmt: skip
case("ppo-init-log-std", lambda: PPOConfig(init_log_std=10.0), V, "init_log_std must be in [-5.0, 2.0], got 10.0")  # fmt: skip
case("ppo-reward-scale-0", lambda: PPOConfig(reward_scale=0.0), V, "reward_scale must be in (0.0, inf), got 0.0")  # fmt: skip
case("ppo-make-envs-0", lambda: ppo.make_envs("CartPole-v1", 0), V, "num_envs must be an integer in [1, 4_096], got 0")  # fmt: skip
case("ppo-make-envs-huge", lambda: ppo.make_envs("CartPole-v1", 10**6), V, "num_envs must be an integer in [1, 4_096], got 1000000")  # fmt: skip
case("ppo-actor-critic-obs", lambda: ppo.ActorCritic(gym.spaces.Discrete(3), gym.spaces.Discrete(2)), T, "observation_space must be a gymnasium Box")  # fmt: skip
case("ppo-actor-critic-act", lambda: ppo.ActorCritic(gym.spaces.Box(-1, 1, (3,)), gym.spaces.MultiBinary(2)), T, "action_space must be gymnasium Discrete")  # fmt: skip
case("ppo-actor-critic-hidden", lambda: ppo.ActorCritic(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2), (0,)), V, "hidden_sizes entries must be an integer in [1, 4_096], got 0")  # fmt: skip
case("ppo-actor-critic-hidden-huge", lambda: ppo.ActorCritic(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2), (10**5,)), V, "hidden_sizes entries must be an integer in [1, 4_096]")  # fmt: skip
case("ppo-actor-critic-obs-huge", lambda: ppo.ActorCritic(gym.spaces.Box(-1, 1, (10**6,)), gym.spaces.Discrete(2)), V, "in_features must be an integer in [1, 100_000], got 1000000")  # fmt: skip
case("ppo-actor-critic-seed", lambda: ppo.ActorCritic(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2), seed=-1), V, "seed must be an integer >= 0, got -1")  # fmt: skip
case("ppo-collect-steps-0", lambda: ppo.collect_rollout(AGENT(), None, None, 0), V, "num_steps must be an integer >= 1, got 0")  # fmt: skip
for _name, _kw, _error, _frag in [
    (
        "update-epochs-0",
        dict(update_epochs=0),
        V,
        "update_epochs must be an integer in [1, 1_000], got 0",
    ),  # fmt: skip
    (
        "update-epochs-huge",
        dict(update_epochs=10**6),
        V,
        "update_epochs must be an integer in [1, 1_000]",
    ),  # fmt: skip
    (
        "minibatches-0",
        dict(num_minibatches=0),
        V,
        "num_minibatches must be an integer in [1, 100_000], got 0",
    ),  # fmt: skip
    ("target-kl-0", dict(target_kl=0.0), V, "target_kl must be in (0.0, 100.0], got 0.0"),
    ("target-kl-str", dict(target_kl="0.01"), T, "target_kl must be a number"),
    (
        "max-grad-norm-0",
        dict(max_grad_norm=0.0),
        V,
        "max_grad_norm must be in (0.0, 1000000.0]",
    ),  # fmt: skip
    ("ent-coef-neg", dict(ent_coef=-0.1), V, "ent_coef must be in [0.0, 100.0], got -0.1"),
    ("vf-coef-inf", dict(vf_coef=math.inf), V, "vf_coef must be in [0.0, 100.0], got inf"),
    ("gamma-1.01", dict(gamma=1.01), V, "gamma must be in [0.0, 1.0], got 1.01"),
    ("gae-lambda-neg", dict(gae_lambda=-0.5), V, "gae_lambda must be in [0.0, 1.0], got -0.5"),
    ("norm-adv-str", dict(norm_adv="yes"), T, "norm_adv must be True or False, got 'yes'"),
    ("anneal-int", dict(anneal_lr=1), T, "anneal_lr must be True or False, got 1"),
    ("clip-vloss-none", dict(clip_vloss=None), T, "clip_vloss must be True or False, got None"),
    ("device-cuda-absent", dict(device="cuda"), V, "but this machine has no CUDA GPU"),
    ("device-int", dict(device=0), T, "device must be a torch device string"),
    (
        "device-garbage",
        dict(device="gpu:0"),
        V,
        "device must be a torch device string such as 'cpu' or 'cuda', got 'gpu:0'",
    ),  # fmt: skip
]:
    if _name == "device-cuda-absent" and torch.cuda.is_available():
        continue
    case(f"ppo-config-{_name}", lambda kw=_kw: PPOConfig(**kw), _error, _frag)
    case(f"rl2-config-{_name}", lambda kw=_kw: RL2Config(**kw), _error, _frag)

# -- evaluation
case("eval-agent-int", lambda: evaluation.evaluate(3, "CartPole-v1"), T, "agent must be an ActorCritic or a callable")  # fmt: skip
case("eval-episodes-0", lambda: evaluation.evaluate(AGENT(), "CartPole-v1", 0), V, "episodes must be an integer in [1, 4_096], got 0")  # fmt: skip
case("eval-episodes-huge", lambda: evaluation.evaluate(AGENT(), "CartPole-v1", 10**7), V, "episodes must be an integer in [1, 4_096], got 10000000")  # fmt: skip
case("eval-episodes-str", lambda: evaluation.evaluate(AGENT(), "CartPole-v1", "20"), T, "episodes must be an integer")  # fmt: skip
case("eval-seed-neg", lambda: evaluation.evaluate(AGENT(), "CartPole-v1", 2, seed=-1), V, "seed must be an integer >= 0, got -1")  # fmt: skip
case("eval-seed-huge", lambda: evaluation.evaluate(AGENT(), "CartPole-v1", 2, seed=2**64), V, "seed must be an integer in [0, 2**63)")  # fmt: skip
case("eval-env-unknown", lambda: evaluation.evaluate(AGENT(), "NoSuchEnv-v0", 2), V, "env_id must be a registered gymnasium id")  # fmt: skip
case("eval-env-int", lambda: evaluation.evaluate(AGENT(), 3, 2), T, "env_id must be a registered gymnasium id")  # fmt: skip
case("eval-deterministic-str", lambda: evaluation.evaluate(AGENT(), "CartPole-v1", 2, deterministic="no"), T, "deterministic must be True or False, got 'no'")  # fmt: skip
case("eval-agent-mismatch", lambda: evaluation.evaluate(AGENT(), "Pendulum-v1", 2), V, "does not fit Pendulum-v1")  # fmt: skip
case("eval-stop-every-0", lambda: evaluation.StopWhenSolved("CartPole-v1", every_steps=0), V, "every_steps must be an integer >= 1, got 0")  # fmt: skip
case("eval-stop-threshold-nan", lambda: evaluation.StopWhenSolved("CartPole-v1", math.nan), V, "threshold must be in")  # fmt: skip
case("eval-stop-threshold-str", lambda: evaluation.StopWhenSolved("CartPole-v1", "475"), T, "threshold must be a number")  # fmt: skip
case("eval-stop-env-unknown", lambda: evaluation.StopWhenSolved("NoSuchEnv-v0"), V, "env_id must be a registered gymnasium id")  # fmt: skip
case("eval-stop-episodes-huge", lambda: evaluation.StopWhenSolved("CartPole-v1", episodes=10**6), V, "episodes must be an integer in [1, 4_096]")  # fmt: skip
case("eval-record-max-frames-0", lambda: evaluation.record_frames(AGENT(), "CartPole-v1", max_frames=0), V, "max_frames must be an integer in [1, 10_000], got 0")  # fmt: skip
case("eval-record-max-frames-huge", lambda: evaluation.record_frames(AGENT(), "CartPole-v1", max_frames=10**9), V, "max_frames must be an integer in [1, 10_000]")  # fmt: skip
case("eval-record-every-0", lambda: evaluation.record_frames(AGENT(), "CartPole-v1", every=0), V, "every must be an integer")  # fmt: skip
case("eval-record-agent", lambda: evaluation.record_frames("agent", "CartPole-v1"), T, "agent must be an ActorCritic, got str")  # fmt: skip
case("eval-record-seed", lambda: evaluation.record_frames(AGENT(), "CartPole-v1", seed=-3), V, "seed must be an integer >= 0, got -3")  # fmt: skip

# -- checkpoints (the file-level attacks are in tests/test_checkpoints.py)
_TMP = tempfile.gettempdir()
JUNK = Lazy(lambda: _write(Path(tempfile.mkdtemp()) / "junk.pt", b"not a checkpoint"))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


for _name, _call, _error, _frag in [
    (
        "load-none",
        lambda: checkpoints.load(None),
        T,
        "path must be a str or pathlib.Path, got NoneType",
    ),  # fmt: skip
    ("load-int", lambda: checkpoints.load(3), T, "path must be a str or pathlib.Path, got int"),
    (
        "load-missing",
        lambda: checkpoints.load("/no/such/file.pt"),
        FileNotFoundError,
        "no checkpoint file at /no/such/file.pt",
    ),  # fmt: skip
    (
        "load-folder",
        lambda: checkpoints.load(_TMP),
        IsADirectoryError,
        "is a folder, not a checkpoint file",
    ),  # fmt: skip
    (
        "load-device-gpu",
        lambda: checkpoints.load("/no/such/file.pt", device="gpu"),
        V,
        "device must be a torch device string such as 'cpu' or 'cuda', got 'gpu'",
    ),  # fmt: skip
    (
        "load-device-int",
        lambda: checkpoints.load("/no/such/file.pt", device=1),
        T,
        "device must be a torch device string",
    ),  # fmt: skip
    ("load-junk", lambda: checkpoints.load(JUNK()), V, "is not a readable checkpoint"),
    (
        "save-agent",
        lambda: checkpoints.save("agent", Path(_TMP) / "a.pt"),
        T,
        "agent must be an ActorCritic, got str",
    ),  # fmt: skip
    (
        "save-no-folder",
        lambda: checkpoints.save(AGENT(), "/no/such/dir/a.pt"),
        FileNotFoundError,
        "the folder /no/such/dir does not exist",
    ),  # fmt: skip
    (
        "save-path-none",
        lambda: checkpoints.save(AGENT(), None),
        T,
        "path must be a str or pathlib.Path, got NoneType",
    ),  # fmt: skip
    (
        "save-folder",
        lambda: checkpoints.save(AGENT(), _TMP),
        IsADirectoryError,
        "it is a folder, give a file name",
    ),  # fmt: skip
]:
    case(f"checkpoints-{_name}", _call, _error, _frag)

# -- sampling
for _fn in ("minibatch_indices", "num_batches"):
    for _name, _args, _error, _frag in [
        ("n-neg", (-1, 2), V, "got -1"),
        ("n-float", (4.0, 2), T, "n must be an integer"),
        ("n-str", ("4", 2), T, "n must be an integer"),
        ("bs-0", (4, 0), V, "batch_size must be an integer >= 1, got 0"),
        ("bs-bool", (4, True), T, "batch_size must be an integer"),
        ("bs-none", (4, None), T, "batch_size must be an integer"),
    ]:
        case(f"sampling-{_fn}-{_name}", lambda f=_fn, a=_args: getattr(sampling, f)(*a), _error, _frag)  # fmt: skip
case("sampling-n-huge", lambda: sampling.minibatch_indices(10**12, 2), V, "n must be an integer in [0, 100_000_000], got 1000000000000")  # fmt: skip
case("sampling-generator", lambda: sampling.minibatch_indices(4, 2, generator=0), T, "generator must be a torch.Generator or None, got int")  # fmt: skip
case("sampling-drop-last-str", lambda: sampling.minibatch_indices(4, 2, drop_last="yes"), T, "drop_last must be True or False, got 'yes'")  # fmt: skip
case("sampling-wr-n-0", lambda: sampling.minibatch_indices_with_replacement(0, 2, num_batches=1), V, "n must be an integer in [1, 100_000_000], got 0")  # fmt: skip
case("sampling-wr-num-neg", lambda: sampling.minibatch_indices_with_replacement(4, 2, num_batches=-1), V, "num_batches must be an integer")  # fmt: skip
case("sampling-wr-huge", lambda: sampling.minibatch_indices_with_replacement(4, 10**6, num_batches=10**6), V, "num_batches × batch_size must be <= 100_000_000")  # fmt: skip
case("sampling-iter-empty", lambda: sampling.iterate_minibatches(batch_size=2), V, "iterate_minibatches needs at least one tensor")  # fmt: skip
case("sampling-iter-list", lambda: sampling.iterate_minibatches([1, 2], batch_size=2), T, "tensors[0] must be a torch.Tensor, got list")  # fmt: skip
case("sampling-iter-0d", lambda: sampling.iterate_minibatches(torch.tensor(1.0), batch_size=1), V, "tensors[0] must have a batch dimension")  # fmt: skip
case("sampling-iter-lengths", lambda: sampling.iterate_minibatches(V4, torch.zeros(5), batch_size=2), V, "tensors must all have the same length")  # fmt: skip
case("sampling-iter-epochs-0", lambda: sampling.iterate_minibatches(V4, batch_size=2, epochs=0), V, "epochs must be an integer in [1, 10_000], got 0")  # fmt: skip
case("sampling-iter-epochs-huge", lambda: sampling.iterate_minibatches(V4, batch_size=2, epochs=10**9), V, "epochs must be an integer in [1, 10_000]")  # fmt: skip
case("sampling-visit-out-of-range", lambda: sampling.visit_counts([[0, 9]], 4), V, "batches must hold indices in [0, 3], got 9")  # fmt: skip
case("sampling-visit-neg", lambda: sampling.visit_counts([[-1]], 4), V, "batches entries must be an integer >= 0, got -1")  # fmt: skip
case("sampling-visit-str", lambda: sampling.visit_counts("ab", 4), T, "batches must be a list of lists of indices")  # fmt: skip

# -- nets
for _name, _args, _kw, _error, _frag in [
    ("in-str", ("3", (4,), 2), {}, T, "in_features must be an integer"),
    ("in-0", (0, (4,), 2), {}, V, "in_features must be an integer in [1, 100_000], got 0"),
    ("out-0", (3, (4,), 0), {}, V, "out_features must be an integer in [1, 100_000], got 0"),
    ("out-float", (3, (4,), 2.0), {}, T, "out_features must be an integer"),
    ("hidden-str", (3, "64", 2), {}, T, "hidden_sizes must be a sequence of positive integers"),
    ("hidden-int", (3, 64, 2), {}, T, "hidden_sizes must be a sequence of positive integers"),
    (
        "hidden-0",
        (3, (0,), 2),
        {},
        V,
        "hidden_sizes entries must be an integer in [1, 4_096], got 0",
    ),
    (
        "hidden-neg",
        (3, (4, -4), 2),
        {},
        V,
        "hidden_sizes entries must be an integer in [1, 4_096], got -4",
    ),
    (
        "hidden-huge",
        (3, (5000,), 2),
        {},
        V,
        "hidden_sizes entries must be an integer in [1, 4_096], got 5000",
    ),  # fmt: skip
    ("hidden-float", (3, (4.5,), 2), {}, T, "hidden_sizes entries must be an integer"),
    (
        "weights-cap",
        (100_000, (4096, 4096), 2),
        {},
        V,
        "the network must have <= 50_000_000 weights",
    ),  # fmt: skip
    (
        "activation",
        (3, (4,), 2),
        {"activation": "tanh"},
        T,
        "activation must be an nn.Module class such as nn.Tanh, got 'tanh'",
    ),  # fmt: skip
    (
        "activation-instance",
        (3, (4,), 2),
        {"activation": torch.nn.Tanh()},
        T,
        "activation must be an nn.Module class",
    ),  # fmt: skip
    (
        "gain-nan",
        (3, (4,), 2),
        {"out_gain": math.nan},
        V,
        "out_gain must be in [0.0, 100.0], got nan",
    ),  # fmt: skip
    ("gain-str", (3, (4,), 2), {"out_gain": "1"}, T, "out_gain must be a number"),
]:
    case(f"nets-mlp-{_name}", lambda a=_args, k=_kw: nets.mlp(*a, **k), _error, _frag)
case("nets-layer-init", lambda: nets.layer_init("layer"), T, "layer must be an nn.Linear, got str")  # fmt: skip
case("nets-layer-init-gain", lambda: nets.layer_init(torch.nn.Linear(2, 2), gain=math.inf), V, "gain must be in [0.0, 100.0], got inf")  # fmt: skip

# -- training contract
case("training-generator-seed", lambda: training.make_generator(-1), V, "seed must be an integer >= 0, got -1")  # fmt: skip
case("training-generator-device", lambda: training.make_generator(0, "gpu"), V, "device must be a torch device string")  # fmt: skip
case("training-seeded-str", lambda: training.seeded("0").__enter__(), T, "seed must be an integer")  # fmt: skip
case("training-seeded-huge", lambda: training.seeded(2**64).__enter__(), V, "seed must be an integer in [0, 2**63)")  # fmt: skip
case("training-callback", lambda: training.check_callback("print"), T, "callback must be callable")  # fmt: skip
case("training-metric-key", lambda: training.TrainResult(None, None, [{"loss": 1.0}]).metric(3), T, "key must be a metric name (str), got int")  # fmt: skip
case("training-metric-unknown", lambda: training.TrainResult(None, None, [{"loss": 1.0}]).metric("lss"), KeyError, "unknown metric 'lss'")  # fmt: skip

# -- meta: task families, functional inner loop, trainers, evaluation, landscape
for _name, _kw, _error, _frag in [
    ("amp-str", dict(amplitude_range="ab"), T, "amplitude_range must be a pair of numbers"),
    ("amp-order", dict(amplitude_range=(5.0, 0.1)), V, "amplitude_range must satisfy low <= high"),
    (
        "amp-nan",
        dict(amplitude_range=(math.nan, 1.0)),
        V,
        "amplitude_range must be a pair of finite numbers",
    ),  # fmt: skip
    ("x-inf", dict(x_range=(-math.inf, 5.0)), V, "x_range must be a pair of finite numbers"),
    ("phase-none", dict(phase_range=None), T, "phase_range must be a pair of numbers"),
    ("x-three", dict(x_range=(1.0, 2.0, 3.0)), T, "x_range must be a pair of numbers"),
]:
    case(f"meta-tasks-{_name}", lambda kw=_kw: tasks.SinusoidTasks(**kw), _error, _frag)
for _name, _args, _error, _frag in [
    ("num-0", (0, 5, 5), V, "num_tasks must be an integer in [1, 100_000], got 0"),
    ("num-str", ("3", 5, 5), T, "num_tasks must be an integer"),
    ("k-0", (3, 0, 5), V, "k_support must be an integer in [1, 100_000], got 0"),
    ("q-float", (3, 5, 5.0), T, "k_query must be an integer"),
    (
        "huge",
        (10**5, 10**5, 10**5),
        V,
        "num_tasks × (k_support + k_query) must be <= 10_000_000 points",
    ),  # fmt: skip
    (
        "num-huge",
        (10**9, 5, 5),
        V,
        "num_tasks must be an integer in [1, 100_000], got 1000000000",
    ),  # fmt: skip
]:
    case(f"meta-sample-{_name}", lambda a=_args: tasks.SinusoidTasks().sample(*a), _error, _frag)
case("meta-sample-generator", lambda: tasks.SinusoidTasks().sample(3, 5, 5, generator=1), T, "generator must be a torch.Generator or None, got int")  # fmt: skip
case("meta-make-tasks-shape", lambda: tasks.SinusoidTasks().make_tasks(torch.ones(3), torch.ones(2), 5, 5), V, "amplitude and phase must have the same length")  # fmt: skip
case("meta-make-tasks-str", lambda: tasks.SinusoidTasks().make_tasks("a", torch.ones(2), 5, 5), T, "amplitude must be numbers")  # fmt: skip
case("meta-taskbatch-to", lambda: TASKS().to("gpu"), V, "device must be a torch device string")  # fmt: skip
case("meta-mse-list", lambda: functional.mse([1.0], K5), T, "prediction must be a torch.Tensor, got list")  # fmt: skip
case("meta-mse-2d", lambda: functional.mse(torch.zeros(5, 2), K5), V, "prediction [5, 2], target [5, 1]")  # fmt: skip
for _name, _kw, _error, _frag in [
    (
        "steps-neg",
        dict(inner_lr=0.1, steps=-1),
        V,
        "steps must be an integer in [0, 1_000], got -1",
    ),  # fmt: skip
    ("steps-float", dict(inner_lr=0.1, steps=1.5), T, "steps must be an integer"),
    ("steps-bool", dict(inner_lr=0.1, steps=True), T, "steps must be an integer"),
    ("lr-neg", dict(inner_lr=-0.1, steps=1), V, "inner_lr must be in [0.0, 100.0], got -0.1"),
    ("lr-nan", dict(inner_lr=math.nan, steps=1), V, "inner_lr must be in [0.0, 100.0], got nan"),
    ("lr-inf", dict(inner_lr=math.inf, steps=1), V, "inner_lr must be in [0.0, 100.0], got inf"),
    ("lr-huge", dict(inner_lr=1e9, steps=1), V, "inner_lr must be in [0.0, 100.0]"),
    ("lr-none", dict(inner_lr=None, steps=1), T, "inner_lr must be a float >= 0 or a dict"),
    (
        "lr-dict-keys",
        dict(inner_lr={"x": torch.tensor(0.1)}, steps=1),
        V,
        "inner_lr must have one step size per parameter",
    ),  # fmt: skip
]:
    case(f"meta-adapt-{_name}", lambda kw=_kw: functional.adapt(SINE(), SINE_PARAMS(), K5, K5, **kw), _error, _frag)  # fmt: skip
    case(f"meta-loss-{_name}", lambda kw=_kw: functional.meta_loss(SINE(), SINE_PARAMS(), TASKS(), **kw), _error, _frag)  # fmt: skip
case("meta-adapt-lr-dict-values", lambda: functional.adapt(SINE(), SINE_PARAMS(), K5, K5, inner_lr={n: 0.1 for n in SINE_PARAMS()}, steps=1), T, "inner_lr must be a float or a dict of per-parameter step-size tensors")  # fmt: skip
case("meta-loss-tasks-tuple", lambda: functional.meta_loss(SINE(), SINE_PARAMS(), (1, 2), inner_lr=0.1, steps=1), T, "tasks must be a TaskBatch")  # fmt: skip
case("meta-loss-tasks-2d", lambda: functional.meta_loss(SINE(), SINE_PARAMS(), tasks.TaskBatch(K5, K5, K5, K5), inner_lr=0.1, steps=1), V, "tasks.x_support must be a tensor of shape [B, K, features...]")  # fmt: skip
case("meta-loss-tasks-batch", lambda: functional.meta_loss(SINE(), SINE_PARAMS(), tasks.TaskBatch(TASKS().x_support[:2], *TASKS()[1:]), inner_lr=0.1, steps=1), V, "all TaskBatch tensors must share the batch size B")  # fmt: skip
case("meta-loss-loop-steps", lambda: functional.meta_loss_loop(SINE(), SINE_PARAMS(), TASKS(), inner_lr=0.1, steps=10**6), V, "steps must be an integer in [0, 1_000]")  # fmt: skip
for _name, _eps, _error, _frag in [
    ("zero", 0.0, V, "epsilon must be in (0.0, 1.0], got 0.0"),
    ("big", 1.5, V, "epsilon must be in (0.0, 1.0], got 1.5"),
    ("nan", math.nan, V, "epsilon must be in (0.0, 1.0], got nan"),
    ("none", None, T, "epsilon must be a number"),
]:
    case(f"meta-reptile-epsilon-{_name}", lambda e=_eps: functional.reptile_update(SINE(), SINE_PARAMS(), TASKS(), inner_lr=0.1, steps=1, epsilon=e), _error, _frag)  # fmt: skip
case("meta-reptile-steps", lambda: functional.reptile_update(SINE(), SINE_PARAMS(), TASKS(), inner_lr=0.1, steps=10**5, epsilon=0.5), V, "steps must be an integer in [0, 1_000]")  # fmt: skip
case("meta-regressor-hidden", lambda: models.mlp_regressor((40, 0)), V, "hidden must be a non-empty sequence of ints >= 1")  # fmt: skip
case("meta-regressor-hidden-huge", lambda: models.mlp_regressor((10**6,)), V, "hidden entries must be an integer in [1, 4_096]")  # fmt: skip
case("meta-regressor-seed", lambda: models.mlp_regressor((8,), seed=-1), V, "seed must be an integer >= 0, got -1")  # fmt: skip
case("meta-sine-model-str", lambda: models.SineModel("1"), T, "a must be a number")
case("meta-sine-model-nan", lambda: models.SineModel(math.nan), V, "a must be in")
case("meta-init-params", lambda: models.init_params("model"), T, "model must be an nn.Module, got str")  # fmt: skip
case("meta-train-config", lambda: meta_train({"method": "maml"}), T, "config must be a MetaConfig, got dict")  # fmt: skip
case("meta-train-tasks", lambda: meta_train(MetaConfig(iterations=1), tasks=3), T, "tasks must be a task family with a sample(num_tasks, k_support, k_query, generator) method, got int")  # fmt: skip
case("meta-train-callback", lambda: meta_train(MetaConfig(iterations=1), callback=1), T, "callback must be callable")  # fmt: skip
case("meta-outer-method", lambda: outer_gradient("sgd", SINE(), SINE_PARAMS(), TASKS(), inner_lr=0.1, inner_steps=1), V, "method must be one of")  # fmt: skip
case("meta-config-method-int", lambda: MetaConfig(method=3), T, "method must be one of")
case("meta-config-inner-steps-0", lambda: MetaConfig(inner_steps=0), V, "inner_steps must be >= 1 for method 'maml'")  # fmt: skip
case("meta-config-hidden-empty", lambda: MetaConfig(hidden_sizes=()), V, "hidden_sizes must hold at least one layer width")  # fmt: skip
case("meta-blackbox-config", lambda: train_blackbox(MetaConfig()), T, "config must be a BlackBoxConfig, got MetaConfig")  # fmt: skip
case("meta-blackbox-kmin", lambda: BlackBoxConfig(k_min=20, k_support=10), V, "k_min must be <= k_support (10), got 20")  # fmt: skip
case("meta-blackbox-mse", lambda: blackbox_mse(None, "tasks"), T, "tasks must be a TaskBatch")  # fmt: skip
case("meta-curve-learner", lambda: meta_evaluation.adaptation_curve("learner", TASKS()), T, "learner must be a MetaLearner, got str")  # fmt: skip
case("meta-curve-max-steps", lambda: meta_evaluation.adaptation_curve(LEARNER(), TASKS(), max_steps=10**6), V, "max_steps must be an integer in [0, 1_000], got 1000000")  # fmt: skip
case("meta-curve-max-steps-neg", lambda: meta_evaluation.adaptation_curve(LEARNER(), TASKS(), max_steps=-1), V, "max_steps must be an integer in [0, 1_000], got -1")  # fmt: skip
case("meta-curve-lr", lambda: meta_evaluation.adaptation_curve(LEARNER(), TASKS(), inner_lr=math.nan), V, "inner_lr must be in [0.0, 100.0], got nan")  # fmt: skip
case("meta-curve-tasks", lambda: meta_evaluation.adaptation_curve(LEARNER(), "tasks"), T, "tasks must be a TaskBatch")  # fmt: skip
case("meta-trajectory-steps", lambda: meta_evaluation.adaptation_trajectory(LEARNER(), K5, K5, K5, steps=10**4), V, "steps must be an integer in [0, 1_000]")  # fmt: skip
case("meta-trajectory-shape", lambda: meta_evaluation.adaptation_trajectory(LEARNER(), K5, K5.reshape(5), K5, steps=1), V, "prediction, target must all have the same shape")  # fmt: skip
case("meta-eval-tasks-0", lambda: meta_evaluation.evaluation_tasks(0), V, "num_tasks must be an integer in [1, 100_000], got 0")  # fmt: skip
case("meta-eval-tasks-seed", lambda: meta_evaluation.evaluation_tasks(seed=-1), V, "seed must be an integer >= 0, got -1")  # fmt: skip
case("meta-learner-adapt-steps", lambda: LEARNER().adapt(K5, K5, steps=10**7), V, "steps must be an integer in [0, 1_000], got 10000000")  # fmt: skip
case("meta-learner-adapt-shape", lambda: LEARNER().adapt(K5, K5.reshape(5), steps=1), V, "prediction, target must all have the same shape")  # fmt: skip
case("meta-learner-predict", lambda: LEARNER().predict([0.0]), T, "x must be a torch.Tensor, got list")  # fmt: skip
for _name, _kw, _error, _frag in [
    (
        "method",
        dict(method="reptile"),
        V,
        "method must be one of ('maml', 'fomaml', 'pretrain'), got 'reptile'",
    ),  # fmt: skip
    ("method-int", dict(method=1), T, "method must be one of"),
    ("inner-steps", dict(inner_steps=10**6), V, "inner_steps must be an integer in [0, 1_000]"),
    ("outer-neg", dict(outer_steps=-1), V, "outer_steps must be an integer in [0, 1_000], got -1"),
    ("outer-float", dict(outer_steps=2.0), T, "outer_steps must be an integer"),
    ("lr-0", dict(learning_rate=0.0), V, "learning_rate must be in (0.0, 10.0], got 0.0"),
    ("lr-nan", dict(learning_rate=math.nan), V, "learning_rate must be in (0.0, 10.0], got nan"),
    ("lr-str", dict(learning_rate="0.1"), T, "learning_rate must be a number"),
    ("inner-lr-inf", dict(inner_lr=math.inf), V, "inner_lr must be in [0.0, 100.0], got inf"),
    ("phi0-str", dict(phi0="ab"), T, "phi0 must be a pair of numbers (a, b), got 'ab'"),
    ("phi0-nan", dict(phi0=(math.nan, 0.0)), V, "phi0[0] must be in"),
    ("phi0-three", dict(phi0=(1.0, 2.0, 3.0)), T, "phi0 must be a pair of numbers"),
]:
    case(f"meta-two-loop-{_name}", lambda kw=_kw: landscape.two_loop_paths(TASKS(), **kw), _error, _frag)  # fmt: skip
case("meta-two-loop-tasks", lambda: landscape.two_loop_paths("tasks"), T, "tasks must be a TaskBatch")  # fmt: skip
case("meta-grid-a-2d", lambda: landscape.sine_loss_grid(torch.zeros(2, 2), V4, K5, K5), V, "a must be a 1-d tensor, got shape (2, 2)")  # fmt: skip
case("meta-grid-b-list", lambda: landscape.sine_loss_grid(V4, [0.0], K5, K5), T, "b must be a torch.Tensor, got list")  # fmt: skip
case("meta-grid-xy", lambda: landscape.sine_loss_grid(V4, V4, K5, torch.zeros(4)), V, "x and y must hold as many points, got 5 and 4")  # fmt: skip

# -- RL²: envs, trial inputs, agent, rollouts, training, baselines
for _name, _call, _error, _frag in [
    (
        "bandit-k-1",
        lambda: bandits.BernoulliBandit(k=1),
        V,
        "k must be an integer in [2, 1_000], got 1",
    ),  # fmt: skip
    (
        "bandit-k-huge",
        lambda: bandits.BernoulliBandit(k=10**9),
        V,
        "k must be an integer in [2, 1_000], got 1000000000",
    ),  # fmt: skip
    ("bandit-k-str", lambda: bandits.BernoulliBandit(k="5"), T, "k must be an integer"),
    (
        "bandit-n-0",
        lambda: bandits.BernoulliBandit(episodes_per_trial=0),
        V,
        "episodes_per_trial must be an integer in [1, 100_000], got 0",
    ),  # fmt: skip
    (
        "bandit-n-huge",
        lambda: bandits.BernoulliBandit(episodes_per_trial=10**9),
        V,
        "episodes_per_trial must be an integer in [1, 100_000]",
    ),  # fmt: skip
    (
        "bandit-step-before-reset",
        lambda: bandits.BernoulliBandit().step(0),
        RuntimeError,
        "call reset() before step()",
    ),  # fmt: skip
    (
        "bandit-step-arm",
        lambda: _reset(bandits.BernoulliBandit(k=3)).step(7),
        V,
        "action must be an arm index in [0, 2], got 7",
    ),  # fmt: skip
    (
        "bandit-vec-envs-0",
        lambda: bandits.BernoulliBanditVectorEnv(num_envs=0),
        V,
        "num_envs must be an integer in [1, 100_000], got 0",
    ),  # fmt: skip
    (
        "bandit-vec-envs-huge",
        lambda: bandits.BernoulliBanditVectorEnv(num_envs=10**9),
        V,
        "num_envs must be an integer in [1, 100_000]",
    ),  # fmt: skip
    (
        "bandit-vec-k-huge",
        lambda: bandits.BernoulliBanditVectorEnv(k=10**8),
        V,
        "k must be an integer in [2, 1_000]",
    ),  # fmt: skip
    (
        "bandit-vec-actions-range",
        lambda: _reset_vec(bandits.BernoulliBanditVectorEnv(num_envs=2, k=3)).step_tensor(
            torch.tensor([0, 5])
        ),
        V,
        "actions must be indices in [0, 2], got [0, 5]",
    ),  # fmt: skip
    (
        "bandit-vec-actions-shape",
        lambda: _reset_vec(bandits.BernoulliBanditVectorEnv(num_envs=2, k=3)).step_tensor(
            torch.tensor([0, 1, 2])
        ),
        V,
        "actions must have shape [2], got [3]",
    ),  # fmt: skip
    (
        "bandit-vec-actions-float",
        lambda: _reset_vec(bandits.BernoulliBanditVectorEnv(num_envs=2, k=3)).step_tensor(
            torch.tensor([0.5, 1.0])
        ),
        T,
        "actions must be an integer tensor, got dtype torch.float32",
    ),  # fmt: skip
    (
        "bandit-vec-seed",
        lambda: bandits.BernoulliBanditVectorEnv().reset_tensor(seed=-1),
        V,
        "seed must be an integer >= 0, got -1",
    ),  # fmt: skip
    ("maze-layout", lambda: mazes.RandomGoalMaze(layout="nope"), V, "layout must be a name in"),
    ("maze-layout-int", lambda: mazes.RandomGoalMaze(layout=3), T, "layout must be a name in"),
    (
        "maze-layout-huge",
        lambda: mazes.RandomGoalMaze(layout="#" * 10**6),
        V,
        "layout must be at most",
    ),  # fmt: skip
    (
        "maze-max-steps-0",
        lambda: mazes.RandomGoalMaze(max_steps=0),
        V,
        "max_steps must be an integer in [1, 10_000], got 0",
    ),  # fmt: skip
    (
        "maze-max-steps-huge",
        lambda: mazes.RandomGoalMaze(max_steps=10**9),
        V,
        "max_steps must be an integer in [1, 10_000]",
    ),  # fmt: skip
    (
        "maze-episodes-huge",
        lambda: mazes.RandomGoalMaze(episodes_per_trial=10**9),
        V,
        "episodes_per_trial must be an integer in [1, 100_000]",
    ),  # fmt: skip
    (
        "maze-step-cost",
        lambda: mazes.RandomGoalMaze(step_cost=-0.1),
        V,
        "step_cost must be in [0.0, 1.0], got -0.1",
    ),  # fmt: skip
    (
        "maze-goal-reward-nan",
        lambda: mazes.RandomGoalMaze(goal_reward=math.nan),
        V,
        "goal_reward must be in",
    ),  # fmt: skip
    (
        "maze-observe-walls",
        lambda: mazes.RandomGoalMaze(observe_walls="yes"),
        T,
        "observe_walls must be True or False, got 'yes'",
    ),  # fmt: skip
    (
        "maze-vec-envs-0",
        lambda: mazes.RandomGoalMazeVectorEnv(num_envs=0),
        V,
        "num_envs must be an integer in [1, 100_000], got 0",
    ),  # fmt: skip
    (
        "maze-vec-envs-huge",
        lambda: mazes.RandomGoalMazeVectorEnv(num_envs=10**9),
        V,
        "num_envs must be an integer in [1, 100_000]",
    ),  # fmt: skip
    (
        "maze-random-rooms",
        lambda: mazes.random_maze_layout((0, 3), np.random.default_rng(0)),
        V,
        "rooms",
    ),  # fmt: skip
    (
        "maze-random-rooms-huge",
        lambda: mazes.random_maze_layout((10**6, 3), np.random.default_rng(0)),
        V,
        "rooms",
    ),  # fmt: skip
    (
        "maze-random-rng",
        lambda: mazes.random_maze_layout((3, 3), 0),
        T,
        "rng must be a numpy.random.Generator, got int",
    ),  # fmt: skip
    (
        "maze-random-loops",
        lambda: mazes.random_maze_layout((3, 3), np.random.default_rng(0), loops=2.0),
        V,
        "loops must be in [0.0, 1.0], got 2.0",
    ),  # fmt: skip
]:
    case(f"rl2-env-{_name}", _call, _error, _frag)


def _reset(env):
    env.reset(seed=0)
    return env


def _reset_vec(env):
    env.reset_tensor(seed=0)
    return env


for _name, _call, _error, _frag in [
    ("input-size-0", lambda: trials.input_size(0, 2), V, "obs_size must be an integer"),
    ("input-size-str", lambda: trials.input_size(1, "2"), T, "num_actions must be an integer"),
    (
        "trial-input-list",
        lambda: trials.trial_input([0.0], V4.long(), V4, V4, 2),
        T,
        "obs must be a torch.Tensor, got list",
    ),  # fmt: skip
    (
        "trial-input-action-range",
        lambda: trials.trial_input(torch.zeros(4, 1), torch.tensor([0, 1, 2, 5]), V4, V4, 3),
        V,
        "prev_action must hold -1 or indices in [0, 2], got 5",
    ),  # fmt: skip
    (
        "trial-input-batch",
        lambda: trials.trial_input(torch.zeros(4, 1), torch.zeros(3).long(), V4, V4, 3),
        V,
        "prev_action [3]",
    ),  # fmt: skip
    (
        "trial-input-reward-shape",
        lambda: trials.trial_input(torch.zeros(4, 1), V4.long(), V41, V4, 3),
        V,
        "prev_reward [4, 1]",
    ),  # fmt: skip
    (
        "trial-input-float-action",
        lambda: trials.trial_input(torch.zeros(4, 1), V4 + 0.5, V4, V4, 3),
        T,
        "prev_action must be an integer tensor",
    ),  # fmt: skip
    (
        "reset-hidden-shape",
        lambda: trials.reset_hidden(torch.zeros(4, 8), torch.zeros(3, dtype=torch.bool)),
        V,
        "trial_end must have shape [4], got [3]",
    ),  # fmt: skip
    (
        "reset-hidden-list",
        lambda: trials.reset_hidden([0.0], V4),
        T,
        "hidden must be a torch.Tensor, got list",
    ),  # fmt: skip
    ("wrapper-env", lambda: trials.TrialWrapper("env"), T, "env must be a gymnasium Env"),
    ("agent-input-0", lambda: RecurrentActorCritic(0, 2), V, "input_size must be an integer"),
    ("agent-actions-1", lambda: RecurrentActorCritic(4, 1), V, "num_actions must be an integer"),
    (
        "agent-hidden-huge",
        lambda: RecurrentActorCritic(4, 2, 10**6),
        V,
        "hidden_size must be an integer in [1, 4_096], got 1000000",
    ),  # fmt: skip
    (
        "agent-recurrent-str",
        lambda: RecurrentActorCritic(4, 2, 8, "False"),
        T,
        "recurrent must be True or False, got 'False'",
    ),  # fmt: skip
    (
        "agent-obs-only-int",
        lambda: RecurrentActorCritic(4, 2, 8, True, 1),
        T,
        "observation_only must be True or False, got 1",
    ),  # fmt: skip
    (
        "agent-forward-shape",
        lambda: RecurrentActorCritic(4, 2, 8)(torch.zeros(3, 2, 5)),
        V,
        "inputs must have shape [T, B, 4], got (3, 2, 5)",
    ),  # fmt: skip
    (
        "agent-forward-hidden",
        lambda: RecurrentActorCritic(4, 2, 8)(torch.zeros(3, 2, 4), torch.zeros(2, 9)),
        V,
        "hidden must have shape [2, 8], got [2, 9]",
    ),  # fmt: skip
    (
        "agent-initial-state",
        lambda: RecurrentActorCritic(4, 2, 8).initial_state(-1),
        V,
        "batch_size must be an integer",
    ),  # fmt: skip
    (
        "make-agent-env",
        lambda: make_agent("env", RL2Config()),
        T,
        "env must be a TrialVectorEnv with Discrete actions (a task family of course_lib.tasks",
    ),  # fmt: skip
    (
        "make-agent-config",
        lambda: make_agent(bandits.BernoulliBanditVectorEnv(), {}),
        T,
        "config must be an RL2Config, got dict",
    ),  # fmt: skip
    (
        "rollout-agent",
        lambda: rollout_trials("agent", bandits.BernoulliBanditVectorEnv(), 0),
        T,
        "agent must be a RecurrentActorCritic, got str",
    ),  # fmt: skip
    (
        "rollout-env",
        lambda: rollout_trials(RecurrentActorCritic(7, 2, 8), "env", 0),
        T,
        "env must be a TrialVectorEnv with Discrete actions (a task family of course_lib.tasks",
    ),  # fmt: skip
    (
        "rollout-seed",
        lambda: rollout_trials(
            RecurrentActorCritic(8, 5, 8), bandits.BernoulliBanditVectorEnv(), -1
        ),
        V,
        "seed must be an integer >= 0, got -1",
    ),  # fmt: skip
    (
        "rollout-seed-huge",
        lambda: rollout_trials(
            RecurrentActorCritic(8, 5, 8), bandits.BernoulliBanditVectorEnv(), 2**63
        ),
        V,
        "seed must be an integer in [0, 2**63)",
    ),  # fmt: skip
    (
        "rollout-mismatch",
        lambda: rollout_trials(
            RecurrentActorCritic(7, 2, 8), bandits.BernoulliBanditVectorEnv(k=5), 0
        ),
        V,
        "the agent reads 7 inputs and has 2 actions, but the env needs 8 inputs and 5 actions",
    ),  # fmt: skip
    (
        "rollout-greedy",
        lambda: rollout_trials(
            RecurrentActorCritic(8, 5, 8), bandits.BernoulliBanditVectorEnv(), 0, greedy="yes"
        ),
        T,
        "greedy must be True or False, got 'yes'",
    ),  # fmt: skip
    (
        "evaluate-seed",
        lambda: evaluate_rl2(
            RecurrentActorCritic(8, 5, 8), bandits.BernoulliBanditVectorEnv(), seed="0"
        ),
        T,
        "seed must be an integer",
    ),  # fmt: skip
    (
        "evaluate-mismatch",
        lambda: evaluate_rl2(
            RecurrentActorCritic(7, 2, 8), bandits.BernoulliBanditVectorEnv(), seed=0
        ),
        V,
        "the agent reads 7 inputs",
    ),  # fmt: skip
    (
        "train-env",
        lambda: train_rl2(RL2Config(), "env"),
        T,
        "env must be a TrialVectorEnv with Discrete actions (a task family of course_lib.tasks",
    ),  # fmt: skip
    (
        "train-config",
        lambda: train_rl2({"seed": 1}, bandits.BernoulliBanditVectorEnv(num_envs=8)),
        T,
        "config must be an RL2Config, got dict",
    ),  # fmt: skip
    (
        "train-callback",
        lambda: train_rl2(RL2Config(), bandits.BernoulliBanditVectorEnv(num_envs=8), callback="x"),
        T,
        "callback must be callable",
    ),  # fmt: skip
    (
        "train-agent",
        lambda: train_rl2(RL2Config(), bandits.BernoulliBanditVectorEnv(num_envs=8), agent="agent"),
        T,
        "agent must be a RecurrentActorCritic, got str",
    ),  # fmt: skip
    (
        "train-agent-mismatch",
        lambda: train_rl2(
            RL2Config(),
            bandits.BernoulliBanditVectorEnv(num_envs=8),
            agent=RecurrentActorCritic(7, 2, 8),
        ),
        V,
        "the agent reads 7 inputs",
    ),  # fmt: skip
    (
        "train-progress",
        lambda: train_rl2(RL2Config(), bandits.BernoulliBanditVectorEnv(num_envs=8), progress="no"),
        T,
        "progress must be True or False, got 'no'",
    ),  # fmt: skip
    (
        "baseline-name",
        lambda: baselines.run_baseline("magic", 5, 10, 10, 0),
        V,
        "name must be one of",
    ),  # fmt: skip
    (
        "baseline-k-1",
        lambda: baselines.run_baseline("greedy", 1, 10, 10, 0),
        V,
        "k must be an integer",
    ),  # fmt: skip
    (
        "baseline-trials-0",
        lambda: baselines.run_baseline("greedy", 5, 10, 0, 0),
        V,
        "trials must be an integer",
    ),  # fmt: skip
    (
        "baseline-seed",
        lambda: baselines.run_baseline("greedy", 5, 10, 10, -1),
        V,
        "seed must be an integer >= 0, got -1",
    ),  # fmt: skip
    (
        "baseline-epsilon",
        lambda: baselines.run_baseline("epsilon_greedy", 5, 10, 10, 0, epsilon=2.0),
        V,
        "epsilon must be in",
    ),  # fmt: skip
    ("bayes-k-str", lambda: baselines.bayes_optimal_value("5", 10), T, "k must be an integer"),
    (
        "bayes-huge",
        lambda: baselines.bayes_optimal_value(10, 100),
        V,
        "exact DP is intractable for k=10, n=100",
    ),  # fmt: skip
    (
        "gittins-table-n",
        lambda: baselines.finite_horizon_gittins_table(10**4),
        V,
        "n must be an integer in [1, 200]",
    ),  # fmt: skip
    (
        "gittins-table-grid",
        lambda: baselines.finite_horizon_gittins_table(10, grid=10**6),
        V,
        "grid must be an integer in [2, 4_096]",
    ),  # fmt: skip
    (
        "gittins-method-k",
        lambda: baselines.gittins_method(1, 10),
        V,
        "k must be an integer >= 2, got 1",
    ),  # fmt: skip
]:
    case(f"rl2-{_name}", _call, _error, _frag)

# -- widgets: out of range raises (never clamps), wrong types are type errors
for _name, _call, _error, _frag in [
    (
        "sampling-bs-0",
        lambda: _widget("sampling_explorer", batch_size=0),
        V,
        "batch_size must be an integer in [1, 64], got 0",
    ),  # fmt: skip
    (
        "sampling-bs-65",
        lambda: _widget("sampling_explorer", batch_size=65),
        V,
        "batch_size must be an integer in [1, 64], got 65",
    ),  # fmt: skip
    (
        "sampling-epochs-11",
        lambda: _widget("sampling_explorer", epochs=11),
        V,
        "epochs must be an integer in [1, 10], got 11",
    ),  # fmt: skip
    (
        "sampling-seed-100",
        lambda: _widget("sampling_explorer", seed=100),
        V,
        "seed must be an integer in [0, 99], got 100",
    ),  # fmt: skip
    (
        "sampling-n-str",
        lambda: _widget("sampling_explorer", n="64"),
        T,
        "n must be an integer in [4, 256], got '64'",
    ),  # fmt: skip
    (
        "sampling-n-float",
        lambda: _widget("sampling_explorer", n=64.0),
        T,
        "n must be an integer",
    ),  # fmt: skip
    (
        "sampling-drop-last",
        lambda: _widget("sampling_explorer", drop_last="no"),
        T,
        "drop_last must be True or False, got 'no'",
    ),  # fmt: skip
    (
        "clip-0.01",
        lambda: _widget("clip_objective_explorer", clip_coef=0.01),
        V,
        "clip_coef must be in [0.05, 0.5], got 0.01",
    ),  # fmt: skip
    (
        "clip-str",
        lambda: _widget("clip_objective_explorer", clip_coef="0.2"),
        T,
        "clip_coef must be a number in [0.05, 0.5], got '0.2'",
    ),  # fmt: skip
    (
        "clip-nan",
        lambda: _widget("clip_objective_explorer", clip_coef=math.nan),
        V,
        "clip_coef must be in [0.05, 0.5], got nan",
    ),  # fmt: skip
    (
        "clip-rmax",
        lambda: _widget("clip_objective_explorer", r_max=50.0),
        V,
        "r_max must be in [1.2, 5.0], got 50.0",
    ),  # fmt: skip
    (
        "gae-gamma-2",
        lambda: _widget("gae_explorer", gamma=2.0),
        V,
        "gamma must be in [0.0, 1.0], got 2.0",
    ),  # fmt: skip
    (
        "gae-gamma-str",
        lambda: _widget("gae_explorer", gamma="0.9"),
        T,
        "gamma must be a number in [0.0, 1.0], got '0.9'",
    ),  # fmt: skip
    (
        "gae-lam-nan",
        lambda: _widget("gae_explorer", lam=math.nan),
        V,
        "lam must be in [0.0, 1.0], got nan",
    ),  # fmt: skip
    (
        "gae-lam-none",
        lambda: _widget("gae_explorer", lam=None),
        T,
        "lam must be a number",
    ),  # fmt: skip
    (
        "bandit-trial-neg",
        lambda: _widget("bandit_trial_viewer", BANDIT_BATCH(), trial=-1),
        V,
        "trial must be an integer in [0, 3], got -1",
    ),  # fmt: skip
    (
        "bandit-trial-str",
        lambda: _widget("bandit_trial_viewer", BANDIT_BATCH(), trial="0"),
        T,
        "trial must be an integer",
    ),  # fmt: skip
    (
        "bandit-step-99",
        lambda: _widget("bandit_trial_viewer", BANDIT_BATCH(), step=99),
        V,
        "step must be an integer in [0, 4], got 99",
    ),  # fmt: skip
    (
        "bandit-batch",
        lambda: _widget("bandit_trial_viewer", "batch"),
        T,
        "batch must be a bandit TrialBatch",
    ),  # fmt: skip
    (
        "maze-trial-9",
        lambda: _widget("maze_replay", MAZE()[1], MAZE()[0], trial=9),
        V,
        "trial must be an integer in [0, 1], got 9",
    ),  # fmt: skip
    (
        "maze-env",
        lambda: _widget("maze_replay", MAZE()[1], "env"),
        T,
        "env must be a RandomGoalMazeVectorEnv, got str",
    ),  # fmt: skip
    (
        "maze-batch-bandit",
        lambda: _widget("maze_replay", BANDIT_BATCH(), MAZE()[0]),
        T,
        "batch must be a maze TrialBatch",
    ),  # fmt: skip
    (
        "param-space-lr-0",
        lambda: _widget("param_space_explorer", learning_rate=0.0),
        V,
        "learning_rate must be in (0.0, 10.0], got 0.0",
    ),  # fmt: skip
    (
        "param-space-k-0",
        lambda: _widget("param_space_explorer", k=0),
        V,
        "k must be an integer in [1, 1_000], got 0",
    ),  # fmt: skip
    (
        "param-space-k-huge",
        lambda: _widget("param_space_explorer", k=10**8),
        V,
        "k must be an integer in [1, 1_000]",
    ),  # fmt: skip
    (
        "param-space-tasks-empty",
        lambda: _widget("param_space_explorer", tasks=[]),
        V,
        "tasks must hold 1 to 5",
    ),  # fmt: skip
    (
        "param-space-tasks-nan",
        lambda: _widget("param_space_explorer", tasks=[(math.nan, 0.0)]),
        V,
        "tasks[0][0] must be in",
    ),  # fmt: skip
    (
        "param-space-phi0",
        lambda: _widget("param_space_explorer", phi0="ab"),
        T,
        "phi0 must be a pair of numbers, got 'ab'",
    ),  # fmt: skip
    (
        "param-space-seed",
        lambda: _widget("param_space_explorer", seed=-1),
        V,
        "seed must be an integer >= 0, got -1",
    ),  # fmt: skip
    (
        "adaptation-learner",
        lambda: _widget("adaptation_explorer", "maml", LEARNER()),
        T,
        "maml must be a MetaLearner",
    ),  # fmt: skip
    (
        "adaptation-max-k-0",
        lambda: _widget("adaptation_explorer", LEARNER(), LEARNER(), max_k=0),
        V,
        "max_k must be an integer in [1, 1_000], got 0",
    ),  # fmt: skip
    (
        "adaptation-max-steps",
        lambda: _widget("adaptation_explorer", LEARNER(), LEARNER(), max_steps=10**6),
        V,
        "max_steps must be an integer in [1, 100]",
    ),  # fmt: skip
    (
        "adaptation-x-range",
        lambda: _widget("adaptation_explorer", LEARNER(), LEARNER(), x_range=(5.0, -5.0)),
        V,
        "x_range must be (low, high) with low < high",
    ),  # fmt: skip
    (
        "adaptation-x-range-str",
        lambda: _widget("adaptation_explorer", LEARNER(), LEARNER(), x_range="ab"),
        T,
        "x_range must be a pair of numbers",
    ),  # fmt: skip
    (
        "trial-diagram-episodes",
        lambda: _rl2_widget("trial_diagram", episodes_per_trial=100),
        V,
        "episodes_per_trial must be an integer in [1, 6], got 100",
    ),  # fmt: skip
    (
        "trial-diagram-trials",
        lambda: _rl2_widget("trial_diagram", trials=0),
        V,
        "trials must be an integer in [1, 4], got 0",
    ),  # fmt: skip
    ("slider-start", lambda: _slider_out_of_range(), V, "slider starts in [0, 10], got 11"),
]:
    case(f"widget-{_name}", _call, _error, _frag)


def _rl2_widget(name: str, **kwargs):
    import course_lib.widgets.rl2 as rl2_widgets

    return getattr(rl2_widgets, name)(**kwargs)


def _slider_out_of_range():
    from course_lib.widgets._base import int_slider

    return int_slider("steps", 11, 0, 10)


# -- plotting
for _name, _call, _error, _frag in [
    (
        "new-figure-rows-0",
        lambda: plotting.new_figure(0),
        V,
        "nrows must be an integer in [1, 10], got 0",
    ),  # fmt: skip
    (
        "new-figure-cols-huge",
        lambda: plotting.new_figure(1, 10**6),
        V,
        "ncols must be an integer in [1, 10], got 1000000",
    ),  # fmt: skip
    ("new-figure-rows-str", lambda: plotting.new_figure("2"), T, "nrows must be an integer"),
    (
        "new-figure-figsize-huge",
        lambda: plotting.new_figure(figsize=(1e5, 1e5)),
        V,
        "figsize[0] must be in (0.0, 50.0], got 100000.0",
    ),  # fmt: skip
    (
        "new-figure-figsize-str",
        lambda: plotting.new_figure(figsize="big"),
        T,
        "figsize must be a pair of numbers (width, height) in inches, got 'big'",
    ),  # fmt: skip
    (
        "new-figure-figsize-nan",
        lambda: plotting.new_figure(figsize=(math.nan, 3.0)),
        V,
        "figsize[0] must be in (0.0, 50.0], got nan",
    ),  # fmt: skip
    (
        "render-png-fig",
        lambda: plotting.render_png("fig"),
        T,
        "fig must be a matplotlib Figure, got str",
    ),  # fmt: skip
    (
        "render-png-dpi-huge",
        lambda: plotting.render_png(plotting.new_figure()[0], dpi=10**5),
        V,
        "dpi must be an integer in [10, 600], got 100000",
    ),  # fmt: skip
    (
        "render-png-dpi-0",
        lambda: plotting.render_png(plotting.new_figure()[0], dpi=0),
        V,
        "dpi must be an integer in [10, 600], got 0",
    ),  # fmt: skip
    (
        "plot-view-fig",
        lambda: plotting.PlotView(None),
        T,
        "fig must be a matplotlib Figure, got NoneType",
    ),  # fmt: skip
    (
        "plot-view-dpi",
        lambda: plotting.PlotView(plotting.new_figure()[0], dpi=-1),
        V,
        "dpi must be an integer in [10, 600], got -1",
    ),  # fmt: skip
    (
        "live-curve-panels",
        lambda: plotting.LiveCurve("loss"),
        T,
        "panels must be a mapping {title: {history key: label}}, got 'loss'",
    ),  # fmt: skip
    (
        "live-curve-empty",
        lambda: plotting.LiveCurve({}),
        V,
        "panels must hold 1 to 10 panels, got 0",
    ),  # fmt: skip
    (
        "live-curve-series",
        lambda: plotting.LiveCurve({"a": "loss"}),
        T,
        "panels['a'] must be a mapping {history key: label}, got 'loss'",
    ),  # fmt: skip
    (
        "live-curve-every-0",
        lambda: plotting.LiveCurve({"a": {"loss": "loss"}}, every=0),
        V,
        "every must be an integer >= 1, got 0",
    ),  # fmt: skip
    (
        "live-curve-x-key",
        lambda: plotting.LiveCurve({"a": {"loss": "loss"}}, x_key=3),
        T,
        "x_key must be a history key (str), got 3",
    ),  # fmt: skip
    (
        "live-curve-update-row",
        lambda: _live_curve().update("row"),
        T,
        "row must be a history row (a mapping of floats), got 'row'",
    ),  # fmt: skip
    (
        "live-curve-update-x",
        lambda: _live_curve().update({"loss": 1.0}),
        KeyError,
        "row has no 'env_steps' (the x_key)",
    ),  # fmt: skip
    (
        "plot-lines-length",
        lambda: plotting.plot_lines(plotting.new_figure()[1], [1, 2, 3], {"a": [1, 2]}),
        V,
        "series['a'] must have one value per x (3), got 2",
    ),  # fmt: skip
    (
        "plot-lines-series",
        lambda: plotting.plot_lines(plotting.new_figure()[1], [1, 2], [1, 2]),
        T,
        "series must be a mapping {name: values}, got list",
    ),  # fmt: skip
    (
        "plot-lines-spread",
        lambda: plotting.plot_lines(
            plotting.new_figure()[1], [1, 2], {"a": [1, 2]}, spread={"a": [1]}
        ),
        V,
        "spread['a'] must have one value per x (2), got 1",
    ),  # fmt: skip
]:
    case(f"plotting-{_name}", _call, _error, _frag)


def _live_curve():
    return plotting.LiveCurve({"a": {"loss": "loss"}})


# -- validation itself
for _name, _call, _error, _frag in [
    (
        "int-max",
        lambda: validation.check_int("n", 11, 0, 10),
        V,
        "n must be an integer in [0, 10], got 11",
    ),  # fmt: skip
    (
        "int-type-max",
        lambda: validation.check_int("n", "1", 0, 10),
        T,
        "n must be an integer in [0, 10], got '1'",
    ),  # fmt: skip
    (
        "real-inf",
        lambda: validation.check_real("x", math.inf, 0.0, math.inf),
        V,
        "x must be in [0.0, inf], got inf",
    ),  # fmt: skip
    (
        "seed-float",
        lambda: validation.check_seed(1.0),
        T,
        "seed must be an integer >= 0, got 1.0",
    ),  # fmt: skip
    (
        "bool-str",
        lambda: validation.check_bool("flag", "True"),
        T,
        "flag must be True or False, got 'True'",
    ),  # fmt: skip
    (
        "device-list",
        lambda: validation.check_device(["cpu"]),
        T,
        "device must be a torch device string",
    ),  # fmt: skip
    (
        "choice-int",
        lambda: validation.check_choice("m", 1, ("a", "b")),
        T,
        "m must be one of ('a', 'b'), got 1",
    ),  # fmt: skip
    (
        "choice-value",
        lambda: validation.check_choice("m", "c", ("a", "b")),
        V,
        "m must be one of ('a', 'b'), got 'c'",
    ),  # fmt: skip
    (
        "tensor-ndim",
        lambda: validation.check_tensor("t", V4, ndim=2),
        V,
        "t must be a 2-d tensor, got shape (4,) (1-d)",
    ),  # fmt: skip
    (
        "tensor-float",
        lambda: validation.check_tensor("t", V4.long(), floating=True),
        T,
        "t must be a floating-point tensor, got dtype torch.int64",
    ),  # fmt: skip
    (
        "same-shape",
        lambda: validation.check_same_shape(a=V4, b=V41),
        V,
        "a, b must all have the same shape, got a [4], b [4, 1]",
    ),  # fmt: skip
    (
        "hidden-sizes-bytes",
        lambda: validation.check_hidden_sizes(b"64"),
        T,
        "hidden_sizes must be a sequence of positive integers",
    ),  # fmt: skip
]:
    case(f"validation-{_name}", _call, _error, _frag)


# ------------------------------------------------------------------------ the tests


@pytest.mark.parametrize("call, error, fragment", CASES)
def test_bad_input_gives_a_clear_error(call, error, fragment):
    assert_clear_error(call, error, fragment)


def test_case_count():
    """At least 300 bad inputs, across every package (the README quotes the count)."""
    assert len(CASES) >= 300
    prefixes = {p.id.split("-")[0] for p in CASES}
    assert {"repro", "config", "ppo", "eval", "sampling", "nets", "training", "meta", "rl2"} <= prefixes  # fmt: skip
    assert {"widget", "plotting", "checkpoints"} <= prefixes


# -- hypothesis: any bad value of a field's kind is refused by every config, naming the field

_KIND_STRATEGIES = {
    "int": st.one_of(
        st.text(max_size=3),
        st.floats(allow_nan=True),
        st.booleans(),
        st.none(),
        st.integers(max_value=-1),  # fmt: skip
    ),
    "float": st.one_of(
        st.text(max_size=3),
        st.none(),
        st.booleans(),
        st.just(math.nan),
        st.just(math.inf),
        st.just(-math.inf),  # fmt: skip
    ),
    "bool": st.one_of(st.text(max_size=5), st.integers(), st.none(), st.floats()),
}


def _field_and_bad_value():
    fields = [
        (cls, f.name, f.type)
        for cls in CONFIGS
        for f in dataclasses.fields(cls)
        if f.type in _KIND_STRATEGIES
    ]
    return st.sampled_from(fields).flatmap(
        lambda item: st.tuples(st.just(item), _KIND_STRATEGIES[item[2]])
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_field_and_bad_value())
def test_hypothesis_every_config_refuses_bad_field_values(drawn):
    (cls, name, kind), value = drawn
    with time_limit(TIMEOUT_S), pytest.raises((TypeError, ValueError)) as info:
        cls(**{name: value})
    assert name in str(info.value)
    assert "got" in str(info.value)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=2**63), st.sampled_from(CONFIGS))
def test_hypothesis_seeds_beyond_64_bits_are_refused(seed, cls):
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*63\)"):
        cls(seed=seed)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=6),
    st.sampled_from(["advantages", "old_logprob", "logprob"]),
)
def test_hypothesis_clipped_loss_refuses_any_shape_mismatch(b, extra, which):
    tensors = {"logprob": torch.zeros(b), "old_logprob": torch.zeros(b), "advantages": torch.zeros(b)}  # fmt: skip
    tensors[which] = torch.zeros(b, extra) if extra > 1 else torch.zeros(b, 1)
    with pytest.raises(ValueError, match="must all have the same shape"):
        ppo.clipped_surrogate_loss(**tensors, clip_coef=0.2)


# -- edges that must keep working (no crash, no NaN): the largest seed, tiny batches


def test_the_largest_seed_trains_every_trainer():
    """seed = 2**63 − 1 is accepted, so it must work end to end (no 64-bit overflow)."""
    seed = 2**63 - 1
    with time_limit(60):
        runs = [
            ppo.train(
                PPOConfig(num_envs=2, num_steps=8, total_steps=16, hidden_sizes=(8,), seed=seed),
                progress=False,
            ),  # fmt: skip
            meta_train(
                MetaConfig(iterations=1, meta_batch_size=2, hidden_sizes=(8,), seed=seed),
                progress=False,
            ),  # fmt: skip
            train_blackbox(
                BlackBoxConfig(iterations=1, meta_batch_size=2, hidden_sizes=(8,), seed=seed),
                progress=False,
            ),  # fmt: skip
            train_rl2(
                RL2Config(iterations=1, hidden_size=8, num_minibatches=2, seed=seed),
                bandits.BernoulliBanditVectorEnv(num_envs=4, k=2, episodes_per_trial=3),
                progress=False,
            ),  # fmt: skip
        ]
    for result in runs:
        losses = [v for row in result.history for k, v in row.items() if "loss" in k]
        assert losses and all(math.isfinite(v) for v in losses)


def test_the_smallest_rl2_run_that_is_accepted_trains_without_nan():
    """One env of single-pull trials, with minibatches of 2 steps: the edge the config allows."""
    env = bandits.BernoulliBanditVectorEnv(num_envs=2, k=2, episodes_per_trial=1)
    config = RL2Config(iterations=2, hidden_size=8, num_minibatches=1)
    with time_limit(60):
        result = train_rl2(config, env, progress=False)
    assert all(math.isfinite(row["policy_loss"]) for row in result.history)


def test_gittins_method_answers_at_once_for_long_trials():
    """Counting exact-DP states for n = 1000 took about 10 s; past the cap it is not needed."""
    with time_limit(2):
        assert baselines.gittins_method(2, 1000) == "finite-horizon Gittins index"
        assert baselines.gittins_method(1000, 200) == "finite-horizon Gittins index"
