"""Bad input to widgets: out of range raises (never clamps), wrong types are type errors.

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import math

from bad_inputs import (
    BANDIT_BATCH,
    LEARNER,
    MAZE,
    T,
    V,
    registry,
    sweep,
    widget,
)

CASES, case = registry()


for _name, _call, _error, _frag in [
    (
        "sampling-bs-0",
        lambda: widget("sampling_explorer", batch_size=0),
        V,
        "batch_size must be an integer in [1, 64], got 0",
    ),  # fmt: skip
    (
        "sampling-bs-65",
        lambda: widget("sampling_explorer", batch_size=65),
        V,
        "batch_size must be an integer in [1, 64], got 65",
    ),  # fmt: skip
    (
        "sampling-epochs-11",
        lambda: widget("sampling_explorer", epochs=11),
        V,
        "epochs must be an integer in [1, 10], got 11",
    ),  # fmt: skip
    (
        "sampling-seed-100",
        lambda: widget("sampling_explorer", seed=100),
        V,
        "seed must be an integer in [0, 99], got 100",
    ),  # fmt: skip
    (
        "sampling-n-str",
        lambda: widget("sampling_explorer", n="64"),
        T,
        "n must be an integer in [4, 256], got '64'",
    ),  # fmt: skip
    (
        "sampling-n-float",
        lambda: widget("sampling_explorer", n=64.0),
        T,
        "n must be an integer",
    ),  # fmt: skip
    (
        "sampling-drop-last",
        lambda: widget("sampling_explorer", drop_last="no"),
        T,
        "drop_last must be True or False, got 'no'",
    ),  # fmt: skip
    (
        "clip-0.01",
        lambda: widget("clip_objective_explorer", clip_coef=0.01),
        V,
        "clip_coef must be in [0.05, 0.5], got 0.01",
    ),  # fmt: skip
    (
        "clip-str",
        lambda: widget("clip_objective_explorer", clip_coef="0.2"),
        T,
        "clip_coef must be a number in [0.05, 0.5], got '0.2'",
    ),  # fmt: skip
    (
        "clip-nan",
        lambda: widget("clip_objective_explorer", clip_coef=math.nan),
        V,
        "clip_coef must be in [0.05, 0.5], got nan",
    ),  # fmt: skip
    (
        "clip-rmax",
        lambda: widget("clip_objective_explorer", r_max=50.0),
        V,
        "r_max must be in [1.2, 5.0], got 50.0",
    ),  # fmt: skip
    (
        "gae-gamma-2",
        lambda: widget("gae_explorer", gamma=2.0),
        V,
        "gamma must be in [0.0, 1.0], got 2.0",
    ),  # fmt: skip
    (
        "gae-gamma-str",
        lambda: widget("gae_explorer", gamma="0.9"),
        T,
        "gamma must be a number in [0.0, 1.0], got '0.9'",
    ),  # fmt: skip
    (
        "gae-lam-nan",
        lambda: widget("gae_explorer", lam=math.nan),
        V,
        "lam must be in [0.0, 1.0], got nan",
    ),  # fmt: skip
    (
        "gae-lam-none",
        lambda: widget("gae_explorer", lam=None),
        T,
        "lam must be a number",
    ),  # fmt: skip
    (
        "bandit-trial-neg",
        lambda: widget("bandit_trial_viewer", BANDIT_BATCH(), trial=-1),
        V,
        "trial must be an integer in [0, 3], got -1",
    ),  # fmt: skip
    (
        "bandit-trial-str",
        lambda: widget("bandit_trial_viewer", BANDIT_BATCH(), trial="0"),
        T,
        "trial must be an integer",
    ),  # fmt: skip
    (
        "bandit-step-99",
        lambda: widget("bandit_trial_viewer", BANDIT_BATCH(), step=99),
        V,
        "step must be an integer in [0, 4], got 99",
    ),  # fmt: skip
    (
        "bandit-batch",
        lambda: widget("bandit_trial_viewer", "batch"),
        T,
        "batch must be a TrialBatch (from rollout_trials or evaluate_rl2), got str",
    ),  # fmt: skip
    (
        "maze-trial-9",
        lambda: widget("maze_replay", MAZE()[1], MAZE()[0], trial=9),
        V,
        "trial must be an integer in [0, 1], got 9",
    ),  # fmt: skip
    (
        "maze-env",
        lambda: widget("maze_replay", MAZE()[1], "env"),
        T,
        "env must be a RandomGoalMazeVectorEnv, got str",
    ),  # fmt: skip
    (
        "maze-batch-bandit",
        lambda: widget("maze_replay", BANDIT_BATCH(), MAZE()[0]),
        V,  # a TrialBatch of the other family's trials: the right type, a wrong value
        "batch must hold maze trials",
    ),  # fmt: skip
    (
        "param-space-lr-0",
        lambda: widget("param_space_explorer", learning_rate=0.0),
        V,
        "learning_rate must be in (0.0, 10.0], got 0.0",
    ),  # fmt: skip
    (
        "param-space-k-0",
        lambda: widget("param_space_explorer", k=0),
        V,
        "k must be an integer in [1, 1_000], got 0",
    ),  # fmt: skip
    (
        "param-space-k-huge",
        lambda: widget("param_space_explorer", k=10**8),
        V,
        "k must be an integer in [1, 1_000]",
    ),  # fmt: skip
    (
        "param-space-tasks-empty",
        lambda: widget("param_space_explorer", tasks=[]),
        V,
        "tasks must hold 1 to 5",
    ),  # fmt: skip
    (
        "param-space-tasks-nan",
        lambda: widget("param_space_explorer", tasks=[(math.nan, 0.0)]),
        V,
        "tasks[0][0] must be in",
    ),  # fmt: skip
    (
        "param-space-phi0",
        lambda: widget("param_space_explorer", phi0="ab"),
        T,
        "phi0 must be a pair of numbers, got 'ab'",
    ),  # fmt: skip
    (
        "param-space-seed",
        lambda: widget("param_space_explorer", seed=-1),
        V,
        "seed must be an integer >= 0, got -1",
    ),  # fmt: skip
    (
        "adaptation-learner",
        lambda: widget("adaptation_explorer", "maml", LEARNER()),
        T,
        "maml must be a MetaLearner",
    ),  # fmt: skip
    (
        "adaptation-max-k-0",
        lambda: widget("adaptation_explorer", LEARNER(), LEARNER(), max_k=0),
        V,
        "max_k must be an integer in [1, 1_000], got 0",
    ),  # fmt: skip
    (
        "adaptation-max-steps",
        lambda: widget("adaptation_explorer", LEARNER(), LEARNER(), max_steps=10**6),
        V,
        "max_steps must be an integer in [1, 100]",
    ),  # fmt: skip
    (
        "adaptation-x-range",
        lambda: widget("adaptation_explorer", LEARNER(), LEARNER(), x_range=(5.0, -5.0)),
        V,
        "x_range must be (low, high) with low < high",
    ),  # fmt: skip
    (
        "adaptation-x-range-str",
        lambda: widget("adaptation_explorer", LEARNER(), LEARNER(), x_range="ab"),
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
    ("slider-start", lambda: _slider(11, 0, 10), V, "value must be an integer in [0, 10], got 11"),
    # issue #28's red team: lo > hi and step 0 were taken (ipywidgets swaps or stalls)
    ("slider-range", lambda: _slider(0.5, 1.0, 0.0), V, "lo and hi must have lo <= hi"),
    ("slider-step", lambda: _slider(0.5, 0.0, 1.0, step=0), V, "step must be in (0.0, inf], got 0"),
    (
        "slider-int-step",
        lambda: _slider(1, 0, 10, step=0),
        V,
        "step must be an integer >= 1, got 0",
    ),
    ("slider-float-lo", lambda: _slider(1, 0.5, 10), T, "lo must be an integer"),
    (
        "slider-fmt",
        lambda: _float_slider_fmt("zz"),
        V,
        "fmt must be a number format spec such as '.2f', got 'zz'",
    ),
    ("slider-fmt-type", lambda: _float_slider_fmt(2), T, "fmt must be a number format spec"),
    ("slider-nan-hi", lambda: _slider(0.5, 0.0, math.nan), V, "hi must be in [-inf, inf], got nan"),
]:
    case(f"widget-{_name}", _call, _error, _frag)


def _rl2_widget(name: str, **kwargs):
    import course_lib.widgets.rl2 as rl2_widgets

    return getattr(rl2_widgets, name)(**kwargs)


def _float_slider_fmt(fmt):
    from course_lib.widgets._base import float_slider

    return float_slider("rate", 0.5, 0.0, 1.0, 0.1, fmt)


def _slider(value, lo, hi, step=None):
    """An int slider where the start is an int, else a float one (as the widgets build them)."""
    from course_lib.widgets._base import float_slider, int_slider

    if isinstance(value, int):
        return int_slider("steps", value, lo, hi, 1 if step is None else step)
    return float_slider("rate", value, lo, hi, 0.1 if step is None else step)


test_bad_input_gives_a_clear_error = sweep(CASES)
