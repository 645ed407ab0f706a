"""MAML-RL on 2-D navigation at the paper's size, beside Finn et al. (2017), Figure 4, and the env's speed.

Three parts, in one run:

1. **Env speed**: environment steps per second of the natively batched
   ``Navigation2DVectorEnv`` (torch tensors, ``step_tensor`` and the numpy ``step``) against
   gymnasium's ``SyncVectorEnv`` of the single ``Navigation2D``, same number of copies,
   random actions. Fast: run it any time.
2. **Training** (the expensive part): MAML-RL and the pre-trained baseline with the same
   budget, under one of two protocols (``--protocol``), and the training time (wall and CPU;
   pin the threads, e.g. ``taskset -c 0,1`` and ``--threads 2`` for "2 cores"):

   * ``paper``: the paper's own script (cbfinn/maml_rl, ``maml_examples/maml_trpo_point.py``):
     40 tasks per outer batch, 20 episodes of 100 steps per task, one inner step of 0.5, a
     100-100 ReLU Gaussian policy (σ = 1 at the start), TRPO with δ = 0.01 (10 conjugate-gradient
     iterations), 100 outer iterations. The env is the paper's (normalised actions, an episode
     ends within 0.01 of the goal). Departures, all of them: the inner surrogate is DiCE
     (right second derivatives) where the paper's is REINFORCE's; the baseline is the
     leave-one-out mean return at each step where the paper fits rllab's linear feature
     baseline per task; the evaluation below uses 100 new goals and 20 episodes per step at the
     training step size, where the paper's ``test_maml_point.py`` used 40 goals, 40 episodes per
     step and step size 0.5 then 0.25.
   * ``reproduction``: the configuration of the widely used PyTorch reproduction
     (tristandeleu/pytorch-maml-rl): 20 tasks, inner step 0.1, a 64-64 tanh policy, 500 outer
     iterations; we replace its TRPO by Adam on a clipped outer objective (as in ProMP).
3. **Adaptation**: mean return on 100 new goals after 0, 1, 2, 3 policy-gradient steps (20
   episodes each) for MAML-RL, pre-training and a random initialisation, with 95% intervals.

The paper's figure: Finn, Abbeel & Levine (2017), arXiv:1703.03400, Figure 4, top left
("point robot, 2d navigation"): average return after 0-3 gradient steps for MAML, pretrained,
random and an oracle, on a log-scaled axis with no printed values. We did not read values off
it; the comparison printed is the ordering the paper states in section 5.3: after one step
MAML is far above the pre-trained policy, and it keeps improving with more steps.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/maml_rl.py --protocol paper   # the paper's script (long)
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/maml_rl.py                    # the reproduction's config
    .venv/bin/python benchmarks/maml_rl.py --quick                             # smoke test, about a minute
    .venv/bin/python benchmarks/maml_rl.py --env-only                          # only the env speed
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import gymnasium as gym
import numpy as np
import torch

from course_lib.maml_rl import (
    MAMLRLConfig,
    adaptation_curve,
    make_policy,
    train_maml_rl,
    uniform_goals,
)
from course_lib.tasks import Navigation2D, Navigation2DVectorEnv, oracle_return

PROTOCOLS = {
    # tristandeleu/pytorch-maml-rl's 2-D navigation config, Adam on a clipped outer objective
    "reproduction": MAMLRLConfig(),
    # cbfinn/maml_rl, maml_examples/maml_trpo_point.py
    "paper": MAMLRLConfig(
        iterations=100,
        meta_batch_size=40,
        num_trajectories=20,
        inner_lr=0.5,
        hidden_sizes=(100, 100),
        activation="relu",
        outer_optimizer="trpo",
        max_kl=0.01,
        max_steps=100,
    ),
}
QUICK = dataclasses.replace(
    PROTOCOLS["reproduction"], iterations=20, meta_batch_size=5, hidden_sizes=(32, 32), max_steps=20
)


def env_speed(num_envs: int, steps: int, seed: int = 0) -> dict[str, float]:
    """Environment steps per second: batched env (tensor and numpy API) vs SyncVectorEnv."""
    rng = np.random.default_rng(seed)
    actions = rng.uniform(-1.0, 1.0, size=(steps, num_envs, 2)).astype(np.float32)
    out = {}
    batched = Navigation2DVectorEnv(num_envs)
    batched.reset(seed=seed)
    tensor_actions = torch.as_tensor(actions)
    start = time.perf_counter()
    for a in tensor_actions:
        batched.step_tensor(a)
    out["batched (step_tensor)"] = num_envs * steps / (time.perf_counter() - start)
    start = time.perf_counter()
    for a in actions:
        batched.step(a)
    out["batched (numpy step)"] = num_envs * steps / (time.perf_counter() - start)
    sync = gym.vector.SyncVectorEnv([lambda: Navigation2D() for _ in range(num_envs)])
    sync.reset(seed=seed)
    start = time.perf_counter()
    for a in actions:
        sync.step(a)
    out["gymnasium SyncVectorEnv"] = num_envs * steps / (time.perf_counter() - start)
    return out


def train_and_evaluate(config: MAMLRLConfig, new_goals: int, seed: int) -> None:
    runs = {}
    for name, cfg in (
        ("MAML-RL", config),
        ("pre-trained", dataclasses.replace(config, method="pretrain")),
    ):
        wall, cpu = time.perf_counter(), time.process_time()
        result = train_maml_rl(cfg)
        runs[name] = result.model
        print(
            f"{name}: {cfg.iterations} outer iterations, {int(result.history[-1]['env_steps']):,} env "
            f"steps, {time.perf_counter() - wall:.1f} s wall, {time.process_time() - cpu:.1f} s CPU "
            f"({torch.get_num_threads()} torch threads)"
        )
    runs["random init"] = make_policy(config)
    goals = uniform_goals(new_goals, -0.5, 0.5, torch.Generator().manual_seed(seed + 1000))
    print(f"\nmean return on {new_goals} new goals after k policy-gradient steps (± 95% interval)")
    print(f"{'method':12s} " + " ".join(f"{f'k = {k}':>16s}" for k in range(4)))
    means = {}
    for name, policy in runs.items():
        curve = adaptation_curve(
            policy,
            goals,
            steps=3,
            num_trajectories=config.num_trajectories,
            inner_lr=config.inner_lr,
            gamma=config.gamma,
            max_steps=config.max_steps,
            seed=seed + 1,
        )
        mean, half = curve.mean, curve.ci
        means[name] = mean
        cells = " ".join(f"{m:9.2f} ± {h:4.2f}" for m, h in zip(mean.tolist(), half.tolist()))
        print(f"{name:12s} {cells}")
    print(f"{'oracle':12s} {oracle_return(goals, config.max_steps).mean():9.2f} (knows the goal)")
    ordering = bool(means["MAML-RL"][1] > means["pre-trained"][1] > means["random init"][1])
    improving = bool(means["MAML-RL"][3] >= means["MAML-RL"][1])
    print(
        "\nFinn et al. 2017, Fig. 4 (top left), as stated in §5.3: after 1 step MAML > pretrained > "
        f"random: {'yes' if ordering else 'NO'} here; MAML keeps improving to 3 steps: "
        f"{'yes' if improving else 'NO'} here ({means['MAML-RL'][1]:.2f} -> {means['MAML-RL'][3]:.2f})"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--protocol", choices=sorted(PROTOCOLS), default="reproduction", help="see the docstring"
    )
    parser.add_argument("--quick", action="store_true", help="tiny run: proves it works")
    parser.add_argument("--env-only", action="store_true", help="only the env speed table")
    parser.add_argument("--iterations", type=int, default=None, help="override outer iterations")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (2 for '2 cores')")
    parser.add_argument("--num-envs", type=int, default=400, help="copies in the speed test")
    parser.add_argument("--new-goals", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)

    steps = 200 if args.quick else 1000
    print(f"env steps per second, {args.num_envs} copies, {steps} steps, random actions")
    speeds = env_speed(args.num_envs, steps, args.seed)
    reference = speeds["gymnasium SyncVectorEnv"]
    for name, speed in speeds.items():
        print(f"  {name:26s} {speed:14,.0f}   x{speed / reference:6.1f} vs SyncVectorEnv")
    if args.env_only:
        return 0

    config = QUICK if args.quick else PROTOCOLS[args.protocol]
    config = dataclasses.replace(config, seed=args.seed)
    if args.iterations is not None:
        config = dataclasses.replace(config, iterations=args.iterations)
    print(f"\nprotocol: {'quick' if args.quick else args.protocol}\nconfig: {config}\n")
    train_and_evaluate(config, args.new_goals, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
