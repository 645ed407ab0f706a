"""The meta-gradient of MAML-RL, and why the usual policy-gradient loss gets it wrong.

MAML-RL's inner loop (内循环) takes a policy-gradient step, θ' = θ + α ĝ(θ), where ĝ is the
gradient of a *surrogate loss* built from trajectories sampled with π_θ. The outer loop
(外循环) needs the derivative of the post-step return with respect to θ, so it
differentiates *through* ĝ: it needs the surrogate's **second** derivative to be a correct
estimate of the Hessian ∇²J(θ) of the expected return.

The REINFORCE surrogate ``Σ_t log π(a_t|s_t) · A_t`` has the right first derivative but not
the right second one: its Hessian ``Σ_t ∇² log π · A_t`` forgets that the *sampling
distribution* moves with θ as well. The missing part is ``Σ ∇log π ∇log π^T · R``
(Foerster et al., 2018; Rothfuss et al., 2019, "ProMP").

**DiCE** (Foerster et al., 2018) fixes every order at once with the *magic box*

    ⊡(x) = exp(x − ⊥x)        (⊥: stop-gradient)

whose value is 1 and whose derivative is ⊡(x)·∇x, again a magic box. With
W_t = Σ_{t' ≤ t} log π(a_t'|s_t') (the log-probability of everything that caused r_t),

    L = Σ_t ⊡(W_t) γ^t r_t + Σ_t (1 − ⊡(log π_t)) γ^t b_t

has the value of the return, gradient Σ_t γ^t ∇log π_t (G_t − b_t) (the policy gradient with
baseline b_t, Mao et al., 2019), and a Hessian whose expectation is ∇²J, exactly.

The second half of the module checks this on a tiny MDP whose trajectories can all be
enumerated, so every expectation is an exact sum (:func:`meta_gradient_check`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import torch
from torch import Tensor

from course_lib.training import make_generator
from course_lib.validation import (
    check_bool,
    check_choice,
    check_finite,
    check_instance,
    check_int,
    check_real,
    check_seed,
    check_tensor,
)

__all__ = [
    "magic_box",
    "discounted_reward_to_go",
    "dice_surrogate",
    "reinforce_surrogate",
    "ESTIMATORS",
    "TinyMDP",
    "exact_return",
    "exact_meta_gradient",
    "estimated_meta_gradient",
    "meta_gradient_check",
    "MetaGradientBias",
    "meta_gradient_bias",
]


def _check_data(name: str, value: object, *, ndim: int | None = None) -> Tensor:
    """A floating tensor with no NaN or ±inf. Under a ``torch.func`` transform (``vmap``,
    ``grad``) the finiteness is not checked: ``vmap`` cannot branch on data, and the public call
    that started the transform has checked its own inputs (MAML-RL's inner loss runs under
    ``vmap`` of Chapter 5's ``adapt``)."""
    check_tensor(name, value, ndim=ndim, floating=True)
    if not torch._C._functorch.is_functorch_wrapped_tensor(value):
        check_finite(name, value)
    return value


def magic_box(x: Tensor) -> Tensor:
    """⊡(x) = exp(x − ⊥x): 1 in value; its derivative of every order carries the ∇x factors."""
    _check_data("x", x)  # exp(NaN − NaN) is NaN: the box would poison every derivative
    return torch.exp(x - x.detach())


#: The longest episode :func:`discounted_reward_to_go` takes: its T × T matrix has 16.8 million
#: entries at the cap (134 MB in float64); the course's episodes are at most a few hundred steps.
MAX_MATRIX_HORIZON = 4_096


def discounted_reward_to_go(rewards: Tensor, gamma: float) -> Tensor:
    """``G_t = Σ_{t' ≥ t} γ^{t'−t} r_t'`` for time-major ``rewards [T, ...]``.

    Written as one product with the upper-triangular matrix M[t, t'] = γ^{t'−t} (t' ≥ t)
    instead of a backward Python loop: one operation is much faster under ``vmap``/``grad``.
    """
    _check_data("rewards", rewards)
    if rewards.dim() == 0 or not 1 <= rewards.shape[0] <= MAX_MATRIX_HORIZON:
        raise ValueError(
            f"rewards must be time-major [T, ...] with T in [1, {MAX_MATRIX_HORIZON:_}] (the "
            f"T × T discount matrix), got shape {tuple(rewards.shape)}"
        )
    check_real("gamma", gamma, 0.0, 1.0)
    steps = torch.arange(rewards.shape[0], dtype=rewards.dtype)
    lag = steps[None, :] - steps[:, None]
    weights = torch.where(lag >= 0, gamma ** lag.clamp(min=0), torch.zeros_like(lag))
    return torch.tensordot(weights, rewards, dims=1)


def _check_batch(logprob: Tensor, rewards: Tensor, baseline: Tensor | None) -> None:
    """Three time-major ``[T, N]`` floating tensors of one shape, finite (``baseline`` optional)."""
    for name, t in (("logprob", logprob), ("rewards", rewards), ("baseline", baseline)):
        if t is None and name == "baseline":
            continue
        if isinstance(t, Tensor) and t.dim() != 2:
            raise ValueError(
                f"{name} must be a time-major tensor [T, N], got shape {list(t.shape)}"
            )
        _check_data(name, t)
    if rewards.shape != logprob.shape or (baseline is not None and baseline.shape != logprob.shape):
        shapes = [tuple(t.shape) for t in (logprob, rewards, baseline) if t is not None]
        raise ValueError(f"logprob, rewards and baseline must share one shape [T, N], got {shapes}")


def dice_surrogate(
    logprob: Tensor, rewards: Tensor, baseline: Tensor | None = None, gamma: float = 1.0
) -> Tensor:
    """The DiCE objective (to *maximise*), averaged over N trajectories; inputs ``[T, N]``.

    Args:
        logprob: log π_θ(a_t | s_t) of the sampled actions, differentiable in θ.
        rewards: r_t (constants).
        baseline: b_t ≈ E[G_t | s_t], any estimate that does not depend on a_t (or None).
        gamma: discount γ.
    """
    _check_batch(logprob, rewards, baseline)
    return _dice_objective(logprob, rewards, baseline, check_real("gamma", gamma, 0.0, 1.0))


def _dice_objective(
    logprob: Tensor, rewards: Tensor, baseline: Tensor | None = None, gamma: float = 1.0
) -> Tensor:
    """:func:`dice_surrogate` without the checks (the bandit trainer's every step)."""
    discount = gamma ** torch.arange(rewards.shape[0], dtype=rewards.dtype)[:, None]
    causes = torch.cumsum(logprob, dim=0)  # W_t: every action up to and including t
    objective = (magic_box(causes) * discount * rewards).sum(0)
    if baseline is not None:
        objective = objective + ((1 - magic_box(logprob)) * discount * baseline).sum(0)
    return objective.mean()


def reinforce_surrogate(
    logprob: Tensor, rewards: Tensor, baseline: Tensor | None = None, gamma: float = 1.0
) -> Tensor:
    """``mean Σ_t γ^t log π_t (G_t − b_t)``: the same first derivative as :func:`dice_surrogate`,
    but a Hessian that misses the ∇log π ∇log π^T terms (the original MAML-RL code's loss)."""
    _check_batch(logprob, rewards, baseline)
    check_real("gamma", gamma, 0.0, 1.0)
    discount = gamma ** torch.arange(rewards.shape[0], dtype=rewards.dtype)[:, None]
    advantage = discounted_reward_to_go(rewards, gamma)
    if baseline is not None:
        advantage = advantage - baseline
    return (logprob * discount * advantage).sum(0).mean()


#: The inner-loop surrogates by name (``MAMLRLConfig.estimator``).
ESTIMATORS = {"dice": dice_surrogate, "reinforce": reinforce_surrogate}


# ------------------------------------------------------------------ the exact check on a tiny MDP


#: :class:`TinyMDP` lists every trajectory, actions^H × states^(H−1) of them, in a Python loop
#: (about 10 µs each): the cap keeps that under a second. The default MDP has 32 (H = 3).
MAX_TINY_TRAJECTORIES = 2**16
MAX_TINY_HORIZON = 16


@dataclass
class TinyMDP:
    """A tabular MDP small enough to list every trajectory: 2 states, 2 actions, horizon 3.

    ``transition[s, a, s']`` and ``reward[s, a]``; the episode starts in state 0. The policy
    is a softmax over a logits table ``theta [states, actions]``.
    """

    transition: Tensor
    reward: Tensor
    horizon: int = 3
    gamma: float = 0.9

    def __post_init__(self) -> None:
        for name in ("transition", "reward"):
            value = getattr(self, name)
            if not isinstance(value, Tensor) or not value.is_floating_point():
                raise TypeError(f"{name} must be a floating-point torch.Tensor, got {value!r}")
            if not torch.isfinite(value).all():
                raise ValueError(f"{name} must be finite, got NaN or inf")
        if self.reward.dim() != 2 or 0 in self.reward.shape:
            raise ValueError(
                f"reward must have shape [states, actions], got {tuple(self.reward.shape)}"
            )
        num_states, num_actions = self.reward.shape
        if self.transition.shape != (num_states, num_actions, num_states):
            raise ValueError(
                f"transition must have shape [states, actions, states] = "
                f"[{num_states}, {num_actions}, {num_states}], got {tuple(self.transition.shape)}"
            )
        if (self.transition < 0).any() or not torch.allclose(
            self.transition.sum(-1), torch.ones((), dtype=self.transition.dtype), atol=1e-6
        ):
            raise ValueError(
                "transition must hold probabilities with every row summing to 1, got row sums "
                f"in [{float(self.transition.sum(-1).min())}, {float(self.transition.sum(-1).max())}]"
                f" and a smallest entry of {float(self.transition.min())}"
            )
        self._check_size()
        check_real("gamma", self.gamma, 0.0, 1.0)

    def _check_size(self, owner: str = "") -> None:
        """The horizon, and the number of trajectories to list, within their caps (checked again
        before listing: the dataclass is not frozen, so ``mdp.horizon = 25`` could follow).
        ``owner`` prefixes the names in the message (``"mdp."`` for a function's argument)."""
        check_int(f"{owner}horizon", self.horizon, 1, MAX_TINY_HORIZON)
        num_states, num_actions = self.reward.shape
        count = num_actions**self.horizon * num_states ** (self.horizon - 1)
        if count > MAX_TINY_TRAJECTORIES:
            raise ValueError(
                f"{owner}actions^horizon × states^(horizon − 1) = {num_actions}^{self.horizon} × "
                f"{num_states}^{self.horizon - 1} = {count:_} trajectories to enumerate exceeds "
                f"the budget of {MAX_TINY_TRAJECTORIES:_}: use a shorter horizon or fewer states "
                f"(got {owner}horizon = {self.horizon})"
            )

    @classmethod
    def default(cls) -> TinyMDP:
        """A fixed instance where the two surrogates' meta-gradients clearly differ."""
        transition = torch.tensor(
            [[[0.9, 0.1], [0.2, 0.8]], [[0.7, 0.3], [0.05, 0.95]]], dtype=torch.float64
        )
        reward = torch.tensor([[1.0, 0.0], [-0.5, 2.0]], dtype=torch.float64)
        return cls(transition, reward)

    def trajectories(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        """Every trajectory: ``states [T, K]``, ``actions [T, K]``, ``rewards [T, K]`` and the
        log-probability of its state transitions ``[K]`` (the part the policy does not set).
        Listed once per MDP and kept (the estimators call this for every batch)."""
        if getattr(self, "_trajectories", None) is None:
            self._check_size()
            self._trajectories = self._list_trajectories()
        return self._trajectories

    def _list_trajectories(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        num_states, num_actions = self.reward.shape
        h = self.horizon
        rows = []
        for actions in itertools.product(range(num_actions), repeat=h):
            for later_states in itertools.product(range(num_states), repeat=h - 1):
                states = (0, *later_states)  # every episode starts in state 0
                log_p = sum(
                    float(torch.log(self.transition[states[t - 1], actions[t - 1], states[t]]))
                    for t in range(1, h)
                )
                rows.append((states, actions, log_p))
        states = torch.tensor([r[0] for r in rows]).T
        actions = torch.tensor([r[1] for r in rows]).T
        rewards = self.reward[states, actions]
        return states, actions, rewards, torch.tensor([r[2] for r in rows], dtype=torch.float64)


def _logprob(theta: Tensor, states: Tensor, actions: Tensor) -> Tensor:
    """log π_θ(a_t | s_t) of a softmax policy with logits table ``theta``, ``[T, K]``."""
    return torch.log_softmax(theta, dim=-1)[states, actions]


def _check_mdp_theta(mdp: object, theta: object) -> None:
    """A :class:`TinyMDP` and a finite logits table ``theta [states, actions]`` of its size."""
    check_instance("mdp", mdp, TinyMDP, "a TinyMDP (e.g. TinyMDP.default())")
    mdp._check_size("mdp.")
    _check_data("theta", theta, ndim=2)
    if tuple(theta.shape) != tuple(mdp.reward.shape):
        raise ValueError(
            f"theta must be a logits table [states, actions] = {list(mdp.reward.shape)}, got "
            f"shape {list(theta.shape)}"
        )


def _trajectory_probs(mdp: TinyMDP, theta: Tensor) -> tuple[Tensor, ...]:
    states, actions, rewards, log_env = mdp.trajectories()
    probs = torch.exp(_logprob(theta, states, actions).sum(0) + log_env)
    return states, actions, rewards, probs


def exact_return(mdp: TinyMDP, theta: Tensor) -> Tensor:
    """J(θ) = Σ_τ p_θ(τ) Σ_t γ^t r_t, summed over every trajectory: exact and differentiable."""
    _check_mdp_theta(mdp, theta)
    states, actions, rewards, probs = _trajectory_probs(mdp, theta)
    discount = mdp.gamma ** torch.arange(mdp.horizon, dtype=rewards.dtype)[:, None]
    return (probs * (discount * rewards).sum(0)).sum()


def exact_meta_gradient(mdp: TinyMDP, theta: Tensor, inner_lr: float) -> Tensor:
    """∇_θ J(θ + α ∇J(θ)) by autograd through the exact sums: the target of every estimator."""
    _check_mdp_theta(mdp, theta)
    inner_lr = check_real("inner_lr", inner_lr, 0.0, 10.0)  # a 0-d tensor: its number
    theta = theta.detach().requires_grad_()
    (g,) = torch.autograd.grad(exact_return(mdp, theta), theta, create_graph=True)
    (meta_grad,) = torch.autograd.grad(exact_return(mdp, theta + inner_lr * g), theta)
    return meta_grad


def _surrogate_on(
    mdp: TinyMDP, theta: Tensor, estimator: str, num_trajectories: int | None, gen: torch.Generator
) -> Tensor:
    """The estimator's surrogate at ``theta``: over sampled trajectories, or (``None``) its exact
    expectation (each trajectory weighted by its detached probability; the surrogates are linear
    in the rewards, so the weights go there)."""
    states, actions, rewards, probs = _trajectory_probs(mdp, theta.detach())
    if num_trajectories is None:
        rewards = rewards * (probs * len(probs))
    else:
        pick = torch.multinomial(probs, num_trajectories, replacement=True, generator=gen)
        states, actions, rewards = states[:, pick], actions[:, pick], rewards[:, pick]
    return ESTIMATORS[estimator](_logprob(theta, states, actions), rewards, None, mdp.gamma)


def estimated_meta_gradient(
    mdp: TinyMDP,
    theta: Tensor,
    inner_lr: float,
    *,
    estimator: str = "dice",
    first_order: bool = False,
    num_trajectories: int | None = None,
    seed: int = 0,
) -> Tensor:
    """The meta-gradient as MAML-RL computes it: inner step on one batch, outer on another.

    ``num_trajectories=None`` replaces both batches by their exact expectations, which
    isolates the estimator's own error from sampling noise.
    """
    _check_mdp_theta(mdp, theta)
    inner_lr = check_real("inner_lr", inner_lr, 0.0, 10.0)  # a 0-d tensor: its number
    check_choice("estimator", estimator, tuple(ESTIMATORS))
    check_bool("first_order", first_order)
    if num_trajectories is not None:
        check_int("num_trajectories", num_trajectories, 1, 1_000_000)
    gen = make_generator(check_seed(seed))
    theta = theta.detach().requires_grad_()
    inner = _surrogate_on(mdp, theta, estimator, num_trajectories, gen)
    (g,) = torch.autograd.grad(inner, theta, create_graph=not first_order)
    adapted = theta + inner_lr * g
    outer = _surrogate_on(mdp, adapted, "dice", num_trajectories, gen)
    (meta_grad,) = torch.autograd.grad(outer, theta)
    return meta_grad


def _relative_error(estimate: Tensor, exact: Tensor) -> float:
    return float(torch.linalg.vector_norm(estimate - exact) / torch.linalg.vector_norm(exact))


def meta_gradient_check(
    inner_lr: float = 0.5, num_trajectories: int = 20_000, seed: int = 0
) -> dict[str, float]:
    """Relative errors ‖ĝ − g‖ / ‖g‖ of the meta-gradient estimators against the exact one on
    :meth:`TinyMDP.default` at a fixed θ.

    Keys: ``dice`` and ``reinforce`` (their exact expectations: DiCE's is 0 up to rounding),
    ``first_order`` (the inner gradient treated as a constant), and ``dice_sampled`` (DiCE
    on ``num_trajectories`` sampled trajectories per batch: sampling noise, and the small
    bias of a nonlinear function of a sample mean, see :func:`meta_gradient_bias`).
    """
    inner_lr = check_real("inner_lr", inner_lr, 0.0, 10.0)  # a 0-d tensor: its number
    check_int("num_trajectories", num_trajectories, minimum=1)
    if num_trajectories > 1_000_000:
        raise ValueError(f"num_trajectories must be in [1, 1000000], got {num_trajectories}")
    check_seed(seed)
    mdp = TinyMDP.default()
    theta = torch.tensor([[0.3, -0.2], [-0.4, 0.1]], dtype=torch.float64)
    exact = exact_meta_gradient(mdp, theta, inner_lr)

    def error(**kwargs: object) -> float:
        return _relative_error(estimated_meta_gradient(mdp, theta, inner_lr, **kwargs), exact)

    return {
        "dice": error(estimator="dice"),
        "reinforce": error(estimator="reinforce"),
        "first_order": error(estimator="dice", first_order=True),
        "dice_sampled": error(estimator="dice", num_trajectories=num_trajectories, seed=seed),
    }


# ------------------------------------------------------- the bias of a sampled inner step


@dataclass(frozen=True)
class MetaGradientBias:
    """How far the *expected* sampled meta-gradient lies from the exact one, at batch size N.

    ``relative_bias`` = ‖E[ĝ_N] − g‖ / ‖g‖; ``stderr`` its Monte Carlo standard error (0 when
    the expectation is an exact sum over every batch); ``z`` = bias / stderr. ``expected`` is
    E[ĝ_N] itself and ``target`` the exact meta-gradient g.
    """

    num_trajectories: int
    relative_bias: float
    stderr: float
    exact: bool
    expected: Tensor
    target: Tensor

    @property
    def z(self) -> float:
        return self.relative_bias / self.stderr if self.stderr > 0 else float("inf")


def _meta_gradient_of_batch(
    mdp: TinyMDP, theta: Tensor, inner_lr: float, states, actions, rewards
) -> Tensor:
    """The meta-gradient when the inner step uses this sampled batch and the outer return is
    exact: ∇_θ J(θ + α ĝ(θ; batch)). Only the inner step is sampled, so any bias comes from it."""

    def inner_objective(th: Tensor) -> Tensor:
        return dice_surrogate(_logprob(th, states, actions), rewards, None, mdp.gamma)

    def post_step_return(th: Tensor) -> Tensor:
        return exact_return(mdp, th + inner_lr * torch.func.grad(inner_objective)(th))

    return torch.func.grad(post_step_return)(theta)


def meta_gradient_bias(
    num_trajectories: int,
    *,
    inner_lr: float = 0.5,
    repeats: int = 4000,
    seed: int = 0,
    exact: bool | None = None,
) -> MetaGradientBias:
    """The bias of DiCE's sampled meta-gradient with ``num_trajectories`` episodes in the inner step.

    DiCE makes every derivative of the inner surrogate unbiased: E[ĝ] = ∇J and E[∇ĝ] = ∇²J.
    The meta-gradient, though, is ``(I + α∇ĝ)ᵀ ∇J(θ + αĝ)``: it evaluates ∇J at a point that
    moves with the sample and multiplies two factors computed from the same sample, so its
    expectation is not (I + α∇²J)ᵀ∇J(θ + α∇J). The bias shrinks like 1/N (a second-order Taylor
    term in the sample mean's error, whose variance is 1/N). For N ≤ 2 the expectation is an
    exact sum over every ordered batch of trajectories (``exact=False`` samples anyway);
    beyond, a mean over ``repeats`` sampled batches with its standard error.
    """
    n = check_int("num_trajectories", num_trajectories, 1, 10_000)
    inner_lr = check_real("inner_lr", inner_lr, 0.0, 10.0)  # a 0-d tensor: its number
    r = check_int("repeats", repeats, 2, 200_000)
    enumerate_all = n <= 2 if exact is None else check_bool("exact", exact)
    if enumerate_all and n > 2:
        raise ValueError(
            f"exact=True enumerates every batch, so num_trajectories must be <= 2, got {n}"
        )
    if n * r > 2_000_000:
        raise ValueError(f"num_trajectories * repeats must be <= 2000000, got {n} * {r}")
    gen = make_generator(check_seed(seed))
    mdp = TinyMDP.default()
    theta = torch.tensor([[0.3, -0.2], [-0.4, 0.1]], dtype=torch.float64)
    target = exact_meta_gradient(mdp, theta, inner_lr)
    states, actions, rewards, probs = _trajectory_probs(mdp, theta)
    one_batch = torch.func.vmap(
        lambda s, a, rw: _meta_gradient_of_batch(mdp, theta, inner_lr, s, a, rw), in_dims=(1, 1, 1)
    )
    if enumerate_all:  # every ordered batch of n trajectories, weighted by its probability
        picks = torch.cartesian_prod(*[torch.arange(len(probs))] * n).reshape(-1, n)
        weights = probs[picks].prod(1)
    else:
        picks = torch.multinomial(probs, r * n, replacement=True, generator=gen).reshape(r, n)
        weights = None
    # [T, batches, n] trajectories -> one meta-gradient per batch
    grads = one_batch(states[:, picks], actions[:, picks], rewards[:, picks])
    if weights is not None:
        mean = (weights[:, None, None] * grads).sum(0)
        return MetaGradientBias(n, _relative_error(mean, target), 0.0, True, mean, target)
    mean = grads.mean(0)
    bias = mean - target
    # Standard error of the bias's norm along its own direction (delta method).
    direction = bias / torch.linalg.vector_norm(bias)
    projected = (grads * direction).sum((1, 2))
    stderr = float(projected.std() / r**0.5 / torch.linalg.vector_norm(target))
    return MetaGradientBias(n, _relative_error(mean, target), stderr, False, mean, target)
