"""MAML-RL on the Bernoulli bandits of Chapter 7: adapt by gradient steps, one trial of pulls each.

The task is a k-armed Bernoulli bandit whose arm means p_1..p_k are drawn from U(0, 1). The
policy is a softmax over k learned logits φ: π_φ(a) = softmax(φ)_a (there is no observation).

* **Inner loop (内循环).** On a new bandit, pull ``pulls_per_step`` arms from π_φ (one trial's
  worth) and take a policy-gradient step on those pulls,
  φ' = φ + α ĝ,  ĝ = (1/N) Σ_i ∇log π_φ(a_i) (r_i − b_i),
  where b_i is the mean reward of the *other* pulls (a leave-one-out baseline). ĝ is the
  gradient of the DiCE surrogate (``course_lib.maml_rl.dice``), so its second derivative is
  right too. For a softmax, ∇_φ log π_φ(a) = e_a − π_φ: the rewarded arms' logits go up.
* **Outer loop (外循环).** Pull ``pulls_per_step`` more arms from each adapted π_φ' and
  maximise their mean reward over ``meta_batch_size`` bandits, differentiating *through*
  the inner step (second order) with respect to φ and the step size α.

**What there is to learn.** The arms are exchangeable (every p_i is U(0, 1)), so no arm is
better before the first pull: by symmetry the expected meta-gradient of φ at uniform logits is
zero, and φ stays near uniform. What MAML-RL *can* learn here is how far to step: α is
meta-learned with φ (as in Meta-SGD, Li et al. 2017, arXiv:1707.09835, with one scalar α), and
a good α is what turns ten pulls into a better policy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from course_lib.adaptation import AdaptationCurve
from course_lib.maml_rl.dice import _check_data, _dice_objective
from course_lib.tasks.bandits import evaluation_bandits
from course_lib.training import (
    Callback,
    Row,
    TrainResult,
    check_callback,
    make_generator,
    seeded,
    train_loop,
)
from course_lib.validation import (
    DEVICE,
    FLAG,
    SEED,
    bounded,
    check_bool,
    check_declared,
    check_device,
    check_instance,
    check_int,
    check_real,
    check_seed,
    check_tensor,
    declared,
)

__all__ = [
    "BanditMAMLConfig",
    "BanditPolicy",
    "pull_arms",
    "inner_gradient",
    "adapt_logits",
    "train_bandit_maml",
    "bandit_adaptation_curve",
]

MAX_ARMS = 100
MAX_PULLS = 1_000  # pulls per inner step
MAX_INNER_STEPS = 10
MAX_BATCH = 10_000  # bandits per outer iteration
MAX_ITERATIONS = 100_000
#: iterations × meta_batch_size × pulls_per_step × (inner_steps + 1), the pulls of a run: 4000×
#: the defaults' 2.56e5, and above every single field at its cap beside the other defaults.
MAX_TRAINING_PULLS = 10**9
MAX_EVAL_BANDITS = 100_000


@dataclass
class BanditMAMLConfig:
    """Every hyperparameter of MAML-RL on Bernoulli bandits (k arms, U(0, 1) arm means)."""

    k: int = bounded(5, 2, MAX_ARMS)  # arms per bandit
    # pulls an inner step learns from (one trial of Chapter 7); >= 2: leave-one-out baseline
    pulls_per_step: int = bounded(10, 2, MAX_PULLS)
    inner_steps: int = bounded(1, 1, MAX_INNER_STEPS)  # inner policy-gradient steps in training
    inner_lr: float = bounded(1.0, 0.0, 1000.0, low_open=True)  # α at the start; α = exp(log α)
    learn_inner_lr: bool = declared(True, FLAG)  # meta-learn α with φ (False: α stays)
    first_order: bool = declared(False, FLAG)  # True: ĝ a constant in the outer gradient (FOMAML)
    meta_batch_size: int = bounded(64, 1, MAX_BATCH)  # bandits per outer iteration
    iterations: int = bounded(200, 1, MAX_ITERATIONS)  # outer iterations
    learning_rate: float = bounded(0.05, 0.0, 1.0, low_open=True)  # Adam step size, outer loop
    seed: int = declared(0, SEED)  # seeds the bandits and the pulls
    device: str = declared("cpu", DEVICE)

    def __post_init__(self) -> None:
        check_declared(self)
        pulls = (
            self.iterations * self.meta_batch_size * self.pulls_per_step * (self.inner_steps + 1)
        )
        if pulls > MAX_TRAINING_PULLS:
            raise ValueError(
                "iterations × meta_batch_size × pulls_per_step × (inner_steps + 1) must be at most "
                f"{MAX_TRAINING_PULLS:_} (the pulls of a run), got {self.iterations} × "
                f"{self.meta_batch_size} × {self.pulls_per_step} × ({self.inner_steps} + 1) = {pulls:_}"
            )


class BanditPolicy(nn.Module):
    """The meta-learned parameters: the logits φ ``[k]`` (uniform at the start) and log α."""

    def __init__(self, k: int, inner_lr: float, learn_inner_lr: bool = True):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros(check_int("k", k, 2, MAX_ARMS)))
        log_lr = torch.tensor(math.log(check_real("inner_lr", inner_lr, 0.0, 1000.0, lo_open=True)))
        self.log_inner_lr = nn.Parameter(
            log_lr, requires_grad=check_bool("learn_inner_lr", learn_inner_lr)
        )

    @property
    def inner_lr(self) -> Tensor:
        """α = exp(log α): positive whatever the outer loop does to log α."""
        return self.log_inner_lr.exp()


def pull_arms(
    logits: Tensor, arm_probs: Tensor, pulls: int, gen: torch.Generator
) -> tuple[Tensor, Tensor]:
    """``pulls`` arms per bandit from softmax(logits): ``arms`` and 0/1 ``rewards``, ``[B, pulls]``."""
    _check_logits_and_probs(logits, arm_probs)
    check_int("pulls", pulls, 1, MAX_PULLS)
    check_instance("gen", gen, torch.Generator, "a torch.Generator")
    return _pull(logits, arm_probs, pulls, gen)


def _pull(logits: Tensor, arm_probs: Tensor, pulls: int, gen: torch.Generator):
    """:func:`pull_arms` without the checks (the training loop's every step: its own tensors)."""
    arms = torch.multinomial(logits.detach().softmax(-1), pulls, replacement=True, generator=gen)
    wins = torch.rand(arms.shape, generator=gen, device=arms.device) < arm_probs.gather(1, arms)
    return arms, wins.float()


def _check_logits_and_probs(logits: object, arm_probs: object) -> None:
    """Both ``[B, k]``, finite; ``arm_probs`` probabilities (a p of 2 would always pay, silently)."""
    _check_data("logits", logits, ndim=2)
    _check_arm_probs(arm_probs, logits.shape[1])
    if arm_probs.shape != logits.shape:
        raise ValueError(
            f"logits and arm_probs must both be [B, k], got {list(logits.shape)} and "
            f"{list(arm_probs.shape)}"
        )


def _check_arm_probs(arm_probs: object, k: int) -> None:
    _check_data("arm_probs", arm_probs, ndim=2)
    if arm_probs.shape[1] != k or arm_probs.shape[0] < 1:
        raise ValueError(f"arm_probs must be [B, k] with k = {k}, got {list(arm_probs.shape)}")
    if bool(((arm_probs < 0) | (arm_probs > 1)).any()):
        raise ValueError(
            f"arm_probs must be probabilities in [0, 1], got values in "
            f"[{float(arm_probs.min())}, {float(arm_probs.max())}]"
        )


def _surrogate(logits: Tensor, arms: Tensor, rewards: Tensor) -> Tensor:
    """DiCE on the pulls, summed over bandits (each bandit's term is its mean over its pulls).

    Every pull is a one-step episode: time-major ``[T=1, B·N]``. ``dice_surrogate`` averages
    over all B·N pulls, so ×B turns it into a sum of per-bandit means.
    """
    logprob = logits.log_softmax(-1).gather(1, arms)
    n = rewards.shape[1]
    baseline = (rewards.sum(1, keepdim=True) - rewards) / (n - 1)  # mean of the other pulls
    flat = [t.reshape(1, -1) for t in (logprob, rewards, baseline)]
    return _dice_objective(*flat) * rewards.shape[0]


def inner_gradient(
    logits: Tensor, arms: Tensor, rewards: Tensor, *, create_graph: bool = True
) -> Tensor:
    """ĝ_b = (1/N) Σ_i (e_{a_i} − π_b)(r_i − b_i) for every bandit b: ``[B, k]``.

    ``logits`` is ``[B, k]``, one row per bandit (φ expanded, or already adapted); as the
    surrogate is a sum of per-row terms, its gradient with respect to the rows is the stack
    of the per-bandit gradients.
    """
    _check_data("logits", logits, ndim=2)
    if not logits.requires_grad:
        raise ValueError(
            "logits must require grad (the gradient is taken with respect to them), got a tensor that does not"
        )
    check_tensor("arms", arms, ndim=2)
    if arms.is_floating_point() or arms.dtype == torch.bool:
        raise TypeError(f"arms must be an integer tensor of arm indices, got dtype {arms.dtype}")
    _check_data("rewards", rewards, ndim=2)
    if arms.shape != rewards.shape or arms.shape[0] != logits.shape[0] or arms.shape[1] < 2:
        raise ValueError(
            "arms and rewards must both be [B, N] with the logits' B and N >= 2 (a leave-one-out "
            f"baseline), got logits {list(logits.shape)}, arms {list(arms.shape)}, rewards "
            f"{list(rewards.shape)}"
        )
    k = logits.shape[1]
    if arms.numel() and not 0 <= int(arms.min()) <= int(arms.max()) < k:
        raise ValueError(
            f"arms must hold indices in [0, {k - 1}], got [{int(arms.min())}, {int(arms.max())}]"
        )
    check_bool("create_graph", create_graph)
    return _gradient(logits, arms, rewards, create_graph)


def _gradient(logits: Tensor, arms: Tensor, rewards: Tensor, create_graph: bool) -> Tensor:
    """:func:`inner_gradient` without the checks."""
    (grad,) = torch.autograd.grad(
        _surrogate(logits, arms, rewards), logits, create_graph=create_graph
    )
    return grad


def adapt_logits(
    policy: BanditPolicy,
    arm_probs: Tensor,
    steps: int,
    pulls: int,
    gen: torch.Generator,
    *,
    first_order: bool = False,
) -> list[Tensor]:
    """The inner loop on every bandit of ``arm_probs [B, k]``: [φ_0, φ_1, ..., φ_steps], each
    ``[B, k]``, where φ_{j+1} = φ_j + α ĝ(pulls of π_{φ_j})."""
    check_instance("policy", policy, BanditPolicy, "a BanditPolicy")
    _check_arm_probs(arm_probs, policy.logits.shape[0])
    check_int("steps", steps, 0, MAX_INNER_STEPS)
    check_int("pulls", pulls, 2, MAX_PULLS)  # >= 2: the leave-one-out baseline
    check_instance("gen", gen, torch.Generator, "a torch.Generator")
    check_bool("first_order", first_order)
    return _adapt(policy, arm_probs, steps, pulls, gen, first_order)


def _adapt(policy, arm_probs, steps: int, pulls: int, gen, first_order: bool) -> list[Tensor]:
    """:func:`adapt_logits` without the checks (the trainer's and the curve's own arguments,
    checked where they entered)."""
    logits = policy.logits.expand(arm_probs.shape[0], -1)
    path = [logits]
    for _ in range(steps):
        arms, rewards = _pull(logits, arm_probs, pulls, gen)
        if not logits.requires_grad:  # α and φ frozen: a fresh leaf so ĝ can be taken
            logits = logits.detach().requires_grad_()
        grad = _gradient(logits, arms, rewards, not first_order)
        logits = logits + policy.inner_lr * grad
        path.append(logits)
    return path


def _outer_iteration(
    policy: BanditPolicy, optimizer: torch.optim.Optimizer, c: BanditMAMLConfig, gen
) -> dict[str, float]:
    """New bandits; adapt; pull with the adapted policies; one Adam step on −(their reward)."""
    arm_probs = torch.rand(c.meta_batch_size, c.k, generator=gen, device=gen.device)
    path = _adapt(policy, arm_probs, c.inner_steps, c.pulls_per_step, gen, c.first_order)
    arms, rewards = _pull(path[-1], arm_probs, c.pulls_per_step, gen)
    loss = -_surrogate(path[-1], arms, rewards) / c.meta_batch_size
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return {
        "loss": loss.item(),
        "post_reward": float(rewards.mean()),  # mean reward per pull after adaptation
        "inner_lr": policy.inner_lr.item(),
    }


def train_bandit_maml(
    config: BanditMAMLConfig | None = None,
    callback: Callback | None = None,
    *,
    progress: bool = True,
) -> TrainResult[BanditPolicy, BanditMAMLConfig]:
    """Meta-train φ and α on Bernoulli bandits; returns a :class:`TrainResult`.

    History rows: ``iteration``, ``env_steps`` (pulls so far, inner and outer), ``loss``,
    ``post_reward`` (mean reward per pull of the adapted policies), ``inner_lr`` (α), ``seconds``.
    """
    config = BanditMAMLConfig() if config is None else config
    if not isinstance(config, BanditMAMLConfig):
        raise TypeError(f"config must be a BanditMAMLConfig, got {type(config).__name__}")
    check_callback(callback)
    check_bool("progress", progress)
    device = check_device(config.device)
    with seeded(config.seed):  # no random weights today, but keep the contract's one place
        policy = BanditPolicy(config.k, config.inner_lr, config.learn_inner_lr).to(device)
    params = [p for p in policy.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=config.learning_rate)
    gen = make_generator(config.seed, device)
    pulls_per_iteration = config.meta_batch_size * config.pulls_per_step * (config.inner_steps + 1)

    def iteration(i: int) -> Row:
        row = _outer_iteration(policy, optimizer, config, gen)
        return {"env_steps": float(i * pulls_per_iteration), **row}

    return train_loop(
        TrainResult(policy, config, []), iteration, iterations=config.iterations,
        callback=callback, progress=progress, desc="MAML-RL on bandits", show="post_reward",
    )  # fmt: skip


def bandit_adaptation_curve(
    policy: BanditPolicy,
    *,
    k: int = 5,
    pulls_per_step: int = 10,
    steps: int = 3,
    num_bandits: int = 1000,
    seed: int = 0,
) -> AdaptationCurve:
    """Reward per trial after 0, 1, ..., ``steps`` inner steps on a fixed evaluation set.

    Bandit i has the arm means of ``course_lib.tasks.evaluation_bandits(k, range(N))``
    (drawn from seed i, the set RL² and the classic baselines are scored on); each inner step
    spends one trial of ``pulls_per_step`` pulls (drawn from ``seed``). A trial's score is its
    *expected* total reward given the policy, ``pulls_per_step · π_{φ_j} · p`` (exact, so the
    only noise left is that of the pulls the steps learned from). The result is the course's one
    :class:`~course_lib.adaptation.AdaptationCurve`: ``per_task [N, steps + 1]``, ``tasks``
    the arm probabilities, ``params`` the logits φ_j, ``mean`` and ``ci`` over bandits.
    """
    if not isinstance(policy, BanditPolicy):
        raise TypeError(f"policy must be a BanditPolicy, got {type(policy).__name__}")
    k = check_int("k", k, 2, MAX_ARMS)
    if k != policy.logits.shape[0]:
        raise ValueError(f"k must equal the policy's {policy.logits.shape[0]} arms, got {k}")
    pulls = check_int("pulls_per_step", pulls_per_step, 2, MAX_PULLS)
    steps = check_int("steps", steps, 0, MAX_INNER_STEPS)
    n = check_int("num_bandits", num_bandits, 1, MAX_EVAL_BANDITS)
    device = policy.logits.device
    gen = make_generator(check_seed(seed), device)
    arm_probs = torch.as_tensor(evaluation_bandits(k, range(n)), dtype=torch.float32).to(device)
    path = _adapt(policy, arm_probs, steps, pulls, gen, True)
    per_bandit = torch.stack([pulls * (p.softmax(-1) * arm_probs).sum(-1) for p in path]).detach()
    logits = [{"logits": p.detach().cpu()} for p in path]
    return AdaptationCurve(
        list(range(steps + 1)),
        per_bandit.cpu().T.double(),  # float64, the statistics' precision (see AdaptationCurve)
        "reward per trial",
        True,
        arm_probs.cpu(),
        logits,
    )
