"""MAML-RL on Bernoulli bandits (course_lib/maml_rl/bandits.py): exact inner gradient,
determinism, a short run that learns, and bad inputs with their messages."""

from __future__ import annotations

import pytest
import torch

from course_lib.maml_rl.bandits import (
    BanditMAMLConfig,
    BanditPolicy,
    adapt_logits,
    bandit_adaptation_curve,
    inner_gradient,
    train_bandit_maml,
)

torch.set_num_threads(1)


def test_inner_gradient_is_the_analytic_reinforce_gradient_of_a_softmax():
    phi = torch.tensor([[0.3, -0.2]], dtype=torch.float64, requires_grad=True)
    arms = torch.tensor([[0, 1, 0]])
    rewards = torch.tensor([[1.0, 0.0, 0.0]], dtype=torch.float64)
    pi = torch.softmax(phi.detach()[0], -1)
    baseline = [0.0, 0.5, 0.5]  # mean reward of the other two pulls
    expected = (
        sum(
            (torch.eye(2, dtype=torch.float64)[a] - pi) * (r - b)
            for a, r, b in zip([0, 1, 0], [1.0, 0.0, 0.0], baseline, strict=True)
        )
        / 3
    )
    got = inner_gradient(phi, arms, rewards)
    torch.testing.assert_close(got[0], expected, rtol=0, atol=1e-12)


def test_inner_gradient_is_per_bandit():
    phi = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    arms = torch.tensor([[0, 1], [2, 2]])
    rewards = torch.tensor([[1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    got = inner_gradient(phi, arms, rewards)
    alone = inner_gradient(phi[:1].detach().requires_grad_(), arms[:1], rewards[:1])
    torch.testing.assert_close(got[:1], alone)
    assert torch.equal(got[1], torch.zeros(3, dtype=torch.float64))  # r − b = 0 on both pulls


def test_meta_gradient_flows_through_the_inner_step_only_at_second_order():
    arm_probs = torch.tensor([[0.9, 0.1, 0.5]])

    def logits_grad(first_order):
        policy = BanditPolicy(3, inner_lr=2.0)
        gen = torch.Generator().manual_seed(4)
        path = adapt_logits(policy, arm_probs, 1, 8, gen, first_order=first_order)
        (path[-1].softmax(-1) * arm_probs).sum().backward()
        return policy.logits.grad.clone(), policy.log_inner_lr.grad.clone()

    second, first = logits_grad(False), logits_grad(True)
    assert not torch.allclose(second[0], first[0])  # ∇ĝ adds the Hessian term
    torch.testing.assert_close(second[1], first[1])  # ∂/∂α does not need ∇ĝ


def test_same_seed_same_numbers_other_seed_differs_global_rng_untouched():
    config = BanditMAMLConfig(iterations=5, meta_batch_size=8, seed=1)
    before = torch.random.get_rng_state()
    a = train_bandit_maml(config, progress=False)
    b = train_bandit_maml(config, progress=False)
    c = train_bandit_maml(BanditMAMLConfig(iterations=5, meta_batch_size=8, seed=2), progress=False)
    assert torch.equal(torch.random.get_rng_state(), before)
    assert list(a.metric("loss")) == list(b.metric("loss"))
    assert torch.equal(a.model.logits, b.model.logits)
    assert not torch.equal(a.model.logits, c.model.logits)
    assert set(a.history[0]) == {
        "iteration", "env_steps", "loss", "post_reward", "inner_lr", "seconds", "steps_per_second"
    }  # fmt: skip
    assert a.history[-1]["env_steps"] == 5 * 8 * 10 * 2


def test_short_training_improves_reward_after_one_step():
    config = BanditMAMLConfig(iterations=60, seed=0)
    result = train_bandit_maml(config, progress=False)
    trained = bandit_adaptation_curve(result.model, steps=1, num_bandits=500)
    untrained = bandit_adaptation_curve(BanditPolicy(5, config.inner_lr), steps=1, num_bandits=500)
    gain = trained.mean[1] - untrained.mean[1]
    assert gain > trained.ci[1] + untrained.ci[1] and gain > 0.5, (trained.mean, untrained.mean)
    assert result.model.inner_lr.item() > 5 * config.inner_lr  # α is what was learned


def test_adaptation_curve_shapes_and_fixed_set():
    policy = BanditPolicy(5, 10.0)
    a = bandit_adaptation_curve(policy, steps=2, num_bandits=50, seed=3)
    b = bandit_adaptation_curve(policy, steps=2, num_bandits=50, seed=3)
    assert a.per_task.shape == (50, 3) and a.mean.shape == (3,) and a.ci.shape == (3,)
    assert torch.equal(a.per_task, b.per_task)
    # Step 0 is the uniform policy: expected trial reward = 10 · mean of the arm means.
    from course_lib.tasks import evaluation_bandits

    probs = torch.as_tensor(evaluation_bandits(5, range(50)), dtype=torch.float32)
    torch.testing.assert_close(a.per_task[:, 0], 10 * probs.mean(1), check_dtype=False)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"k": 1}, ValueError, "k must be an integer in [2, 100], got 1"),
        (
            {"pulls_per_step": 1},
            ValueError,
            "pulls_per_step must be an integer in [2, 1_000], got 1",
        ),
        ({"inner_steps": 11}, ValueError, "inner_steps must be an integer in [1, 10], got 11"),
        ({"inner_lr": 0.0}, ValueError, "inner_lr must be in (0.0, 1000.0], got 0.0"),
        ({"iterations": 10**6}, ValueError, "iterations must be an integer in [1, 100_000]"),
        ({"meta_batch_size": 1.5}, TypeError, "meta_batch_size must be an integer in [1, 10_000]"),
        ({"learn_inner_lr": "yes"}, TypeError, "learn_inner_lr must be True or False, got 'yes'"),
        ({"seed": -1}, ValueError, "seed must be an integer in [0, 2**63), got -1"),
        ({"device": "gpu"}, ValueError, "device must be a torch device string"),
    ],
)
def test_bad_config(kwargs, error, message):
    with pytest.raises(error) as info:
        BanditMAMLConfig(**kwargs)
    assert message in str(info.value)


def test_bad_trainer_and_curve_arguments():
    with pytest.raises(TypeError, match="config must be a BanditMAMLConfig, got dict"):
        train_bandit_maml({}, progress=False)
    with pytest.raises(TypeError, match="callback must be callable"):
        train_bandit_maml(BanditMAMLConfig(iterations=1), "stop", progress=False)
    policy = BanditPolicy(5, 1.0)
    with pytest.raises(TypeError, match="policy must be a BanditPolicy, got str"):
        bandit_adaptation_curve("policy")
    with pytest.raises(ValueError, match=r"k must equal the policy's 5 arms, got 3"):
        bandit_adaptation_curve(policy, k=3)
    with pytest.raises(
        ValueError, match=r"num_bandits must be an integer in \[1, 100_000\], got 0"
    ):
        bandit_adaptation_curve(policy, num_bandits=0)
    with pytest.raises(ValueError, match=r"steps must be an integer in \[0, 10\], got 11"):
        bandit_adaptation_curve(policy, steps=11)
