"""The tiny tabular MDP: exact values and gradients against hand-computed answers."""

import itertools
import math

import pytest
import torch

from course_lib.tabular import (
    WEIGHTINGS,
    TabularMDP,
    action_values,
    chain_mdp,
    epsilon_greedy_policy,
    exact_policy_gradient,
    expected_return,
    expected_score_function_gradient,
    monte_carlo_values,
    policy_evaluation,
    sample_episodes,
    score_function_estimates,
    score_function_gradient,
    softmax_policy,
    solve_values,
    state_visits,
    value_iteration,
)

RIGHT = torch.ones(5, dtype=torch.long)


def policy(epsilon: float) -> torch.Tensor:
    return epsilon_greedy_policy(RIGHT, 2, epsilon)


def test_chain_structure():
    mdp = chain_mdp()
    assert (mdp.num_states, mdp.num_actions) == (5, 2)
    assert mdp.state_names == ("s0", "s1", "s2", "s3", "s4")
    assert mdp.transitions[2, 0, 1] == 1 and mdp.transitions[2, 1, 3] == 1
    assert mdp.transitions[0, 0].sum() == 0 and mdp.transitions[4, 1].sum() == 0  # the two exits
    assert mdp.rewards[0, 0] == 0.1 and mdp.rewards[4, 1] == 1.0 and mdp.rewards.sum() == 1.1


def test_always_right_values_are_powers_of_gamma():
    # Always right from s_k: 4 − k zero rewards, then the goal's 1, so V(s_k) = γ^(4−k).
    V = solve_values(chain_mdp(), policy(0.0), 0.9)
    torch.testing.assert_close(V, torch.tensor([0.9**4, 0.9**3, 0.9**2, 0.9, 1.0], dtype=V.dtype))


def test_uniform_policy_at_gamma_one_is_gamblers_ruin():
    # A fair random walk from s_k on 0..6 (exits at 0 and 6) reaches the goal w.p. (k + 1)/6.
    V = solve_values(chain_mdp(), policy(1.0), 1.0)
    expected = torch.tensor([(k + 1) / 6 + (1 - (k + 1) / 6) * 0.1 for k in range(5)])
    torch.testing.assert_close(V, expected.to(V.dtype))
    assert math.isclose(float(V[0]), 0.25)


def test_gamma_zero_value_is_the_expected_immediate_reward():
    V = solve_values(chain_mdp(), policy(1.0), 0.0)
    torch.testing.assert_close(V, torch.tensor([0.05, 0, 0, 0, 0.5], dtype=V.dtype))


@pytest.mark.parametrize("gamma, epsilon", [(0.9, 0.5), (0.5, 1.0), (1.0, 0.3), (0.0, 0.2)])
def test_iterative_evaluation_matches_the_linear_solve(gamma, epsilon):
    mdp, pi = chain_mdp(), policy(epsilon)
    V_iter, changes = policy_evaluation(mdp, pi, gamma, tol=1e-12)
    torch.testing.assert_close(V_iter, solve_values(mdp, pi, gamma), atol=1e-10, rtol=0)
    assert changes[-1] < 1e-12 and len(changes) >= 1


def test_bellman_equation_links_v_and_q():
    mdp, pi, gamma = chain_mdp(), policy(0.4), 0.8
    V, Q = solve_values(mdp, pi, gamma), action_values(mdp, pi, gamma)
    torch.testing.assert_close((pi * Q).sum(-1), V)  # V(s) = Σ_a π(a|s) Q(s, a)
    torch.testing.assert_close(Q[2, 1], gamma * V[3])  # a zero-reward step right from s2
    assert math.isclose(float(Q[0, 0]), 0.1) and math.isclose(float(Q[4, 1]), 1.0)


def test_monte_carlo_converges_on_the_exact_values():
    mdp, pi, gamma = chain_mdp(), policy(0.5), 0.9
    episodes = sample_episodes(mdp, pi, 20_000, generator=torch.Generator().manual_seed(0))
    V_mc, Q_mc = monte_carlo_values(mdp, episodes, gamma)
    torch.testing.assert_close(V_mc, solve_values(mdp, pi, gamma), atol=0.01, rtol=0)
    torch.testing.assert_close(Q_mc, action_values(mdp, pi, gamma), atol=0.01, rtol=0)


def test_unvisited_states_are_nan():
    mdp = chain_mdp()
    left = epsilon_greedy_policy(torch.zeros(5, dtype=torch.long), 2, 0.0)
    V_mc, _ = monte_carlo_values(mdp, sample_episodes(mdp, left, 10), 0.9)
    assert math.isclose(float(V_mc[0]), 0.1) and torch.isnan(V_mc[1:]).all()


def test_sampling_is_seeded_and_episodes_are_well_formed():
    mdp, pi = chain_mdp(), policy(0.6)
    a = sample_episodes(mdp, pi, 50, generator=torch.Generator().manual_seed(3))
    b = sample_episodes(mdp, pi, 50, generator=torch.Generator().manual_seed(3))
    assert torch.equal(a.states, b.states) and torch.equal(a.actions, b.actions)
    # Each episode ends with exactly one reward (an exit) and is padded with zeros after.
    assert torch.equal((a.rewards != 0).sum(0), torch.ones(50, dtype=torch.long))
    assert (a.rewards * (1 - a.mask)).abs().sum() == 0
    assert (a.lengths >= 1).all() and ((a.lengths - 1) % 2 == 0).all()  # odd: leave by an exit


def test_exact_gradient_matches_the_policy_gradient_theorem():
    # ∇J = Σ_s d(s) Σ_a π(a|s) ∇log π(a|s) Q(s, a), d the discounted visit counts from the start.
    mdp, gamma = chain_mdp(), 0.9
    theta = torch.tensor([[0.0, 0.5], [0.2, 0.0], [0.0, 0.3], [-0.2, 0.1], [0.1, 0.0]])
    pi = softmax_policy(theta)
    P_pi = torch.einsum("sa,sat->st", pi, mdp.transitions)
    d = torch.linalg.solve(torch.eye(5, dtype=pi.dtype) - gamma * P_pi.T, mdp.start)
    Q = action_values(mdp, pi, gamma)
    # For a softmax, ∂log π(a|s)/∂θ[s, b] = [a = b] − π(b|s), so Σ_a π ∇log π Q = π (Q − V).
    theorem = d.unsqueeze(1) * pi * (Q - (pi * Q).sum(-1, keepdim=True))
    torch.testing.assert_close(exact_policy_gradient(mdp, theta, gamma), theorem)


def test_exact_gradient_matches_finite_differences():
    mdp, gamma = chain_mdp(), 0.8
    theta = torch.tensor([[0.3, -0.1], [0.0, 0.4], [0.2, 0.2], [-0.5, 0.0], [0.0, 0.1]])
    grad, h = exact_policy_gradient(mdp, theta, gamma), 1e-6
    for s, a in [(0, 0), (2, 1), (4, 1)]:
        up, down = theta.double().clone(), theta.double().clone()
        up[s, a] += h
        down[s, a] -= h
        fd = (
            expected_return(mdp, softmax_policy(up), gamma)
            - expected_return(mdp, softmax_policy(down), gamma)
        ) / (2 * h)
        assert math.isclose(float(grad[s, a]), float(fd), abs_tol=1e-8)


@pytest.mark.parametrize("weighting", ["plain", "discounted_reward_to_go"])
def test_score_function_estimate_is_unbiased(weighting):
    mdp, gamma = chain_mdp(), 0.9
    theta = torch.tensor([[0.0, 0.5], [0.2, 0.0], [0.0, 0.3], [-0.2, 0.1], [0.1, 0.0]])
    exact = exact_policy_gradient(mdp, theta, gamma)
    g = torch.Generator().manual_seed(0)
    estimate = score_function_gradient(mdp, theta, gamma, 40_000, weighting=weighting, generator=g)
    torch.testing.assert_close(estimate, exact, atol=0.003, rtol=0)


def test_a_good_baseline_lowers_the_variance_and_keeps_the_mean():
    mdp, gamma = chain_mdp(), 0.9
    theta = torch.zeros(5, 2)
    V = solve_values(mdp, softmax_policy(theta), gamma)
    g = torch.Generator().manual_seed(1)

    def spread(baseline):
        runs = torch.stack(
            [
                score_function_gradient(mdp, theta, gamma, 200, baseline=baseline, generator=g)
                for _ in range(60)
            ]
        )
        return runs.mean(0), runs.var(0).sum()

    exact = exact_policy_gradient(mdp, theta, gamma)
    mean_none, var_none = spread(None)
    mean_v, var_v = spread(V)
    mean_bad, var_bad = spread(5.0)
    assert var_v < var_none < var_bad
    for mean in (mean_none, mean_v, mean_bad):
        assert (mean - exact).abs().max() < 0.03


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: chain_mdp(0), ValueError, "num_states must be an integer >= 1"),
        (lambda: chain_mdp(500), ValueError, "num_states must be <= 100"),
        (lambda: chain_mdp(goal_reward="1"), TypeError, "goal_reward"),
        (lambda: epsilon_greedy_policy(RIGHT, 2, 1.5), ValueError, "epsilon must be in"),
        (lambda: epsilon_greedy_policy(RIGHT * 3, 2, 0.1), ValueError, "best_actions must be"),
        (lambda: epsilon_greedy_policy([1, 1], 2, 0.1), TypeError, "best_actions"),
        (lambda: solve_values(chain_mdp(), torch.ones(5, 2), 0.9), ValueError, "probabilities"),
        (lambda: solve_values(chain_mdp(), torch.ones(4, 2) / 2, 0.9), ValueError, r"\[S, A\]"),
        (lambda: solve_values(chain_mdp(), [[0.5, 0.5]] * 5, 0.9), TypeError, "policy must be"),
        (lambda: solve_values(chain_mdp(), policy(0.5), 1.1), ValueError, "gamma must be in"),
        (lambda: solve_values("chain", policy(0.5), 0.9), TypeError, "mdp must be a TabularMDP"),
        (lambda: sample_episodes(chain_mdp(), policy(0.5), 0), ValueError, "num_episodes"),
        (lambda: sample_episodes(chain_mdp(), policy(0.5), 10**7), ValueError, "<= 1000000"),
        (
            lambda: sample_episodes(chain_mdp(), policy(0.5), 1, max_steps=10**6),
            ValueError,
            "max_steps must be <= 10000",
        ),
        (lambda: monte_carlo_values(chain_mdp(), "eps", 0.9), TypeError, "sample_episodes"),
        (lambda: exact_policy_gradient(chain_mdp(), torch.zeros(5, 3), 0.9), ValueError, "theta"),
        (
            lambda: score_function_gradient(chain_mdp(), torch.zeros(5, 2), 0.9, 10, weighting="x"),
            ValueError,
            "weighting must be one of",
        ),
        (
            lambda: score_function_gradient(
                chain_mdp(), torch.zeros(5, 2), 0.9, 10, baseline=torch.zeros(3)
            ),
            ValueError,
            "baseline must be",
        ),
        (lambda: softmax_policy(torch.zeros(5)), TypeError, "theta must be a 2-D tensor"),
        (
            lambda: TabularMDP(torch.ones(2, 1, 2), torch.zeros(2, 1), torch.tensor([1.0, 0])),
            ValueError,
            "summing to <= 1",
        ),
        (
            lambda: TabularMDP(torch.zeros(2, 1, 2), torch.zeros(2, 1), torch.tensor([0.5, 0])),
            ValueError,
            "start must be a probability vector",
        ),
        (
            lambda: TabularMDP(torch.zeros(2, 1, 2), torch.zeros(1, 1), torch.tensor([1.0, 0])),
            ValueError,
            "rewards must have shape",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_gamma_one_with_a_policy_that_never_ends_is_refused():
    # Two states that swap forever: the episode never ends, so values at γ = 1 are infinite.
    P = torch.tensor([[[0.0, 1.0]], [[1.0, 0.0]]])
    mdp = TabularMDP(P, torch.ones(2, 1), torch.tensor([1.0, 0.0]))
    stay = torch.ones(2, 1)
    with pytest.raises(ValueError, match="must end every episode"):
        solve_values(mdp, stay, 1.0)
    with pytest.raises(RuntimeError, match="did not converge"):
        policy_evaluation(mdp, stay, 1.0, max_sweeps=100)
    assert torch.allclose(solve_values(mdp, stay, 0.5), torch.full((2,), 2.0, dtype=torch.float64))


def test_per_episode_estimates_average_to_the_batch_estimate():
    mdp, theta = (
        chain_mdp(),
        torch.tensor([[0.1, -0.2], [0.0, 0.3], [0.2, 0.0], [0.0, 0.0], [0.5, 0.1]]),
    )
    kw = {"weighting": "plain", "baseline": 0.3}
    batch = score_function_gradient(
        mdp, theta, 0.8, 64, generator=torch.Generator().manual_seed(2), **kw
    )
    per = score_function_gradient(
        mdp, theta, 0.8, 64, per_episode=True, generator=torch.Generator().manual_seed(2), **kw
    )
    assert per.shape == (64, 5, 2)
    torch.testing.assert_close(per.mean(0), batch)
    with pytest.raises(TypeError, match="per_episode must be True or False"):
        score_function_gradient(mdp, theta, 0.8, 4, per_episode="yes")


# --------------------------------------------------------------------------------------------
# Value iteration, state visits, and what each weighting of the estimator averages to
# --------------------------------------------------------------------------------------------


def _random_mdp(seed: int, S: int = 4, A: int = 3) -> TabularMDP:
    g = torch.Generator().manual_seed(seed)
    P = torch.rand(S, A, S, generator=g, dtype=torch.float64)
    P = 0.9 * P / P.sum(-1, keepdim=True)  # 10% chance to end after every step
    R = torch.randn(S, A, generator=g, dtype=torch.float64)
    return TabularMDP(P, R, torch.full((S,), 1 / S, dtype=torch.float64))


def _best_over_deterministic_policies(mdp: TabularMDP, gamma: float) -> torch.Tensor:
    """V* by brute force: the state-wise best of V^π over every deterministic policy."""
    S, A = mdp.num_states, mdp.num_actions
    best = torch.full((S,), -math.inf, dtype=torch.float64)
    for choice in itertools.product(range(A), repeat=S):
        pi = torch.nn.functional.one_hot(torch.tensor(choice), A).double()
        best = torch.maximum(best, solve_values(mdp, pi, gamma))
    return best


@pytest.mark.parametrize(
    "mdp, gamma", [(chain_mdp(), 0.9), (chain_mdp(), 0.5), (_random_mdp(0), 0.8)]
)
def test_value_iteration_matches_the_best_of_all_deterministic_policies(mdp, gamma):
    Q_star, changes = value_iteration(mdp, gamma)
    V_star = _best_over_deterministic_policies(mdp, gamma)
    torch.testing.assert_close(Q_star.max(-1).values, V_star, atol=1e-10, rtol=0)
    torch.testing.assert_close(Q_star, mdp.rewards + gamma * mdp.transitions @ V_star)
    assert changes[-1] < 1e-12


def test_value_iteration_on_the_chain_by_hand():
    Q_star, _ = value_iteration(chain_mdp(), 0.9)
    k = torch.arange(5, dtype=torch.float64)
    torch.testing.assert_close(Q_star[:, 1], 0.9 ** (4 - k))  # always right
    torch.testing.assert_close(Q_star[1:, 0], 0.9 ** (6 - k[1:]))  # one step left, then right
    assert math.isclose(float(Q_star[0, 0]), 0.1)
    # At γ = 0.5 the near exit (0.1) beats the goal seen from s0 (0.5^4 = 0.0625).
    assert value_iteration(chain_mdp(), 0.5)[0].argmax(-1).tolist() == [0, 1, 1, 1, 1]


def test_value_iteration_that_cannot_converge_says_so():
    P = torch.tensor([[[1.0]]])  # one state, one action that loops forever paying 1
    mdp = TabularMDP(P, torch.ones(1, 1), torch.ones(1))
    with pytest.raises(RuntimeError, match="did not converge"):
        value_iteration(mdp, 1.0, max_sweeps=50)


@pytest.mark.parametrize("discount", [1.0, 0.9])
def test_state_visits_match_counted_visits(discount):
    mdp, theta = (
        chain_mdp(),
        torch.tensor([[0.2, 0.0], [0.0, 0.3], [0.1, 0.1], [0.0, 0.5], [0.3, 0.0]]),
    )
    pi = softmax_policy(theta)
    episodes = sample_episodes(mdp, pi, 20_000, generator=torch.Generator().manual_seed(3))
    weight = discount ** torch.arange(episodes.states.shape[0], dtype=torch.float64).unsqueeze(1)
    per_episode = torch.zeros(episodes.states.shape[1], 5, dtype=torch.float64)
    per_episode.scatter_add_(1, episodes.states.T, (weight * episodes.mask).T)  # [N, S] visits
    z = (state_visits(mdp, pi, discount) - per_episode.mean(0)) / (
        per_episode.std(0) / per_episode.shape[0] ** 0.5
    )
    assert z.abs().max() < 4.5, z


def test_state_visits_of_the_uniform_walk_at_gamma_one():
    # The chain's cells s0..s4 are positions 1..5 of a fair walk absorbed at 0 and 6; started at
    # 1, the expected visits to position k are the walk's Green's function, 2 · 1 · (6 − k) / 6.
    visits = state_visits(chain_mdp(), torch.full((5, 2), 0.5), 1.0)
    expected = torch.tensor([2 * (6 - k) / 6 for k in range(1, 6)], dtype=torch.float64)
    torch.testing.assert_close(visits, expected)


def _enumerated_expectation(mdp, theta, gamma, weighting, floor=1e-13, max_depth=400):
    """Σ_τ P(τ) Σ_t ∇log π(a_t|s_t) w_t over every trajectory τ of probability ≥ ``floor``,
    walked one by one (depth first) with Python floats; also returns the probability left out."""
    pi = torch.softmax(theta.double(), -1).tolist()
    P, R, start = mdp.transitions.tolist(), mdp.rewards.tolist(), mdp.start.tolist()
    S, A = mdp.num_states, mdp.num_actions
    total = [[0.0] * A for _ in range(S)]
    left_out = 0.0

    def finish(prob, steps):  # steps: [(s, a, r)] of one complete trajectory
        rewards = [r for _, _, r in steps]
        G, returns = 0.0, [0.0] * len(steps)
        for t in reversed(range(len(steps))):
            G = rewards[t] + gamma * G
            returns[t] = G
        for t, (s, a, _) in enumerate(steps):
            w = {"plain": returns[0], "discounted_reward_to_go": gamma**t * returns[t]}.get(
                weighting, returns[t]
            )
            for b in range(A):  # ∂ log π(a|s) / ∂θ[s, b] = [a = b] − π(b|s) for a softmax
                total[s][b] += prob * w * ((a == b) - pi[s][b])

    def walk(s, prob, steps):
        nonlocal left_out
        if prob < floor or len(steps) >= max_depth:
            left_out += prob
            return
        for a in range(A):
            p_a = prob * pi[s][a]
            step = steps + [(s, a, R[s][a])]
            end = 1.0 - sum(P[s][a])
            if end > 1e-15:
                finish(p_a * end, step)
            for s2 in range(S):
                if P[s][a][s2] > 0:
                    walk(s2, p_a * P[s][a][s2], step)

    for s0 in range(S):
        if start[s0] > 0:
            walk(s0, start[s0], [])
    return torch.tensor(total, dtype=torch.float64), left_out


@pytest.mark.parametrize("weighting", WEIGHTINGS)
@pytest.mark.parametrize(
    "num_states, theta",
    [(2, [[0.3, -0.2], [0.0, 0.4]]), (3, [[-1.0, 1.0], [-1.2, 1.0], [-0.8, 1.0]])],
)
def test_expected_estimate_matches_enumerated_trajectories(num_states, theta, weighting):
    mdp, theta, gamma = chain_mdp(num_states), torch.tensor(theta), 0.9
    enumerated, left_out = _enumerated_expectation(mdp, theta, gamma, weighting)
    assert left_out < 1e-8
    exact = expected_score_function_gradient(mdp, theta, gamma, weighting)
    torch.testing.assert_close(exact, enumerated, atol=1e-6, rtol=0)


def test_dropping_gamma_t_is_biased_and_the_others_are_the_exact_gradient():
    mdp, theta, gamma = chain_mdp(), torch.zeros(5, 2), 0.9
    grad = exact_policy_gradient(mdp, theta, gamma)
    for weighting in ("plain", "discounted_reward_to_go"):
        torch.testing.assert_close(
            expected_score_function_gradient(mdp, theta, gamma, weighting), grad
        )
    biased = expected_score_function_gradient(mdp, theta, gamma, "reward_to_go")
    assert (biased - grad).norm() / grad.norm() > 0.5
    # At γ = 1 nothing is dropped: all three agree.
    theta1 = torch.tensor([[0.0, 0.5], [0.2, 0.0], [0.0, 0.3], [-0.2, 0.1], [0.1, 0.0]])
    torch.testing.assert_close(
        expected_score_function_gradient(mdp, theta1, 1.0, "reward_to_go"),
        exact_policy_gradient(mdp, theta1, 1.0),
    )


def test_sampled_estimates_land_on_their_own_expectation():
    mdp, theta, gamma, n = chain_mdp(), torch.zeros(5, 2), 0.9, 20_000
    grad = exact_policy_gradient(mdp, theta, gamma)
    per = score_function_gradient(
        mdp, theta, gamma, n, weighting="reward_to_go", per_episode=True,
        generator=torch.Generator().manual_seed(7),
    )  # fmt: skip
    se = per.std(0) / n**0.5
    own = expected_score_function_gradient(mdp, theta, gamma, "reward_to_go")
    assert ((per.mean(0) - own) / se).abs().max() < 4.5
    assert ((per.mean(0) - grad) / se).abs().max() > 10  # far from ∇J: the bias is not noise


def test_score_function_estimates_take_any_weights():
    mdp, theta = chain_mdp(), torch.zeros(5, 2)
    episodes = sample_episodes(
        mdp, softmax_policy(theta), 30, generator=torch.Generator().manual_seed(1)
    )
    zero = score_function_estimates(theta, episodes, torch.zeros_like(episodes.rewards))
    assert zero.shape == (30, 5, 2) and zero.abs().max() == 0
    with pytest.raises(ValueError, match="weights must be a tensor of the episodes' shape"):
        score_function_estimates(theta, episodes, torch.zeros(3))
    with pytest.raises(TypeError, match="episodes must come from sample_episodes"):
        score_function_estimates(theta, "episodes", torch.zeros(3))
    with pytest.raises(ValueError, match="weighting must be one of"):
        expected_score_function_gradient(mdp, theta, 0.9, "gamma_t")
    with pytest.raises(ValueError, match="discount must be in"):
        state_visits(mdp, softmax_policy(theta), 1.5)


def test_hand_built_episodes_are_checked():
    """TabularEpisodes is built by hand in Chapter 1: integer [T, N] states, a 0/1 mask."""
    from course_lib.tabular import TabularEpisodes

    ok = dict(
        states=torch.zeros(2, 1, dtype=torch.long), actions=torch.ones(2, 1, dtype=torch.long),
        rewards=torch.zeros(2, 1, dtype=torch.float64), mask=torch.ones(2, 1, dtype=torch.float64),
    )  # fmt: skip
    assert TabularEpisodes(**ok).lengths.tolist() == [2]
    with pytest.raises(ValueError, match="states must be a .* integer indices"):
        TabularEpisodes(**{**ok, "states": ok["states"].double()})
    with pytest.raises(ValueError, match="rewards must hold finite numbers"):
        TabularEpisodes(**{**ok, "rewards": torch.full((2, 1), float("nan"), dtype=torch.float64)})
    with pytest.raises(ValueError, match="mask must hold 0 and 1 only"):
        TabularEpisodes(**{**ok, "mask": 2 * ok["mask"]})
    with pytest.raises(ValueError, match="must all have the same shape"):
        TabularEpisodes(**{**ok, "actions": torch.ones(3, 1, dtype=torch.long)})
