"""Bad input to evaluate, StopWhenSolved, record_frames.

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import math

from bad_inputs import (
    AGENT,
    T,
    V,
    registry,
    sweep,
)

from course_lib import (
    evaluation,
)

CASES, case = registry()


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

test_bad_input_gives_a_clear_error = sweep(CASES)
