"""MAML-RL on 2-D navigation: the inner policy-gradient step, the outer loop, the evaluation.

One outer iteration (外循环), top to bottom (:func:`train_maml_rl`):

1. **Tasks**: draw ``meta_batch_size`` goals.
2. **Inner data**: play ``num_trajectories`` episodes per goal with the shared policy θ.
3. **Inner loop** (内循环): one policy-gradient step per task, θ'_m = θ + α ĝ_m(θ), all tasks
   in one call (``vmap`` over tasks of Chapter 5's functional :func:`~course_lib.meta.adapt`,
   with :func:`policy_gradient_loss` as its loss). ĝ_m is the gradient of the DiCE
   surrogate (:mod:`course_lib.maml_rl.dice`), so that differentiating through the step is right.
4. **Outer data**: play ``num_trajectories`` more episodes per goal with the adapted θ'_m.
5. **Outer update**, on the outer data as a function of θ *through* the inner step: either
   ``update_epochs`` Adam steps on Chapter 3's :func:`~course_lib.ppo.clipped_surrogate_loss`
   (``outer_optimizer="clip"``, a clipped outer objective as in ProMP), or one TRPO step
   (``"trpo"``, :mod:`course_lib.trpo`, the paper's optimiser): the importance-sampled
   surrogate maximised under a bound on the KL divergence of the adapted policies.
   ``first_order=True`` treats ĝ as a constant (FOMAML).

``method="pretrain"`` is the baseline "one policy trained on all tasks": no inner step, the
same clipped loss on the shared policy's own episodes. :func:`adaptation_curve` then takes
0, 1, 2, 3 policy-gradient steps on new goals, each from ``num_trajectories`` fresh episodes,
for any starting policy (MAML-RL's θ, the pre-trained one, a random one).

All rollouts are pure torch: positions ``[tasks, trajectories, 2]`` move together, one
Python step per time step, never one per task.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor, nn
from torch.func import functional_call, vmap

from course_lib.adaptation import AdaptationCurve
from course_lib.maml_rl.dice import ESTIMATORS, _check_data, discounted_reward_to_go
from course_lib.meta.functional import adapt
from course_lib.nets import mlp
from course_lib.ppo import clipped_surrogate_loss, gaussian_log_prob
from course_lib.tasks.navigation import check_goals, move, navigation_reward, reached_goal
from course_lib.training import (
    Callback,
    Row,
    TrainResult,
    check_callback,
    make_generator,
    seeded,
    train_loop,
)
from course_lib.trpo import trpo_step
from course_lib.validation import (
    DEVICE,
    FLAG,
    SEED,
    WIDTHS,
    bounded,
    check_bool,
    check_choice,
    check_declared,
    check_finite,
    check_hidden_sizes,
    check_instance,
    check_int,
    check_real,
    check_same_shape,
    check_seed,
    choice,
    declared,
)

__all__ = [
    "MAMLRLConfig",
    "GaussianPolicy",
    "Trajectories",
    "rollout",
    "policy_gradient_loss",
    "adapt_policies",
    "outer_loss",
    "train_maml_rl",
    "make_policy",
    "adaptation_curve",
    "uniform_goals",
    "task_goals",
    "task_rules",
    "greedy_paths",
]

Params = dict[str, Tensor]
METHODS = ("maml", "pretrain")
#: The task families: Chapter 8's dense 2-D navigation, and the sparse point robot of Chapter 9
#: (course_lib.tasks.point_robot: goals on the half-circle, reward only near the goal).
TASKS = ("navigation", "sparse_point_robot")
OUTER_OPTIMIZERS = ("clip", "trpo")
ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}
#: Caps stated in the errors: beyond them one iteration takes minutes or gigabytes.
MAX_EPISODES_PER_BATCH = 200_000
MAX_ITERATIONS = 100_000
#: iterations × meta_batch_size × num_trajectories × max_steps, the env steps of a run: 500× the
#: defaults' 2e7, and above every single field at its cap beside the other defaults.
MAX_TRAINING_STEPS = 10**10
#: The navigation envs' own cap on an episode's length (``Navigation2D(max_steps=...)``).
MAX_EPISODE_STEPS = 10_000
#: :func:`adaptation_curve`'s work, in env steps summed over its batched rollouts: Chapter 8's
#: largest call is 4 × 100 × 20 × 100 = 800,000; 100 million are several minutes.
ADAPTATION_STEP_BUDGET = 100_000_000


@dataclass
class MAMLRLConfig:
    """Every hyperparameter of MAML-RL (and of the pre-training baseline, ``method="pretrain"``).

    The defaults follow the configuration of a widely used PyTorch reproduction of 2-D navigation
    (tristandeleu/pytorch-maml-rl): 20 tasks per outer batch, 20 episodes per task, one inner step
    of size 0.1, a 64-64 tanh policy, γ = 0.99, 500 outer iterations; the outer optimiser is
    Adam on a clipped surrogate (``outer_optimizer="clip"``, as in ProMP) instead of TRPO.
    :data:`PAPER_PROTOCOL` is the paper's own script (cbfinn/maml_rl,
    ``maml_examples/maml_trpo_point.py``): 40 tasks, fast step 0.5, a 100-100 ReLU policy and
    TRPO with δ = 0.01.
    """

    method: str = choice("maml", METHODS)  # or "pretrain" (no inner step: one policy for all)
    iterations: int = bounded(500, 1, MAX_ITERATIONS)  # outer iterations
    # tasks (goals) per outer iteration, and episodes per task for each policy-gradient step
    # (>= 2: a leave-one-out baseline); their product is capped below
    meta_batch_size: int = bounded(20, 1, MAX_EPISODES_PER_BATCH // 2)
    num_trajectories: int = bounded(20, 2, MAX_EPISODES_PER_BATCH)
    inner_lr: float = bounded(0.1, 0.0, 100.0)  # α, the inner policy-gradient step size
    first_order: bool = declared(False, FLAG)  # True: FOMAML (no gradient through the inner step)
    estimator: str = choice("dice", tuple(ESTIMATORS))  # inner surrogate: "dice" or "reinforce"
    # "clip": Adam on the clipped surrogate; "trpo": one TRPO step
    outer_optimizer: str = choice("clip", OUTER_OPTIMIZERS)
    learning_rate: float = bounded(3e-3, 0.0, 1.0, low_open=True)  # outer Adam step ("clip")
    update_epochs: int = bounded(1, 1, 100)  # Adam steps per outer batch ("clip")
    clip_coef: float = bounded(0.2, 0.0, 10.0, low_open=True)  # PPO ratio clip ε ("clip")
    max_grad_norm: float = bounded(1.0, 0.0, 1e6, low_open=True)  # outer gradient clip ("clip")
    max_kl: float = bounded(0.01, 0.0, 1.0, low_open=True)  # TRPO's trust region δ ("trpo")
    cg_iterations: int = bounded(10, 1, 100)  # conjugate-gradient iterations ("trpo")
    gamma: float = bounded(0.99, 0.0, 1.0)  # discount
    hidden_sizes: tuple[int, ...] = declared((64, 64), WIDTHS)  # MLP of the policy mean
    activation: str = choice("tanh", tuple(ACTIVATIONS))  # hidden non-linearity of that MLP
    init_log_std: float = bounded(0.0, -5.0, 2.0)  # initial log σ of the Gaussian policy
    max_steps: int = bounded(100, 1, 1000)  # episode length
    goal_low: float = bounded(
        -0.5, -10.0, 10.0, high_open=True
    )  # training goals: uniform on [low, high]²
    goal_high: float = bounded(0.5, -10.0, 10.0, low_open=True)  # and > goal_low
    # or "sparse_point_robot" (goals on the half-circle; goal_low/high unused)
    task: str = choice("navigation", TASKS)
    goal_radius: float = bounded(0.2, 0.0, 2.0, low_open=True)  # the sparse task's reward radius
    seed: int = declared(0, SEED)  # seeds the weights, the goals and the actions
    device: str = declared("cpu", DEVICE)

    def __post_init__(self) -> None:
        check_declared(self)
        if self.meta_batch_size * self.num_trajectories > MAX_EPISODES_PER_BATCH:
            raise ValueError(
                f"meta_batch_size * num_trajectories must be <= {MAX_EPISODES_PER_BATCH}, got "
                f"{self.meta_batch_size} * {self.num_trajectories}"
            )
        if not self.goal_low < self.goal_high:
            raise ValueError(f"goal_low must be < goal_high, got {self.goal_low}, {self.goal_high}")
        sizes = (self.iterations, self.meta_batch_size, self.num_trajectories, self.max_steps)
        if math.prod(sizes) > MAX_TRAINING_STEPS:
            raise ValueError(
                "iterations × meta_batch_size × num_trajectories × max_steps must be at most "
                f"{MAX_TRAINING_STEPS:_} (the env steps of a run), got "
                f"{' × '.join(map(str, sizes))} = {math.prod(sizes):_}"
            )


class GaussianPolicy(nn.Module):
    """π(a | s) = N(μ(s), diag σ²): a tanh MLP for μ and one learned log σ per action axis.

    ``forward`` returns ``[..., 4]`` = (μ, log σ) side by side, one tensor so that Chapter 5's
    ``adapt(model, params, x, y, loss_fn=...)`` can hand it to the loss as its "prediction".
    """

    def __init__(
        self,
        hidden_sizes: tuple[int, ...] = (64, 64),
        init_log_std: float = 0.0,
        activation: str = "tanh",
    ):
        super().__init__()
        check_choice("activation", activation, tuple(ACTIVATIONS))
        self.mean = mlp(
            2,
            check_hidden_sizes(hidden_sizes),
            2,
            activation=ACTIVATIONS[activation],
            out_gain=0.01,
        )
        init_log_std = check_real("init_log_std", init_log_std, -5.0, 2.0)
        self.log_std = nn.Parameter(torch.full((2,), init_log_std))

    def forward(self, obs: Tensor) -> Tensor:
        """``obs [..., 2]`` (positions) → ``[..., 4]`` = (μ, log σ)."""
        _check_data("obs", obs)  # a NaN position would give a NaN action, then a NaN return
        if obs.dim() < 1 or obs.shape[-1] != 2:
            raise ValueError(f"obs must have shape [..., 2] (positions), got {list(obs.shape)}")
        mean = self.mean(obs)
        return torch.cat([mean, self.log_std.expand_as(mean)], dim=-1)


def _check_config(config: object) -> MAMLRLConfig:
    return check_instance("config", config, MAMLRLConfig, "a MAMLRLConfig")


def _check_policy(policy: object, name: str = "policy") -> GaussianPolicy:
    return check_instance(name, policy, GaussianPolicy, "a GaussianPolicy (make_policy(config))")


def _check_goals(goals: object, name: str = "goals") -> Tensor:
    """``[G, 2]`` finite goals (navigation's check), the message naming the caller's argument."""
    if isinstance(goals, Tensor):
        check_finite(name, goals)  # first: a NaN goal gives NaN rewards, silently
    try:
        return check_goals(goals)
    except (TypeError, ValueError) as err:
        if name == "goals":
            raise
        raise type(err)(f"{name}: {err}") from None


def _check_weights(policy: GaussianPolicy, params: object, name: str, tasks: int | None) -> None:
    """``params`` maps exactly the policy's weight names to tensors, each with a leading task
    dimension of ``tasks`` where given (adapted per-task weights)."""
    names = sorted(n for n, _ in policy.named_parameters())
    if not isinstance(params, Mapping):
        raise TypeError(
            f"{name} must be a dict of the policy's weights {names}, got {params!r:.80}"
        )
    if sorted(params) != names:
        raise ValueError(f"{name} must hold the policy's weights {names}, got {sorted(params)}")
    for key, (_, own) in zip(names, sorted(policy.named_parameters())):
        value = check_instance(f"{name}[{key!r}]", params[key], Tensor, "a torch.Tensor")
        _check_data(f"{name}[{key!r}]", value)  # NaN weights: NaN actions, a NaN loss, silently
        wanted = own.shape if tasks is None else (tasks, *own.shape)
        if value.shape != wanted:
            raise ValueError(
                f"{name}[{key!r}] must have shape {list(wanted)}, got {list(value.shape)}"
            )


def _check_batch(batch: object) -> Trajectories:
    return check_instance("batch", batch, Trajectories, "Trajectories (from rollout)")


def make_policy(config: MAMLRLConfig) -> GaussianPolicy:
    """A fresh policy with weights drawn from ``config.seed`` (torch's global RNG untouched)."""
    _check_config(config)
    with seeded(config.seed):
        return GaussianPolicy(config.hidden_sizes, config.init_log_std, config.activation).to(
            config.device
        )


class Trajectories(NamedTuple):
    """Episodes of B tasks × N trajectories, time-major: ``obs [T, B, N, 2]`` etc.

    An episode that reaches its goal ends there (the paper's termination): from then on its
    steps are padding, ``mask`` False, reward 0, position frozen at the goal.
    """

    obs: Tensor  # position before the move
    actions: Tensor  # sampled (unclipped) Gaussian actions
    logprob: Tensor  # [T, B, N] log π(a_t | s_t) when sampled
    rewards: Tensor  # [T, B, N], 0 after the episode ended
    mask: Tensor  # [T, B, N] bool: the step belongs to the episode (not padding)

    @property
    def returns(self) -> Tensor:
        """Undiscounted return of every episode, ``[B, N]``."""
        return self.rewards.sum(0)


def _forward(policy: GaussianPolicy, params: Params, obs: Tensor, per_task: bool) -> Tensor:
    """The policy on ``obs [B, N, 2]``: one set of ``params`` for all, or one per task.

    Per task, the MLP is run layer by layer with batched matrix products (``baddbmm``): the
    same maths as ``vmap(functional_call)``, without its per-call overhead, which dominates
    a rollout of many small steps.
    """
    if not per_task:
        return functional_call(policy, params, (obs,))
    x = obs
    for i, layer in enumerate(policy.mean):
        if isinstance(layer, nn.Linear):
            w, b = params[f"mean.{i}.weight"], params[f"mean.{i}.bias"]
            x = torch.baddbmm(b[:, None, :], x, w.transpose(1, 2))
        else:
            x = layer(x)
    return torch.cat([x, params["log_std"][:, None, :].expand_as(x)], dim=-1)


@torch.no_grad()
def rollout(
    policy: nn.Module,
    params: Params,
    goals: Tensor,
    num_trajectories: int,
    max_steps: int,
    generator: torch.Generator,
    *,
    per_task: bool = False,
    greedy: bool = False,
    task: str = "navigation",
    goal_radius: float = 0.2,
) -> Trajectories:
    """Play ``num_trajectories`` episodes for every goal in ``goals [B, 2]``, all at once.

    ``per_task=True``: ``params`` carry a leading task dimension (adapted policies).
    ``greedy=True`` moves by the mean action μ(s) (for pictures; training always samples).
    ``task`` picks the reward and the termination rule (``goal_radius``: the sparse task's).
    """
    reward_fn, ends = task_rules(task, goal_radius)
    _check_policy(policy)
    goals = _check_goals(goals)
    num_tasks = goals.shape[0]
    per_task, greedy = check_bool("per_task", per_task), check_bool("greedy", greedy)
    _check_weights(policy, params, "params", num_tasks if per_task else None)
    check_int("num_trajectories", num_trajectories, 1, MAX_EPISODES_PER_BATCH)
    check_int("max_steps", max_steps, 1, MAX_EPISODE_STEPS)
    check_instance("generator", generator, torch.Generator, "a torch.Generator")
    work = num_tasks * num_trajectories * max_steps
    if work > ADAPTATION_STEP_BUDGET:
        raise ValueError(
            f"len(goals) × num_trajectories × max_steps must be at most rollout's budget of "
            f"{ADAPTATION_STEP_BUDGET:_} env steps, got {num_tasks} × {num_trajectories} × "
            f"{max_steps} = {work:_}"
        )
    position = torch.zeros(num_tasks, num_trajectories, 2)
    alive = torch.ones(num_tasks, num_trajectories, dtype=torch.bool)
    rows: dict[str, list[Tensor]] = {k: [] for k in Trajectories._fields}
    for _ in range(max_steps):
        out = _forward(policy, params, position, per_task)
        mean, log_std = out[..., :2], out[..., 2:]
        noise = torch.randn(mean.shape, generator=generator)
        action = mean if greedy else mean + log_std.exp() * noise
        rows["obs"].append(position)
        rows["actions"].append(action)
        rows["logprob"].append(gaussian_log_prob(mean, log_std, action))
        rows["mask"].append(alive)
        position = torch.where(alive[..., None], move(position, action), position)
        reward = reward_fn(position, goals[:, None, :])
        rows["rewards"].append(torch.where(alive, reward, 0.0))
        alive = alive & ~ends(position, goals[:, None, :])
    return Trajectories(*(torch.stack(rows[k]) for k in Trajectories._fields))


def task_rules(task: str, goal_radius: float = 0.2) -> tuple:
    """``(reward(position, goal), ends(position, goal))`` of a task family, any batch shape.

    Navigation: −distance, ending within 0.01 of the goal. The sparse point robot: 1 − distance
    inside ``goal_radius``, 0 outside, no early end.
    """
    check_choice("task", task, TASKS)
    # Checked for both tasks: a NaN radius handed to navigation is a mistake even though unused.
    radius = check_real("goal_radius", goal_radius, 0.0, 2.0, lo_open=True)
    if task == "navigation":
        return navigation_reward, reached_goal
    # Imported here: course_lib.tasks imports this package's env module, so a top-level import
    # would be circular (the library's re-housing moves navigation into course_lib.tasks).
    from course_lib.tasks.point_robot import sparse_reward

    return partial(sparse_reward, goal_radius=radius), _never


def _never(position: Tensor, goal: Tensor) -> Tensor:
    return torch.zeros(position.shape[:-1], dtype=torch.bool)


def task_goals(config: MAMLRLConfig, num_goals: int, generator: torch.Generator) -> Tensor:
    """``[num_goals, 2]`` goals of ``config.task``: uniform on the square, or on the half-circle."""
    _check_config(config)
    check_instance("generator", generator, torch.Generator, "a torch.Generator")
    if config.task == "navigation":
        return uniform_goals(num_goals, config.goal_low, config.goal_high, generator)
    from course_lib.tasks.point_robot import random_half_circle_goals  # see task_rules

    return random_half_circle_goals(num_goals, generator)


def _advantages(rewards: Tensor, gamma: float) -> tuple[Tensor, Tensor]:
    """Reward-to-go G_t ``[T, N]`` and a leave-one-out baseline b_t: the mean G_t of the *other*
    episodes of the same task at the same step (it never sees this episode's actions)."""
    g = discounted_reward_to_go(rewards, gamma)
    n = g.shape[1]
    baseline = (g.sum(1, keepdim=True) - g) / (n - 1)
    return g, baseline


def policy_gradient_loss(
    prediction: Tensor, target: Tensor, *, gamma: float, estimator: str = "dice"
) -> Tensor:
    """The inner loss of one task, as Chapter 5's ``adapt`` wants it: ``loss_fn(prediction, y)``.

    ``prediction [T, N, 4]`` is the policy's (μ, log σ) on the task's observed positions;
    ``target [T, N, 4]`` holds the sampled actions, the rewards and the step mask (1 where the
    step belongs to its episode). Descending it is a policy-gradient *ascent* step: its
    gradient is −(1/L) Σ_t γ^t ∇log π_t (G_t − b_t) / s, where s (the spread of the advantages
    over the real steps, a constant) and L (the mean episode length) put the step in the
    reference's units (there the loss is a mean over all steps, advantages normalised).
    """
    check_real("gamma", gamma, 0.0, 1.0)  # the numbers first: a wrong gamma names gamma
    _check_data("prediction", prediction, ndim=3)
    _check_data("target", target, ndim=3)
    if prediction.shape[-1] != 4 or target.shape != prediction.shape:
        raise ValueError(
            "prediction and target must both be [T, N, 4] ((μ, log σ) and (action, reward, mask)), "
            f"got {list(prediction.shape)} and {list(target.shape)}"
        )
    check_choice("estimator", estimator, tuple(ESTIMATORS))
    mask = target[..., 3]
    logprob = gaussian_log_prob(prediction[..., :2], prediction[..., 2:], target[..., :2]) * mask
    rewards = target[..., 2]
    g, baseline = _advantages(rewards, gamma)
    discount = gamma ** torch.arange(rewards.shape[0], dtype=rewards.dtype)[:, None]
    scale = _masked_std(discount * (g - baseline), mask) + 1e-8
    length = mask.sum() / mask.shape[1]
    return -ESTIMATORS[estimator](logprob, rewards, baseline, gamma) / (scale * length)


def _masked_std(x: Tensor, mask: Tensor) -> Tensor:
    """Standard deviation (ddof 1) of ``x`` over the entries where ``mask`` is 1."""
    count = mask.sum()
    mean = (x * mask).sum() / count
    return (((x - mean) * mask).pow(2).sum() / (count - 1).clamp(min=1)).sqrt()


def _task_data(batch: Trajectories) -> tuple[Tensor, Tensor]:
    """``(x [B, T, N, 2], y [B, T, N, 4])``: each task's inputs and targets for ``adapt``."""
    y = torch.cat([batch.actions, batch.rewards[..., None], batch.mask[..., None].float()], dim=-1)
    return batch.obs.transpose(0, 1), y.transpose(0, 1)


def adapt_policies(
    policy: nn.Module,
    params: Params,
    batch: Trajectories,
    *,
    inner_lr: float,
    gamma: float,
    first_order: bool = False,
    estimator: str = "dice",
    per_task: bool = False,
) -> Params:
    """One inner policy-gradient step for every task of ``batch``, in one ``vmap`` call.

    Returns per-task parameters (leading dimension B), differentiable with respect to
    ``params`` (through the step unless ``first_order``).
    """
    _check_policy(policy)
    batch = _check_batch(batch)
    per_task = check_bool("per_task", per_task)
    _check_weights(policy, params, "params", batch.obs.shape[1] if per_task else None)
    inner_lr = check_real("inner_lr", inner_lr, 0.0, 100.0)  # a 0-d tensor: its number
    check_real("gamma", gamma, 0.0, 1.0)
    check_bool("first_order", first_order)
    check_choice("estimator", estimator, tuple(ESTIMATORS))
    x, y = _task_data(batch)
    loss_fn = partial(policy_gradient_loss, gamma=gamma, estimator=estimator)

    def one_task(p: Params, x_m: Tensor, y_m: Tensor) -> Params:
        return adapt(
            policy,
            p,
            x_m,
            y_m,
            inner_lr=inner_lr,
            steps=1,
            first_order=first_order,
            loss_fn=loss_fn,
        )

    return vmap(one_task, in_dims=(0 if per_task else None, 0, 0))(params, x, y)


def outer_loss(
    policy: nn.Module,
    adapted: Params,
    batch: Trajectories,
    *,
    gamma: float,
    clip_coef: float | None,
) -> Tensor:
    """Chapter 3's clipped surrogate on the episodes ``batch`` played by the (adapted) policies,
    with per-task normalised advantages G_t − b_t; averaged over tasks. ``clip_coef=None`` gives
    the unclipped importance-sampled surrogate −E[r·A] that TRPO maximises under its KL bound."""
    _check_policy(policy)
    batch = _check_batch(batch)
    _check_weights(policy, adapted, "adapted", batch.obs.shape[1])
    check_real("gamma", gamma, 0.0, 1.0)
    if clip_coef is not None:
        check_real("clip_coef", clip_coef, 0.0, 10.0, lo_open=True)

    def one_task(
        p: Params, obs: Tensor, actions: Tensor, old: Tensor, rewards: Tensor, mask: Tensor
    ) -> Tensor:
        out = functional_call(policy, p, (obs,))
        logprob = gaussian_log_prob(out[..., :2], out[..., 2:], actions)
        g, baseline = _advantages(rewards, gamma)
        weight = mask.float()
        adv = g - baseline
        adv = (adv - (adv * weight).sum() / weight.sum()) / (_masked_std(adv, weight) + 1e-8)
        if clip_coef is None:
            return -(torch.exp(logprob - old) * adv * weight).sum() / weight.sum()
        return clipped_surrogate_loss(logprob, old, adv, clip_coef, mask=weight)

    data = (t.transpose(0, 1) for t in batch)  # task-major
    return vmap(one_task)(adapted, *data).mean()


def outer_kl(policy: nn.Module, adapted: Params, batch: Trajectories, old: Tensor) -> Tensor:
    """Mean KL(π_old(·|s) ‖ π_θ'(·|s)) over the real steps of ``batch``: TRPO's constraint on the
    adapted policies. ``old [B, T, N, 4]`` holds π_old's (μ, log σ) on ``batch.obs`` (task-major)."""
    _check_policy(policy)
    batch = _check_batch(batch)
    _check_weights(policy, adapted, "adapted", batch.obs.shape[1])
    _check_data("old", old, ndim=4)
    wanted = (batch.obs.shape[1], batch.obs.shape[0], batch.obs.shape[2], 4)
    if tuple(old.shape) != wanted:
        raise ValueError(f"old must be [B, T, N, 4] = {list(wanted)}, got {list(old.shape)}")

    def one_task(p: Params, obs: Tensor, old_out: Tensor, mask: Tensor) -> Tensor:
        out = functional_call(policy, p, (obs,))
        kl = gaussian_kl(old_out[..., :2], old_out[..., 2:], out[..., :2], out[..., 2:])
        weight = mask.float()
        return (kl * weight).sum() / weight.sum()

    return vmap(one_task)(
        adapted, batch.obs.transpose(0, 1), old, batch.mask.transpose(0, 1)
    ).mean()


def gaussian_kl(mean_p: Tensor, log_std_p: Tensor, mean_q: Tensor, log_std_q: Tensor) -> Tensor:
    """KL(N(μ_p, σ_p²) ‖ N(μ_q, σ_q²)) of diagonal Gaussians, summed over the last axis:
    log σ_q/σ_p + (σ_p² + (μ_p − μ_q)²) / (2σ_q²) − ½ per dimension."""
    tensors = (mean_p, log_std_p, mean_q, log_std_q)
    check_same_shape(mean_p=mean_p, log_std_p=log_std_p, mean_q=mean_q, log_std_q=log_std_q)
    for name, value in zip(("mean_p", "log_std_p", "mean_q", "log_std_q"), tensors):
        _check_data(name, value)
    var_p, var_q = torch.exp(2 * log_std_p), torch.exp(2 * log_std_q)
    per_dim = log_std_q - log_std_p + (var_p + (mean_p - mean_q) ** 2) / (2 * var_q) - 0.5
    return per_dim.sum(-1)


def uniform_goals(num_goals: int, low: float, high: float, generator: torch.Generator) -> Tensor:
    """``[num_goals, 2]`` goals uniform on the square [low, high]²."""
    num_goals = check_int("num_goals", num_goals, 1, 1_000_000)
    low = check_real("low", low, -math.inf, math.inf)
    high = check_real("high", high, low, math.inf)
    return low + (high - low) * torch.rand(num_goals, 2, generator=generator)


def _broadcast(params: Params, num_tasks: int) -> Params:
    return {k: v.expand(num_tasks, *v.shape) for k, v in params.items()}


def train_maml_rl(
    config: MAMLRLConfig | None = None,
    callback: Callback | None = None,
    *,
    progress: bool = True,
) -> TrainResult[GaussianPolicy, MAMLRLConfig]:
    """Meta-train a Gaussian policy on 2-D navigation; returns a :class:`TrainResult`.

    History rows: ``iteration``, ``env_steps``, ``pre_return`` (mean episode return of θ
    on this batch's goals), ``post_return`` (after the inner step; equal to ``pre_return``
    for ``method="pretrain"``), ``episode_return`` (the return the method optimises),
    ``loss``, ``seconds``.
    """
    config = MAMLRLConfig() if config is None else config
    if not isinstance(config, MAMLRLConfig):
        raise TypeError(f"config must be a MAMLRLConfig, got {type(config).__name__}")
    check_callback(callback)
    check_bool("progress", progress)
    policy = make_policy(config)
    optimizer = torch.optim.Adam(policy.parameters(), lr=config.learning_rate)
    gen = make_generator(config.seed)
    env_steps = 0

    def iteration(i: int) -> Row:
        nonlocal env_steps
        row = _outer_iteration(policy, optimizer, config, gen)
        env_steps += int(row.pop("episodes")) * config.max_steps
        return {"env_steps": float(env_steps), **row}

    label = "pre-training" if config.method == "pretrain" else "MAML-RL (outer loop)"
    return train_loop(
        TrainResult(policy, config, []), iteration, iterations=config.iterations,
        callback=callback, progress=progress, desc=label, show="post_return",
    )  # fmt: skip


def _outer_iteration(
    policy: GaussianPolicy,
    optimizer: torch.optim.Optimizer,
    config: MAMLRLConfig,
    gen: torch.Generator,
) -> dict[str, float]:
    """Steps 1–5 of the module docstring; returns the history row's numbers."""
    c = config
    goals = task_goals(c, c.meta_batch_size, gen)
    rules = {"task": c.task, "goal_radius": c.goal_radius}
    inner = rollout(
        policy, dict(policy.named_parameters()), goals, c.num_trajectories, c.max_steps, gen,
        **rules,
    )  # fmt: skip

    def adapted() -> Params:  # θ'_m as a function of the current θ: the outer loss goes through it
        theta = dict(policy.named_parameters())
        if c.method == "pretrain":
            return _broadcast(theta, c.meta_batch_size)
        return adapt_policies(
            policy, theta, inner, inner_lr=c.inner_lr, gamma=c.gamma,
            first_order=c.first_order, estimator=c.estimator,
        )  # fmt: skip

    if c.method == "maml":
        with torch.no_grad():
            adapted_now = adapted()
        outer = rollout(
            policy, adapted_now, goals, c.num_trajectories, c.max_steps, gen, per_task=True,
            **rules,
        )  # fmt: skip
    else:
        outer = inner
    update = _trpo_update if c.outer_optimizer == "trpo" else _clipped_update
    row = update(policy, optimizer, adapted, outer, c)
    episodes = c.meta_batch_size * c.num_trajectories * (2 if c.method == "maml" else 1)
    return {
        "pre_return": float(inner.returns.mean()),
        "post_return": float(outer.returns.mean()),
        "episode_return": float(outer.returns.mean()),
        **row,
        "episodes": float(episodes),
    }


def _clipped_update(policy, optimizer, adapted, outer, c: MAMLRLConfig) -> dict[str, float]:
    """``update_epochs`` Adam steps on the clipped surrogate of the post-adaptation episodes."""
    for _ in range(c.update_epochs):
        loss = outer_loss(policy, adapted(), outer, gamma=c.gamma, clip_coef=c.clip_coef)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(policy.parameters(), c.max_grad_norm)
        optimizer.step()
    return {"loss": float(loss.detach())}


def _trpo_update(policy, optimizer, adapted, outer, c: MAMLRLConfig) -> dict[str, float]:
    """One TRPO step: maximise the importance-sampled surrogate of the post-adaptation episodes
    subject to mean KL(π_θ'old ‖ π_θ') ≤ δ, both functions of θ through the inner step."""
    with torch.no_grad():
        old = _task_outputs(policy, adapted(), outer)
    stats = trpo_step(
        list(policy.parameters()),
        lambda: -outer_loss(policy, adapted(), outer, gamma=c.gamma, clip_coef=None),
        lambda: outer_kl(policy, adapted(), outer, old),
        max_kl=c.max_kl,
        cg_iterations=c.cg_iterations,
    )
    return {
        "loss": -stats["surrogate_after"],
        "kl": stats["kl"],
        "step_fraction": stats["step_fraction"],
    }


def _task_outputs(policy: nn.Module, adapted: Params, batch: Trajectories) -> Tensor:
    """Each task's (μ, log σ) on its own observations, ``[B, T, N, 4]`` (task-major)."""
    return vmap(lambda p, obs: functional_call(policy, p, (obs,)))(
        adapted, batch.obs.transpose(0, 1)
    )


def adaptation_curve(
    policy: GaussianPolicy,
    goals: Tensor,
    *,
    steps: int = 3,
    num_trajectories: int = 20,
    inner_lr: float = 0.1,
    gamma: float = 0.99,
    max_steps: int = 100,
    seed: int = 0,
    params: Params | None = None,
    task: str = "navigation",
    goal_radius: float = 0.2,
) -> AdaptationCurve:
    """Adapt ``policy`` to each goal of ``goals [G, 2]`` (a tensor or a numpy array) with ``steps`` policy-gradient steps.

    Step k plays ``num_trajectories`` fresh episodes with θ_k: their mean return is the
    score after k steps, and their gradient gives θ_{k+1} (the paper's protocol). ``params``
    overrides the policy's own weights (e.g. a random initialisation). ``task`` and
    ``goal_radius`` pick the task family's reward (see :func:`task_rules`).
    """
    task_rules(task, goal_radius)
    _check_policy(policy)
    if isinstance(goals, np.ndarray) and goals.dtype.kind in "fiu":  # a table of goals typed in
        goals = torch.as_tensor(goals, dtype=torch.get_default_dtype())
    goals = _check_goals(goals)
    check_int("steps", steps, minimum=0)
    if steps > 20:
        raise ValueError(f"steps must be an integer in [0, 20], got {steps}")
    check_int("num_trajectories", num_trajectories, minimum=2)
    if goals.shape[0] * num_trajectories > MAX_EPISODES_PER_BATCH:
        raise ValueError(
            f"len(goals) * num_trajectories must be <= {MAX_EPISODES_PER_BATCH}, got "
            f"{goals.shape[0]} * {num_trajectories}"
        )
    inner_lr = check_real("inner_lr", inner_lr, 0.0, 100.0)  # a 0-d tensor: its number
    check_real("gamma", gamma, 0.0, 1.0)
    check_int("max_steps", max_steps, minimum=1, maximum=MAX_EPISODE_STEPS)
    work = (steps + 1) * goals.shape[0] * num_trajectories * max_steps
    if work > ADAPTATION_STEP_BUDGET:
        raise ValueError(
            f"(steps + 1) × len(goals) × num_trajectories × max_steps must be at most the budget "
            f"of {ADAPTATION_STEP_BUDGET:_} env steps, got {steps + 1} × {goals.shape[0]} × "
            f"{num_trajectories} × {max_steps} = {work:_}"
        )
    gen = make_generator(check_seed(seed))  # None would draw unseeded: not reproducible
    if params is None:
        params = dict(policy.named_parameters())
    elif not isinstance(params, Mapping) or set(params) != {
        n for n, _ in policy.named_parameters()
    }:
        names = sorted(n for n, _ in policy.named_parameters())
        given = sorted(params) if isinstance(params, Mapping) else type(params).__name__
        raise ValueError(f"params must hold the policy's weights {names}, got {given}")
    theta = {k: v.detach() for k, v in params.items()}
    theta = _broadcast(theta, goals.shape[0])
    returns, positions, thetas = [], [], [theta]
    for k in range(steps + 1):
        batch = rollout(
            policy, theta, goals, num_trajectories, max_steps, gen, per_task=True, task=task,
            goal_radius=goal_radius,
        )  # fmt: skip
        returns.append(batch.returns.mean(1))
        positions.append(torch.cat([batch.obs[1:], _last(batch)[None]], 0))
        if k < steps:
            with torch.no_grad():
                theta = adapt_policies(
                    policy, theta, batch, inner_lr=inner_lr, gamma=gamma, per_task=True
                )
            thetas.append(theta)
    # Rows = goals: ``.T`` of the [K+1, G] stack, a view, so the statistics reduce in the same
    # order as before; float64, the statistics' precision (see AdaptationCurve).
    per_goal = torch.stack(returns).T.double()
    return AdaptationCurve(
        list(range(steps + 1)), per_goal, "return", True, goals, thetas, torch.stack(positions)
    )


def _last(batch: Trajectories) -> Tensor:
    """Position after the final move (the observations stop one step before it)."""
    return torch.where(
        batch.mask[-1][..., None], move(batch.obs[-1], batch.actions[-1]), batch.obs[-1]
    )


def greedy_paths(curve: AdaptationCurve, policy: GaussianPolicy, goal_index: int = 0) -> Tensor:
    """The mean-action path of θ_0 .. θ_K on one goal of ``curve``: ``[K+1, T+1, 2]`` from the origin."""
    check_instance("curve", curve, AdaptationCurve, "an AdaptationCurve (from adaptation_curve)")
    _check_policy(policy)
    check_int("goal_index", goal_index, minimum=0)
    if goal_index >= curve.num_tasks:
        raise ValueError(f"goal_index must be in [0, {curve.num_tasks - 1}], got {goal_index}")
    goal = curve.tasks[goal_index : goal_index + 1]
    max_steps = curve.positions.shape[1]
    gen = make_generator(0)  # unused: greedy paths draw no noise
    paths = []
    for theta in curve.params:
        one = {k: v[goal_index : goal_index + 1] for k, v in theta.items()}
        batch = rollout(policy, one, goal, 1, max_steps, gen, per_task=True, greedy=True)
        after = torch.cat([batch.obs[1:], _last(batch)[None]], 0)[:, 0, 0]
        paths.append(torch.cat([torch.zeros(1, 2), after], 0))
    return torch.stack(paths)
