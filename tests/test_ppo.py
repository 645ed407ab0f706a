"""Tests for course_lib.ppo: GAE by hand, the loss against its formula, the policies'
log-probabilities against torch.distributions, validation, checkpoints and a short real run."""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch

from course_lib.checkpoints import load, save
from course_lib.evaluation import StopWhenSolved, evaluate, record_frames
from course_lib.ppo import (
    ActorCritic,
    PPOBatch,
    PPOConfig,
    clipped_surrogate_loss,
    collect_rollout,
    compute_gae,
    gaussian_entropy,
    gaussian_log_prob,
    make_envs,
    ppo_loss,
    ppo_update,
    train,
)

torch.set_num_threads(1)


# ---------------------------------------------------------------- GAE


def test_gae_hand_worked_termination_and_truncation():
    # One env, 5 steps. Step 1 terminates (no bootstrap), step 3 is truncated (bootstrap from
    # V(final obs) = 10, but the recursion still stops there). γ = 0.5, λ = 0.5 → γλ = 0.25.
    r = torch.tensor([[1.0], [2.0], [3.0], [4.0], [5.0]])
    v = torch.tensor([[0.5], [1.0], [1.5], [2.0], [2.5]])
    nv = torch.tensor([[1.0], [99.0], [2.0], [10.0], [4.0]])  # 99 must be ignored (terminal)
    term = torch.tensor([[0.0], [1.0], [0.0], [0.0], [0.0]])
    end = torch.tensor([[0.0], [1.0], [0.0], [1.0], [0.0]])
    # δ = r + γ(1−term)·nv − v:
    # δ0 = 1 + .5·1 − .5 = 1.0 ; δ1 = 2 + 0 − 1 = 1.0 ; δ2 = 3 + .5·2 − 1.5 = 2.5
    # δ3 = 4 + .5·10 − 2 = 7.0 ; δ4 = 5 + .5·4 − 2.5 = 4.5
    # A4 = 4.5 ; A3 = 7.0 (end) ; A2 = 2.5 + .25·7 = 4.25 ; A1 = 1.0 (end) ; A0 = 1 + .25·1 = 1.25
    adv, ret = compute_gae(r, v, nv, term, end, gamma=0.5, lam=0.5)
    expected = torch.tensor([[1.25], [1.0], [4.25], [7.0], [4.5]])
    torch.testing.assert_close(adv, expected)
    torch.testing.assert_close(ret, expected + v)


def test_gae_lambda_ends_are_td_and_monte_carlo():
    g = torch.Generator().manual_seed(0)
    T, N, gamma = 6, 3, 0.9
    r, v = torch.randn(T, N, generator=g), torch.randn(T, N, generator=g)
    nv = torch.cat([v[1:], torch.randn(1, N, generator=g)])
    zeros = torch.zeros(T, N)
    td, _ = compute_gae(r, v, nv, zeros, zeros, gamma, 0.0)
    torch.testing.assert_close(td, r + gamma * nv - v)
    mc, ret = compute_gae(r, v, nv, zeros, zeros, gamma, 1.0)
    expected = torch.zeros(T, N)
    discounted = nv[-1]
    for t in reversed(range(T)):
        discounted = r[t] + gamma * discounted
        expected[t] = discounted
    torch.testing.assert_close(ret, expected)  # λ = 1: returns are the bootstrapped discounted sums


@pytest.mark.parametrize("kwargs, match", [({"gamma": 1.5}, "gamma"), ({"lam": -0.1}, "lam")])
def test_gae_rejects_bad_coefficients(kwargs, match):
    x = torch.zeros(2, 1)
    args = {"gamma": 0.9, "lam": 0.9, **kwargs}
    with pytest.raises(ValueError, match=match):
        compute_gae(x, x, x, x, x, **args)


def test_gae_rejects_mismatched_shapes():
    x = torch.zeros(2, 1)
    with pytest.raises(ValueError, match="must all have the same shape"):
        compute_gae(x, x, torch.zeros(3, 1), x, x, 0.9, 0.9)


# ---------------------------------------------------------------- the clipped loss


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_clipped_loss_matches_formula(sign):
    g = torch.Generator().manual_seed(1)
    logp_old = torch.randn(500, generator=g)
    logp_new = logp_old + 0.5 * torch.randn(
        500, generator=g
    )  # ratios well inside and outside [0.8, 1.2]
    adv = sign * torch.rand(500, generator=g)
    eps = 0.2
    loss = clipped_surrogate_loss(logp_new, logp_old, adv, eps)
    r = torch.exp(logp_new - logp_old)
    expected = -np.mean(
        [
            min(ri * ai, min(max(ri, 1 - eps), 1 + eps) * ai)
            for ri, ai in zip(r.tolist(), adv.tolist())
        ]
    )
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    assert ((r - 1).abs() > eps).any() and ((r - 1).abs() < eps).any()


def test_clipped_loss_gradient_is_zero_in_flat_region():
    # A > 0 and r already above 1 + ε: the objective is flat, no gradient flows.
    logp_new = torch.tensor([math.log(1.5)], requires_grad=True)
    loss = clipped_surrogate_loss(logp_new, torch.zeros(1), torch.ones(1), 0.2)
    loss.backward()
    assert logp_new.grad.item() == 0.0
    # ...but with A < 0 at the same ratio the unclipped term is active: gradient pushes r down.
    logp_new.grad = None
    clipped_surrogate_loss(logp_new, torch.zeros(1), -torch.ones(1), 0.2).backward()
    assert logp_new.grad.item() == pytest.approx(1.5)


def test_clipped_loss_rejects_bad_clip():
    with pytest.raises(ValueError, match="clip_coef"):
        clipped_surrogate_loss(torch.zeros(1), torch.zeros(1), torch.ones(1), 0.0)


# ---------------------------------------------------------------- policies


def test_gaussian_log_prob_and_entropy_match_torch_distributions():
    g = torch.Generator().manual_seed(2)
    mean, log_std = torch.randn(7, 3, generator=g), 0.5 * torch.randn(3, generator=g)
    actions = torch.randn(7, 3, generator=g)
    ref = torch.distributions.Independent(torch.distributions.Normal(mean, log_std.exp()), 1)
    torch.testing.assert_close(
        gaussian_log_prob(mean, log_std.expand_as(mean), actions), ref.log_prob(actions)
    )
    torch.testing.assert_close(gaussian_entropy(log_std.expand_as(mean)), ref.entropy())


def test_actor_critic_log_probs_match_torch_distributions():
    obs = torch.randn(5, 3)
    box = ActorCritic(
        gym.spaces.Box(-1, 1, (3,)), gym.spaces.Box(-2, 2, (2,)), (16,), init_log_std=-0.5, seed=0
    )
    actions, logp, value = box.act(obs, generator=torch.Generator().manual_seed(0))
    ref = torch.distributions.Normal(box.actor(obs), box.log_std.exp())
    torch.testing.assert_close(logp, ref.log_prob(actions).sum(-1))
    logp2, ent, value2 = box.evaluate_actions(obs, actions)
    torch.testing.assert_close(logp2, logp)
    torch.testing.assert_close(ent, ref.entropy().sum(-1))
    torch.testing.assert_close(value2, value)

    disc = ActorCritic(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(4), (16,), seed=0)
    actions, logp, _ = disc.act(obs, generator=torch.Generator().manual_seed(0))
    ref = torch.distributions.Categorical(logits=disc.actor(obs))
    torch.testing.assert_close(logp, ref.log_prob(actions))
    _, ent, _ = disc.evaluate_actions(obs, actions)
    torch.testing.assert_close(ent, ref.entropy())


def test_box_actions_clipped_for_env_only():
    agent = ActorCritic(
        gym.spaces.Box(-1, 1, (3,)), gym.spaces.Box(-0.5, 0.5, (2,)), (8,), init_log_std=1.5, seed=0
    )
    actions, logp, _ = agent.act(torch.randn(64, 3), generator=torch.Generator().manual_seed(0))
    assert actions.abs().max() > 0.5  # the sample itself is not clipped (log-prob belongs to it)
    env_actions = agent.env_action(actions)
    assert env_actions.shape == (64, 2) and np.abs(env_actions).max() <= 0.5


def test_same_seed_same_initial_weights():
    spaces = (gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2))
    a, b = ActorCritic(*spaces, seed=3), ActorCritic(*spaces, seed=3)
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)


@pytest.mark.parametrize("space", [gym.spaces.MultiDiscrete([2, 3]), gym.spaces.MultiBinary(3)])
def test_unsupported_action_space_is_a_type_error_naming_it(space):
    with pytest.raises(TypeError, match=type(space).__name__):
        ActorCritic(gym.spaces.Box(-1, 1, (3,)), space)


def test_unsupported_observation_space_is_a_type_error():
    with pytest.raises(TypeError, match="Discrete"):
        ActorCritic(gym.spaces.Discrete(3), gym.spaces.Discrete(2))


# ---------------------------------------------------------------- config validation


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"num_envs": 0}, "num_envs"),
        ({"num_steps": 2.5}, "num_steps"),
        ({"num_envs": 3, "num_steps": 5, "num_minibatches": 2}, "num_minibatches"),
        ({"total_steps": 100}, "total_steps"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"gamma": 1.2}, "gamma"),
        ({"gae_lambda": -0.5}, "gae_lambda"),
        ({"clip_coef": 0}, "clip_coef"),
        ({"ent_coef": -1.0}, "ent_coef"),
        ({"max_grad_norm": 0.0}, "max_grad_norm"),
        ({"target_kl": 0.0}, "target_kl"),
        ({"update_epochs": True}, "update_epochs"),
        ({"hidden_sizes": (64, 0)}, "hidden_sizes"),
        ({"seed": -1}, "seed"),
        ({"device": "not-a-device"}, "device"),
        ({"reward_scale": float("nan")}, "reward_scale"),
    ],
)
def test_config_validation_names_the_field(kwargs, match):
    with pytest.raises(ValueError, match=match):
        PPOConfig(**kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"env_id": 3}, "env_id"),
        ({"anneal_lr": "yes"}, "anneal_lr"),
        ({"hidden_sizes": "64"}, "hidden_sizes"),
    ],
)
def test_config_type_errors(kwargs, match):
    with pytest.raises(TypeError, match=match):
        PPOConfig(**kwargs)


def test_config_derived_sizes():
    c = PPOConfig(num_envs=4, num_steps=8, num_minibatches=4, total_steps=100, hidden_sizes=[32])
    assert (c.batch_size, c.minibatch_size, c.num_updates, c.hidden_sizes) == (32, 8, 3, (32,))


def test_train_and_evaluate_reject_bad_arguments():
    with pytest.raises(TypeError, match="config"):
        train({"env_id": "CartPole-v1"})
    with pytest.raises(TypeError, match="callback"):
        train(PPOConfig(total_steps=512), callback=42, progress=False)
    with pytest.raises(ValueError, match="episodes"):
        evaluate(lambda obs: np.zeros(len(obs), dtype=np.int64), "CartPole-v1", episodes=0)
    with pytest.raises(TypeError, match="agent"):
        evaluate(42, "CartPole-v1")


# ---------------------------------------------------------------- rollouts


def test_rollout_bootstraps_truncated_steps_from_final_observation():
    # Pendulum is always truncated at 200 steps and never terminates.
    envs = make_envs("Pendulum-v1", 2)
    agent = ActorCritic(envs.single_observation_space, envs.single_action_space, (16,), seed=0)
    obs, _ = envs.reset(seed=0)
    gen = torch.Generator().manual_seed(0)
    rollout, obs = collect_rollout(agent, envs, obs, 150, generator=gen)
    rollout2, _ = collect_rollout(agent, envs, obs, 100, generator=gen)
    envs.close()
    t = 49  # the 200th step overall is step 49 of the second rollout
    assert rollout2.episode_end[t].tolist() == [1.0, 1.0] and rollout2.terminated.sum() == 0
    # The bootstrap is V(final obs), not V(first obs of the next episode) = values[t + 1].
    assert not torch.allclose(rollout2.next_values[t], rollout2.values[t + 1])
    torch.testing.assert_close(rollout2.next_values[t + 1], rollout2.values[t + 2])
    torch.testing.assert_close(rollout.next_values[:-1], rollout.values[1:])
    # gymnasium's RecordEpisodeStatistics (inside make_envs) saw both episodes end.
    assert len(envs.return_queue) == 2 and all(r < 0 for r in envs.return_queue)
    assert list(envs.length_queue) == [200, 200]


def test_rollout_terminated_steps_are_marked():
    envs = make_envs("CartPole-v1", 4)
    agent = ActorCritic(envs.single_observation_space, envs.single_action_space, (16,), seed=0)
    obs, _ = envs.reset(seed=0)
    rollout, _ = collect_rollout(agent, envs, obs, 64, generator=torch.Generator().manual_seed(0))
    envs.close()
    assert rollout.terminated.sum() > 0  # a random policy drops the pole well within 64 steps
    assert torch.equal(rollout.terminated * rollout.episode_end, rollout.terminated)


# ---------------------------------------------------------------- checkpoints


def test_save_load_round_trip(tmp_path):
    cfg = PPOConfig(
        env_id="Pendulum-v1", num_envs=2, num_steps=16, total_steps=32, hidden_sizes=(8, 8)
    )
    result = train(cfg, progress=False)
    path = save(result.model, tmp_path / "agent.pt")
    agent = load(path)
    assert agent.config == cfg
    obs = torch.randn(4, 3)
    torch.testing.assert_close(agent(obs), result.model(obs))
    torch.testing.assert_close(agent.log_std, result.model.log_std)
    torch.testing.assert_close(agent.action_high, result.model.action_high)


def test_load_corrupt_or_mismatched_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"this is not a checkpoint")
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load(bad)
    other = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, other)
    with pytest.raises(ValueError, match="not a course_lib PPO checkpoint"):
        load(other)
    agent = ActorCritic(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2), (8,), seed=0)
    good = save(agent, tmp_path / "good.pt")
    payload = torch.load(good, weights_only=True)
    payload["hidden_sizes"] = [16]  # an entry the format does not have (tests/test_checkpoints.py
    torch.save(payload, tmp_path / "mismatch.pt")  # covers weights that no longer fit)
    with pytest.raises(ValueError, match="the checkpoint's entries are not"):
        load(tmp_path / "mismatch.pt")
    truncated = tmp_path / "truncated.pt"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load(truncated)
    pickled_module = tmp_path / "module.pt"
    torch.save(
        torch.nn.Linear(2, 2), pickled_module
    )  # arbitrary objects: refused by weights_only=True
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load(pickled_module)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.pt")


# ---------------------------------------------------------------- real training


def test_short_cartpole_training_beats_random_and_is_reproducible():
    cfg = PPOConfig(total_steps=16 * 32 * 24, seed=0)  # 12,288 steps, a few seconds
    rows = []
    result = train(cfg, callback=lambda row, agent: rows.append(row["env_steps"]), progress=False)
    assert rows == [float(512 * (i + 1)) for i in range(24)]
    expected_keys = {
        "iteration",
        "env_steps",
        "seconds",
        "episode_return",
        "value_loss",
        "policy_loss",
        "entropy",
        "approx_kl",
        "clip_fraction",
        "explained_variance",
        "steps_per_second",
    }
    assert expected_keys <= set(result.history[0])
    random_policy = evaluate(
        lambda obs: np.random.default_rng(0).integers(0, 2, len(obs)), "CartPole-v1", 20, seed=100
    )
    trained = evaluate(result.model, "CartPole-v1", 20, seed=100)
    assert random_policy.mean() < 40
    assert trained.mean() > 150, trained  # clearly better than random (~22)
    # Same config, same numbers.
    again = train(PPOConfig(total_steps=16 * 32 * 4, seed=0), progress=False)
    first = train(PPOConfig(total_steps=16 * 32 * 4, seed=0), progress=False)
    assert [r["value_loss"] for r in again.history] == [r["value_loss"] for r in first.history]


def test_callback_returning_true_stops_training():
    result = train(
        PPOConfig(total_steps=512 * 10),
        callback=lambda row, agent: row["iteration"] >= 2,
        progress=False,
    )
    assert len(result.history) == 2
    assert result.metric("iteration").tolist() == [1.0, 2.0]


def test_stop_when_solved_evaluates_on_schedule_and_validates():
    stopper = StopWhenSolved("CartPole-v1", every_steps=1024, episodes=2, seed=0)
    assert stopper.threshold == 475.0  # gymnasium's reward_threshold
    agent = ActorCritic(gym.spaces.Box(-np.inf, np.inf, (4,)), gym.spaces.Discrete(2), (8,), seed=0)
    assert stopper({"env_steps": 512.0}, agent) is False and stopper.evaluations == []
    row = {"env_steps": 1024.0}
    assert stopper(row, agent) is False  # an untrained agent is far from 475
    assert stopper.evaluations[0][0] == 1024 and "eval_return" in row and not stopper.solved
    always = StopWhenSolved("CartPole-v1", threshold=0.0, every_steps=1, episodes=1)
    assert always({"env_steps": 1.0}, agent) is True and always.solved
    with pytest.raises(ValueError, match="every_steps"):
        StopWhenSolved("CartPole-v1", every_steps=0)
    with pytest.raises(ValueError, match="reward_threshold"):
        StopWhenSolved("Pendulum-v1")


def test_record_frames_returns_rgb_frames_and_the_return():
    agent = ActorCritic(gym.spaces.Box(-np.inf, np.inf, (4,)), gym.spaces.Discrete(2), (8,), seed=0)
    frames, ret = record_frames(agent, "CartPole-v1", max_frames=5, every=2, seed=0)
    assert (
        1 <= len(frames) <= 5 and frames[0].shape == (400, 600, 3) and frames[0].dtype == np.uint8
    )
    assert ret >= 8  # every CartPole step earns 1 and an episode lasts at least ~8 steps
    with pytest.raises(ValueError, match="max_frames"):
        record_frames(agent, "CartPole-v1", max_frames=0)


def test_record_frames_cuts_the_episode_at_max_steps_and_checks_the_fit():
    """An env without a time limit must end too (issue #28); an agent for another env is refused."""
    agent = ActorCritic(gym.spaces.Box(-np.inf, np.inf, (4,)), gym.spaces.Discrete(2), (8,), seed=0)
    frames, ret = record_frames(agent, "CartPole-v1", max_steps=3, seed=0)
    assert len(frames) == 4 and ret == 3.0  # the first frame and one per step, 1 reward a step
    with pytest.raises(ValueError, match="agent does not fit Pendulum-v1"):
        record_frames(agent, "Pendulum-v1")


# ---------------------------------------------------------------- the one loss and update


def test_ppo_loss_matches_its_formula_and_reports_diagnostics():
    g = torch.Generator().manual_seed(0)
    logprob, old = torch.randn(32, generator=g), torch.randn(32, generator=g)
    adv, values, old_values, returns = (torch.randn(32, generator=g) for _ in range(4))
    entropy = torch.rand(32, generator=g)
    loss, d = ppo_loss(
        logprob, old, adv, values, old_values, returns, entropy,
        clip_coef=0.2, vf_coef=0.5, ent_coef=0.01, norm_adv=False,
    )  # fmt: skip
    expected = (
        clipped_surrogate_loss(logprob, old, adv, 0.2)
        - 0.01 * entropy.mean()
        + 0.5 * 0.5 * ((values - returns) ** 2).mean()
    )
    torch.testing.assert_close(loss, expected)
    ratio = (logprob - old).exp()
    torch.testing.assert_close(d["approx_kl"], ((ratio - 1) - (logprob - old)).mean())
    torch.testing.assert_close(d["clip_fraction"], ((ratio - 1).abs() > 0.2).float().mean())
    ev = 1 - (returns - values).var() / returns.var()
    torch.testing.assert_close(d["explained_variance"], ev)


def test_ppo_loss_mask_equals_dropping_the_padded_steps():
    g = torch.Generator().manual_seed(1)
    tensors = [torch.randn(4, 6, generator=g) for _ in range(7)]
    mask = torch.rand(4, 6, generator=g) > 0.3
    kwargs = dict(clip_coef=0.2, vf_coef=0.5, ent_coef=0.01)
    masked, d1 = ppo_loss(*tensors, mask=mask, **kwargs)
    dropped, d2 = ppo_loss(*(t[mask] for t in tensors), **kwargs)
    torch.testing.assert_close(masked, dropped)
    assert d1.keys() == d2.keys()


def test_ppo_and_rl2_call_the_same_update(monkeypatch):
    """Both trainers go through course_lib.ppo.ppo_update: one update, one set of diagnostics."""
    import course_lib.ppo as ppo
    import course_lib.rl2.train as rl2_train
    from course_lib.rl2 import RL2Config, train_rl2
    from course_lib.tasks import BernoulliBanditVectorEnv

    assert rl2_train.ppo_update is ppo.ppo_update
    calls = []
    real = ppo.ppo_update

    def spy(batch, evaluate, optimizer, config, **kwargs):
        calls.append((type(config).__name__, batch.old_logprob.dim()))
        return real(batch, evaluate, optimizer, config, **kwargs)

    monkeypatch.setattr(ppo, "ppo_update", spy)
    monkeypatch.setattr(rl2_train, "ppo_update", spy)
    train(PPOConfig(total_steps=512), progress=False)
    train_rl2(
        RL2Config(iterations=1, hidden_size=4), BernoulliBanditVectorEnv(8, 3, 2), progress=False
    )
    # PPO's samples are transitions ([B]), RL²'s are whole trials ([N, T]).
    assert calls == [("PPOConfig", 1), ("RL2Config", 2)]


def test_ppo_update_stops_epochs_at_target_kl():
    env_cfg = PPOConfig(total_steps=512, update_epochs=10, target_kl=1e-9, learning_rate=0.01)
    result = train(env_cfg, progress=False)
    assert result.history[0]["epochs"] == 1.0  # any real step exceeds a KL of 1e-9


def test_ppo_update_takes_exactly_num_minibatches_steps_per_epoch():
    """250 samples in 4 minibatches: 4 steps of 63, 63, 62, 62 per epoch, no fifth step of 2."""
    from course_lib.rl2 import RL2Config  # RL²'s batches of trials need not divide evenly

    weight = torch.nn.Parameter(torch.zeros(()))
    batch = PPOBatch(torch.zeros(250), torch.randn(250, generator=torch.Generator().manual_seed(0)),
                     torch.zeros(250), torch.zeros(250))  # fmt: skip
    sizes = []

    def evaluate(index):
        sizes.append(len(index))
        zeros = weight * torch.zeros(len(index))
        return zeros, zeros, zeros

    config = RL2Config(update_epochs=2, num_minibatches=4)
    optimizer = torch.optim.SGD([weight], lr=0.1)
    ppo_update(batch, evaluate, optimizer, config, generator=torch.Generator().manual_seed(0))
    assert sizes == [63, 63, 62, 62] * 2


def test_minibatches_of_one_sample_are_refused_when_normalising_advantages():
    with pytest.raises(ValueError, match="norm_adv=True needs minibatches of at least 2 samples"):
        PPOConfig(num_envs=2, num_steps=4, num_minibatches=8, total_steps=8)
    PPOConfig(num_envs=2, num_steps=4, num_minibatches=8, total_steps=8, norm_adv=False)


def test_ppo_batch_indexing_keeps_the_mask():
    batch = PPOBatch(
        *(torch.arange(6.0).reshape(3, 2) for _ in range(4)), mask=torch.ones(3, 2) > 0
    )
    sub = batch[torch.tensor([2, 0])]
    assert len(sub) == 2 and sub.mask.shape == (2, 2) and sub.returns[0, 0] == 4.0
    assert callable(ppo_update)
