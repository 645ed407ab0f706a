"""Bad input to the training contract.

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import math

from bad_inputs import (
    T,
    V,
    registry,
    sweep,
    time_limit,
)

from course_lib import (
    ppo,
    training,
)
from course_lib.meta.blackbox import BlackBoxConfig, train_blackbox
from course_lib.meta.train import MetaConfig, meta_train
from course_lib.ppo import PPOConfig
from course_lib.rl2.train import RL2Config, train_rl2
from course_lib.tasks import bandits

CASES, case = registry()


case("training-generator-seed", lambda: training.make_generator(-1), V, "seed must be an integer >= 0, got -1")  # fmt: skip
case("training-generator-device", lambda: training.make_generator(0, "gpu"), V, "device must be a torch device string")  # fmt: skip
case("training-seeded-str", lambda: training.seeded("0").__enter__(), T, "seed must be an integer")  # fmt: skip
case("training-seeded-huge", lambda: training.seeded(2**64).__enter__(), V, "seed must be an integer in [0, 2**63)")  # fmt: skip
case("training-callback", lambda: training.check_callback("print"), T, "callback must be callable")  # fmt: skip
case("training-metric-key", lambda: training.TrainResult(None, None, [{"loss": 1.0}]).metric(3), T, "key must be a metric name (str), got int")  # fmt: skip
case("training-metric-unknown", lambda: training.TrainResult(None, None, [{"loss": 1.0}]).metric("lss"), KeyError, "unknown metric 'lss'")  # fmt: skip

test_bad_input_gives_a_clear_error = sweep(CASES)

# -- an edge that must keep working: the largest seed trains every trainer


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
