"""Time-to-solve CartPole-v1: course_lib.ppo against Stable-Baselines3 PPO, in the same run.

Protocol, identical for both (seeds 0–4 by default):
  * one torch thread; budget 100k environment steps; learning rate (and SB3's clip range)
    decay linearly over that budget;
  * every 2,048 environment steps, evaluate the current policy greedily on 20 episodes
    (``course_lib.evaluation.evaluate``, the same function and evaluation seeds for both);
  * "solved" = the mean of those 20 returns is >= 475 (gymnasium's reward threshold);
  * the clocks (wall and process CPU time) start just before ``train`` / ``learn`` and stop at
    the solving evaluation; the time spent in evaluations is subtracted from both clocks.

SB3 runs the rl-baselines3-zoo CartPole-v1 hyperparameters (n_envs 8, n_steps 32, batch 256,
gae_lambda 0.8, gamma 0.98, n_epochs 20, ent_coef 0, lr lin 1e-3, clip lin 0.2).
course_lib runs ``PPOConfig()`` defaults with ``total_steps=100_000``.

Usage: python benchmarks/ppo_cartpole.py [--seeds 0 1 2 3 4] [--budget 100000]
Needs the optional ``bench`` extra: pip install -e ".[bench]"  (stable-baselines3).
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass

import numpy as np
import torch

from course_lib.evaluation import evaluate
from course_lib.ppo import PPOConfig, train

EVAL_EVERY = 2048
EVAL_EPISODES = 20
EVAL_SEED = 1000
THRESHOLD = 475.0


@dataclass
class Outcome:
    steps: int | None = None  # env steps at the solving evaluation (None: not solved)
    wall: float = float("nan")  # seconds, evaluations excluded
    cpu: float = float("nan")
    evals: int = 0
    last_eval: float = float("nan")


class _Clock:
    """Wall and CPU clocks that exclude the time spent inside ``pause()`` blocks."""

    def __init__(self) -> None:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        self.paused_wall = self.paused_cpu = 0.0

    def now(self) -> tuple[float, float]:
        return (
            time.perf_counter() - self.wall0 - self.paused_wall,
            time.process_time() - self.cpu0 - self.paused_cpu,
        )

    def evaluate(self, policy) -> float:
        w, c = time.perf_counter(), time.process_time()
        score = float(np.mean(evaluate(policy, "CartPole-v1", EVAL_EPISODES, seed=EVAL_SEED)))
        self.paused_wall += time.perf_counter() - w
        self.paused_cpu += time.process_time() - c
        return score


def run_course_lib(seed: int, budget: int) -> Outcome:
    config = PPOConfig(seed=seed, total_steps=budget)
    out = Outcome()
    clock = _Clock()

    def callback(row, agent) -> bool:
        step = int(row["env_steps"])
        if step % EVAL_EVERY:
            return False
        wall, cpu = clock.now()
        out.evals += 1
        out.last_eval = clock.evaluate(agent)
        if out.last_eval >= THRESHOLD:
            out.steps, out.wall, out.cpu = step, wall, cpu
            return True
        return False

    train(config, callback=callback, progress=False)
    return out


def run_sb3(seed: int, budget: int) -> Outcome:
    from stable_baselines3 import PPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env

    out = Outcome()
    clock = _Clock()

    class EvalCallback(BaseCallback):
        """Evaluate at the start of a rollout: the policy then holds every update so far."""

        solved = False

        def _on_rollout_start(self) -> None:
            step = self.num_timesteps
            if step == 0 or step % EVAL_EVERY:
                return
            wall, cpu = clock.now()
            out.evals += 1
            out.last_eval = clock.evaluate(
                lambda obs: self.model.predict(obs, deterministic=True)[0]
            )
            if out.last_eval >= THRESHOLD:
                out.steps, out.wall, out.cpu = step, wall, cpu
                self.solved = True

        def _on_step(self) -> bool:
            return not self.solved

    env = make_vec_env("CartPole-v1", n_envs=8, seed=seed)
    model = PPO(
        "MlpPolicy",
        env,
        n_steps=32,
        batch_size=256,
        gae_lambda=0.8,
        gamma=0.98,
        n_epochs=20,
        ent_coef=0.0,
        learning_rate=lambda progress_remaining: progress_remaining * 1e-3,
        clip_range=lambda progress_remaining: progress_remaining * 0.2,
        seed=seed,
        device="cpu",
        verbose=0,
    )
    model.learn(total_timesteps=budget, callback=EvalCallback())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--budget", type=int, default=100_000)
    args = parser.parse_args()
    torch.set_num_threads(1)

    rows = []
    for seed in args.seeds:
        ours = run_course_lib(seed, args.budget)
        sb3 = run_sb3(seed, args.budget)
        rows.append((seed, ours, sb3))
        print(
            f"seed {seed}: course_lib {ours.steps} steps {ours.wall:.2f} s | SB3 {sb3.steps} steps {sb3.wall:.2f} s",
            flush=True,
        )

    def fmt_steps(o: Outcome) -> str:
        return (
            f"{o.steps:>7d}" if o.steps is not None else f"{'—':>7} (best eval {o.last_eval:.0f})"
        )

    print()
    print(
        f"Time to solve CartPole-v1 (mean of {EVAL_EPISODES} greedy eval episodes >= {THRESHOLD:.0f}, eval every {EVAL_EVERY} steps, evaluation time excluded)"
    )
    print(
        f"{'seed':>4} | {'course_lib steps':>16} {'wall s':>7} {'cpu s':>6} | {'SB3 steps':>9} {'wall s':>7} {'cpu s':>6} | {'wall ratio':>10}"
    )
    print("-" * 84)
    ratios = []
    for seed, ours, sb3 in rows:
        ratio = (
            ours.wall / sb3.wall
            if ours.steps is not None and sb3.steps is not None
            else float("nan")
        )
        ratios.append(ratio)
        print(
            f"{seed:>4} | {fmt_steps(ours):>16} {ours.wall:>7.2f} {ours.cpu:>6.2f} | {fmt_steps(sb3):>9} {sb3.wall:>7.2f} {sb3.cpu:>6.2f} | {ratio:>10.2f}"
        )
    solved_ours = [o for _, o, _ in rows if o.steps is not None]
    solved_sb3 = [s for _, _, s in rows if s.steps is not None]
    print("-" * 84)
    print(f"solved: course_lib {len(solved_ours)}/{len(rows)}, SB3 {len(solved_sb3)}/{len(rows)}")
    if solved_ours and solved_sb3:
        med_ours = statistics.median(o.wall for o in solved_ours)
        med_sb3 = statistics.median(s.wall for s in solved_sb3)
        med_ours_cpu = statistics.median(o.cpu for o in solved_ours)
        med_sb3_cpu = statistics.median(s.cpu for s in solved_sb3)
        print(
            f"median time to solve: course_lib {med_ours:.2f} s wall / {med_ours_cpu:.2f} s cpu; SB3 {med_sb3:.2f} s wall / {med_sb3_cpu:.2f} s cpu"
        )
        print(
            f"median steps to solve: course_lib {statistics.median(o.steps for o in solved_ours):.0f}; SB3 {statistics.median(s.steps for s in solved_sb3):.0f}"
        )
        print(
            f"ratio of medians (course_lib / SB3), wall: {med_ours / med_sb3:.2f}  cpu: {med_ours_cpu / med_sb3_cpu:.2f}   (goal <= 0.50)"
        )
        finite = [r for r in ratios if np.isfinite(r)]
        if finite:
            print(f"median of per-seed wall ratios: {statistics.median(finite):.2f}")


if __name__ == "__main__":
    main()
