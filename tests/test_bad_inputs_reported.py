"""Bad input to the bad inputs the issues reported, each with its exact message.

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import math

from bad_inputs import (
    BANDIT_BATCH,
    K5,
    SINE,
    SINE_PARAMS,
    TASKS,
    V4,
    V41,
    T,
    V,
    registry,
    sweep,
    widget,
)

from course_lib import (
    ppo,
)
from course_lib.meta import functional, landscape, tasks
from course_lib.meta.blackbox import BlackBoxConfig
from course_lib.meta.train import MetaConfig
from course_lib.ppo import PPOConfig
from course_lib.rl2 import baselines
from course_lib.rl2.train import RL2Config, train_rl2
from course_lib.tasks import bandits

CASES, case = registry()


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
    "y must have the model's prediction shape (5, 1) (mse compares them), got (5,)",
)
case(
    "repro-adapt-broadcast",
    lambda: functional.adapt(SINE(), SINE_PARAMS(), K5, K5.reshape(5), inner_lr=0.1, steps=1),
    V,
    "y must have the model's prediction shape (5, 1) (mse compares them), got (5,)",
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
    lambda: widget("sampling_explorer", n=0),
    V,
    "n must be an integer in [4, 256], got 0",
)
case(
    "repro-widget-sampling-n-1000",
    lambda: widget("sampling_explorer", n=1000),
    V,
    "n must be an integer in [4, 256], got 1000",
)
case(
    "repro-widget-clip-0.7",
    lambda: widget("clip_objective_explorer", clip_coef=0.7),
    V,
    "clip_coef must be in [0.05, 0.5], got 0.7",
)
case(
    "repro-widget-bandit-trial-99",
    lambda: widget("bandit_trial_viewer", BANDIT_BATCH(), trial=99),
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


test_bad_input_gives_a_clear_error = sweep(CASES)
