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

Maze trials end at different steps (an episode ends early at the goal); they are padded
to the longest trial and the padding is masked out of every loss and statistic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.distributions import Categorical
from tqdm.auto import tqdm

from course_lib.ppo import (
    EvaluateFn,
    PPOBatch,
    check_minibatch_size,
    check_update_fields,
    compute_gae,
    ppo_update,
)
from course_lib.rl2.agent import RecurrentActorCritic
from course_lib.rl2.trial import input_size, reset_hidden, trial_input
from course_lib.tasks.bandits import BernoulliBanditVectorEnv
from course_lib.tasks.mazes import RandomGoalMazeVectorEnv
from course_lib.training import (
    Callback,
    Stopwatch,
    TrainResult,
    check_callback,
    make_generator,
    seeded,
)
from course_lib.validation import check_bool, check_int, check_real, check_seed

__all__ = [
    "RL2Config",
    "TrialBatch",
    "make_agent",
    "rollout_trials",
    "trials",
    "episode_lengths",
    "episode_returns",
    "train_rl2",
    "evaluate_rl2",
    "StopWhenShort",
]

VectorEnvT = BernoulliBanditVectorEnv | RandomGoalMazeVectorEnv

#: What :func:`rollout_trials` uses of an env; any batched env that has it (and Discrete
#: actions) can be trained, e.g. Chapter 8's ``Navigation2DVectorEnv(action_type="discrete")``.
_TRIAL_INTERFACE = ("num_envs", "episodes_per_trial", "task", "reset_tensor", "step_tensor")


def _has_trial_interface(env: object) -> bool:
    space = getattr(env, "single_action_space", None)
    return all(hasattr(env, name) for name in _TRIAL_INTERFACE) and hasattr(space, "n")


def _check_env(env: object) -> None:
    if not isinstance(env, BernoulliBanditVectorEnv | RandomGoalMazeVectorEnv) and not (
        _has_trial_interface(env)
    ):
        raise TypeError(
            f"env must be a BernoulliBanditVectorEnv or RandomGoalMazeVectorEnv (or a batched env "
            f"with {_TRIAL_INTERFACE} and Discrete actions), got {type(env).__name__}"
        )


def _check_agent_fits(agent: object, env: VectorEnvT) -> RecurrentActorCritic:
    """The agent must read this env's RL² input and choose among its actions."""
    if not isinstance(agent, RecurrentActorCritic):
        raise TypeError(f"agent must be a RecurrentActorCritic, got {type(agent).__name__}")
    _check_env(env)
    num_actions = int(env.single_action_space.n)
    needed = input_size(env.single_observation_space.shape[0], num_actions)
    if (agent.input_size, agent.num_actions) != (needed, num_actions):
        raise ValueError(
            f"the agent reads {agent.input_size} inputs and has {agent.num_actions} actions, "
            f"but the env needs {needed} inputs and {num_actions} actions"
        )
    return agent


@dataclass
class RL2Config:
    """Every hyperparameter of RL² training, with the defaults that worked on k=5, n=10 bandits.

    The number of trials collected per iteration is the env's ``num_envs``. The PPO fields
    mean exactly what they mean in :class:`~course_lib.ppo.PPOConfig`; here a *sample* of
    the update is one whole trial.
    """

    iterations: int = 100  # PPO iterations (each: one batch of trials, then the update)
    hidden_size: int = 128  # GRU state size (the agent's memory)
    recurrent: bool = True  # False: the memoryless MLP control
    observation_only: bool = False  # True: the agent reads only the observation (no a, r, d)
    learning_rate: float = 1e-3  # Adam step size
    anneal_lr: bool = False  # decay the learning rate linearly to 0 over the iterations
    gamma: float = 0.99  # discount, running across the episodes of a trial
    gae_lambda: float = 0.3  # GAE λ
    update_epochs: int = 2  # passes over the batch per iteration
    num_minibatches: int = 4  # minibatches of whole trials per epoch
    clip_coef: float = 0.2  # PPO ratio clip ε
    clip_vloss: bool = False  # also clip the value update around the old values
    ent_coef: float = 0.01  # entropy bonus (keeps the policy from collapsing onto one arm)
    vf_coef: float = 0.5  # weight of the value loss
    max_grad_norm: float = 0.5  # global gradient-norm clip
    target_kl: float | None = None  # stop the epochs early once approx KL exceeds this
    norm_adv: bool = True  # normalise advantages per minibatch, over its real (unpadded) steps
    reward_scale: float = 1.0  # rewards × this for learning (long trials: < 1 keeps values O(1))
    seed: int = 0  # seeds the weights, the tasks, the actions and the minibatch shuffles
    device: str = "cpu"

    def __post_init__(self) -> None:
        check_int("iterations", self.iterations, 1, 1_000_000)
        check_int("hidden_size", self.hidden_size, 1, 4096)
        check_bool("recurrent", self.recurrent)
        check_bool("observation_only", self.observation_only)
        check_update_fields(self)
        check_real("reward_scale", self.reward_scale, 0.0, 1e6, lo_open=True)


@dataclass
class TrialBatch:
    """A batch of ``N`` trials, time-major ``[T, N, ...]``; ``valid`` masks the padding."""

    inputs: torch.Tensor  # [T, N, D] RL² input vectors
    actions: torch.Tensor  # [T, N]
    logp: torch.Tensor  # [T, N] log π(a_t | h_t) when collected
    probs: torch.Tensor  # [T, N, A] the policy's action probabilities
    values: torch.Tensor  # [T, N]
    rewards: torch.Tensor  # [T, N] (0 on padding)
    episode_end: torch.Tensor  # [T, N] bool: this step ended an episode
    trial_end: torch.Tensor  # [T, N] bool: this step ended the trial
    valid: torch.Tensor  # [T, N] bool: the step belongs to the trial (not padding)
    task: torch.Tensor  # [N, ...] each trial's task (arm probabilities or goal cell)

    @property
    def trial_returns(self) -> torch.Tensor:
        """Total reward of each trial, ``[N]``."""
        return self.rewards.sum(0)


def make_agent(env: VectorEnvT, config: RL2Config) -> RecurrentActorCritic:
    """A fresh agent sized for ``env``, with weights drawn from ``config.seed`` (global RNG untouched)."""
    _check_env(env)
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


#: The work one :func:`rollout_trials` call may imply, in env steps (envs × episodes × steps):
#: the batch it keeps grows with it. Chapter 7's largest trial batch is well under a million;
#: 10 million steps are minutes of CPU and about a gigabyte of kept tensors.
ROLLOUT_STEP_BUDGET = 10_000_000


def _max_trial_steps(env: VectorEnvT) -> int:
    return env.episodes_per_trial * getattr(env, "max_steps", 1)


@torch.inference_mode()
def rollout_trials(
    agent: RecurrentActorCritic, env: VectorEnvT, seed: int, *, greedy: bool = False
) -> TrialBatch:
    """Play one trial in each of ``env.num_envs`` envs, all starting together.

    Args:
        agent: the policy (its hidden state starts at zero).
        env: a batched env; each of its ``num_envs`` copies plays one trial on a new task.
        seed: seeds the tasks, the env's randomness and the action sampling.
        greedy: take the most probable action instead of sampling.
    """
    _check_agent_fits(agent, env)
    work = env.num_envs * _max_trial_steps(env)
    if work > ROLLOUT_STEP_BUDGET:
        raise ValueError(
            f"env.num_envs × episodes_per_trial × max_steps = {env.num_envs} × "
            f"{env.episodes_per_trial} × {getattr(env, 'max_steps', 1)} = {work:_} env steps "
            f"exceeds rollout_trials' budget of {ROLLOUT_STEP_BUDGET:_}"
        )
    seed = check_seed(seed)
    check_bool("greedy", greedy)
    gen = torch.Generator().manual_seed((seed + 1) % 2**63)
    device = agent.policy_head.weight.device  # the env runs on the CPU; the network may not
    n, num_actions = env.num_envs, agent.num_actions
    obs = env.reset_tensor(seed)
    task = env.task.clone()
    h = agent.initial_state(n)
    prev_action = torch.full((n,), -1, dtype=torch.long)
    prev_reward = torch.zeros(n)
    prev_end = torch.zeros(n)
    done = torch.zeros(n, dtype=torch.bool)
    rows: dict[str, list[torch.Tensor]] = {
        k: []
        for k in (
            "inputs",
            "actions",
            "logp",
            "probs",
            "values",
            "rewards",
            "episode_end",
            "trial_end",
            "valid",
        )
    }
    for _ in range(_max_trial_steps(env)):
        x = trial_input(obs, prev_action, prev_reward, prev_end, num_actions)
        logits, value, h = agent.step(x.to(device), h)
        logits, value = logits.cpu(), value.cpu()  # (both .to and .cpu are no-ops on the CPU)
        log_probs = torch.log_softmax(logits, dim=-1)
        probs = log_probs.exp()
        action = (
            probs.argmax(-1) if greedy else torch.multinomial(probs, 1, generator=gen).squeeze(1)
        )
        obs, reward, episode_end, trial_end = env.step_tensor(action)
        valid = ~done
        for key, val in (
            ("inputs", x),
            ("actions", action),
            ("logp", log_probs.gather(1, action[:, None]).squeeze(1)),
            ("probs", probs),
            ("values", value),
            ("rewards", reward * valid),
            ("episode_end", episode_end & valid),
            ("trial_end", trial_end & valid),
            ("valid", valid),
        ):
            rows[key].append(val)
        done = done | trial_end
        h = reset_hidden(
            h, trial_end.to(device)
        )  # rule 2: memory survives episode ends, not trial ends
        prev_action, prev_reward, prev_end = action, reward, episode_end.float()
        if bool(done.all()):
            break
    return TrialBatch(**{k: torch.stack(v) for k, v in rows.items()}, task=task)


def episode_lengths(batch: TrialBatch) -> torch.Tensor:
    """Steps taken in each episode of each trial, ``[N, episodes_per_trial]``."""
    return _per_episode(batch, batch.valid.float())


def episode_returns(batch: TrialBatch) -> torch.Tensor:
    """Reward collected in each episode of each trial, ``[N, episodes_per_trial]``."""
    return _per_episode(batch, batch.rewards)


def _per_episode(batch: TrialBatch, values: torch.Tensor) -> torch.Tensor:
    ends = batch.episode_end.long()
    index = torch.cumsum(ends, 0) - ends  # episode index of each step within its trial
    num_episodes = int(ends.sum(0).max().item())
    index = index.clamp(max=max(num_episodes - 1, 0))
    out = torch.zeros(batch.valid.shape[1], max(num_episodes, 1))
    out.scatter_add_(1, index.T, (values * batch.valid).T)
    return out


def trials(
    agent: RecurrentActorCritic, batch: TrialBatch, advantages: torch.Tensor, returns: torch.Tensor
) -> tuple[PPOBatch, EvaluateFn]:
    """A :class:`~course_lib.ppo.PPOBatch` whose samples are whole trials (``[N, T]``), and the
    function that re-runs any subset of trials from the zero state with the current weights."""
    batch_t = PPOBatch(batch.logp.T, advantages.T, returns.T, batch.values.T, mask=batch.valid.T)

    device = agent.policy_head.weight.device

    def evaluate(index: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        logits, values = agent(batch.inputs[:, index].to(device))  # BPTT through each trial
        logits, values = logits.cpu(), values.cpu()
        dist = Categorical(logits=logits)
        return dist.log_prob(batch.actions[:, index]).T, dist.entropy().T, values.T

    return batch_t, evaluate


def train_rl2(
    env: VectorEnvT,
    config: RL2Config | None = None,
    callback: Callback | None = None,
    *,
    agent: RecurrentActorCritic | None = None,
    progress: bool = True,
) -> TrainResult[RecurrentActorCritic, RL2Config]:
    """Train an RL² agent with recurrent PPO; returns a :class:`~course_lib.training.TrainResult`.

    Args:
        env: a batched env; ``env.num_envs`` trials are collected per iteration.
        config: hyperparameters and seed (:class:`RL2Config`).
        callback: ``callback(row, agent)`` after each iteration; ``True`` stops training.
        agent: continue training this agent instead of a fresh one.
        progress: show a tqdm progress bar.

    History rows: ``iteration``, ``env_steps``, ``trials`` (seen so far), ``trial_return``
    (mean total reward of this iteration's trials), the :func:`~course_lib.ppo.ppo_update`
    diagnostics (``policy_loss``, ``value_loss``, ``entropy`` in nats, ``approx_kl``,
    ``clip_fraction``, ``explained_variance``, ``epochs``), ``seconds``, and for maze trials
    ``len_ep1``, ``len_ep2``, ... (mean steps per episode index).
    """
    config = RL2Config() if config is None else config
    if not isinstance(config, RL2Config):
        raise TypeError(f"config must be an RL2Config, got {type(config).__name__}")
    _check_env(env)
    check_callback(callback)
    check_bool("progress", progress)
    n = env.num_envs
    if n < config.num_minibatches:
        raise ValueError(
            f"env.num_envs ({n}) must be >= config.num_minibatches ({config.num_minibatches})"
        )
    check_minibatch_size(n // config.num_minibatches * _max_trial_steps(env), config.norm_adv)
    agent = make_agent(env, config) if agent is None else _check_agent_fits(agent, env)
    optimizer = torch.optim.Adam(agent.parameters(), lr=config.learning_rate, eps=1e-5)
    shuffle = make_generator(config.seed)
    result = TrainResult(agent, config, [])
    clock, env_steps = Stopwatch(), 0
    for it in tqdm(range(config.iterations), desc="RL² (PPO over trials)", disable=not progress):
        clock.resume()
        if config.anneal_lr:
            optimizer.param_groups[0]["lr"] = config.learning_rate * (1.0 - it / config.iterations)
        # 1. collect: one trial per env, fresh tasks (seeds differ per iteration)
        batch = rollout_trials(agent, env, (config.seed * 100_003 + it) % 2**63)
        # 2. advantages: the trial end is the only terminal; discount crosses episodes
        next_values = torch.cat([batch.values[1:], torch.zeros_like(batch.values[:1])])
        advantages, returns = compute_gae(
            batch.rewards * config.reward_scale,
            batch.values,
            next_values,
            batch.trial_end,
            batch.trial_end | ~batch.valid,
            config.gamma,
            config.gae_lambda,
        )
        # 3. the PPO update, on minibatches of whole trials
        diagnostics = ppo_update(
            *trials(agent, batch, advantages, returns), optimizer, config, generator=shuffle
        )
        seconds = clock.pause()
        env_steps += int(batch.valid.sum())
        row = {
            "iteration": float(it + 1),
            "env_steps": float(env_steps),
            "trials": float((it + 1) * n),
            "trial_return": float(batch.trial_returns.mean()),
            **diagnostics,
            "seconds": seconds,
        }
        if env.episodes_per_trial > 1 and isinstance(env, RandomGoalMazeVectorEnv):
            for j, length in enumerate(episode_lengths(batch).mean(0).tolist()):
                row[f"len_ep{j + 1}"] = length
        result.history.append(row)
        if callback is not None and callback(row, agent):
            break
    return result


def evaluate_rl2(
    agent: RecurrentActorCritic, env: VectorEnvT, *, seed: int, greedy: bool = False
) -> dict[str, object]:
    """Play ``env.num_envs`` trials on new tasks (no learning); summary statistics.

    Returns a dict with ``mean_trial_return``, ``stderr`` (of that mean), ``trial_returns``
    ``[N]``, ``episode_lengths`` ``[N, E]`` and ``mean_episode_lengths`` (list over the
    episode index), and the raw ``batch`` (:class:`TrialBatch`) for plots and widgets.
    """
    batch = rollout_trials(agent, env, seed, greedy=greedy)
    returns = batch.trial_returns
    lengths = episode_lengths(batch)
    return {
        "mean_trial_return": float(returns.mean()),
        # one trial has no spread to measure (torch would warn and return NaN)
        "stderr": float(returns.std() / len(returns) ** 0.5) if len(returns) > 1 else math.nan,
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
