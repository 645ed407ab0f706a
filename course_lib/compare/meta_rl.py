"""The three families of meta-RL on the same new goals: RL² (memory), MAML-RL (gradient steps),
PEARL (task inference).

Each family is trained with its own trainer, unchanged (:func:`course_lib.rl2.train_rl2`,
:func:`course_lib.maml_rl.train_maml_rl`, :func:`course_lib.pearl.train_pearl`) on the same task
distribution, and scored on the same new goals with its own adaptation protocol:

* **RL²**: one trial of E episodes per goal; the GRU's state carries what it found. "After k
  episodes" is the return of episode k + 1. Its categorical head plays the 9 discrete moves of the
  same tasks (Chapter 8).
* **MAML-RL**: θ_0 plays K = ``num_trajectories`` episodes; their policy gradient gives θ_1, and
  so on. One adaptation step needs K whole episodes, so "after 1, 2, 3 episodes" MAML-RL has not
  changed yet: the table gives its return after 0 episodes (θ_0) and after k steps, i.e. k·K
  episodes.
* **PEARL**: episode 1 with z from the prior, then z from the posterior of all transitions so far
  (:mod:`course_lib.pearl.evaluate`).

**Meta-training sample efficiency** is measured on the families' own training runs: every few
iterations a callback scores the *post-adaptation* return on held-out goals against the
environment steps of meta-training so far. For RL² and PEARL that is the return of episode 4,
after three episodes of the goal (the authors' evaluation reports the last episode of a trial the
same way); for MAML-RL, the return after one gradient step (from K episodes). The target is the best such return that *every*
family that learned reaches (the weakest learner's best), and each family's cost is the first
step count at which it reached that target. A family whose best score does not beat **standing
still** (the return of never leaving the start: −T·‖goal‖ on navigation, 0 on the sparse task) by
more than that score's 95% interval "did not learn" and sets no target.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch
from torch import Tensor

from course_lib.maml_rl.train import (
    GaussianPolicy,
    MAMLRLConfig,
    _check_goals,
    adaptation_curve,
    train_maml_rl,
)
from course_lib.pearl.evaluate import adaptation_trial
from course_lib.pearl.train import TASKS, PEARLAgent, PEARLConfig, train_pearl
from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.rl2.train import RL2Config, train_rl2
from course_lib.stats import Interval, mean_ci
from course_lib.tasks.navigation import Navigation2DVectorEnv, oracle_return
from course_lib.tasks.point_robot import (
    SparsePointRobotVectorEnv,
    random_half_circle_goals,
    sparse_oracle_return,
)
from course_lib.training import TrainResult, make_generator
from course_lib.trials import ROLLOUT_STEP_BUDGET, episode_returns, rollout_trials
from course_lib.validation import (
    check_bool,
    check_choice,
    check_instance,
    check_int,
    check_real,
    check_seed,
    check_sequence,
    check_tensor,
)

__all__ = [
    "FAMILIES",
    "FamilyConfigs",
    "pearl_config",
    "LearningCurve",
    "new_goals",
    "oracle",
    "stand_still",
    "rl2_env",
    "rl2_returns",
    "maml_rl_returns",
    "pearl_returns",
    "train_family",
    "steps_to_reach",
    "sample_efficiency",
    "adaptation_rows",
]

FAMILIES = ("RL²", "MAML-RL", "PEARL")
#: RL² and PEARL are scored on the last of this many episodes of a goal (after three of them).
CURVE_EPISODES = 4
#: The longest episode any family plays (the MAML-RL and PEARL configs cap theirs at 1,000).
MAX_STEPS = 1_000
#: goals × steps an oracle walks (10**10 took 10 s here); a chapter's hundreds of goals × 100s
#: of steps are about 10**5
ORACLE_STEP_BUDGET = 10**7


def new_goals(task: str, num_goals: int, seed: int) -> Tensor:
    """``[num_goals, 2]`` goals of ``task`` from their own seed: the new goals all families meet."""
    check_choice("task", task, TASKS)
    gen = make_generator(check_seed(seed))
    check_int("num_goals", num_goals, 1, 100_000)
    if task == "navigation":
        return torch.rand(num_goals, 2, generator=gen) - 0.5
    return random_half_circle_goals(num_goals, gen)


def oracle(task: str, goals: Tensor, max_steps: int, action_type: str = "continuous") -> Tensor:
    """The return of an agent that knows the goal, ``[G]`` (each family's ceiling)."""
    check_choice("task", task, TASKS)
    goals = _check_goals(goals)
    check_int("max_steps", max_steps, 1, MAX_STEPS)
    if len(goals) * max_steps > ORACLE_STEP_BUDGET:
        raise ValueError(
            f"len(goals) × max_steps must be at most {ORACLE_STEP_BUDGET:_} oracle steps, got "
            f"{len(goals)} × {max_steps} = {len(goals) * max_steps:_}"
        )
    if task == "navigation":
        return oracle_return(goals, max_steps, action_type)
    return sparse_oracle_return(goals, max_steps, action_type=action_type)


def stand_still(task: str, goals: Tensor, max_steps: int) -> Tensor:
    """The return of never moving, ``[G]``: the floor a family must beat to have learned anything."""
    check_choice("task", task, TASKS)
    goals = _check_goals(goals)
    check_int("max_steps", max_steps, 1, MAX_STEPS)
    if task == "navigation":
        return -max_steps * goals.norm(dim=1)
    return torch.zeros(len(goals))  # the start is 1 away from the half-circle: no reward


def rl2_env(task: str, num_envs: int, *, max_steps: int, episodes_per_trial: int):
    """The batched env RL² trains and plays on: the task with discrete moves, trials of episodes."""
    check_choice("task", task, TASKS)
    if task == "navigation":
        return Navigation2DVectorEnv(num_envs, "discrete", episodes_per_trial, max_steps)
    return SparsePointRobotVectorEnv(num_envs, "discrete", episodes_per_trial, max_steps)


def rl2_returns(
    agent: RecurrentActorCritic,
    task: str,
    goals: Tensor,
    *,
    max_steps: int,
    episodes: int = 4,
    seed: int = 0,
) -> Tensor:
    """One RL² trial of ``episodes`` episodes per goal: the returns ``[episodes, G]``."""
    goals = _check_goals(goals)
    env = rl2_env(task, len(goals), max_steps=max_steps, episodes_per_trial=episodes)
    env.fix_goals(goals)
    return episode_returns(rollout_trials(agent, env, check_seed(seed))).T


def maml_rl_returns(
    policy: GaussianPolicy, config: MAMLRLConfig, goals: Tensor, *, steps: int = 3, seed: int = 0
) -> Tensor:
    """MAML-RL's return after 0..``steps`` gradient steps on each goal, ``[steps + 1, G]``."""
    check_instance("config", config, MAMLRLConfig, "a MAMLRLConfig")
    curve = adaptation_curve(
        policy, goals, steps=steps, num_trajectories=config.num_trajectories,
        inner_lr=config.inner_lr, gamma=config.gamma, max_steps=config.max_steps, seed=seed,
        task=config.task, goal_radius=config.goal_radius,
    )  # fmt: skip
    return curve.per_task.T


def pearl_returns(
    agent: PEARLAgent, config: PEARLConfig, goals: Tensor, *, episodes: int = 4, seed: int = 0
) -> Tensor:
    """PEARL's return in episodes 1..``episodes`` of each goal (posterior sampling), ``[E, G]``."""
    goals = _check_goals(goals)
    check_seed(seed)
    return adaptation_trial(agent, config, goals, episodes=episodes, seed=seed).returns


@dataclass
class FamilyConfigs:
    """One training config per family, for one task: what the chapter and the benchmark train."""

    task: str
    max_steps: int  # episode length, the same for every family
    rl2: RL2Config
    rl2_trials: int  # trials per PPO iteration (the env's num_envs)
    rl2_episodes: int  # episodes per RL² trial
    maml: MAMLRLConfig
    pearl: PEARLConfig

    def __post_init__(self) -> None:
        check_choice("task", self.task, TASKS)
        check_int("max_steps", self.max_steps, 1, MAX_STEPS)
        check_instance("rl2", self.rl2, RL2Config, "an RL2Config")
        check_int("rl2_trials", self.rl2_trials, 1, 100_000)
        check_int("rl2_episodes", self.rl2_episodes, 1, 1_000)
        check_instance("maml", self.maml, MAMLRLConfig, "a MAMLRLConfig")
        check_instance("pearl", self.pearl, PEARLConfig, "a PEARLConfig")
        for name, config in (("maml", self.maml), ("pearl", self.pearl)):
            if (config.task, config.max_steps) != (self.task, self.max_steps):
                raise ValueError(
                    f"{name} must train on the same task and episode length as the others "
                    f"({self.task!r}, max_steps={self.max_steps}), got ({config.task!r}, "
                    f"max_steps={config.max_steps})"
                )
        work = self.rl2_trials * self.rl2_episodes * self.max_steps
        if work > ROLLOUT_STEP_BUDGET:  # every RL² iteration plays them all (rollout_trials)
            raise ValueError(
                f"rl2_trials × rl2_episodes × max_steps (one RL² batch) must be at most "
                f"rollout_trials' budget of {ROLLOUT_STEP_BUDGET:_} env steps, got "
                f"{self.rl2_trials} × {self.rl2_episodes} × {self.max_steps} = {work:_}"
            )

    @classmethod
    def quick(cls, task: str, seed: int = 0) -> FamilyConfigs:
        """The chapter's quick scale: all three families on both tasks within Chapter 9's nbval budget
        (the README's nbval table has the measured time)."""
        return cls._make(task, seed, rl2=(64, 100), maml=150, pearl=25)

    @classmethod
    def reference(cls, task: str, seed: int = 0) -> FamilyConfigs:
        """The benchmark's reference size (``benchmarks/pearl.py``)."""
        return cls._make(task, seed, rl2=(128, 600), maml=500, pearl=150)

    @classmethod
    def paper(cls, task: str, seed: int = 0) -> FamilyConfigs:
        """The papers' own sizes: PEARL as in the authors' sparse point-robot config
        (:class:`~course_lib.pearl.train.PEARLConfig`'s defaults), MAML-RL as its reference
        (:class:`~course_lib.maml_rl.MAMLRLConfig`'s defaults), RL² at 1,000 iterations of 256
        trials; episodes of 20 steps on the sparse task (the authors') and 100 on navigation (MAML's).
        Hours of CPU: not run end to end here."""
        check_choice("task", task, TASKS)
        max_steps = 20 if task == "sparse_point_robot" else 100
        rl2_config = RL2Config(
            iterations=1000, hidden_size=128, learning_rate=2e-3, gamma=0.9, gae_lambda=0.9,
            ent_coef=0.01, reward_scale=0.3, seed=seed,
        )  # fmt: skip
        maml_config = MAMLRLConfig(task=task, max_steps=max_steps, seed=seed)
        pearl_cfg = PEARLConfig(task=task, max_steps=max_steps, seed=seed)
        return cls(task, max_steps, rl2_config, 256, 4, maml_config, pearl_cfg)

    @classmethod
    def _make(cls, task: str, seed: int, *, rl2: tuple[int, int], maml: int, pearl: int):
        check_choice("task", task, TASKS)
        max_steps = 20
        rl2_config = RL2Config(
            iterations=rl2[1],
            hidden_size=64,
            learning_rate=2e-3,
            gamma=0.9,
            gae_lambda=0.9,
            ent_coef=0.01,
            reward_scale=0.3,
            seed=seed,
        )  # fmt: skip  (Chapter 8's RL² on navigation)
        maml_config = MAMLRLConfig(
            iterations=maml,
            meta_batch_size=10,
            num_trajectories=20,
            inner_lr=0.1,
            hidden_sizes=(32, 32),
            init_log_std=-2.0,
            learning_rate=3e-3,
            max_steps=max_steps,
            task=task,
            seed=seed,
        )  # fmt: skip  (Chapter 8's quick MAML-RL)
        pearl_cfg = pearl_config(task, pearl, seed)
        return cls(task, max_steps, rl2_config, rl2[0], 4, maml_config, pearl_cfg)


def pearl_config(task: str, iterations: int, seed: int = 0) -> PEARLConfig:
    """The PEARL config the comparison trains (small networks, few gradient steps per iteration)."""
    return PEARLConfig(
        task=task, iterations=iterations, num_train_tasks=40, initial_episodes=2,
        tasks_per_iteration=5, prior_episodes=1, posterior_episodes=2, gradient_steps=100,
        meta_batch_size=16, batch_size=32, context_size=32, hidden_sizes=(64, 64),
        encoder_hidden_sizes=(64, 64), learning_rate=3e-3, gamma=0.5, tau=0.02, reward_scale=10.0,
        kl_weight=0.01, alpha=0.2, next_obs_in_context=True, buffer_capacity=5_000, seed=seed,
    )  # fmt: skip


@dataclass
class LearningCurve:
    """Post-adaptation return on held-out goals against meta-training environment steps."""

    floor: float  # standing still on the same goals (stand_still)
    env_steps: list[float] = field(default_factory=list)  # one per entry of returns, rising
    returns: list[Interval] = field(default_factory=list)

    def __post_init__(self) -> None:
        # one check each, at construction: steps_to_reach zips the two lists, and a length
        # mismatch would silently drop the last scores (an "inf": never reached)
        check_real("floor", self.floor, -math.inf, math.inf)
        check_sequence("env_steps", self.env_steps)
        check_sequence("returns", self.returns)
        if len(self.env_steps) != len(self.returns):
            raise ValueError(
                "env_steps and returns must have one entry each per evaluation, got "
                f"{len(self.env_steps)} env_steps and {len(self.returns)} returns"
            )
        for i, (steps, score) in enumerate(zip(self.env_steps, self.returns)):
            check_real(f"env_steps[{i}]", steps, 0.0, math.inf)
            check_instance(f"returns[{i}]", score, Interval, "an Interval (stats.mean_ci)")

    def record(self, env_steps: float, scores: Tensor) -> None:
        """Append one evaluation: the env steps trained so far and the held-out goals' scores [G]."""
        env_steps = check_real("env_steps", env_steps, 0.0, math.inf)
        if self.env_steps and env_steps < self.env_steps[-1]:
            raise ValueError(
                f"env_steps must not decrease (the last was {self.env_steps[-1]}), got {env_steps}"
            )
        check_tensor("scores", scores, ndim=1, floating=True, finite=True)
        if scores.numel() < 1:
            raise ValueError(
                f"scores must hold at least one return, got shape {list(scores.shape)}"
            )
        self.env_steps.append(float(env_steps))
        self.returns.append(mean_ci(scores))

    @property
    def best(self) -> Interval:
        return max(self.returns, key=lambda r: r.mean)

    @property
    def learned(self) -> bool:
        """The best score beats standing still by more than its own 95% interval."""
        return bool(self.returns) and self.best.low > self.floor


def _curve_callback(
    score: Callable[[object], Tensor], every: int, curve: LearningCurve
) -> Callable[[dict, object], None]:
    def callback(row: dict, model: object) -> None:
        if int(row["iteration"]) % every == 0 or int(row["iteration"]) == 1:
            curve.record(row["env_steps"], score(model))

    return callback


def train_family(
    family: str,
    configs: FamilyConfigs,
    curve_goals: Tensor,
    *,
    evaluations: int = 10,
    seed: int = 0,
    progress: bool = True,
) -> tuple[TrainResult, LearningCurve]:
    """Train one family on ``configs.task`` with its own trainer; score its post-adaptation return
    on ``curve_goals`` about ``evaluations`` times along the way (the learning curve)."""
    check_choice("family", family, FAMILIES)
    check_instance("configs", configs, FamilyConfigs, "a FamilyConfigs (e.g. FamilyConfigs.quick)")
    curve_goals = _check_goals(curve_goals, "curve_goals")
    check_int("evaluations", evaluations, 1, 1_000)
    check_seed(seed)
    check_bool("progress", progress)
    task = configs.task
    curve = LearningCurve(float(stand_still(task, curve_goals, configs.max_steps).mean()))
    if family == "RL²":
        c = configs.rl2
        env = rl2_env(task, configs.rl2_trials, max_steps=configs.max_steps,
                      episodes_per_trial=configs.rl2_episodes)  # fmt: skip

        def score(agent):
            return rl2_returns(agent, task, curve_goals, max_steps=configs.max_steps,
                               episodes=CURVE_EPISODES, seed=seed)[-1]  # fmt: skip

        every = max(1, c.iterations // evaluations)
        result = train_rl2(c, env, _curve_callback(score, every, curve), progress=progress)
    elif family == "MAML-RL":
        c = configs.maml

        def score(policy):
            return maml_rl_returns(policy, c, curve_goals, steps=1, seed=seed)[1]

        every = max(1, c.iterations // evaluations)
        result = train_maml_rl(c, _curve_callback(score, every, curve), progress=progress)
    else:
        c = configs.pearl

        def score(agent):
            return pearl_returns(agent, c, curve_goals, episodes=CURVE_EPISODES, seed=seed)[-1]

        every = max(1, c.iterations // evaluations)
        result = train_pearl(c, _curve_callback(score, every, curve), progress=progress)
    return result, curve


def steps_to_reach(curve: LearningCurve, target: float) -> float:
    """The first recorded env-step count whose score reached ``target`` (inf if never)."""
    check_instance("curve", curve, LearningCurve, "a LearningCurve (from train_family)")
    check_real("target", target, -math.inf, math.inf)
    for steps, score in zip(curve.env_steps, curve.returns):
        if score.mean >= target:
            return steps
    return math.inf


def sample_efficiency(curves: dict[str, LearningCurve], reference: str = "PEARL") -> dict:
    """The target (the weakest learner's best post-adaptation return), each family's env steps to
    reach it, and each family's steps divided by ``reference``'s (module docstring).

    Returns ``{"target": float | None, "steps": {family: float}, "ratio": {family: float},
    "learned": {family: bool}}``; ``target`` is None when no family learned.
    """
    _check_results("curves", curves, LearningCurve, "a LearningCurve")
    check_choice("reference", reference, FAMILIES)
    if reference not in curves:  # every ratio would be NaN, silently
        raise ValueError(
            f"reference must be one of the families in curves {list(curves)}, got {reference!r}"
        )
    learned = {name: curve.learned for name, curve in curves.items()}
    bests = [curve.best.mean for name, curve in curves.items() if learned[name]]
    if not bests:
        return {"target": None, "steps": {}, "ratio": {}, "learned": learned}
    target = min(bests)
    steps = {name: steps_to_reach(curve, target) for name, curve in curves.items()}
    base = steps.get(reference, math.inf)
    ratio = {
        name: (s / base if learned[name] and math.isfinite(base) and base > 0 else math.nan)
        for name, s in steps.items()
    }
    return {"target": target, "steps": steps, "ratio": ratio, "learned": learned}


def adaptation_rows(results: dict[str, Tensor], *, maml_episodes_per_step: int) -> list[dict]:
    """The adaptation table: per family, the return ± 95% interval after 0, 1, 2, 3 episodes of
    the new goal (None where a family cannot have adapted yet), and MAML-RL's after its steps."""
    _check_results("results", results, Tensor, "a tensor of returns [episodes, G]")
    check_int("maml_episodes_per_step", maml_episodes_per_step, 1, 1_000_000)
    rows = []
    for name, returns in results.items():
        cells = [mean_ci(r) for r in returns]
        if name == "MAML-RL":  # step k needs k·K episodes: after 1-3 episodes it is still θ_0
            episodes = [cells[0], None, None, None]
            steps = {k * maml_episodes_per_step: cells[k] for k in range(1, len(cells))}
        else:
            episodes, steps = cells[:4], {}
        rows.append({"family": name, "episodes": episodes, "after_steps": steps})
    return rows


def _check_results(name: str, results: object, kind: type, what: str) -> None:
    """A non-empty dict of family name → ``kind`` (tensors: 2-d and finite)."""
    if not isinstance(results, Mapping) or not results:
        raise TypeError(
            f"{name} must be a non-empty dict of family name → {what}, got {results!r:.80}"
        )
    for family, value in results.items():
        check_instance(f"{name}[{family!r}]", value, kind, what)
        if kind is Tensor:
            check_tensor(f"{name}[{family!r}]", value, ndim=2, finite=True)
