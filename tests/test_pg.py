"""Policy-gradient pieces: returns, the REINFORCE loss, episodes, and the trainer's contract."""

import math

import numpy as np
import pytest
import torch

from course_lib.pg import (
    ReinforceAgent,
    ReinforceConfig,
    ReinforceOptimizers,
    collect_episodes,
    discounted_return,
    episode_weights,
    evaluate_policy,
    gradient_variance,
    make_episode_envs,
    reinforce_loss,
    reinforce_update,
    reward_to_go,
    train_reinforce,
)
from course_lib.training import TrainResult


def test_discounted_return_by_hand():
    assert math.isclose(float(discounted_return([1.0, 2.0, 3.0], 0.5)), 1 + 0.5 * 2 + 0.25 * 3)
    assert float(discounted_return([1, 1, 1, 1], 1.0)) == 4.0  # integers are accepted
    assert float(discounted_return(torch.tensor([7.0, 5.0]), 0.0)) == 7.0
    batch = torch.tensor([[1.0, 0.0], [1.0, 2.0]])  # [T=2, N=2]
    torch.testing.assert_close(discounted_return(batch, 0.9), torch.tensor([1.9, 1.8]))


def test_reward_to_go_by_hand():
    torch.testing.assert_close(
        reward_to_go(torch.tensor([1.0, 2.0, 3.0]), 0.5), torch.tensor([2.75, 3.5, 3.0])
    )
    torch.testing.assert_close(reward_to_go(np.ones(4), 1.0), torch.tensor([4.0, 3, 2, 1]).double())
    # Padded episodes: zero rewards after the end keep the episodes apart.
    batch = torch.tensor([[1.0, 1.0], [1.0, 0.0], [1.0, 0.0]])
    torch.testing.assert_close(
        reward_to_go(batch, 0.5), torch.tensor([[1.75, 1.0], [1.5, 0.0], [1.0, 0.0]])
    )
    assert float(reward_to_go([2.0, 3.0], 0.9)[0]) == pytest.approx(
        float(discounted_return([2.0, 3.0], 0.9))
    )


def test_reinforce_loss_value_and_gradient():
    logp = torch.log(torch.tensor([[0.5, 0.25], [0.5, 0.5]])).requires_grad_(True)
    weights = torch.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    loss = reinforce_loss(logp, weights, mask)
    # −(1/2)[(log .5·2 + log .5·1) + (log .25·1)]: the masked step (weight 3) does not count.
    expected = -(3 * math.log(0.5) + math.log(0.25)) / 2
    assert math.isclose(loss.item(), expected, rel_tol=1e-6)
    loss.backward()
    torch.testing.assert_close(logp.grad, -torch.tensor([[2.0, 1.0], [1.0, 0.0]]) / 2)
    assert weights.grad is None  # the weights are constants


def test_reinforce_loss_one_episode_without_mask():
    logp = torch.tensor([-1.0, -2.0])
    assert reinforce_loss(logp, torch.tensor([1.0, 1.0])).item() == 3.0


@pytest.fixture(scope="module")
def batch_and_agent():
    with torch.random.fork_rng():
        torch.manual_seed(0)
        agent = ReinforceAgent(4, 2, (8,), with_baseline=True)
    envs = make_episode_envs("CartPole-v1", 6)
    batch = collect_episodes(agent, envs, generator=torch.Generator().manual_seed(0), seed=0)
    envs.close()
    return batch, agent


def test_collected_episodes_are_complete_and_padded(batch_and_agent):
    batch, _ = batch_and_agent
    T, N = batch.mask.shape
    assert batch.obs.shape == (T, N, 4) and batch.actions.shape == (T, N)
    lengths = batch.mask.sum(0).numpy()
    np.testing.assert_array_equal(lengths, batch.lengths)
    assert T == batch.lengths.max() and batch.num_steps == batch.lengths.sum()
    # A running episode is a prefix: once the mask drops to 0 it stays 0.
    assert (batch.mask[1:] <= batch.mask[:-1]).all()
    # CartPole pays 1 per step: RecordEpisodeStatistics' returns equal the lengths and our sums.
    np.testing.assert_array_equal(batch.returns, batch.lengths)
    np.testing.assert_allclose(batch.rewards.sum(0).numpy(), batch.returns)
    assert not batch.truncated.any()  # an untrained policy drops the pole long before 500


def test_episode_weights_of_the_three_variants(batch_and_agent):
    batch, agent = batch_and_agent
    rtg = reward_to_go(batch.rewards, 0.9)
    plain = episode_weights(agent, batch, 0.9, "plain")
    torch.testing.assert_close(plain, rtg[0].expand_as(rtg))
    torch.testing.assert_close(episode_weights(agent, batch, 0.9, "reward_to_go"), rtg)
    base = episode_weights(agent, batch, 0.9, "baseline")
    torch.testing.assert_close(base, rtg - agent.value(batch.obs).squeeze(-1).detach())
    assert not base.requires_grad
    with pytest.raises(ValueError, match="with_baseline=True"):
        episode_weights(ReinforceAgent(4, 2), batch, 0.9, "baseline")


def test_gradient_variance_matches_a_loop_over_episodes(batch_and_agent):
    batch, agent = batch_and_agent
    weights = episode_weights(agent, batch, 0.99, "reward_to_go")
    per_episode = []
    for i in range(batch.mask.shape[1]):
        agent.zero_grad()
        logp = agent.log_probs(batch.obs[:, i]).gather(-1, batch.actions[:, i, None]).squeeze(-1)
        reinforce_loss(logp, weights[:, i], batch.mask[:, i]).backward()
        per_episode.append(torch.cat([p.grad.flatten() for p in agent.policy.parameters()]))
    grads = torch.stack(per_episode)
    expected = float(grads.var(0).sum() / len(per_episode))
    got = gradient_variance(agent, batch, 0.99, "reward_to_go")
    assert got == pytest.approx(expected, rel=1e-4)


def _short(**kw) -> ReinforceConfig:
    return ReinforceConfig(**{"iterations": 3, "episodes_per_batch": 4, **kw})


def test_training_contract():
    result = train_reinforce(_short(), progress=False)
    assert isinstance(result, TrainResult) and isinstance(result.model, ReinforceAgent)
    assert [row["iteration"] for row in result.history] == [1.0, 2.0, 3.0]
    keys = {
        "iteration",
        "env_steps",
        "episode_return",
        "episode_length",
        "truncated_fraction",
        "loss",
        "grad_variance",
        "value_loss",
        "seconds",
        "steps_per_second",
    }
    assert set(result.history[0]) == keys
    steps = result.metric("env_steps")
    assert (np.diff(steps) > 0).all() and (result.metric("grad_variance") > 0).all()
    assert result.model.value is not None
    assert "value_loss" not in train_reinforce(_short(variant="plain"), progress=False).history[0]


def test_callback_sees_every_row_and_can_stop():
    seen = []

    def stop_at_two(row, model):
        seen.append((row["iteration"], type(model).__name__))
        return row["iteration"] >= 2

    result = train_reinforce(_short(iterations=5), stop_at_two, progress=False)
    assert seen == [(1.0, "ReinforceAgent"), (2.0, "ReinforceAgent")]
    assert len(result.history) == 2


def _numbers(result) -> list:
    timing = ("seconds", "steps_per_second")
    return [{k: v for k, v in row.items() if k not in timing} for row in result.history] + [
        p.detach().clone() for p in result.model.parameters()
    ]


def _same(a, b) -> bool:
    return all(
        torch.equal(x, y) if isinstance(x, torch.Tensor) else x == y for x, y in zip(a, b)
    ) and len(a) == len(b)


def test_same_seed_same_numbers_other_seed_differs_global_rng_untouched():
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    first = _numbers(train_reinforce(_short(seed=7), progress=False))
    assert torch.equal(state, torch.random.get_rng_state())
    second = _numbers(train_reinforce(_short(seed=7), progress=False))
    other = _numbers(train_reinforce(_short(seed=8), progress=False))
    assert _same(first, second)
    assert not _same(first, other)


def test_baseline_learns_cartpole_quickly():
    # The chapter's quick run: greedy evaluation on fresh episodes after the default 40 iterations.
    result = train_reinforce(ReinforceConfig(variant="baseline"), progress=False)
    returns = evaluate_policy(result.model, "CartPole-v1", 20, seed=10_000)
    assert returns.shape == (20,) and returns.mean() >= 300, returns


def test_evaluate_policy_is_seeded_and_greedy_is_deterministic(batch_and_agent):
    _, agent = batch_and_agent
    a = evaluate_policy(agent, episodes=4, seed=5)
    b = evaluate_policy(agent, episodes=4, seed=5)
    np.testing.assert_array_equal(a, b)
    sampled = evaluate_policy(agent, episodes=4, seed=5, greedy=False)
    assert sampled.shape == (4,) and (sampled >= 1).all()


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: discounted_return([1.0], 1.5), ValueError, "gamma must be in"),
        (lambda: discounted_return([], 0.9), ValueError, "shape"),
        (lambda: reward_to_go(torch.zeros(2, 2, 2), 0.9), ValueError, r"\[T\]"),
        (lambda: reward_to_go("abc", 0.9), TypeError, "rewards must be"),
        (lambda: reward_to_go([1.0, float("nan")], 0.9), ValueError, "finite"),
        (lambda: reward_to_go([1.0, "x"], 0.9), TypeError, "rewards must be numbers"),
        (
            lambda: reinforce_loss(torch.zeros(3, 2), torch.zeros(3, 1)),
            ValueError,
            "must all have the same shape",
        ),
        (
            lambda: reinforce_loss(torch.zeros(3), torch.zeros(3), torch.zeros(4)),
            ValueError,
            "must all have the same shape",
        ),
        (lambda: reinforce_loss([0.0], torch.zeros(1)), TypeError, "logprobs must be"),
        (lambda: ReinforceAgent(0, 2), ValueError, "obs_dim"),
        (lambda: ReinforceAgent(4, 1), ValueError, "num_actions"),
        (lambda: ReinforceAgent(4, 2, with_baseline=1), TypeError, "with_baseline"),
        (lambda: make_episode_envs("CartPole-v1", 5000), ValueError, "num_envs must be <= 1024"),
        (lambda: make_episode_envs(3, 2), TypeError, "env_id"),
        (lambda: collect_episodes("agent", None), TypeError, "agent must be a ReinforceAgent"),
        (lambda: ReinforceConfig(variant="ppo"), ValueError, "variant must be one of"),
        (
            lambda: ReinforceConfig(iterations=0),
            ValueError,
            r"iterations must be an integer in \[1, 100_000\], got 0",
        ),
        (
            lambda: ReinforceConfig(iterations=10**6),
            ValueError,
            r"iterations must be an integer in \[1, 100_000\], got 1000000",
        ),
        (lambda: ReinforceConfig(episodes_per_batch=1), ValueError, "episodes_per_batch"),
        (lambda: ReinforceConfig(gamma=-0.1), ValueError, "gamma"),
        (lambda: ReinforceConfig(learning_rate=0), ValueError, "learning_rate"),
        (lambda: ReinforceConfig(hidden_sizes=32), TypeError, "hidden_sizes"),
        (lambda: ReinforceConfig(seed=-1), ValueError, "seed"),
        (lambda: ReinforceConfig(device="gpu!"), ValueError, "device"),
        (lambda: ReinforceConfig(env_id=""), ValueError, "env_id"),
        (lambda: train_reinforce({"variant": "plain"}), TypeError, "ReinforceConfig"),
        (lambda: train_reinforce(_short(), callback=3), TypeError, "callback"),
        (lambda: evaluate_policy(ReinforceAgent(4, 2), episodes=0), ValueError, "episodes"),
    ],
)
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_collect_arguments_are_checked(batch_and_agent):
    _, agent = batch_and_agent
    envs = make_episode_envs("CartPole-v1", 2)
    with pytest.raises(TypeError, match="envs must come from make_episode_envs"):
        collect_episodes(agent, envs.env)
    with pytest.raises(ValueError, match="seed must be an integer >= 0"):
        collect_episodes(agent, envs, seed=-3)
    with pytest.raises(TypeError, match="greedy must be True or False"):
        collect_episodes(agent, envs, greedy="yes")
    envs.close()


def test_an_env_without_time_limit_is_refused():
    import gymnasium as gym

    gym.register(
        "EndlessCartPole-v0", entry_point="gymnasium.envs.classic_control.cartpole:CartPoleEnv"
    )
    with pytest.raises(ValueError, match="has no time limit"):
        make_episode_envs("EndlessCartPole-v0", 2)


def test_continuous_actions_are_refused():
    with pytest.raises(ValueError, match="discrete actions"):
        train_reinforce(_short(env_id="Pendulum-v1"), progress=False)


def test_reinforce_update_is_one_adam_step_on_the_loss_then_the_value_fit(batch_and_agent):
    import copy

    batch, original = batch_and_agent
    config = ReinforceConfig(variant="baseline", value_steps=2)
    agent, manual = copy.deepcopy(original), copy.deepcopy(original)
    optimizers = ReinforceOptimizers(
        torch.optim.Adam(agent.policy.parameters(), lr=config.learning_rate),
        torch.optim.Adam(agent.value.parameters(), lr=config.value_learning_rate),
    )
    losses = reinforce_update(agent, batch, optimizers, config)
    assert set(losses) == {"loss", "grad_variance", "value_loss"}
    # The same step written out: weights from the value *before* its fit, one Adam step.
    policy_opt = torch.optim.Adam(manual.policy.parameters(), lr=config.learning_rate)
    with torch.no_grad():
        weights = reward_to_go(batch.rewards, config.gamma) - manual.value(batch.obs).squeeze(-1)
    logp = manual.log_probs(batch.obs).gather(-1, batch.actions.unsqueeze(-1)).squeeze(-1)
    loss = reinforce_loss(logp, weights, batch.mask)
    loss.backward()
    policy_opt.step()
    assert math.isclose(losses["loss"], loss.item(), rel_tol=1e-6)
    for a, b in zip(agent.policy.parameters(), manual.policy.parameters()):
        torch.testing.assert_close(a, b)
    assert not all(
        torch.equal(a, b) for a, b in zip(agent.value.parameters(), original.value.parameters())
    ), "the value baseline was not fitted"
