"""RL² agent and recurrent PPO: the reset rule, trial rollouts, reproducibility, a short run that learns."""

import dataclasses

import pytest
import torch

from course_lib.rl2 import (
    RecurrentActorCritic,
    RL2Config,
    evaluate_rl2,
    make_agent,
    reset_hidden,
    train_rl2,
    trial_input,
)
from course_lib.rl2.analysis import bandit_exploration, bandit_posterior_counts, maze_paths
from course_lib.tasks import BernoulliBanditVectorEnv, RandomGoalMazeVectorEnv
from course_lib.trials import episode_lengths, rollout_trials

torch.set_num_threads(1)


def test_hidden_state_kept_across_episodes_and_reset_at_trial_end():
    env = BernoulliBanditVectorEnv(2, k=3, episodes_per_trial=3)
    agent = RecurrentActorCritic(1 + 3 + 2, 3, hidden_size=8)
    obs = env.reset_tensor(seed=0)
    h = agent.initial_state(2)
    a, r, d = torch.full((2,), -1), torch.zeros(2), torch.zeros(2)
    norms, trial_ends, episode_ends = [], [], []
    with torch.no_grad():
        for _ in range(6):
            _, _, h = agent.step(trial_input(obs, a, r, d, 3), h)
            a = torch.tensor([0, 1])
            obs, r, ep_end, tr_end = env.step_tensor(a)
            h = reset_hidden(h, tr_end)
            d = ep_end.float()
            norms.append(float(h.abs().sum()))
            trial_ends.append(bool(tr_end.all()))
            episode_ends.append(bool(ep_end.all()))
    assert all(episode_ends)  # every bandit step ends an episode ...
    assert trial_ends == [False, False, True, False, False, True]
    assert norms[0] > 0 and norms[1] > 0 and norms[3] > 0  # ... and the memory survives it
    assert norms[2] == 0 and norms[5] == 0  # but not the end of a trial


def test_sequence_forward_matches_stepwise_rollout():
    env = RandomGoalMazeVectorEnv(16, "room4", episodes_per_trial=2, max_steps=6)
    agent = make_agent(env, RL2Config(hidden_size=16, seed=0))
    batch = rollout_trials(agent, env, seed=3)
    with torch.no_grad():
        logits, values = agent(batch.inputs)
    logp = torch.log_softmax(logits, -1).gather(2, batch.actions[..., None]).squeeze(2)
    mask = batch.valid
    torch.testing.assert_close(logp[mask], batch.logp[mask], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(values[mask], batch.values[mask], atol=1e-5, rtol=1e-5)


def test_maze_rollout_masks_padding_and_counts_episodes():
    env = RandomGoalMazeVectorEnv(32, "room4", episodes_per_trial=3, max_steps=5)
    agent = make_agent(env, RL2Config(hidden_size=8, seed=1))
    batch = rollout_trials(agent, env, seed=0)
    assert batch.trial_end.sum(0).tolist() == [1] * 32
    assert batch.episode_end.sum(0).tolist() == [3] * 32
    lengths = episode_lengths(batch)
    assert lengths.shape == (32, 3) and lengths.sum().item() == batch.valid.sum().item()
    assert float(lengths.max()) <= 5
    assert float(batch.rewards[~batch.valid].abs().sum()) == 0
    paths = maze_paths(batch, env, 0)
    assert [len(p) - 1 for p in paths] == lengths[0].int().tolist()


def test_bandit_posterior_counts_follow_the_pulls():
    env = BernoulliBanditVectorEnv(4, k=3, episodes_per_trial=5)
    agent = make_agent(env, RL2Config(hidden_size=8, seed=0))
    batch = rollout_trials(agent, env, seed=0)
    succ, fail = bandit_posterior_counts(batch, 2)
    assert succ.shape == (6, 3)
    assert float((succ + fail)[-1].sum()) == 5 and float(succ[-1].sum()) == float(
        batch.rewards[:, 2].sum()
    )


def test_bandit_exploration_counts_arms_and_the_end_on_the_best_arm():
    env = BernoulliBanditVectorEnv(3, k=3, episodes_per_trial=5)
    batch = rollout_trials(make_agent(env, RL2Config(hidden_size=4, seed=0)), env, seed=0)
    batch = dataclasses.replace(
        batch,
        task=torch.tensor([[0.1, 0.9, 0.5], [0.8, 0.2, 0.3], [0.3, 0.4, 0.6]]),
        actions=torch.tensor([[0, 1, 2, 1, 1], [0, 0, 0, 0, 0], [0, 1, 0, 1, 1]]).T,
    )
    stats = bandit_exploration(batch, final=0.4)  # the last 2 of 5 pulls
    assert stats["arms_tried"] == pytest.approx((3 + 1 + 2) / 3)
    assert stats["one_arm_trials"] == pytest.approx(1 / 3)
    assert stats["best_arm_at_end"] == pytest.approx((2 + 2 + 0) / 6)


def test_bandit_exploration_names_a_batch_that_is_not_bandits():
    maze = RandomGoalMazeVectorEnv(2, "room4")
    maze_batch = rollout_trials(make_agent(maze, RL2Config(hidden_size=4, seed=0)), maze, seed=0)
    with pytest.raises(
        ValueError, match=r"batch must hold bandit trials \(task \[N, k\] = \[2, 4\]"
    ):
        bandit_exploration(maze_batch)
    with pytest.raises(TypeError, match="batch must be a TrialBatch, got dict"):
        bandit_exploration({})
    env = BernoulliBanditVectorEnv(2, k=3, episodes_per_trial=2)
    batch = rollout_trials(make_agent(env, RL2Config(hidden_size=4, seed=0)), env, seed=0)
    with pytest.raises(ValueError, match="final must be"):
        bandit_exploration(batch, final=0.0)


def test_rollout_and_training_are_reproducible():
    def run(seed):
        env = BernoulliBanditVectorEnv(32, 3, 4)
        result = train_rl2(RL2Config(iterations=2, hidden_size=8, seed=seed), env, progress=False)
        history = list(result.metric("trial_return")) + list(result.metric("approx_kl"))
        return history, result.model.policy_head.weight.detach().clone()

    h0, w0 = run(0)
    h1, w1 = run(0)
    h2, w2 = run(1)
    assert h0 == h1 and torch.equal(w0, w1)
    assert not torch.equal(w0, w2)


def test_short_rl2_run_beats_random_clearly():
    train_env = BernoulliBanditVectorEnv(250, k=5, episodes_per_trial=10)
    config = RL2Config(iterations=60, hidden_size=32, learning_rate=3e-3, seed=0)
    result = train_rl2(config, train_env, progress=False)
    agent = result.model
    eval_env = BernoulliBanditVectorEnv(2000, k=5, episodes_per_trial=10)
    untrained = evaluate_rl2(make_agent(eval_env, config), eval_env, seed=7)
    trained = evaluate_rl2(agent, eval_env, seed=7)  # same bandits: a paired comparison
    gain = trained["trial_returns"] - untrained["trial_returns"]
    assert abs(untrained["mean_trial_return"] - 5.0) < 0.3  # an untrained policy is ~uniform: n/2
    assert float(gain.mean()) > 5 * float(gain.std() / len(gain) ** 0.5)
    assert trained["mean_trial_return"] > 5.4
    assert len(result.metric("entropy")) == 60


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(iterations=0), r"iterations must be an integer in \[1, 1_000_000\]"),
        (dict(learning_rate=0.0), "learning_rate must be in"),
        (dict(gamma=1.5), r"gamma must be in \[0.0, 1.0\]"),
        (dict(gae_lambda=-0.1), r"gae_lambda must be in \[0.0, 1.0\]"),
        (dict(num_minibatches=0), r"num_minibatches must be an integer in \[1, 100_000\]"),
        (dict(reward_scale=0.0), "reward_scale must be in"),
    ],
)
def test_bad_config(kwargs, match):
    with pytest.raises(ValueError, match=match):
        RL2Config(**kwargs)


def test_bad_train_arguments():
    with pytest.raises(TypeError, match="env must be"):
        train_rl2(RL2Config(iterations=1), "bandit", progress=False)
    with pytest.raises(
        ValueError, match=r"env.num_envs \(2\) must be >= config.num_minibatches \(4\)"
    ):
        train_rl2(RL2Config(iterations=1), BernoulliBanditVectorEnv(2), progress=False)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*63\), got -1"):
        RL2Config(iterations=1, seed=-1)


def test_analysis_rejects_bad_trial_index():
    env = BernoulliBanditVectorEnv(4, k=3, episodes_per_trial=2)
    batch = rollout_trials(make_agent(env, RL2Config(hidden_size=4, seed=0)), env, seed=0)
    with pytest.raises(ValueError, match=r"trial must be in \[0, 3\]"):
        bandit_posterior_counts(batch, 4)
    maze = RandomGoalMazeVectorEnv(2, "room4")
    maze_batch = rollout_trials(make_agent(maze, RL2Config(hidden_size=4, seed=0)), maze, seed=0)
    with pytest.raises(ValueError, match=r"trial must be in \[0, 1\]"):
        maze_paths(maze_batch, maze, 2)


def test_memoryless_observation_only_agent_ignores_the_extra_inputs():
    agent = RecurrentActorCritic(
        5 + 4 + 2, 4, hidden_size=8, recurrent=False, observation_only=True
    )
    x = torch.zeros(3, 11)
    x[:, 2] = 1.0
    y = x.clone()
    y[:, 5:] = torch.rand(3, 6)  # different previous action / reward / flag
    h = agent.initial_state(3)
    torch.testing.assert_close(agent.step(x, h)[0], agent.step(y, h)[0])


def test_num_minibatches_that_does_not_divide_the_trials_still_runs_that_many(monkeypatch):
    """The reported case: RL2Config(num_minibatches=3) with 4 envs ran 4 minibatches of 1 trial
    (4 // 3 = 1 per minibatch); now 3 minibatches of 2, 1 and 1 trials per epoch."""
    from course_lib import ppo

    cuts = []

    def spy(n, num_minibatches, *, generator=None):
        batches = real(n, num_minibatches, generator=generator)
        cuts.append([len(b) for b in batches])
        return batches

    real = ppo.split_minibatches
    monkeypatch.setattr(ppo, "split_minibatches", spy)
    config = RL2Config(iterations=1, hidden_size=4, update_epochs=2, num_minibatches=3)
    train_rl2(config, BernoulliBanditVectorEnv(4, k=3, episodes_per_trial=2), progress=False)
    assert cuts == [[2, 1, 1], [2, 1, 1]]
