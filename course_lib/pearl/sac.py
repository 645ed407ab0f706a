"""Soft actor-critic (软演员-评论家) conditioned on the task variable z: PEARL's learner.

SAC (Haarnoja et al., 2018, arXiv:1801.01290 and arXiv:1812.05905) is Q-learning (Chapter 1)
for continuous actions, with an entropy bonus. It maximises the return plus α times the policy's
entropy; its Bellman equation for the soft Q-function is

    Q(s, a) = r + γ (1 − d) E_{a′∼π(·|s′)}[ Q(s′, a′) − α log π(a′ | s′) ],

with d = 1 where the episode terminated (not where it was cut by the time limit). Three pieces
make it stable off-policy (离策略), from a **replay buffer** (重放缓冲区) of old transitions:

* **Twin Q-functions.** Two critics Q_1, Q_2 are trained on the same target, and the target
  uses min(Q_1, Q_2): the minimum counters the over-estimation that a max (or an actor chasing
  a critic's errors) builds up (Fujimoto et al., 2018, arXiv:1802.09477).
* **A target network.** The target's Q-values come from a slowly moving copy Q̄ of the critics,
  Q̄ ← (1 − τ) Q̄ + τ Q after every step (Polyak averaging, τ = 0.005), so the regression target
  does not move with every gradient step (as DQN's target network).
* **The temperature α.** It weighs entropy against reward. SAC v2 tunes it so that the policy's
  entropy stays near a target (−dim A): ``loss(α) = −log α · (log π(a|s) + target_entropy)``.

The actor is a tanh-squashed Gaussian: u ∼ N(μ(s, z), σ(s, z)²), a = tanh(u) ∈ (−1, 1), with
log π(a|s) = log N(u) − Σ log(1 − tanh(u)²). It is trained by the reparameterisation trick to
maximise E[min_i Q_i(s, a) − α log π(a|s)].

**PEARL's twist**: every network also reads z, and z comes from the task encoder. The encoder is
trained through the *critic's* loss (and the KL term), not the actor's: the critic is told "this
is the task", and z is whatever makes its Bellman error small (Rakelly et al. 2019, §4.2). So the
actor and the target see z with its gradient stopped (``z.detach()``).

The paper's SAC is the first version (a state-value network V and its target instead of target
Q-networks, and a fixed temperature α = 1 set through a reward scale: their ``reward_scale`` is
1/α). This module is SAC v2 (target critics, tuned α), as in Stable-Baselines3 and CleanRL.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from course_lib.nets import mlp
from course_lib.validation import (
    check_bool,
    check_finite,
    check_hidden_sizes,
    check_instance,
    check_int,
    check_real,
    check_tensor,
)

__all__ = [
    "LOG_STD_MIN",
    "LOG_STD_MAX",
    "TanhGaussianActor",
    "TwinQ",
    "tanh_gaussian_log_prob",
    "soft_q_target",
    "critic_loss",
    "actor_loss",
    "temperature_loss",
    "polyak_update",
]

#: log σ is clamped to this range, as in rlkit and Stable-Baselines3.
LOG_STD_MIN, LOG_STD_MAX = -20.0, 2.0
_LOG_2 = math.log(2.0)


# -- Argument checks. These functions sit in the inner loop (every gradient step), so each checks
# shapes and dtypes up front (Python attributes, no tensor work) and finiteness once, on its
# result: a NaN or ±inf in any input reaches the result (NaN · 0 is NaN, min(NaN, x) is NaN), so
# one isfinite over the output replaces one per input, and only a failure pays for naming it.


def _floats(name: str, value: object, ndim: int | None = None) -> Tensor:
    return check_tensor(name, value, ndim=ndim, floating=True)


def _rows(name: str, value: object, width: int | None = None) -> Tensor:
    """A finite float ``[..., width]`` (rows a network reads; any width if None)."""
    value = check_tensor(name, value, floating=True, finite=True)
    if value.dim() == 0 or (width is not None and value.shape[-1] != width):
        raise ValueError(
            f"{name} must have shape [..., {width if width is not None else 'width'}], got "
            f"{tuple(value.shape)}"
        )
    return value


def _per_row(name: str, value: object, like: Tensor | None = None, like_name: str = "") -> Tensor:
    """A float ``[N]`` (one number per transition), of the N of ``like`` if given."""
    value = _floats(name, value, ndim=1)
    if like is not None and len(value) != len(like):
        raise ValueError(
            f"{name} and {like_name} must have one number per row, got {name} "
            f"{tuple(value.shape)} and {like_name} {tuple(like.shape)}"
        )
    return value


def _both_critics(name: str, value: object, like: Tensor, like_name: str) -> Tensor:
    """A float ``[2, N]``: both critics' values of the N rows of ``like``."""
    value = _floats(name, value)
    if tuple(value.shape) != (2, len(like)):
        raise ValueError(
            f"{name} must have shape [2, N] (both critics' values of the N rows of {like_name}), "
            f"got {name} {tuple(value.shape)} and {like_name} {tuple(like.shape)}"
        )
    return value


def _scalar(name: str, value: object, lo: float, hi: float) -> None:
    """A number in [lo, hi], or a 0-d tensor holding one (α is ``log_alpha.exp()``)."""
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise ValueError(
                f"{name} must be a number or a 0-d tensor, got a tensor of shape {tuple(value.shape)}"
            )
        value = value.detach().item()
    check_real(name, value, lo, hi)


def _finite_or_blame(result: Tensor, what: str, **inputs: Tensor) -> Tensor:
    """``result`` if it is finite; otherwise the error names the input that is not."""
    if bool(torch.isfinite(result).all()):
        return result
    for name, value in inputs.items():
        check_finite(name, value)
    raise ValueError(f"{what} overflowed: every input is finite, got a result that is not")


def tanh_gaussian_log_prob(u: Tensor, mean: Tensor, log_std: Tensor) -> Tensor:
    """log π(tanh(u)) for u ∼ N(mean, exp(log_std)²), summed over the action axis.

    log(1 − tanh(u)²) is written as 2 (log 2 − u − softplus(−2u)), which stays finite where
    tanh(u) rounds to ±1 (the form used by Stable-Baselines3's ``TanhBijector`` and CleanRL).
    ``u``, ``mean`` and ``log_std`` are ``[..., A]`` alike (checked: broadcasting would
    silently sum a different number of terms).
    """
    for name, value in (("u", u), ("mean", mean), ("log_std", log_std)):
        _floats(name, value)
    if not u.shape == mean.shape == log_std.shape or u.dim() == 0:
        raise ValueError(
            "u, mean and log_std must have one shape [..., action_dim], got "
            f"{tuple(u.shape)}, {tuple(mean.shape)}, {tuple(log_std.shape)}"
        )
    logprob = _tanh_gaussian_log_prob(u, mean, log_std)
    return _finite_or_blame(logprob, "log π", u=u, mean=mean, log_std=log_std)


def _tanh_gaussian_log_prob(u: Tensor, mean: Tensor, log_std: Tensor) -> Tensor:
    """The formula alone, for the actor's own draws (every environment step: no checks)."""
    gaussian = -0.5 * ((u - mean) / log_std.exp()).square() - log_std - 0.5 * math.log(2 * math.pi)
    squash = 2.0 * (_LOG_2 - u - F.softplus(-2.0 * u))
    return (gaussian - squash).sum(-1)


class TanhGaussianActor(nn.Module):
    """π(a | s, z): a tanh-squashed diagonal Gaussian whose mean and log σ an MLP reads from (s, z).

    The public methods check their inputs (``obs [..., obs_dim]`` and ``z [..., latent_dim]``,
    float, finite, one leading shape); PEARL's own loops, whose inputs are checked where they
    enter, call the unchecked ``_forward`` / ``_sample`` / ``_act`` once per step.
    """

    def __init__(self, obs_dim: int, latent_dim: int, action_dim: int, hidden_sizes: Sequence[int]):
        super().__init__()
        self.obs_dim = check_int("obs_dim", obs_dim, 1, 10_000)
        self.latent_dim = check_int("latent_dim", latent_dim, 1, 1_000)
        self.action_dim = check_int("action_dim", action_dim, 1, 1_000)
        self.net = mlp(
            self.obs_dim + self.latent_dim,
            check_hidden_sizes(hidden_sizes),
            2 * self.action_dim,
            activation=nn.ReLU,
            out_gain=0.01,  # start near a = 0 with σ = 1: a wide, unbiased first policy
        )

    def _check(self, obs: object, z: object, generator: object = None) -> None:
        """(s, z) rows the network can read: a concatenation of other widths or leading shapes
        would fail deep in the MLP, or broadcast."""
        _rows("obs", obs, self.obs_dim)
        _rows("z", z, self.latent_dim)
        if obs.shape[:-1] != z.shape[:-1]:
            raise ValueError(
                f"obs and z must have one leading shape (one z per observation), got obs "
                f"{tuple(obs.shape)} and z {tuple(z.shape)}"
            )
        if generator is not None:
            check_instance("generator", generator, torch.Generator, "a torch.Generator or None")

    def forward(self, obs: Tensor, z: Tensor) -> tuple[Tensor, Tensor]:
        """``(mean, log_std)`` of the Gaussian before the tanh, each ``[..., action_dim]``."""
        self._check(obs, z)
        return self._forward(obs, z)

    def _forward(self, obs: Tensor, z: Tensor) -> tuple[Tensor, Tensor]:
        out = self.net(torch.cat([obs, z], dim=-1))
        mean, log_std = out[..., : self.action_dim], out[..., self.action_dim :]
        return mean, log_std.clamp(LOG_STD_MIN, LOG_STD_MAX)

    def sample(
        self, obs: Tensor, z: Tensor, generator: torch.Generator | None = None
    ) -> tuple[Tensor, Tensor]:
        """A reparameterised action and its log-probability: ``(a [..., A], log π [...])``.

        The noise is drawn from ``generator`` (never torch's global RNG); gradients flow to the
        actor through the mean and σ.
        """
        self._check(obs, z, generator)
        return self._sample(obs, z, generator)

    def _sample(
        self, obs: Tensor, z: Tensor, generator: torch.Generator | None
    ) -> tuple[Tensor, Tensor]:
        mean, log_std = self._forward(obs, z)
        noise = torch.randn(mean.shape, generator=generator, device=mean.device)
        u = mean + log_std.exp() * noise
        return torch.tanh(u), _tanh_gaussian_log_prob(u, mean, log_std)

    def act(
        self,
        obs: Tensor,
        z: Tensor,
        generator: torch.Generator | None = None,
        deterministic: bool = False,
    ) -> Tensor:
        """An action to play: ``tanh(mean)`` if ``deterministic`` (evaluation), else a sample."""
        self._check(obs, z, generator)
        return self._act(obs, z, generator, check_bool("deterministic", deterministic))

    @torch.no_grad()
    def _act(
        self, obs: Tensor, z: Tensor, generator: torch.Generator | None, deterministic: bool
    ) -> Tensor:
        if deterministic:
            return torch.tanh(self._forward(obs, z)[0])
        return self._sample(obs, z, generator)[0]


class _EnsembleLinear(nn.Module):
    """The weights of ``members`` independent linear layers, stacked (``TwinQ`` applies them at
    once with one batched matrix product)."""

    def __init__(self, members: int, in_features: int, out_features: int):
        super().__init__()
        bound = 1.0 / math.sqrt(in_features)  # nn.Linear's default initialisation, per member
        self.weight = nn.Parameter(
            torch.empty(members, in_features, out_features).uniform_(-bound, bound)
        )
        self.bias = nn.Parameter(torch.empty(members, 1, out_features).uniform_(-bound, bound))


class TwinQ(nn.Module):
    """Q_1(s, a, z) and Q_2(s, a, z): two independent MLPs, evaluated together.

    The two critics are stored as one ensemble and run with batched matrix products, so both cost
    one call per layer instead of two: the same maths as two ``mlp`` networks, about half the
    per-call overhead that dominates small networks on a CPU.
    """

    def __init__(self, input_size: int, hidden_sizes: Sequence[int]):
        super().__init__()
        self.input_size = check_int("input_size", input_size, 1, 10_000)
        sizes = [
            self.input_size,
            *check_hidden_sizes(hidden_sizes),
            1,
        ]
        self.layers = nn.ModuleList(_EnsembleLinear(2, a, b) for a, b in zip(sizes[:-1], sizes[1:]))

    def forward(self, obs: Tensor, action: Tensor, z: Tensor, *, frozen: bool = False) -> Tensor:
        """``[2, N]``: both critics' values of N (s, a, z) rows (inputs ``[N, ·]``).

        ``frozen=True`` uses the weights as constants: gradients reach the inputs (the actor's
        action) but not the critics, which is how the actor's loss reads the critics. The
        inputs are checked (float ``[N, ·]`` each, one N, finite, widths summing to
        ``input_size``); PEARL's losses, on a checked batch, call the unchecked ``_values``.
        """
        rows = [_rows(k, v) for k, v in (("obs", obs), ("action", action), ("z", z))]
        shapes = [tuple(v.shape) for v in rows]
        if (
            any(v.dim() != 2 or len(v) != len(obs) for v in rows)
            or sum(v.shape[-1] for v in rows) != self.input_size
        ):
            raise ValueError(
                f"obs, action and z must be [N, ·] with one N and widths summing to input_size "
                f"{self.input_size}, got obs {shapes[0]}, action {shapes[1]} and z {shapes[2]}"
            )
        return self._values(obs, action, z, check_bool("frozen", frozen))

    def _values(self, obs: Tensor, action: Tensor, z: Tensor, frozen: bool = False) -> Tensor:
        x = torch.cat([obs, action, z], dim=-1).expand(2, -1, -1)
        for i, layer in enumerate(self.layers):
            w, b = (
                (layer.weight.detach(), layer.bias.detach())
                if frozen
                else (layer.weight, layer.bias)
            )
            x = torch.baddbmm(b, x, w)
            if i < len(self.layers) - 1:
                x = torch.relu(x)
        return x.squeeze(-1)


def soft_q_target(
    rewards: Tensor,
    dones: Tensor,
    next_q: Tensor,
    next_logprob: Tensor,
    *,
    gamma: float,
    alpha: float | Tensor,
) -> Tensor:
    """The soft Bellman target y = r + γ (1 − d) (min_i Q̄_i(s′, a′) − α log π(a′|s′)), ``[N]``.

    ``next_q [2, N]`` are the *target* critics' values at a′ ∼ π(·|s′); ``dones`` 1 where the
    episode terminated at s′ (a time-limit cut is not a termination: the value goes on).
    ``rewards``, ``dones`` and ``next_logprob`` are ``[N]`` (checked: an ``[N, 1]`` would
    broadcast against ``[N]`` into ``[N, N]``).
    """
    _per_row("rewards", rewards)
    _per_row("next_logprob", next_logprob, rewards, "rewards")
    _both_critics("next_q", next_q, rewards, "rewards")
    dones = check_tensor("dones", dones, ndim=1)
    if len(dones) != len(rewards):
        raise ValueError(
            f"dones and rewards must have one number per row, got dones {tuple(dones.shape)} and "
            f"rewards {tuple(rewards.shape)}"
        )
    if dones.dtype != torch.bool and bool(((dones != 0) & (dones != 1)).any()):
        raise ValueError(
            f"dones must be 0 or 1 (1 where the episode terminated), got {dones.unique().tolist()}"
        )
    _scalar("gamma", gamma, 0.0, 1.0)
    _scalar("alpha", alpha, 0.0, math.inf)
    soft_value = next_q.min(0).values - alpha * next_logprob
    target = rewards + gamma * (1.0 - dones.float()) * soft_value
    return _finite_or_blame(
        target, "the soft target", rewards=rewards, next_q=next_q, next_logprob=next_logprob
    )


def critic_loss(q_pred: Tensor, target: Tensor) -> Tensor:
    """Σ_i mean((Q_i(s, a) − y)²) over both critics (``q_pred [2, N]``, ``target [N]``)."""
    _both_critics("q_pred", q_pred, _per_row("target", target), "target")
    loss = (q_pred - target.detach()).square().mean(-1).sum()
    return _finite_or_blame(loss, "the critics' loss", q_pred=q_pred, target=target)


def actor_loss(logprob: Tensor, q_new: Tensor, alpha: float | Tensor) -> Tensor:
    """mean(α log π(a|s) − min_i Q_i(s, a)) at fresh actions a ∼ π(·|s) (``q_new [2, N]``)."""
    _both_critics("q_new", q_new, _per_row("logprob", logprob), "logprob")
    _scalar("alpha", alpha, 0.0, math.inf)
    loss = (alpha * logprob - q_new.min(0).values).mean()
    return _finite_or_blame(loss, "the actor's loss", logprob=logprob, q_new=q_new)


def temperature_loss(log_alpha: Tensor, logprob: Tensor, target_entropy: float) -> Tensor:
    """−mean(log α · (log π + target_entropy)): raises α when the entropy −log π falls below the
    target, lowers it when above (SAC v2; the form Stable-Baselines3 uses)."""
    _floats("log_alpha", log_alpha, ndim=0)
    _per_row("logprob", logprob)
    _scalar("target_entropy", target_entropy, -1e3, 1e3)  # PEARLConfig's range
    loss = -(log_alpha * (logprob.detach() + target_entropy)).mean()
    return _finite_or_blame(loss, "the temperature's loss", log_alpha=log_alpha, logprob=logprob)


@torch.no_grad()
def polyak_update(target: nn.Module, source: nn.Module, tau: float) -> None:
    """Q̄ ← (1 − τ) Q̄ + τ Q, parameter by parameter (in place, no gradient).

    ``target`` and ``source`` must be the same architecture (checked: ``zip`` over two different
    networks would silently move some weights towards the wrong ones and skip the rest). The
    weights' finiteness is not checked here, every step: a NaN critic makes its loss NaN, and
    :func:`critic_loss` names it.
    """
    check_instance("target", target, nn.Module, "a torch.nn.Module (the target critics)")
    check_instance("source", source, nn.Module, "a torch.nn.Module (the critics)")
    check_real("tau", tau, 0.0, 1.0)
    targets, sources = list(target.parameters()), list(source.parameters())
    if (
        not targets
        or len(targets) != len(sources)
        or any(t.shape != s.shape for t, s in zip(targets, sources))
    ):
        raise ValueError(
            "target and source must have the same parameters (the same architecture, at least "
            f"one weight), got shapes {[tuple(t.shape) for t in targets]} and "
            f"{[tuple(s.shape) for s in sources]}"
        )
    for t, s in zip(targets, sources):
        t.lerp_(s, tau)
