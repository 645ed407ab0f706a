"""SAC conditioned on z: target and losses against an independent reference on a tiny batch; the
twin critics; the encoder learns from the critic and not from the actor."""

import math

import pytest
import torch

from course_lib.pearl.sac import (
    TanhGaussianActor,
    TwinQ,
    actor_loss,
    critic_loss,
    polyak_update,
    soft_q_target,
    tanh_gaussian_log_prob,
    temperature_loss,
)
from course_lib.pearl.train import FIELDS, PEARLConfig, make_agent, pearl_losses

# A tiny batch of three transitions, written out by hand.
R = [1.0, -0.5, 0.25]
D = [0.0, 1.0, 0.0]
NEXT_Q = [[2.0, -1.0, 0.5], [1.5, -2.0, 0.75]]  # Q̄_1, Q̄_2 at (s', a')
NEXT_LOGP = [-1.0, 0.5, 0.0]
GAMMA, ALPHA = 0.9, 0.2


def reference_targets():
    """y_i = r_i + γ (1 − d_i) (min(Q̄_1, Q̄_2) − α log π), one transition at a time."""
    return [
        R[i] + GAMMA * (1 - D[i]) * (min(NEXT_Q[0][i], NEXT_Q[1][i]) - ALPHA * NEXT_LOGP[i])
        for i in range(3)
    ]


def test_soft_q_target_matches_the_reference():
    got = soft_q_target(
        torch.tensor(R),
        torch.tensor(D),
        torch.tensor(NEXT_Q),
        torch.tensor(NEXT_LOGP),
        gamma=GAMMA,
        alpha=ALPHA,
    )
    assert got.tolist() == pytest.approx(reference_targets())
    # by hand for the first row: 1 + 0.9 * (min(2, 1.5) + 0.2) = 2.53; the second ends: y = r
    assert got[0].item() == pytest.approx(2.53) and got[1].item() == pytest.approx(-0.5)


def test_critic_actor_and_temperature_losses_match_the_reference():
    q_pred = [[2.0, 0.0, 1.0], [2.5, -1.0, 0.0]]
    y = reference_targets()
    want_critic = sum(sum((q_pred[k][i] - y[i]) ** 2 for i in range(3)) / 3 for k in range(2))
    got = critic_loss(torch.tensor(q_pred), torch.tensor(y))
    assert got.item() == pytest.approx(want_critic)

    logp, q_new = [-1.2, 0.3, 0.0], [[1.0, 2.0, -1.0], [0.5, 2.5, -0.5]]
    want_actor = sum(ALPHA * logp[i] - min(q_new[0][i], q_new[1][i]) for i in range(3)) / 3
    assert actor_loss(torch.tensor(logp), torch.tensor(q_new), ALPHA).item() == pytest.approx(
        want_actor
    )

    log_alpha = torch.tensor(math.log(ALPHA), requires_grad=True)
    loss = temperature_loss(log_alpha, torch.tensor(logp), -2.0)
    assert loss.item() == pytest.approx(-math.log(ALPHA) * sum(lp - 2.0 for lp in logp) / 3)
    (grad,) = torch.autograd.grad(loss, log_alpha)
    assert grad.item() > 0  # entropy −log π ≈ 0.3 above the target −2: descending lowers α


def test_tanh_gaussian_log_prob_matches_torch_distributions():
    gen = torch.Generator().manual_seed(0)
    mean, log_std = (
        torch.randn(6, 2, generator=gen, dtype=torch.float64),
        torch.randn(6, 2, generator=gen, dtype=torch.float64) * 0.5,
    )
    u = mean + log_std.exp() * torch.randn(6, 2, generator=gen, dtype=torch.float64)
    dist = torch.distributions.TransformedDistribution(
        torch.distributions.Normal(mean, log_std.exp()), [torch.distributions.TanhTransform()]
    )
    torch.testing.assert_close(
        tanh_gaussian_log_prob(u, mean, log_std), dist.log_prob(torch.tanh(u)).sum(-1)
    )


def test_actor_draws_from_its_generator_and_stays_in_bounds():
    torch.manual_seed(0)
    actor = TanhGaussianActor(2, 3, 2, (16,))
    obs, z = torch.randn(50, 2), torch.randn(50, 3)
    a1, _ = actor.sample(obs, z, torch.Generator().manual_seed(1))
    a2, _ = actor.sample(obs, z, torch.Generator().manual_seed(1))
    assert torch.equal(a1, a2) and bool((a1.abs() < 1).all())
    assert torch.equal(actor.act(obs, z, deterministic=True), torch.tanh(actor(obs, z)[0]))


def test_twin_q_is_two_independent_mlps():
    torch.manual_seed(0)
    critic = TwinQ(7, (8, 8))
    obs, action, z = torch.randn(5, 2), torch.randn(5, 2), torch.randn(5, 3)
    x = torch.cat([obs, action, z], -1)
    for k in range(2):
        h = x
        for i, layer in enumerate(critic.layers):
            h = h @ layer.weight[k] + layer.bias[k, 0]
            h = torch.relu(h) if i < len(critic.layers) - 1 else h
        torch.testing.assert_close(critic(obs, action, z)[k], h.squeeze(-1))
    assert not torch.allclose(critic(obs, action, z)[0], critic(obs, action, z)[1])


def test_frozen_critic_passes_gradients_to_actions_only():
    torch.manual_seed(0)
    critic = TwinQ(7, (8,))
    action = torch.randn(4, 2, requires_grad=True)
    q = critic(torch.randn(4, 2), action, torch.randn(4, 3), frozen=True).sum()
    q.backward()
    assert action.grad is not None and all(p.grad is None for p in critic.parameters())


def test_polyak_update_moves_the_target_by_tau():
    torch.manual_seed(0)
    source, target = TwinQ(3, (4,)), TwinQ(3, (4,))
    before = [p.clone() for p in target.parameters()]
    polyak_update(target, source, 0.25)
    for b, s, t in zip(before, source.parameters(), target.parameters()):
        torch.testing.assert_close(t, 0.75 * b + 0.25 * s)


def _losses():
    config = PEARLConfig(
        task="navigation", num_train_tasks=2, tasks_per_iteration=1, latent_dim=3, hidden_sizes=(16,),
        encoder_hidden_sizes=(16,), meta_batch_size=2, batch_size=4, context_size=5,
    )  # fmt: skip
    agent = make_agent(config)
    gen = torch.Generator().manual_seed(0)
    context = torch.randn(2, 5, config.transition_size, generator=gen)
    batch = {k: torch.randn(8, w, generator=gen) for k, w in FIELDS.items()}
    batch["done"] = torch.zeros(8, 1)
    return agent, pearl_losses(agent, context, batch, config, gen)


def _grads(loss, module):
    return [
        g
        for g in torch.autograd.grad(
            loss, list(module.parameters()), retain_graph=True, allow_unused=True
        )
    ]


def test_the_encoder_learns_from_the_critic_and_the_kl_not_from_the_actor():
    agent, losses = _losses()
    assert all(
        g is not None and bool(g.abs().sum() > 0) for g in _grads(losses["critic"], agent.encoder)
    )
    assert all(g is not None for g in _grads(losses["kl"], agent.encoder))
    assert all(g is None for g in _grads(losses["actor"], agent.encoder))
    assert all(g is None for g in _grads(losses["actor"], agent.critic))  # critics frozen there
    assert all(g is not None for g in _grads(losses["actor"], agent.actor))
    assert all(g is None for g in _grads(losses["critic"], agent.actor))
    assert not any(
        p.requires_grad for p in agent.target_critic.parameters()
    )  # moved by Polyak only
    (g_alpha,) = torch.autograd.grad(losses["temperature"], agent.log_alpha, retain_graph=True)
    assert g_alpha is not None


# -- bad input: named at the edge, before a wrong number comes out


def _target(**changes):
    args = dict(
        rewards=torch.tensor(R),
        dones=torch.tensor(D),
        next_q=torch.tensor(NEXT_Q),
        next_logprob=torch.tensor(NEXT_LOGP),
        gamma=GAMMA,
        alpha=ALPHA,
    )
    return soft_q_target(**{**args, **changes})


@pytest.mark.parametrize(
    "changes, error, match",
    [
        # [N] against [N, 1] would broadcast into [N, N] and a wrong mean
        ({"rewards": torch.zeros(3, 1)}, ValueError, "rewards must be a 1-d tensor"),
        ({"next_logprob": torch.zeros(4)}, ValueError, "next_logprob and rewards must have one"),
        ({"next_q": torch.zeros(3)}, ValueError, r"next_q must have shape \[2, N\]"),
        ({"dones": torch.tensor([0.0, 0.5, 1.0])}, ValueError, "dones must be 0 or 1"),
        ({"rewards": torch.tensor([1.0, float("nan"), 0.0])}, ValueError, "rewards must hold"),
        ({"next_q": torch.full((2, 3), float("inf"))}, ValueError, "next_q must hold finite"),
        ({"gamma": 1.5}, ValueError, r"gamma must be in \[0.0, 1.0\], got 1.5"),
        ({"alpha": -0.1}, ValueError, "alpha must be in"),
        ({"alpha": torch.zeros(3)}, ValueError, "alpha must be a number or a 0-d tensor"),
        ({"alpha": "0.2"}, TypeError, "alpha must be a number"),
    ],
)
def test_bad_targets_are_named(changes, error, match):
    with pytest.raises(error, match=match):
        _target(**changes)


def test_numbers_may_come_as_numpy_or_0_d_tensors():
    import numpy as np

    want = torch.tensor(reference_targets())
    for gamma, alpha in [(np.float32(GAMMA), np.float64(ALPHA)), (torch.tensor(GAMMA), ALPHA)]:
        torch.testing.assert_close(_target(gamma=gamma, alpha=alpha), want)
    assert _target(dones=torch.tensor(D).bool()).tolist() == pytest.approx(reference_targets())


def test_bad_losses_are_named():
    q, y = torch.zeros(2, 3), torch.zeros(3)
    with pytest.raises(ValueError, match="target must be a 1-d tensor"):
        critic_loss(q, torch.zeros(3, 1))
    with pytest.raises(ValueError, match=r"q_pred must have shape \[2, N\]"):
        critic_loss(torch.zeros(3), y)
    with pytest.raises(ValueError, match=r"q_new must have shape \[2, N\].*logprob \(4,\)"):
        actor_loss(torch.zeros(4), q, ALPHA)
    with pytest.raises(ValueError, match="logprob must hold finite numbers"):
        actor_loss(torch.tensor([0.0, float("nan"), 0.0]), q, ALPHA)
    with pytest.raises(ValueError, match="log_alpha must be a 0-d tensor"):
        temperature_loss(torch.zeros(1), y, -2.0)
    with pytest.raises(ValueError, match="target_entropy must be in"):
        temperature_loss(torch.tensor(0.0), y, float("nan"))
    with pytest.raises(ValueError, match="u, mean and log_std must have one shape"):
        tanh_gaussian_log_prob(torch.zeros(3, 2), torch.zeros(3, 2), torch.zeros(3, 1))
    with pytest.raises(ValueError, match="log_std must hold finite numbers"):
        tanh_gaussian_log_prob(torch.zeros(2), torch.zeros(2), torch.tensor([0.0, float("inf")]))


def test_polyak_update_refuses_two_architectures():
    with pytest.raises(ValueError, match="target and source must have the same parameters"):
        polyak_update(TwinQ(3, (4,)), TwinQ(3, (5,)), 0.5)
    with pytest.raises(TypeError, match="source must be a torch.nn.Module"):
        polyak_update(TwinQ(3, (4,)), {"weight": torch.zeros(3)}, 0.5)


def test_the_networks_methods_check_their_rows_and_the_unchecked_paths_agree():
    """The public methods refuse rows the networks cannot read (with their names and shapes);
    PEARL's loops call the unchecked paths, which compute the same numbers."""
    torch.manual_seed(0)
    actor, critic = TanhGaussianActor(2, 3, 2, (8,)), TwinQ(7, (8,))
    obs, action, z = torch.randn(4, 2), torch.randn(4, 2), torch.randn(4, 3)
    with pytest.raises(
        ValueError, match=r"obs and z must have one leading shape.*\(4, 2\).*\(5, 3\)"
    ):
        actor(obs, torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"z must have shape \[\.\.\., 3\], got \(4, 2\)"):
        actor.sample(obs, torch.zeros(4, 2))
    with pytest.raises(ValueError, match="obs must hold finite numbers"):
        actor.act(torch.full((4, 2), float("nan")), z)
    with pytest.raises(TypeError, match="generator must be a torch.Generator or None, got int"):
        actor.sample(obs, z, 3)
    with pytest.raises(TypeError, match="deterministic must be True or False"):
        actor.act(obs, z, deterministic="yes")
    with pytest.raises(ValueError, match=r"widths summing to input_size 7, got .*action \(4, 3\)"):
        critic(obs, torch.zeros(4, 3), z)
    with pytest.raises(ValueError, match=r"one N .*obs \(4, 2\), action \(3, 2\)"):
        critic(obs, torch.zeros(3, 2), z)
    with pytest.raises(TypeError, match="frozen must be True or False"):
        critic(obs, action, z, frozen=1)
    torch.testing.assert_close(critic(obs, action, z), critic._values(obs, action, z))
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    for public, private in zip(actor.sample(obs, z, g1), actor._sample(obs, z, g2)):
        assert torch.equal(public, private)
