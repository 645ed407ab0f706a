"""MAML-RL's trainer: the training contract, the vmapped inner step, the evaluation."""

import dataclasses

import pytest
import torch
from torch.func import functional_call

from course_lib.maml_rl.train import (
    MAMLRLConfig,
    adapt_policies,
    adaptation_curve,
    greedy_paths,
    make_policy,
    outer_loss,
    policy_gradient_loss,
    rollout,
    train_maml_rl,
    uniform_goals,
)
from course_lib.meta.functional import adapt
from course_lib.ppo import gaussian_log_prob
from course_lib.stats import mean_ci_along

TINY = MAMLRLConfig(
    iterations=3, meta_batch_size=3, num_trajectories=4, max_steps=6, hidden_sizes=(8,)
)


def _batch(config=TINY, seed=0):
    policy = make_policy(config)
    gen = torch.Generator().manual_seed(seed)
    goals = uniform_goals(config.meta_batch_size, -0.5, 0.5, gen)
    params = dict(policy.named_parameters())
    batch = rollout(policy, params, goals, config.num_trajectories, config.max_steps, gen)
    return policy, params, goals, batch


def test_same_seed_same_numbers_other_seed_differs_global_rng_untouched():
    state = torch.get_rng_state()
    a = train_maml_rl(TINY, progress=False)
    b = train_maml_rl(TINY, progress=False)
    c = train_maml_rl(dataclasses.replace(TINY, seed=1), progress=False)
    assert torch.equal(torch.get_rng_state(), state)
    timing = ("seconds", "steps_per_second")
    strip = [{k: v for k, v in row.items() if k not in timing} for row in a.history]
    assert strip == [{k: v for k, v in row.items() if k not in timing} for row in b.history]
    for p, q in zip(a.model.parameters(), b.model.parameters()):
        assert torch.equal(p, q)
    assert a.metric("loss").tolist() != c.metric("loss").tolist()


def test_history_rows_and_callback_stop():
    rows = []
    result = train_maml_rl(
        TINY, lambda row, model: rows.append(row) or len(rows) == 2, progress=False
    )
    assert len(result.history) == 2
    keys = {
        "iteration",
        "env_steps",
        "pre_return",
        "post_return",
        "episode_return",
        "loss",
        "seconds",
    }
    assert keys <= set(result.history[0])
    assert result.history[1]["env_steps"] == 2 * (2 * 3 * 4 * 6)  # inner + outer episodes


def test_pretrain_has_no_inner_step():
    result = train_maml_rl(dataclasses.replace(TINY, method="pretrain"), progress=False)
    assert result.metric("pre_return").tolist() == result.metric("post_return").tolist()
    assert result.history[0]["env_steps"] == 3 * 4 * 6


def test_vmapped_inner_step_equals_one_task_at_a_time():
    policy, params, _, batch = _batch()
    together = adapt_policies(policy, params, batch, inner_lr=0.1, gamma=0.99)
    for m in range(TINY.meta_batch_size):
        x = batch.obs[:, m]
        y = _target(batch, m)
        alone = adapt(
            policy,
            params,
            x,
            y,
            inner_lr=0.1,
            steps=1,
            loss_fn=lambda p, t: policy_gradient_loss(p, t, gamma=0.99),
        )
        for name in params:
            assert torch.allclose(together[name][m], alone[name], atol=1e-6)


def _target(batch, m):
    """Task m's targets for the inner loss: actions, rewards and the step mask."""
    return torch.cat(
        [batch.actions[:, m], batch.rewards[:, m, :, None], batch.mask[:, m, :, None].float()], -1
    )


@pytest.mark.parametrize("ended_early", [False, True])
def test_inner_gradient_is_the_normalised_policy_gradient(ended_early):
    policy, params, _, batch = _batch()
    x, y = batch.obs[:, 0], _target(batch, 0)
    if ended_early:  # episode 1 reached its goal after 2 steps, episode 2 after 4
        y[2:, 1, 3], y[4:, 2, 3] = 0.0, 0.0
        y[..., 2] *= y[..., 3]
    loss = policy_gradient_loss(functional_call(policy, params, (x,)), y, gamma=0.9)
    (g,) = torch.autograd.grad(loss, params["log_std"])
    # by hand, over the real steps only: −(1/L) Σ_t 0.9^t ∇log π_t (G_t − b_t) / s, b_t the
    # leave-one-out mean, s the spread of the real steps' advantages, L the mean episode length
    out = functional_call(policy, params, (x,))
    logprob = gaussian_log_prob(out[..., :2], out[..., 2:], y[..., :2])
    rewards, mask, n, t = y[..., 2], y[..., 3].bool(), y.shape[1], y.shape[0]
    returns = torch.stack([sum(0.9 ** (k - s) * rewards[k] for k in range(s, t)) for s in range(t)])
    adv = returns - (returns.sum(1, keepdim=True) - returns) / (n - 1)
    adv = adv * 0.9 ** torch.arange(t, dtype=torch.float32)[:, None]
    length = mask.sum() / n
    by_hand = -(logprob * adv)[mask].sum() / n / (adv[mask].std() + 1e-8) / length
    (want,) = torch.autograd.grad(by_hand, params["log_std"])
    assert torch.allclose(g, want, atol=1e-5)


def test_second_order_meta_gradient_differs_from_first_order():
    policy, params, goals, batch = _batch()
    grads = {}
    for first_order in (False, True):
        adapted = adapt_policies(
            policy, params, batch, inner_lr=0.1, gamma=0.99, first_order=first_order
        )
        loss = outer_loss(policy, adapted, batch, gamma=0.99, clip_coef=0.2)
        grads[first_order] = torch.autograd.grad(loss, params["mean.0.weight"])[0]
    assert not torch.allclose(grads[False], grads[True])


def test_adaptation_curve_shapes_and_paths():
    policy = make_policy(TINY)
    goals = torch.tensor([[0.2, 0.3], [-0.4, 0.1]])
    curve = adaptation_curve(policy, goals, steps=2, num_trajectories=3, max_steps=6)
    assert curve.steps == [0, 1, 2] and curve.per_task.shape == (2, 3)
    assert curve.metric == "return" and curve.higher_is_better and torch.equal(curve.tasks, goals)
    assert curve.positions.shape == (3, 6, 2, 3, 2)
    assert len(curve.params) == 3
    mean, half = curve.mean, curve.ci
    # The statistics the old [K+1, G] curve reported, bit for bit (mean_ci_along over goals).
    old_mean, old_half = mean_ci_along(curve.per_task.T.float())
    assert torch.equal(mean, old_mean) and torch.equal(half, old_half)
    assert mean.shape == half.shape == (3,)
    paths = greedy_paths(curve, policy, 1)
    assert paths.shape == (3, 7, 2) and torch.equal(paths[:, 0], torch.zeros(3, 2))
    same = adaptation_curve(policy, goals, steps=2, num_trajectories=3, max_steps=6)
    assert torch.equal(curve.per_task, same.per_task)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"method": "reptile"}, ValueError, "method must be one of"),
        ({"estimator": "lvc"}, ValueError, "estimator must be one of"),
        ({"iterations": 0}, ValueError, r"iterations must be an integer in \[1, 100_000\], got 0"),
        (
            {"iterations": 10**6},
            ValueError,
            r"iterations must be an integer in \[1, 100_000\], got 1000000",
        ),
        (
            {"num_trajectories": 1},
            ValueError,
            r"num_trajectories must be an integer in \[2, 200_000\], got 1",
        ),
        ({"meta_batch_size": 1000, "num_trajectories": 1000}, ValueError, "<= 200000"),
        ({"inner_lr": -0.1}, ValueError, "inner_lr must be in"),
        ({"first_order": "yes"}, TypeError, "first_order must be True or False"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate must be in"),
        ({"hidden_sizes": 64}, TypeError, "hidden_sizes must be a sequence"),
        ({"goal_low": 1.0}, ValueError, "goal_low must be < goal_high"),
        ({"seed": -1}, ValueError, r"seed must be an integer in \[0, 2\*\*63\), got -1"),
        (
            {"max_steps": 5000},
            ValueError,
            r"max_steps must be an integer in \[1, 1_000\], got 5000",
        ),
    ],
)
def test_bad_config(kwargs, error, match):
    with pytest.raises(error, match=match):
        MAMLRLConfig(**kwargs)


def test_bad_calls():
    with pytest.raises(TypeError, match="config must be a MAMLRLConfig"):
        train_maml_rl({"iterations": 3}, progress=False)
    with pytest.raises(TypeError, match="callback must be callable"):
        train_maml_rl(TINY, callback=3, progress=False)
    policy = make_policy(TINY)
    with pytest.raises(ValueError, match=r"goals must have shape \[G, 2\]"):
        adaptation_curve(policy, torch.zeros(3))
    with pytest.raises(TypeError, match="goals must be a float tensor"):
        adaptation_curve(policy, [[0.1, 0.2]])
    with pytest.raises(ValueError, match=r"steps must be an integer in \[0, 20\]"):
        adaptation_curve(policy, torch.zeros(1, 2), steps=50)
    with pytest.raises(ValueError, match="<= 200000"):
        adaptation_curve(policy, torch.zeros(20_000, 2), num_trajectories=20)


def test_rollout_ends_an_episode_at_the_goal():
    policy = make_policy(
        TINY
    )  # its mean action is almost 0, so a greedy first move stays near the origin
    params = dict(policy.named_parameters())
    goals = torch.tensor([[0.0, 0.0], [0.4, 0.4]])
    batch = rollout(policy, params, goals, 3, 5, torch.Generator().manual_seed(0), greedy=True)
    assert batch.mask[0].all()
    assert not batch.mask[1:, 0].any() and batch.mask[:, 1].all()  # goal 0 reached in one step
    assert (batch.rewards[1:, 0] == 0).all() and (batch.obs[1:, 0] == batch.obs[1, 0]).all()
    assert torch.equal(batch.returns[0], batch.rewards[0, 0])


def test_trpo_outer_step_stays_in_its_trust_region():
    config = dataclasses.replace(TINY, outer_optimizer="trpo", max_kl=0.01, iterations=3)
    result = train_maml_rl(config, progress=False)
    kls, fractions = result.metric("kl"), result.metric("step_fraction")
    assert (kls <= 0.01 + 1e-9).all() and ((fractions >= 0) & (fractions <= 1)).all()
    assert (fractions > 0).any()  # at least one step was accepted
    before = make_policy(config).state_dict()
    assert any(not torch.equal(before[k], v) for k, v in result.model.state_dict().items())
