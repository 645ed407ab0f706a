"""Learning values from experience: each method against a hand computation, an independent
scalar re-implementation, or the exact answer of course_lib.tabular."""

import math

import pytest
import torch

from course_lib.pg import reward_to_go
from course_lib.tabular import (
    TabularEpisodes,
    chain_mdp,
    epsilon_greedy_policy,
    solve_values,
    value_iteration,
)
from course_lib.td import (
    greedy_actions,
    mc_evaluation,
    q_learning,
    q_learning_update,
    sample_runs,
    td0_evaluation,
)

GO_RIGHT = torch.ones(5, dtype=torch.long)


def one_episode(states, actions, rewards) -> TabularEpisodes:
    T = len(states)
    return TabularEpisodes(
        torch.tensor(states).unsqueeze(1),
        torch.tensor(actions).unsqueeze(1),
        torch.tensor(rewards, dtype=torch.float64).unsqueeze(1),
        torch.ones(T, 1, dtype=torch.float64),
    )


STRAIGHT = one_episode([0, 1, 2, 3, 4], [1] * 5, [0, 0, 0, 0, 1.0])


def test_td0_by_hand_moves_the_goal_back_one_state_per_episode():
    history = td0_evaluation(chain_mdp(), [STRAIGHT, STRAIGHT], 0.9, 0.5)
    assert history.shape == (3, 1, 1, 5)
    torch.testing.assert_close(history[0, 0, 0], torch.zeros(5, dtype=torch.float64))
    torch.testing.assert_close(
        history[1, 0, 0], torch.tensor([0, 0, 0, 0, 0.5], dtype=torch.float64)
    )
    # δ_3 = 0 + 0.9·0.5 − 0 → V(s3) = 0.225; δ_4 = 1 − 0.5 → V(s4) = 0.75.
    torch.testing.assert_close(
        history[2, 0, 0], torch.tensor([0, 0, 0, 0.225, 0.75], dtype=torch.float64)
    )


def test_monte_carlo_by_hand_uses_first_visits():
    # s0 → s1 → s0 → near exit (0.1): G = 0.081, 0.09, 0.1. First visits: s0 at t=0, s1 at t=1.
    episode = one_episode([0, 1, 0], [1, 0, 0], [0, 0, 0.1])
    V = mc_evaluation(chain_mdp(), [episode], 0.9, [0.5, 1.0])[1, :, 0]
    torch.testing.assert_close(V[0], torch.tensor([0.0405, 0.045, 0, 0, 0], dtype=torch.float64))
    torch.testing.assert_close(V[1], torch.tensor([0.081, 0.09, 0, 0, 0], dtype=torch.float64))
    after_straight = mc_evaluation(chain_mdp(), [STRAIGHT], 0.9, 0.5)[1, 0, 0]
    torch.testing.assert_close(after_straight, 0.5 * 0.9 ** torch.arange(4, -1, -1).double())


def _scalar_td0(runs, gamma, alpha, S):
    """TD(0) written out with Python floats, one learner and one step at a time."""
    learners = runs[0].states.shape[1]
    V = [[0.0] * S for _ in range(learners)]
    for ep in runs:
        for r in range(learners):
            T = int(ep.mask[:, r].sum())
            for t in range(T):
                s = int(ep.states[t, r])
                nxt = V[r][int(ep.states[t + 1, r])] if t + 1 < T else 0.0
                V[r][s] += alpha * (float(ep.rewards[t, r]) + gamma * nxt - V[r][s])
    return torch.tensor(V, dtype=torch.float64)


def _scalar_mc(runs, gamma, alpha, S):
    """First-visit constant-α Monte Carlo with Python floats."""
    learners = runs[0].states.shape[1]
    V = [[0.0] * S for _ in range(learners)]
    for ep in runs:
        for r in range(learners):
            T = int(ep.mask[:, r].sum())
            rewards = [float(x) for x in ep.rewards[:T, r]]
            G, returns = 0.0, [0.0] * T
            for t in reversed(range(T)):
                G = rewards[t] + gamma * G
                returns[t] = G
            seen = set()
            for t in range(T):
                s = int(ep.states[t, r])
                if s not in seen:
                    seen.add(s)
                    V[r][s] += alpha * (returns[t] - V[r][s])
    return torch.tensor(V, dtype=torch.float64)


@pytest.mark.parametrize("gamma, alpha", [(0.9, 0.3), (1.0, 0.05), (0.5, 1.0)])
def test_batched_learners_match_a_scalar_implementation(gamma, alpha):
    mdp = chain_mdp()
    pi = epsilon_greedy_policy(GO_RIGHT, 2, 0.7)
    runs = sample_runs(mdp, pi, 6, 8, generator=torch.Generator().manual_seed(4))
    td = td0_evaluation(mdp, runs, gamma, [alpha, 0.1])
    mc = mc_evaluation(mdp, runs, gamma, [alpha, 0.1])
    torch.testing.assert_close(td[-1, 0], _scalar_td0(runs, gamma, alpha, 5))
    torch.testing.assert_close(mc[-1, 0], _scalar_mc(runs, gamma, alpha, 5))
    torch.testing.assert_close(td[-1, 1], _scalar_td0(runs, gamma, 0.1, 5))


def test_both_converge_on_the_exact_values():
    mdp, gamma = chain_mdp(), 0.9
    pi = epsilon_greedy_policy(GO_RIGHT, 2, 0.5)
    runs = sample_runs(mdp, pi, 100, 200, generator=torch.Generator().manual_seed(0))
    V = solve_values(mdp, pi, gamma)
    for method in (td0_evaluation, mc_evaluation):
        average = method(mdp, runs, gamma, 0.1)[-1, 0].mean(0)  # the mean learner
        torch.testing.assert_close(average, V, atol=0.02, rtol=0)


def test_td_varies_less_than_monte_carlo_on_the_chain():
    mdp, gamma = chain_mdp(), 0.9
    pi = epsilon_greedy_policy(GO_RIGHT, 2, 0.5)
    runs = sample_runs(mdp, pi, 400, 60, generator=torch.Generator().manual_seed(1))
    td = td0_evaluation(mdp, runs, gamma, [0.1, 0.3])[-1].var(1).mean(-1)
    mc = mc_evaluation(mdp, runs, gamma, [0.1, 0.3])[-1].var(1).mean(-1)
    assert (mc / td > 1.2).all(), (mc, td)


def test_sample_runs_is_seeded_and_shaped():
    mdp, pi = chain_mdp(), epsilon_greedy_policy(GO_RIGHT, 2, 0.5)
    a = sample_runs(mdp, pi, 7, 3, generator=torch.Generator().manual_seed(2))
    b = sample_runs(mdp, pi, 7, 3, generator=torch.Generator().manual_seed(2))
    assert len(a) == 3 and all(e.states.shape[1] == 7 for e in a)
    assert all(torch.equal(x.states, y.states) for x, y in zip(a, b))


def test_q_learning_update_by_hand():
    Q = torch.tensor([[[0.1, 0.4], [0.7, 0.3]], [[0.5, 0.5], [0.2, 0.9]]], dtype=torch.float64)
    before = Q.clone()
    new = q_learning_update(
        Q,
        state=torch.tensor([0, 1]),
        action=torch.tensor([1, 0]),
        reward=torch.tensor([0.5, 1.0], dtype=torch.float64),
        next_state=torch.tensor([1, 0]),
        terminal=torch.tensor([False, True]),
        step_size=0.5,
        gamma=0.9,
    )
    assert torch.equal(Q, before), "the input table must not change"
    # Learner 0: 0.4 + 0.5 (0.5 + 0.9·0.7 − 0.4) = 0.765. Learner 1 (terminal): 0.2 + 0.5 (1 − 0.2) = 0.6.
    expected = before.clone()
    expected[0, 0, 1], expected[1, 1, 0] = 0.765, 0.6
    torch.testing.assert_close(new, expected)
    frozen = q_learning_update(
        Q, *(torch.tensor([0, 0]),) * 2, torch.ones(2, dtype=torch.float64),
        torch.tensor([1, 1]), torch.tensor([False, False]), torch.tensor([0.0, 1.0]), 0.9,
    )  # fmt: skip
    assert torch.equal(frozen[0], Q[0]) and not torch.equal(frozen[1], Q[1])


@pytest.mark.parametrize("gamma", [0.9, 0.5])
def test_q_learning_with_random_behaviour_reaches_value_iteration(gamma):
    mdp = chain_mdp()
    Q_star, _ = value_iteration(mdp, gamma)
    result = q_learning(
        mdp, gamma, 400, epsilon=1.0, num_runs=5, generator=torch.Generator().manual_seed(0)
    )
    assert result.history.shape == (401, 5, 5, 2) and result.lengths.shape == (400, 5)
    assert (result.Q - Q_star).abs().max() < 1e-6
    assert (greedy_actions(result.Q) == greedy_actions(Q_star)).all()
    assert ((result.lengths >= 1) & (result.lengths % 2 == 1)).all()  # exits are at odd lengths


def test_q_learning_is_seeded():
    kw = {"num_runs": 3, "epsilon": 0.3}
    a = q_learning(chain_mdp(), 0.9, 20, generator=torch.Generator().manual_seed(5), **kw)
    b = q_learning(chain_mdp(), 0.9, 20, generator=torch.Generator().manual_seed(5), **kw)
    c = q_learning(chain_mdp(), 0.9, 20, generator=torch.Generator().manual_seed(6), **kw)
    assert torch.equal(a.history, b.history) and not torch.equal(a.history, c.history)


def test_greedy_actions_breaks_ties_low():
    assert greedy_actions(torch.tensor([[0.0, 0.0], [0.1, 0.2]])).tolist() == [0, 1]


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: td0_evaluation(chain_mdp(), [], 0.9, 0.1), TypeError, "runs must be"),
        (lambda: td0_evaluation(chain_mdp(), "runs", 0.9, 0.1), TypeError, "runs must be"),
        (lambda: td0_evaluation(chain_mdp(), [STRAIGHT], 1.5, 0.1), ValueError, "gamma"),
        (lambda: td0_evaluation(chain_mdp(), [STRAIGHT], 0.9, 0.0), ValueError, "step_sizes"),
        (lambda: mc_evaluation(chain_mdp(), [STRAIGHT], 0.9, [0.1, 2.0]), ValueError, "step_sizes"),
        (lambda: mc_evaluation(chain_mdp(), [STRAIGHT], 0.9, "big"), TypeError, "step_sizes"),
        (lambda: mc_evaluation(chain_mdp(3), [STRAIGHT], 0.9, 0.1), ValueError, "this mdp"),
        (lambda: mc_evaluation("chain", [STRAIGHT], 0.9, 0.1), TypeError, "mdp must be"),
        (
            lambda: sample_runs(chain_mdp(), torch.full((5, 2), 0.5), 10**6, 10),
            ValueError,
            "num_runs",
        ),
        (
            lambda: sample_runs(chain_mdp(), torch.full((5, 2), 0.5), 1000, 10_000),
            ValueError,
            "num_episodes",
        ),
        (lambda: q_learning(chain_mdp(), 0.9, 0), ValueError, "num_episodes"),
        (lambda: q_learning(chain_mdp(), 0.9, 10, epsilon=1.5), ValueError, "epsilon"),
        (lambda: q_learning(chain_mdp(), 0.9, 10, step_size=0), ValueError, "step_size"),
        (lambda: q_learning(chain_mdp(), 0.9, 10**5, num_runs=1000), ValueError, "num_episodes"),
        (lambda: q_learning(chain_mdp(100), 0.9, 500_000), ValueError, "<= 50_000_000"),
        (lambda: q_learning(None, 0.9, 10), TypeError, "mdp must be"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_learner_count_must_agree_across_episodes():
    mdp, pi = chain_mdp(), epsilon_greedy_policy(GO_RIGHT, 2, 0.5)
    mixed = sample_runs(mdp, pi, 3, 1) + sample_runs(mdp, pi, 4, 1)
    with pytest.raises(ValueError, match="same number of learners"):
        td0_evaluation(mdp, mixed, 0.9, 0.1)


def test_reward_to_go_is_what_monte_carlo_targets():
    # The first-visit return of s0 in STRAIGHT is γ^4: the same number reward_to_go gives.
    assert math.isclose(float(reward_to_go(STRAIGHT.rewards[:, 0], 0.9)[0]), 0.9**4)


@pytest.mark.parametrize(
    "change, error, match",
    [
        ({"terminal": torch.tensor([0, 1])}, TypeError, "terminal must be a bool tensor"),
        ({"Q": torch.zeros(2, 2, 2, dtype=torch.long)}, TypeError, "Q must be a floating-point"),
        ({"Q": torch.zeros(2, 2)}, ValueError, "Q must be a 3-d tensor"),
        ({"state": torch.tensor([0])}, ValueError, "state must have one entry per learner, 2"),
        ({"reward": 1.0}, TypeError, "reward must be a torch.Tensor"),
    ],
)
def test_q_learning_update_names_a_bad_argument(change, error, match):
    args = {
        "Q": torch.zeros(2, 2, 2, dtype=torch.float64),
        "state": torch.tensor([0, 1]),
        "action": torch.tensor([1, 0]),
        "reward": torch.ones(2, dtype=torch.float64),
        "next_state": torch.tensor([1, 0]),
        "terminal": torch.tensor([False, True]),
        **change,
    }
    with pytest.raises(error, match=match):
        q_learning_update(**args, step_size=0.5, gamma=0.9)


def test_q_learning_update_refuses_bad_indices_nan_and_a_wrong_gamma():
    """Indices index the table (−1 would silently update the last state); NaN would spread."""
    Q = torch.zeros(2, 3, 2)
    args = dict(
        state=torch.tensor([0, 1]), action=torch.tensor([1, 0]), reward=torch.tensor([0.0, 1.0]),
        next_state=torch.tensor([1, 2]), terminal=torch.tensor([False, True]),
    )  # fmt: skip
    assert q_learning_update(Q, **args, step_size=0.5, gamma=0.9)[1, 1, 0] == 0.5
    with pytest.raises(ValueError, match=r"state must be indices in \[0, 2\], got \[0, 3\]"):
        q_learning_update(Q, **{**args, "state": torch.tensor([0, 3])}, step_size=0.5, gamma=0.9)
    with pytest.raises(ValueError, match=r"action must be indices in \[0, 1\], got \[1, -1\]"):
        q_learning_update(Q, **{**args, "action": torch.tensor([1, -1])}, step_size=0.5, gamma=0.9)
    with pytest.raises(ValueError, match="reward must hold finite numbers"):
        bad = torch.tensor([0.0, float("nan")])
        q_learning_update(Q, **{**args, "reward": bad}, step_size=0.5, gamma=0.9)
    with pytest.raises(ValueError, match=r"gamma must be in \[0.0, 1.0\], got 5"):
        q_learning_update(Q, **args, step_size=0.5, gamma=5)
    with pytest.raises(ValueError, match=r"step_size must be a number or one per learner"):
        q_learning_update(Q, **args, step_size=torch.full((3,), 0.5), gamma=0.9)
