"""RL²'s outer loop: recurrent PPO over whole trials.

One iteration, top to bottom:

1. **Collect** ``num_envs`` trials at once (:func:`rollout_trials`): every env starts a new
   task, the GRU state starts at zero and is carried across the trial's episodes (the
   inner loop is just the forward pass).
2. **Advantages** with Chapter 3's :func:`~course_lib.ppo.compute_gae`, where the only
   "episode end" is the *trial* end: the discount runs across episodes inside the trial,
   so exploring in episode 1 gets credit for the reward it earns in episode 2.
3. **Update** with Chapter 3's :func:`~course_lib.ppo.ppo_update`, the very update PPO
   runs, for ``update_epochs`` passes over minibatches of *whole trials*: each minibatch
   re-runs its trials from the zero state and back-propagates through them.

The trials themselves (the RL² input, the hidden-state reset, the rollout, per-episode
statistics) live in :mod:`course_lib.trials`, shared with the chapters that score RL² beside
other methods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.distributions import Categorical

from course_lib.ppo import (
    EvaluateFn,
    PPOBatch,
    check_minibatch_size,
    compute_gae,
    ppo_update,
)
from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.stats import mean_and_stderr
from course_lib.tasks.base import TrialVectorEnv
from course_lib.tasks.mazes import RandomGoalMazeVectorEnv
from course_lib.training import (
    Callback,
    Row,
    TrainResult,
    check_callback,
    derive_seed,
    make_generator,
    seeded,
    train_loop,
)
from course_lib.trials import (
    TrialBatch,
    _check_batch,
    check_policy_fits,
    check_trial_env,
    episode_lengths,
    input_size,
    rollout_trials,
)
from course_lib.validation import (
    DEVICE,
    FLAG,
    SEED,
    bounded,
    check_bool,
    check_declared,
    check_instance,
    check_real,
    check_seed,
    check_tensor,
    declared,
)

__all__ = [
    "RL2Config",
    "make_agent",
    "trials",
    "trial_advantages",
    "train_rl2",
    "evaluate_rl2",
    "StopWhenShort",
]


#: iterations × update_epochs × num_minibatches, the gradient steps of a run (each one a BPTT
#: through whole trials): 10**5× the defaults' 800, above every single field at its cap.
MAX_GRADIENT_STEPS = 10**8


@dataclass
class RL2Config:
    """Every hyperparameter of RL² training, with the defaults that worked on k=5, n=10 bandits.

    The number of trials collected per iteration is the env's ``num_envs``. The PPO fields
    mean exactly what they mean in :class:`~course_lib.ppo.PPOConfig`; here a *sample* of
    the update is one whole trial.
    """

    iterations: int = bounded(100, 1, 1_000_000)  # PPO iterations (a batch of trials, an update)
    hidden_size: int = bounded(128, 1, 4096)  # GRU state size (the agent's memory)
    recurrent: bool = declared(True, FLAG)  # False: the memoryless MLP control
    observation_only: bool = declared(False, FLAG)  # True: reads only the observation (no a, r, d)
    learning_rate: float = bounded(1e-3, 0.0, 1.0, low_open=True)  # Adam step size
    anneal_lr: bool = declared(False, FLAG)  # decay the learning rate linearly to 0
    gamma: float = bounded(0.99, 0.0, 1.0)  # discount, running across the episodes of a trial
    gae_lambda: float = bounded(0.3, 0.0, 1.0)  # GAE λ
    update_epochs: int = bounded(2, 1, 1000)  # passes over the batch per iteration
    # minibatches of whole trials per epoch: <= num_envs, sizes within one (need not divide it)
    num_minibatches: int = bounded(4, 1, 100_000)
    clip_coef: float = bounded(0.2, 0.0, 1.0, low_open=True)  # PPO ratio clip ε
    clip_vloss: bool = declared(False, FLAG)  # also clip the value update around the old values
    ent_coef: float = bounded(0.01, 0.0, 100.0)  # entropy bonus (keeps the policy off one arm)
    vf_coef: float = bounded(0.5, 0.0, 100.0)  # weight of the value loss
    max_grad_norm: float = bounded(0.5, 0.0, 1e6, low_open=True)  # global gradient-norm clip
    # stop the epochs early once approx KL exceeds this (None: never)
    target_kl: float | None = bounded(None, 0.0, 100.0, low_open=True)
    norm_adv: bool = declared(True, FLAG)  # normalise advantages per minibatch (real steps)
    # rewards × this for learning (long trials: < 1 keeps values O(1))
    reward_scale: float = bounded(1.0, 0.0, 1e6, low_open=True)
    seed: int = declared(0, SEED)  # seeds the weights, the tasks, the actions, the shuffles
    device: str = declared("cpu", DEVICE)

    def __post_init__(self) -> None:
        check_declared(self)  # the PPO fields declare PPOConfig's ranges (a test holds them equal)
        steps = self.iterations * self.update_epochs * self.num_minibatches
        if steps > MAX_GRADIENT_STEPS:
            raise ValueError(
                "iterations × update_epochs × num_minibatches must be at most "
                f"{MAX_GRADIENT_STEPS:_} (the gradient steps of a run), got {self.iterations} × "
                f"{self.update_epochs} × {self.num_minibatches} = {steps:_}"
            )


def make_agent(env: TrialVectorEnv, config: RL2Config) -> RecurrentActorCritic:
    """A fresh agent sized for ``env``, with weights drawn from ``config.seed`` (global RNG untouched)."""
    check_trial_env(env)
    if not isinstance(config, RL2Config):
        raise TypeError(f"config must be an RL2Config, got {type(config).__name__}")
    obs_size = env.single_observation_space.shape[0]
    num_actions = int(env.single_action_space.n)
    with seeded(config.seed):
        agent = RecurrentActorCritic(
            input_size(obs_size, num_actions),
            num_actions,
            config.hidden_size,
            config.recurrent,
            config.observation_only,
        )
    return agent.to(config.device)


def trials(
    agent: RecurrentActorCritic, batch: TrialBatch, advantages: torch.Tensor, returns: torch.Tensor
) -> tuple[PPOBatch, EvaluateFn]:
    """A :class:`~course_lib.ppo.PPOBatch` whose samples are whole trials (``[N, T]``), and the
    function that re-runs any subset of trials from the zero state with the current weights."""
    check_instance("agent", agent, RecurrentActorCritic, "a RecurrentActorCritic")
    _check_batch(batch)
    for name, value in (("advantages", advantages), ("returns", returns)):
        check_tensor(name, value, floating=True, finite=True)
        if value.shape != batch.rewards.shape:
            raise ValueError(
                f"{name} must have the batch's shape [T, N] = {list(batch.rewards.shape)}, got "
                f"{list(value.shape)}"
            )
    batch_t = PPOBatch(batch.logp.T, advantages.T, returns.T, batch.values.T, mask=batch.valid.T)

    device = agent.policy_head.weight.device

    def evaluate(index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits, values = agent(batch.inputs[:, index].to(device))  # BPTT through each trial
        logits, values = logits.cpu(), values.cpu()
        dist = Categorical(logits=logits)
        return dist.log_prob(batch.actions[:, index]).T, dist.entropy().T, values.T

    return batch_t, evaluate


def train_rl2(
    config: RL2Config,
    env: TrialVectorEnv,
    callback: Callback | None = None,
    *,
    agent: RecurrentActorCritic | None = None,
    progress: bool = True,
) -> TrainResult[RecurrentActorCritic, RL2Config]:
    """Train an RL² agent with recurrent PPO; returns a :class:`~course_lib.training.TrainResult`.

    Args:
        config: hyperparameters and seed (:class:`RL2Config`).
        env: a batched task family; ``env.num_envs`` trials are collected per iteration.
        callback: ``callback(row, agent)`` after each iteration; ``True`` stops training.
        agent: continue training this agent instead of a fresh one.
        progress: show a tqdm progress bar.

    History rows: ``iteration``, ``env_steps``, ``trials`` (seen so far), ``trial_return``
    (mean total reward of this iteration's trials), the :func:`~course_lib.ppo.ppo_update`
    diagnostics (``policy_loss``, ``value_loss``, ``entropy`` in nats, ``approx_kl``,
    ``clip_fraction``, ``explained_variance``, ``epochs``), ``learning_rate``, ``seconds``, and
    for maze trials ``len_ep1``, ``len_ep2``, ... (mean steps per episode index).
    """
    agent = _check_train_args(config, env, callback, progress, agent)
    optimizer = torch.optim.Adam(agent.parameters(), lr=config.learning_rate, eps=1e-5)
    shuffle = make_generator(config.seed)
    env_steps = 0

    def iteration(i: int) -> Row:
        nonlocal env_steps
        # Fresh tasks every iteration: each draws its trials from a seed of its own.
        batch = rollout_trials(agent, env, derive_seed(config.seed, i - 1, stride=100_003))
        advantages, returns = trial_advantages(batch, config)
        diagnostics = ppo_update(
            *trials(agent, batch, advantages, returns), optimizer, config, generator=shuffle
        )
        env_steps += int(batch.valid.sum())
        row = {
            "env_steps": float(env_steps),
            "trials": float(i * env.num_envs),
            "trial_return": float(batch.trial_returns.mean()),
            **diagnostics,
        }
        if env.episodes_per_trial > 1 and isinstance(env, RandomGoalMazeVectorEnv):
            for j, length in enumerate(episode_lengths(batch).mean(0).tolist()):
                row[f"len_ep{j + 1}"] = length
        return row

    return train_loop(
        TrainResult(agent, config, []), iteration, iterations=config.iterations,
        callback=callback, progress=progress, desc="RL² (PPO over trials)",
        show="trial_return", optimizer=optimizer, learning_rate=config.learning_rate,
        anneal=config.anneal_lr,
    )  # fmt: skip


def trial_advantages(batch: TrialBatch, config: RL2Config) -> tuple[torch.Tensor, torch.Tensor]:
    """GAE over whole trials (Chapter 3's :func:`~course_lib.ppo.compute_gae`): the trial end is
    the only terminal, so the discount runs across the episodes of a trial and exploring in
    episode 1 gets credit for the reward it earns in episode 2."""
    _check_batch(batch)
    check_instance("config", config, RL2Config, "an RL2Config")
    next_values = torch.cat([batch.values[1:], torch.zeros_like(batch.values[:1])])
    return compute_gae(
        batch.rewards * config.reward_scale,
        batch.values,
        next_values,
        batch.trial_end,
        batch.trial_end | ~batch.valid,
        config.gamma,
        config.gae_lambda,
    )


def _check_train_args(
    config: object, env: object, callback: object, progress: object, agent: object
) -> RecurrentActorCritic:
    """The arguments of :func:`train_rl2`, checked; returns the agent to train."""
    if not isinstance(config, RL2Config):
        raise TypeError(f"config must be an RL2Config, got {type(config).__name__}")
    check_trial_env(env)
    check_callback(callback)
    check_bool("progress", progress)
    if env.num_envs < config.num_minibatches:
        raise ValueError(
            f"env.num_envs ({env.num_envs}) must be >= config.num_minibatches "
            f"({config.num_minibatches})"
        )
    check_minibatch_size(
        env.num_envs // config.num_minibatches * env.max_trial_steps, config.norm_adv
    )
    return make_agent(env, config) if agent is None else check_policy_fits(agent, env)


def evaluate_rl2(
    agent: RecurrentActorCritic, env: TrialVectorEnv, *, seed: int, greedy: bool = False
) -> dict[str, object]:
    """Play ``env.num_envs`` trials on new tasks (no learning); summary statistics.

    Returns a dict with ``mean_trial_return``, ``stderr`` (of that mean, from
    :func:`course_lib.stats.mean_and_stderr`; NaN for one trial), ``trial_returns`` ``[N]``,
    ``episode_lengths`` ``[N, E]`` and ``mean_episode_lengths`` (list over the episode index),
    and the raw ``batch`` (:class:`TrialBatch`) for plots and widgets.
    """
    batch = rollout_trials(agent, env, seed, greedy=greedy)
    returns = batch.trial_returns
    lengths = episode_lengths(batch)
    return {
        "mean_trial_return": float(returns.mean()),
        # one trial has no spread to measure
        "stderr": mean_and_stderr(returns)[1] if len(returns) > 1 else math.nan,
        "trial_returns": returns,
        "episode_lengths": lengths,
        "mean_episode_lengths": lengths.mean(0).tolist(),
        "batch": batch,
    }


class StopWhenShort:
    """A :func:`train_rl2` callback: stop once the greedy policy's episodes are short enough.

    After every iteration it plays one greedy trial in ``env`` (for a single fixed maze, a
    ``RandomGoalMazeVectorEnv`` with ``goal=`` and one env, that is one deterministic episode)
    and stops training once the mean episode length is at most ``max_length``. ``trials``
    then holds how many training trials the agent had learned from (``None``: never reached).
    This is how the chapter counts the episodes an ordinary RL agent needs on one new maze.

    Args:
        env: the maze env to evaluate in (its tasks are reset from ``seed`` every time).
        max_length: the episode length to reach (steps).
        seed: the evaluation seed.
    """

    def __init__(self, env: RandomGoalMazeVectorEnv, max_length: float, *, seed: int = 0):
        if not isinstance(env, RandomGoalMazeVectorEnv):
            raise TypeError(f"env must be a RandomGoalMazeVectorEnv, got {type(env).__name__}")
        self.env = env
        self.max_length = check_real("max_length", max_length, 1.0, float(env.max_steps))
        self.seed = check_seed(seed)
        self.trials: int | None = None
        self.lengths: list[float] = []  # the greedy mean episode length after each iteration

    def __call__(self, row: dict[str, float], agent: RecurrentActorCritic) -> bool:
        played = evaluate_rl2(agent, self.env, seed=self.seed, greedy=True)
        self.lengths.append(sum(played["mean_episode_lengths"]) / self.env.episodes_per_trial)
        if self.lengths[-1] <= self.max_length:
            self.trials = int(row["trials"])
            return True
        return False
