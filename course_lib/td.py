"""Learning values one step at a time: incremental Monte Carlo, TD(0) and Q-learning (Chapter 1).

:mod:`course_lib.tabular` computes values exactly, from the model. Here the agent only sees
its own experience and improves an estimate after every step, by a step size α:

1. :func:`sample_runs`: R independent learners, each playing its own K episodes
   (``runs[k]`` holds the k-th episode of every learner, one column each), so that the bias
   and the variance of an estimate can be measured across learners.
2. :func:`mc_evaluation`: constant-α Monte Carlo (蒙特卡洛), V(s_t) ← V(s_t) + α (G_t − V(s_t)):
   it waits for the episode's end to know the return G_t (first visits only).
3. :func:`td0_evaluation`: temporal-difference learning (时序差分), TD(0),
   V(s_t) ← V(s_t) + α δ_t with the TD error (时序差分误差)
   δ_t = r_t + γ V(s_{t+1}) − V(s_t): it learns from one step, using its own estimate of
   what comes next (bootstrapping; Sutton 1988).
4. :func:`q_learning_update` and :func:`q_learning`: Q-learning (Q 学习; Watkins & Dayan
   1992), Q(s, a) ← Q(s, a) + α [r + γ max_a' Q(s', a') − Q(s, a)]: it learns the optimal
   action values Q* (:func:`course_lib.tabular.value_iteration`) while acting ε-greedily.

Both evaluation methods take several step sizes at once (one learner per step size and
run, all on the same episodes: common random numbers make the comparison sharper) and
return the estimate after every episode. Everything is float64.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from numbers import Real

import torch

from course_lib.pg import reward_to_go
from course_lib.tabular import (
    DTYPE,
    MAX_EPISODES,
    MAX_STEPS,
    TabularEpisodes,
    TabularMDP,
    sample_episodes,
)
from course_lib.validation import check_int, check_real, check_tensor

__all__ = [
    "sample_runs",
    "mc_evaluation",
    "td0_evaluation",
    "q_learning_update",
    "QLearningResult",
    "q_learning",
    "greedy_actions",
]

#: Caps on the learners × episodes × step sizes a call may hold (a typo should not allocate
#: gigabytes); stated in the errors.
MAX_RUNS = 100_000
MAX_VALUES = 50_000_000


# --------------------------------------------------------------------------------------------
# 1. Many independent learners
# --------------------------------------------------------------------------------------------


def sample_runs(
    mdp: TabularMDP,
    policy: torch.Tensor,
    num_runs: int,
    num_episodes: int,
    *,
    generator: torch.Generator | None = None,
    max_steps: int = 1_000,
) -> list[TabularEpisodes]:
    """``num_episodes`` batches of ``num_runs`` episodes: ``runs[k][:, r]`` is learner r's k-th episode.

    (``sample_episodes`` checks ``mdp`` and ``policy``.)
    """
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {generator!r}")
    R = check_int("num_runs", num_runs, 1, MAX_RUNS)
    K = check_int("num_episodes", num_episodes, 1, MAX_EPISODES // R)
    max_steps = check_int("max_steps", max_steps, 1, MAX_STEPS)
    return [
        sample_episodes(mdp, policy, R, generator=generator, max_steps=max_steps) for _ in range(K)
    ]


def _check_runs(
    mdp: TabularMDP, runs: object, gamma: float, step_sizes: object, initial_value: float
) -> tuple[torch.Tensor, torch.Tensor, float]:
    """The step sizes as a column ``[A, 1]`` and the starting estimate ``[A, R, S]``."""
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
    if (
        not isinstance(runs, Sequence)
        or not runs
        or not all(isinstance(e, TabularEpisodes) for e in runs)
    ):
        raise TypeError(
            "runs must be a non-empty list of TabularEpisodes, as sample_runs returns, got "
            f"{type(runs).__name__} {runs!r:.60}"
        )
    R = runs[0].states.shape[1]
    if any(e.states.shape[1] != R for e in runs):
        raise ValueError(
            "runs must hold the same number of learners (columns) in every episode, got "
            f"{sorted({e.states.shape[1] for e in runs})}"
        )
    top = max(int(e.states.max()) for e in runs)
    if top >= mdp.num_states:
        raise ValueError(
            f"runs must have been sampled from this mdp ({mdp.num_states} states), got states "
            f"up to {top}"
        )
    gamma = check_real("gamma", gamma, 0.0, 1.0)
    if isinstance(step_sizes, Real):
        step_sizes = [step_sizes]
    if not isinstance(step_sizes, Sequence) or not step_sizes:
        raise TypeError(f"step_sizes must be a number or a list of numbers, got {step_sizes!r}")
    alphas = [check_real("step_sizes entries", a, 0.0, 1.0, lo_open=True) for a in step_sizes]
    size = (len(runs) + 1) * len(alphas) * R * mdp.num_states
    if size > MAX_VALUES:
        raise ValueError(
            f"episodes × step sizes × learners × states must be <= {MAX_VALUES:_} values, got {size:_}"
        )
    init = check_real("initial_value", initial_value, -1e6, 1e6)
    V = torch.full((len(alphas), R, mdp.num_states), init, dtype=DTYPE)
    return torch.tensor(alphas, dtype=DTYPE).unsqueeze(1), V, gamma


def _successors(episode: TabularEpisodes) -> tuple[torch.Tensor, torch.Tensor]:
    """s_{t+1} of every step, and 1 where it exists (0 after an episode's last step: the end)."""
    next_states = torch.cat([episode.states[1:], torch.zeros_like(episode.states[:1])])
    continues = torch.cat([episode.mask[1:], torch.zeros_like(episode.mask[:1])])
    return next_states, continues


# --------------------------------------------------------------------------------------------
# 2. Constant-α Monte Carlo and 3. TD(0)
# --------------------------------------------------------------------------------------------


def mc_evaluation(
    mdp: TabularMDP,
    runs: Sequence[TabularEpisodes],
    gamma: float,
    step_sizes: float | Sequence[float],
    *,
    initial_value: float = 0.0,
) -> torch.Tensor:
    """First-visit constant-α Monte Carlo: after each episode, V(s) ← V(s) + α (G_t − V(s))
    for every state s the episode visited, t its first visit.

    The return from a first visit is a clean sample of V^π(s). (Every-visit updates with a
    constant α reuse one episode's overlapping returns and lean toward its later visits: a
    small bias of their own.) Returns the estimates after 0, 1, …, K episodes, shape
    ``[K + 1, len(step_sizes), R, S]``.
    """
    alpha, V, gamma = _check_runs(mdp, runs, gamma, step_sizes, initial_value)
    learner = torch.arange(V.shape[1])
    history = [V.clone()]
    for episode in runs:
        returns = reward_to_go(episode.rewards, gamma)  # G_t needs the whole episode first
        seen = torch.zeros(V.shape[1:], dtype=torch.bool)  # [R, S]: visited earlier this episode
        for t in range(episode.states.shape[0]):
            s = episode.states[t]
            first = episode.mask[t].bool() & ~seen[learner, s]
            V[:, learner, s] += alpha * (returns[t] - V[:, learner, s]) * first
            seen[learner, s] |= first
        history.append(V.clone())
    return torch.stack(history)


def td0_evaluation(
    mdp: TabularMDP,
    runs: Sequence[TabularEpisodes],
    gamma: float,
    step_sizes: float | Sequence[float],
    *,
    initial_value: float = 0.0,
) -> torch.Tensor:
    """TD(0): after every step, V(s_t) ← V(s_t) + α δ_t, δ_t = r_t + γ V(s_{t+1}) − V(s_t).

    The value after the episode's end is 0 (an episode cut by ``max_steps`` counts as ended).
    Returns the estimates after 0, 1, …, K episodes, shape ``[K + 1, len(step_sizes), R, S]``.
    """
    alpha, V, gamma = _check_runs(mdp, runs, gamma, step_sizes, initial_value)
    learner = torch.arange(V.shape[1])
    history = [V.clone()]
    for episode in runs:
        next_states, continues = _successors(episode)
        for t in range(episode.states.shape[0]):
            s, s_next = episode.states[t], next_states[t]
            v_next = V[:, learner, s_next] * continues[t]  # V(end) = 0
            td_error = episode.rewards[t] + gamma * v_next - V[:, learner, s]
            V[:, learner, s] += alpha * td_error * episode.mask[t]
        history.append(V.clone())
    return torch.stack(history)


# --------------------------------------------------------------------------------------------
# 4. Q-learning
# --------------------------------------------------------------------------------------------


def q_learning_update(
    Q: torch.Tensor,
    state: torch.Tensor,
    action: torch.Tensor,
    reward: torch.Tensor,
    next_state: torch.Tensor,
    terminal: torch.Tensor,
    step_size: float | torch.Tensor,
    gamma: float,
) -> torch.Tensor:
    """One Q-learning step for each of R learners; returns the new table (``Q`` is left as it was).

    Q(s, a) ← Q(s, a) + α [r + γ max_a' Q(s', a') − Q(s, a)], with no bootstrap after a
    terminal step (the target is then r). ``Q`` is ``[R, S, A]``; the transition tensors
    are ``[R]``; ``step_size`` is a number or one per learner (0 leaves a learner alone).
    """
    _check_transition(Q, state, action, reward, next_state, terminal)
    gamma = check_real("gamma", gamma, 0.0, 1.0)
    if isinstance(step_size, torch.Tensor):
        check_tensor("step_size", step_size, floating=True, finite=True)
        if step_size.dim() > 1 or step_size.numel() not in (1, Q.shape[0]):
            raise ValueError(
                f"step_size must be a number or one per learner ({Q.shape[0]}), got shape "
                f"{list(step_size.shape)}"
            )
        if bool(((step_size < 0) | (step_size > 1)).any()):
            raise ValueError(f"step_size must be in [0, 1], got {step_size.tolist()}")
    else:
        step_size = check_real("step_size", step_size, 0.0, 1.0)
    return _q_step(Q, state, action, reward, next_state, terminal, step_size, gamma)


def _q_step(Q, state, action, reward, next_state, terminal, step_size, gamma) -> torch.Tensor:
    """:func:`q_learning_update` on checked inputs (what :func:`q_learning`'s loop calls)."""
    learner = torch.arange(Q.shape[0])
    best_next = Q[learner, next_state].max(-1).values * (~terminal)
    td_error = reward + gamma * best_next - Q[learner, state, action]
    Q = Q.clone()
    Q[learner, state, action] += step_size * td_error
    return Q


def _check_transition(Q: object, *transition: object) -> None:
    """Q a float ``[R, S, A]`` table; the transition one ``[R]`` tensor each, terminal a bool one.

    (An integer 0/1 ``terminal`` would be silently wrong: ``~1`` is −2, not False.)
    """
    check_tensor("Q", Q, ndim=3, floating=True, finite=True)
    names = ("state", "action", "reward", "next_state", "terminal")
    for name, value in zip(names, transition):
        check_tensor(name, value, ndim=1, finite=name == "reward")
        if value.shape[0] != Q.shape[0]:
            raise ValueError(
                f"{name} must have one entry per learner, {Q.shape[0]}, got {value.shape[0]}"
            )
    for name, value, size in (
        ("state", transition[0], Q.shape[1]),
        ("action", transition[1], Q.shape[2]),
        ("next_state", transition[3], Q.shape[1]),
    ):
        if value.is_floating_point() or value.dtype == torch.bool:
            raise TypeError(f"{name} must be an integer tensor of indices, got dtype {value.dtype}")
        if value.numel() and not 0 <= int(value.min()) <= int(value.max()) < size:
            raise ValueError(f"{name} must be indices in [0, {size - 1}], got {value.tolist()}")
    if transition[-1].dtype != torch.bool:
        raise TypeError(f"terminal must be a bool tensor, got dtype {transition[-1].dtype}")


def greedy_actions(Q: torch.Tensor) -> torch.Tensor:
    """argmax_a Q(s, a) for every state (``[..., S]``); ties go to the lowest action index."""
    check_tensor("Q", Q, floating=True, finite=True)  # argmax of a NaN row is silently 0
    if Q.dim() < 2:
        raise ValueError(f"Q must have shape [..., S, A], got shape {list(Q.shape)}")
    return Q.argmax(-1)


@dataclass
class QLearningResult:
    """What :func:`q_learning` learned: the table after every episode, and the episodes' lengths."""

    history: torch.Tensor  # [K + 1, R, S, A]: Q after 0, 1, …, K episodes
    lengths: torch.Tensor  # [K, R] steps of each episode

    @property
    def Q(self) -> torch.Tensor:
        """The final tables, ``[R, S, A]``."""
        return self.history[-1]


def q_learning(
    mdp: TabularMDP,
    gamma: float,
    num_episodes: int,
    *,
    step_size: float = 0.5,
    epsilon: float = 0.5,
    num_runs: int = 1,
    generator: torch.Generator | None = None,
    max_steps: int = 1_000,
) -> QLearningResult:
    """Tabular Q-learning from Q = 0, acting ε-greedily on its current Q (ties broken at random).

    Off-policy: the behaviour explores with probability ε, but the target
    r + γ max_a' Q(s', a') is the value of acting *greedily* afterwards, so Q converges to
    Q* whatever ε is, as long as every pair (s, a) keeps being tried (Watkins & Dayan 1992).
    ``num_runs`` learners run side by side, each on its own episodes.
    """
    _check_q_learning_args(mdp, num_episodes, num_runs, max_steps)
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {generator!r}")
    gamma = check_real("gamma", gamma, 0.0, 1.0)
    alpha = check_real("step_size", step_size, 0.0, 1.0, lo_open=True)
    epsilon = check_real("epsilon", epsilon, 0.0, 1.0)
    S, A, R = mdp.num_states, mdp.num_actions, num_runs
    # The next-state distribution with one extra column, "the episode ends" (index S).
    next_dist = torch.cat([mdp.transitions, 1 - mdp.transitions.sum(-1, keepdim=True)], -1)
    next_dist = next_dist.clamp_min(0)
    Q = torch.zeros(R, S, A, dtype=DTYPE)
    history, lengths = [Q], []
    for _ in range(num_episodes):
        state = torch.multinomial(mdp.start.expand(R, S), 1, generator=generator).squeeze(-1)
        running = torch.ones(R, dtype=torch.bool)
        length = torch.zeros(R, dtype=torch.long)
        for _ in range(max_steps):
            action = _epsilon_greedy(Q[torch.arange(R), state], epsilon, generator)
            outcome = torch.multinomial(next_dist[state, action], 1, generator=generator)
            outcome = outcome.squeeze(-1)
            terminal = outcome == S
            reward = mdp.rewards[state, action]
            next_state = torch.where(terminal, 0, outcome)
            Q = _q_step(Q, state, action, reward, next_state, terminal, alpha * running, gamma)
            length += running
            running = running & ~terminal
            if not running.any():
                break
            state = torch.where(running, next_state, 0)
        history.append(Q)
        lengths.append(length)
    return QLearningResult(torch.stack(history), torch.stack(lengths))


def _epsilon_greedy(
    q: torch.Tensor, epsilon: float, generator: torch.Generator | None
) -> torch.Tensor:
    """One action per row of ``q`` ``[R, A]``: uniform with probability ε, else a best one (ties at random)."""
    best = (q == q.max(-1, keepdim=True).values).to(DTYPE)
    probs = epsilon / q.shape[-1] + (1 - epsilon) * best / best.sum(-1, keepdim=True)
    return torch.multinomial(probs, 1, generator=generator).squeeze(-1)


def _check_q_learning_args(
    mdp: object, num_episodes: object, num_runs: object, max_steps: object
) -> None:
    if not isinstance(mdp, TabularMDP):
        raise TypeError(f"mdp must be a TabularMDP, got {type(mdp).__name__}")
    R = check_int("num_runs", num_runs, 1, MAX_RUNS)
    check_int("num_episodes", num_episodes, 1, MAX_EPISODES // R)
    check_int("max_steps", max_steps, 1, MAX_STEPS)
    size = (num_episodes + 1) * R * mdp.num_states * mdp.num_actions
    if size > MAX_VALUES:
        raise ValueError(
            f"(num_episodes + 1) × num_runs × states × actions must be <= {MAX_VALUES:_}, got {size:_}"
        )
