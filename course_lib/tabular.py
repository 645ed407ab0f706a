"""A tiny tabular Markov decision process where every answer can be computed exactly (Chapter 1).

With a handful of states, the value function (价值函数) of a policy solves a small linear
system, so every estimate the chapter builds (Monte Carlo values, the score-function policy
gradient) can be checked against the exact number:

1. :class:`TabularMDP` and :func:`chain_mdp`: states, actions, transition probabilities,
   rewards and a start distribution; the chain is the chapter's running example.
2. Policies as ``[S, A]`` tables of probabilities: :func:`epsilon_greedy_policy`,
   :func:`softmax_policy`.
3. Exact values: :func:`policy_evaluation` (repeat the Bellman equation (贝尔曼方程) until it
   stops changing), :func:`solve_values` (solve it as a linear system), :func:`action_values`,
   :func:`state_visits`; and the best possible values, :func:`value_iteration` (价值迭代).
4. Sampling: :func:`sample_episodes` and :func:`monte_carlo_values` (蒙特卡洛 estimates).
5. The policy gradient: :func:`exact_policy_gradient` (autograd through the linear solve),
   :func:`score_function_gradient` (the REINFORCE estimate from sampled episodes, built on
   :func:`course_lib.pg.reinforce_loss` via :func:`score_function_estimates`) and
   :func:`expected_score_function_gradient` (what that estimate averages to, exactly, for
   each weighting: dropping γ^t, as most code does, changes it).

Everything is float64 torch, so the exact answers are exact to ~1e-12.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from course_lib.pg import reinforce_loss, reward_to_go
from course_lib.validation import (
    check_bool,
    check_choice,
    check_finite,
    check_int,
    check_real,
    check_same_shape,
    check_sequence,
    check_tensor,
)

__all__ = [
    "TabularMDP",
    "chain_mdp",
    "epsilon_greedy_policy",
    "softmax_policy",
    "policy_evaluation",
    "solve_values",
    "action_values",
    "expected_return",
    "state_visits",
    "value_iteration",
    "TabularEpisodes",
    "sample_episodes",
    "monte_carlo_values",
    "exact_policy_gradient",
    "score_function_gradient",
    "score_function_estimates",
    "expected_score_function_gradient",
]

DTYPE = torch.float64
#: Caps on sampling sizes (a typo should not allocate gigabytes), stated in the errors.
MAX_EPISODES = 1_000_000
MAX_STEPS = 10_000
#: Episode-steps of one sampling call (num_episodes × max_steps), the worst case's work: the
#: course samples a few thousand episodes of tens of steps; 10**8 is about a minute.
MAX_EPISODE_STEPS = 10**8
#: Bellman sweeps of :func:`policy_evaluation` and :func:`value_iteration`. Each sweep shrinks
#: the error by γ, so 100,000 sweeps reach 1e-12 for any γ up to 1 − 3e-4; a sweep of the
#: course's MDPs takes about 10 µs, so the cap is about a second of work.
MAX_SWEEPS = 100_000
#: Actions of a table's policy: the course's tables have 2 to 4; a one-hot row of 10,000 is
#: still instant, a typo's 10**12 would not be.
MAX_ACTIONS = 10_000


# --------------------------------------------------------------------------------------------
# 1. The MDP
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TabularMDP:
    """A finite MDP with an absorbing end: S states, A actions.

    ``transitions[s, a, s']`` is P(s' | s, a) among the S non-terminal states; whatever
    probability is missing from a row (1 − Σ_s' P) is the chance that the episode ends after
    taking a in s. ``rewards[s, a]`` is the expected reward of that step and ``start[s]``
    the probability that an episode starts in s.
    """

    transitions: torch.Tensor  # [S, A, S]
    rewards: torch.Tensor  # [S, A]
    start: torch.Tensor  # [S]
    state_names: tuple[str, ...] = ()
    action_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("transitions", "rewards", "start"):
            given = check_tensor(name, getattr(self, name))
            if given.dtype == torch.bool or given.is_complex():  # a mask or a complex typo
                raise TypeError(f"{name} must be real numbers, got dtype {given.dtype}")
            value = given.to(DTYPE)
            if name != "rewards" and not bool(torch.isfinite(value).all()):
                raise ValueError(f"{name} must be finite probabilities, got NaN or inf")
            object.__setattr__(self, name, check_finite(name, value))
        for name in ("state_names", "action_names"):
            object.__setattr__(self, name, check_sequence(name, getattr(self, name), of=str))
        P, R, mu = self.transitions, self.rewards, self.start
        if P.dim() != 3 or P.shape[0] != P.shape[2] or P.shape[0] < 1 or P.shape[1] < 1:
            raise ValueError(f"transitions must have shape [S, A, S], got {tuple(P.shape)}")
        S, A = P.shape[0], P.shape[1]
        if R.shape != (S, A):
            raise ValueError(f"rewards must have shape [S, A] = [{S}, {A}], got {tuple(R.shape)}")
        if mu.shape != (S,):
            raise ValueError(f"start must have shape [S] = [{S}], got {tuple(mu.shape)}")
        if (P < 0).any() or (P.sum(-1) > 1 + 1e-9).any():
            raise ValueError(
                "transitions must be probabilities >= 0 with every row summing to <= 1, got "
                f"entries from {float(P.min()):g} and row sums up to {float(P.sum(-1).max()):g}"
            )
        if (mu < 0).any() or abs(float(mu.sum()) - 1) > 1e-9:
            raise ValueError(f"start must be a probability vector summing to 1, got {mu.tolist()}")
        names = (("state_names", S), ("action_names", A))
        for name, size in names:
            given = getattr(self, name)
            if given and len(given) != size:
                raise ValueError(f"{name} must name all {size} of them (or none), got {given!r}")

    @property
    def num_states(self) -> int:
        return self.transitions.shape[0]

    @property
    def num_actions(self) -> int:
        return self.transitions.shape[1]


def chain_mdp(
    num_states: int = 5, goal_reward: float = 1.0, exit_reward: float = 0.1
) -> TabularMDP:
    """A corridor of ``num_states`` cells; the episode starts in the leftmost, s0.

    Action 0 (left) moves one cell left, action 1 (right) one cell right. Moving left from
    s0 leaves by the near exit (reward ``exit_reward``, the episode ends); moving right from
    the last cell reaches the goal (reward ``goal_reward``, the episode ends). Every other
    step pays 0. A small sure reward now against a bigger one later: the discount factor
    decides which is worth more.
    """
    n = check_int("num_states", num_states, 1)
    if n > 100:
        raise ValueError(f"num_states must be <= 100 (a small, exact example), got {n}")
    goal = check_real("goal_reward", goal_reward, -1e6, 1e6)
    exit_ = check_real("exit_reward", exit_reward, -1e6, 1e6)
    P = torch.zeros(n, 2, n, dtype=DTYPE)
    R = torch.zeros(n, 2, dtype=DTYPE)
    for s in range(n):
        if s > 0:
            P[s, 0, s - 1] = 1.0
        if s < n - 1:
            P[s, 1, s + 1] = 1.0
    R[0, 0], R[n - 1, 1] = exit_, goal
    start = torch.zeros(n, dtype=DTYPE)
    start[0] = 1.0
    return TabularMDP(P, R, start, tuple(f"s{s}" for s in range(n)), ("left", "right"))


# --------------------------------------------------------------------------------------------
# 2. Policies
# --------------------------------------------------------------------------------------------


def _check_policy(mdp: TabularMDP, policy: object) -> torch.Tensor:
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
    if not isinstance(policy, torch.Tensor):
        raise TypeError(
            f"policy must be a torch.Tensor of shape [S, A], got {type(policy).__name__}"
        )
    shape = (mdp.num_states, mdp.num_actions)
    if tuple(policy.shape) != shape:
        raise ValueError(
            f"policy must have shape [S, A] = {list(shape)}, got {tuple(policy.shape)}"
        )
    check_finite("policy", policy)
    sums = policy.sum(-1).to(DTYPE)
    if (policy < 0).any() or not torch.allclose(sums, torch.ones(shape[0], dtype=DTYPE)):
        raise ValueError(
            "policy must hold probabilities: every row >= 0 and summing to 1, got entries "
            f"from {float(policy.min()):g} and row sums {[round(v, 6) for v in sums.tolist()]}"
        )
    return policy.to(DTYPE)


def epsilon_greedy_policy(
    best_actions: torch.Tensor, num_actions: int, epsilon: float
) -> torch.Tensor:
    """π(a|s) = (1 − ε)·[a = best(s)] + ε / A: ε = 0 always takes the best action, ε = 1 is uniform."""
    if not isinstance(best_actions, torch.Tensor) or best_actions.dim() != 1:
        raise TypeError(
            f"best_actions must be a 1-D tensor of action indices, got {best_actions!r}"
        )
    A = check_int("num_actions", num_actions, 1, MAX_ACTIONS)
    if (
        best_actions.dtype.is_floating_point
        or best_actions.dtype in (torch.bool, torch.complex64, torch.complex128)
        or (best_actions < 0).any()
        or (best_actions >= A).any()
    ):
        raise ValueError(f"best_actions must be integers in [0, {A}), got {best_actions.tolist()}")
    eps = check_real("epsilon", epsilon, 0.0, 1.0)
    greedy = torch.nn.functional.one_hot(best_actions.long(), A).to(DTYPE)
    return (1 - eps) * greedy + eps / A


def softmax_policy(theta: torch.Tensor) -> torch.Tensor:
    """π_θ(a|s) = exp θ[s, a] / Σ_b exp θ[s, b]: one free parameter per state and action."""
    if not isinstance(theta, torch.Tensor) or theta.dim() != 2:
        raise TypeError(f"theta must be a 2-D tensor [S, A] of preferences, got {theta!r}")
    if not theta.is_floating_point():  # an int table is a typo for a float one: say so
        raise TypeError(f"theta must be a floating-point tensor, got dtype {theta.dtype}")
    if theta.shape[1] == 0:
        raise ValueError(
            f"theta must have at least one action column, got shape {list(theta.shape)}"
        )
    return torch.softmax(check_finite("theta", theta).to(DTYPE), dim=-1)


# --------------------------------------------------------------------------------------------
# 3. Exact values
# --------------------------------------------------------------------------------------------


def _under_policy(mdp: TabularMDP, policy: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """r_π[s] = Σ_a π(a|s) r(s, a) and P_π[s, s'] = Σ_a π(a|s) P(s'|s, a)."""
    r_pi = (policy * mdp.rewards).sum(-1)
    P_pi = torch.einsum("sa,sat->st", policy, mdp.transitions)
    return r_pi, P_pi


def policy_evaluation(
    mdp: TabularMDP,
    policy: torch.Tensor,
    gamma: float,
    *,
    tol: float = 1e-10,
    max_sweeps: int = 10_000,
) -> tuple[torch.Tensor, list[float]]:
    """Iterative policy evaluation: V ← r_π + γ P_π V, from V = 0, until no value moves by ``tol``.

    Returns V^π (shape [S]) and the largest change of each sweep (it shrinks by about γ per
    sweep). Raises ``RuntimeError`` if ``max_sweeps`` pass first (e.g. γ = 1 with a policy
    that never ends the episode: the values are infinite).
    """
    policy = _check_policy(mdp, policy)
    gamma = check_real("gamma", gamma, 0.0, 1.0)
    tol = check_real("tol", tol, 0.0, 1.0, lo_open=True)
    max_sweeps = check_int("max_sweeps", max_sweeps, 1, MAX_SWEEPS)
    r_pi, P_pi = _under_policy(mdp, policy)
    V = torch.zeros(mdp.num_states, dtype=DTYPE)
    changes: list[float] = []
    for _ in range(max_sweeps):
        V_new = r_pi + gamma * P_pi @ V  # the Bellman equation, applied once to every state
        changes.append(float((V_new - V).abs().max()))
        V = V_new
        if changes[-1] < tol:
            return V, changes
    raise RuntimeError(
        f"policy evaluation did not converge in {max_sweeps} sweeps (last change {changes[-1]:.3g}); "
        "with gamma = 1 the policy must end every episode"
    )


def solve_values(mdp: TabularMDP, policy: torch.Tensor, gamma: float) -> torch.Tensor:
    """V^π exactly, from the Bellman equation as a linear system: (I − γ P_π) V = r_π.

    Differentiable in ``policy`` (``torch.linalg.solve``), which is how
    :func:`exact_policy_gradient` gets the exact gradient.
    """
    policy = _check_policy(mdp, policy)
    gamma = check_real("gamma", gamma, 0.0, 1.0)
    r_pi, P_pi = _under_policy(mdp, policy)
    system = torch.eye(mdp.num_states, dtype=DTYPE) - gamma * P_pi
    if not torch.linalg.cond(system.detach()) < 1e12:  # singular: some episode never ends
        raise ValueError(
            "the values are infinite: with gamma = 1 the policy must end every episode"
        )
    V = torch.linalg.solve(system, r_pi)
    return V


def action_values(mdp: TabularMDP, policy: torch.Tensor, gamma: float) -> torch.Tensor:
    """Q^π(s, a) = r(s, a) + γ Σ_s' P(s'|s, a) V^π(s'), shape [S, A]."""
    V = solve_values(mdp, policy, gamma)
    return mdp.rewards + gamma * mdp.transitions @ V


def expected_return(mdp: TabularMDP, policy: torch.Tensor, gamma: float) -> torch.Tensor:
    """J(π) = Σ_s start(s) V^π(s): the objective a policy gradient climbs."""
    values = solve_values(mdp, policy, gamma)  # checks mdp and policy first
    return mdp.start @ values


def state_visits(mdp: TabularMDP, policy: torch.Tensor, discount: float) -> torch.Tensor:
    """d(s) = Σ_t discount^t · P(s_t = s): how often an episode visits s, each visit at t
    counted discount^t times (``discount = 1``: the expected number of visits).

    The row vector solves d = start + discount · d P_π, i.e. (I − discount P_π)ᵀ d = start.
    """
    policy = _check_policy(mdp, policy)
    discount = check_real("discount", discount, 0.0, 1.0)
    _, P_pi = _under_policy(mdp, policy)
    system = torch.eye(mdp.num_states, dtype=DTYPE) - discount * P_pi
    if not torch.linalg.cond(system.detach()) < 1e12:
        raise ValueError(
            "the visits are infinite: with discount = 1 the policy must end every episode"
        )
    return torch.linalg.solve(system.T, mdp.start)


def value_iteration(
    mdp: TabularMDP, gamma: float, *, tol: float = 1e-12, max_sweeps: int = 10_000
) -> tuple[torch.Tensor, list[float]]:
    """The optimal action values Q*, by value iteration (价值迭代), from Q = 0:

        Q(s, a) ← r(s, a) + γ Σ_s' P(s'|s, a) max_a' Q(s', a')

    (the Bellman optimality equation, applied to every pair at once) until no entry moves
    by ``tol``. Returns Q* (shape [S, A]) and the largest change of each sweep; like policy
    evaluation, each sweep shrinks the error by at least γ (Bellman 1957; Sutton & Barto
    2018, §4.4). Acting greedily on Q* is an optimal policy. Raises ``RuntimeError`` if
    ``max_sweeps`` pass first (γ = 1 where some policy collects reward forever).
    """
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
    gamma = check_real("gamma", gamma, 0.0, 1.0)
    tol = check_real("tol", tol, 0.0, 1.0, lo_open=True)
    max_sweeps = check_int("max_sweeps", max_sweeps, 1, MAX_SWEEPS)
    Q = torch.zeros(mdp.num_states, mdp.num_actions, dtype=DTYPE)
    changes: list[float] = []
    for _ in range(max_sweeps):
        Q_new = mdp.rewards + gamma * mdp.transitions @ Q.max(-1).values
        changes.append(float((Q_new - Q).abs().max()))
        Q = Q_new
        if changes[-1] < tol:
            return Q, changes
    raise RuntimeError(
        f"value iteration did not converge in {max_sweeps} sweeps (last change {changes[-1]:.3g})"
    )


# --------------------------------------------------------------------------------------------
# 4. Sampled episodes and Monte Carlo values
# --------------------------------------------------------------------------------------------


@dataclass
class TabularEpisodes:
    """N sampled episodes, time-major and padded: ``mask[t, i]`` is 1 while episode i runs."""

    states: torch.Tensor  # [T, N] long
    actions: torch.Tensor  # [T, N] long
    rewards: torch.Tensor  # [T, N], 0 on padding
    mask: torch.Tensor  # [T, N]

    def __post_init__(self) -> None:
        # Built by hand too (Chapter 1's one straight episode): four [T, N] tensors, integer
        # states and actions (they index tables), finite rewards and a 0/1 mask.
        for name in ("states", "actions"):
            value = check_tensor(name, getattr(self, name), ndim=2)
            if value.is_floating_point() or value.dtype == torch.bool or bool((value < 0).any()):
                raise ValueError(
                    f"{name} must be a [T, N] tensor of integer indices >= 0, got dtype "
                    f"{value.dtype}, smallest {value.min().item() if value.numel() else None}"
                )
        for name in ("rewards", "mask"):
            check_tensor(name, getattr(self, name), ndim=2, floating=True, finite=True)
        if bool(((self.mask != 0) & (self.mask != 1)).any()):
            raise ValueError(
                f"mask must hold 0 and 1 only, got values {self.mask.unique().tolist()[:5]}"
            )
        check_same_shape(
            states=self.states, actions=self.actions, rewards=self.rewards, mask=self.mask
        )

    @property
    def lengths(self) -> torch.Tensor:
        return self.mask.sum(0).long()


def sample_episodes(
    mdp: TabularMDP,
    policy: torch.Tensor,
    num_episodes: int,
    *,
    generator: torch.Generator | None = None,
    max_steps: int = 1_000,
) -> TabularEpisodes:
    """Play ``num_episodes`` episodes side by side, each step drawing a ~ π(·|s), then s'.

    An episode still running after ``max_steps`` steps is cut there (truncated).
    """
    policy = _check_policy(mdp, policy).detach()
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {generator!r}")
    n = check_int("num_episodes", num_episodes, 1)
    if n > MAX_EPISODES:
        raise ValueError(f"num_episodes must be <= {MAX_EPISODES}, got {n}")
    max_steps = check_int("max_steps", max_steps, 1)
    if max_steps > MAX_STEPS:
        raise ValueError(f"max_steps must be <= {MAX_STEPS}, got {max_steps}")
    if n * max_steps > MAX_EPISODE_STEPS:
        raise ValueError(
            f"num_episodes × max_steps must be at most {MAX_EPISODE_STEPS:_} episode-steps, "
            f"got {n:_} × {max_steps:_} = {n * max_steps:_}"
        )
    S = mdp.num_states
    # Next-state distribution with one extra column: "the episode ends" (index S).
    next_dist = torch.cat(
        [mdp.transitions, 1 - mdp.transitions.sum(-1, keepdim=True)], -1
    ).clamp_min(0)
    state = torch.multinomial(mdp.start.expand(n, S), 1, generator=generator).squeeze(-1)
    running = torch.ones(n, dtype=torch.bool)
    states, actions, rewards, masks = [], [], [], []
    for _ in range(max_steps):
        action = torch.multinomial(policy[state], 1, generator=generator).squeeze(-1)
        nxt = torch.multinomial(next_dist[state, action], 1, generator=generator).squeeze(-1)
        states.append(state)
        actions.append(action)
        rewards.append(mdp.rewards[state, action] * running)
        masks.append(running.to(DTYPE))
        running = running & (nxt < S)
        if not running.any():
            break
        state = torch.where(running, nxt, 0)  # finished episodes idle in s0, masked out
    return TabularEpisodes(*(torch.stack(x) for x in (states, actions, rewards, masks)))


def monte_carlo_values(
    mdp: TabularMDP, episodes: TabularEpisodes, gamma: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Every-visit Monte Carlo: V(s) ≈ the average return G_t over all visits to s; Q(s, a) alike.

    Returns ``(V, Q)``; a state (or pair) never visited is NaN.
    """
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
    if not isinstance(episodes, TabularEpisodes):
        raise TypeError(f"episodes must come from sample_episodes, got {type(episodes).__name__}")
    _check_episode_actions(mdp, episodes)
    returns = reward_to_go(episodes.rewards, gamma)  # G_t of every step
    visited = episodes.mask.bool()
    s, a, g = episodes.states[visited], episodes.actions[visited], returns[visited]
    S, A = mdp.num_states, mdp.num_actions
    totals_v = torch.zeros(S, dtype=DTYPE).index_add_(0, s, g)
    counts_v = torch.zeros(S, dtype=DTYPE).index_add_(0, s, torch.ones_like(g))
    totals_q = torch.zeros(S * A, dtype=DTYPE).index_add_(0, s * A + a, g)
    counts_q = torch.zeros(S * A, dtype=DTYPE).index_add_(0, s * A + a, torch.ones_like(g))
    return totals_v / counts_v, (totals_q / counts_q).reshape(S, A)  # 0 / 0 = NaN: unvisited


# --------------------------------------------------------------------------------------------
# 5. The policy gradient, exactly and by sampling
# --------------------------------------------------------------------------------------------


def _check_episode_actions(mdp: TabularMDP, episodes: TabularEpisodes) -> None:
    """The episodes' states and actions index ``mdp``'s tables (else they came from another MDP)."""
    top_s, top_a = int(episodes.states.max()), int(episodes.actions.max())
    if top_s >= mdp.num_states or top_a >= mdp.num_actions:
        raise ValueError(
            f"episodes must have been sampled from this mdp ({mdp.num_states} states, "
            f"{mdp.num_actions} actions), got states up to {top_s} and actions up to {top_a}"
        )


def exact_policy_gradient(mdp: TabularMDP, theta: torch.Tensor, gamma: float) -> torch.Tensor:
    """∇_θ J(π_θ) for the softmax policy, exactly: autograd through :func:`solve_values`."""
    theta = _as_theta(mdp, theta)
    (grad,) = torch.autograd.grad(expected_return(mdp, softmax_policy(theta), gamma), theta)
    return grad


#: What multiplies ∇log π(a_t|s_t) at step t (b is the baseline):
#:
#: * ``"plain"``: G_0 − b(s_t), the whole episode's return (Williams 1992);
#: * ``"discounted_reward_to_go"``: γ^t (G_t − b(s_t)), the rewards from step t on;
#: * ``"reward_to_go"``: G_t − b(s_t), γ^t dropped, as :func:`course_lib.pg.episode_weights`
#:   and most code write it.
#:
#: The first two average to ∇J exactly; the third does not when γ < 1
#: (:func:`expected_score_function_gradient`).
WEIGHTINGS = ("plain", "discounted_reward_to_go", "reward_to_go")


def score_function_gradient(
    mdp: TabularMDP,
    theta: torch.Tensor,
    gamma: float,
    num_episodes: int,
    *,
    weighting: str = "discounted_reward_to_go",
    baseline: float | torch.Tensor | None = None,
    per_episode: bool = False,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """The REINFORCE estimate of ∇_θ J from ``num_episodes`` episodes sampled with π_θ.

    The weights w_t of ``weighting`` (see :data:`WEIGHTINGS`; ``baseline`` b is ``None``
    (0), a number, or one value per state ``[S]``), then the gradient of
    :func:`course_lib.pg.reinforce_loss` (:func:`score_function_estimates`). Returns the
    batch estimate ``[S, A]``, or with ``per_episode`` every episode's own estimate
    ``[N, S, A]`` (their mean is the batch estimate), which measuring the variance needs.
    """
    theta, b = _score_inputs(mdp, theta, weighting, baseline, per_episode)
    episodes = sample_episodes(mdp, softmax_policy(theta), num_episodes, generator=generator)
    returns = reward_to_go(episodes.rewards, gamma)
    discount = gamma ** torch.arange(returns.shape[0], dtype=DTYPE).unsqueeze(1)  # γ^t
    if weighting == "plain":
        weights = returns[0].expand_as(returns) - b[episodes.states]
    elif weighting == "discounted_reward_to_go":
        weights = discount * (returns - b[episodes.states])
    else:
        weights = returns - b[episodes.states]
    estimates = score_function_estimates(theta, episodes, weights)
    return estimates if per_episode else estimates.mean(0)


def score_function_estimates(
    theta: torch.Tensor, episodes: TabularEpisodes, weights: torch.Tensor
) -> torch.Tensor:
    """Every episode's own estimate Σ_t ∇_θ log π_θ(a_t|s_t) · w_t, shape ``[N, S, A]``.

    ``weights`` ``[T, N]`` are any per-step weights (returns, advantages, GAE); the
    estimate is the gradient of :func:`course_lib.pg.reinforce_loss`, taken with respect to
    one copy of θ per episode, so copy i's gradient is episode i's estimate.
    """
    if not isinstance(episodes, TabularEpisodes):
        raise TypeError(f"episodes must come from sample_episodes, got {type(episodes).__name__}")
    if not isinstance(theta, torch.Tensor) or theta.dim() != 2:
        raise TypeError(f"theta must be a 2-D tensor [S, A] of preferences, got {theta!r}")
    check_finite("theta", theta)
    if (
        int(episodes.states.max()) >= theta.shape[0]
        or int(episodes.actions.max()) >= theta.shape[1]
    ):
        raise ValueError(
            f"episodes must have been sampled from an MDP of theta's shape {list(theta.shape)}, "
            f"got states up to {int(episodes.states.max())} and actions up to "
            f"{int(episodes.actions.max())}"
        )
    if not isinstance(weights, torch.Tensor) or weights.shape != episodes.states.shape:
        shape = (
            tuple(weights.shape) if isinstance(weights, torch.Tensor) else type(weights).__name__
        )
        raise ValueError(
            f"weights must be a tensor of the episodes' shape [T, N] = "
            f"{list(episodes.states.shape)}, got {shape}"
        )
    check_finite("weights", weights)
    n = episodes.states.shape[1]
    copies = theta.detach().to(DTYPE).expand(n, *theta.shape).clone().requires_grad_(True)
    log_pi = torch.log_softmax(copies, dim=-1)  # [N, S, A]
    logprobs = log_pi[torch.arange(n), episodes.states, episodes.actions]  # [T, N]
    loss = reinforce_loss(logprobs, weights.to(DTYPE), episodes.mask)
    (grad,) = torch.autograd.grad(loss, copies)
    return -grad * n  # the loss is the mean over episodes of −(each episode's estimate of J)


def expected_score_function_gradient(
    mdp: TabularMDP, theta: torch.Tensor, gamma: float, weighting: str = "discounted_reward_to_go"
) -> torch.Tensor:
    """What :func:`score_function_gradient` averages to, exactly: E[Σ_t ∇log π(a_t|s_t) w_t].

    Given (s_t, a_t), the rest of the return averages to Q^π(s_t, a_t), so the expectation
    is Σ_s d(s) Σ_a ∇_θ π_θ(a|s) Q^π(s, a) with d the visits of :func:`state_visits`:

    * ``"plain"`` and ``"discounted_reward_to_go"``: d counts a visit at t as γ^t, and this
      is ∇J (the policy gradient theorem; Sutton et al. 2000);
    * ``"reward_to_go"`` (γ^t dropped): d counts every visit once. Q keeps its γ, the
      state weighting loses it: for γ < 1 this is not ∇J (Thomas 2014), nor the gradient
      of any function in general (Nota & Thomas 2020).

    A baseline b(s) changes no expectation, so it is not an argument.
    """
    theta = _as_theta(mdp, theta)
    check_choice("weighting", weighting, WEIGHTINGS)
    policy = softmax_policy(theta)
    Q = action_values(mdp, policy.detach(), gamma)
    discount = 1.0 if weighting == "reward_to_go" else gamma
    d = state_visits(mdp, policy.detach(), discount)
    (grad,) = torch.autograd.grad((d.unsqueeze(1) * policy * Q).sum(), theta)
    return grad


def _score_inputs(
    mdp: TabularMDP, theta: object, weighting: object, baseline: object, per_episode: object
) -> tuple[torch.Tensor, torch.Tensor]:
    """Checked inputs of :func:`score_function_gradient`: θ as a leaf, the baseline per state."""
    if weighting not in WEIGHTINGS:
        raise ValueError(f"weighting must be one of {WEIGHTINGS}, got {weighting!r}")
    check_bool("per_episode", per_episode)
    return _as_theta(mdp, theta), _check_baseline(mdp, baseline)


def _as_theta(mdp: TabularMDP, theta: object) -> torch.Tensor:
    """A fresh float64 leaf copy of ``theta`` [S, A] that autograd can differentiate."""
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
    shape = (mdp.num_states, mdp.num_actions)
    if not isinstance(theta, torch.Tensor) or tuple(theta.shape) != shape:
        raise ValueError(f"theta must be a tensor of shape [S, A] = {list(shape)}, got {theta!r}")
    check_finite("theta", theta)
    return theta.detach().to(DTYPE).requires_grad_(True)


def _check_baseline(mdp: TabularMDP, baseline: object) -> torch.Tensor:
    """The baseline as one value per state."""
    S = mdp.num_states
    if baseline is None:
        return torch.zeros(S, dtype=DTYPE)
    if isinstance(baseline, torch.Tensor):
        if baseline.shape != (S,):
            raise ValueError(
                f"baseline must be a number or a tensor of shape [S] = [{S}], got {tuple(baseline.shape)}"
            )
        return baseline.detach().to(DTYPE)
    return torch.full((S,), check_real("baseline", baseline, -1e9, 1e9), dtype=DTYPE)
