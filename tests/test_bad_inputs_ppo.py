"""Bad input to PPO: losses, GAE, rollouts, the update.

Each case must get a clear error, never a hang or a silent NaN, by the rules in
``tests/bad_inputs.py`` (which also holds the shared fixtures).
"""

from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest
import torch
from bad_inputs import (
    AGENT,
    V4,
    V41,
    T,
    V,
    registry,
    remove_hypothesis_gc_callback,  # noqa: F401 (an autouse fixture: imported, it applies here)
    sweep,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from course_lib import (
    ppo,
)
from course_lib.pg import ReinforceConfig
from course_lib.ppo import PPOConfig
from course_lib.rl2.train import RL2Config

CASES, case = registry()


_G = torch.zeros(3, 2)
for _name, _args, _error, _frag in [
    (
        "gae-values-int",
        (_G, _G.long(), _G, _G, _G, 0.9, 0.9),
        T,
        "values must be a floating-point tensor, got dtype torch.int64",
    ),  # fmt: skip
    ("gae-shape", (_G, _G, torch.zeros(3, 1), _G, _G, 0.9, 0.9), V, "next_values [3, 1]"),
    ("gae-list", ([0.0], _G, _G, _G, _G, 0.9, 0.9), T, "rewards must be a torch.Tensor, got list"),
    (
        "gae-gamma-nan",
        (_G, _G, _G, _G, _G, math.nan, 0.9),
        V,
        "gamma must be in [0.0, 1.0], got nan",
    ),  # fmt: skip
    ("gae-gamma-big", (_G, _G, _G, _G, _G, 1.5, 0.9), V, "gamma must be in [0.0, 1.0], got 1.5"),
    ("gae-lam-neg", (_G, _G, _G, _G, _G, 0.9, -0.1), V, "lam must be in [0.0, 1.0], got -0.1"),
    ("gae-lam-none", (_G, _G, _G, _G, _G, 0.9, None), T, "lam must be a number"),
    ("gae-terminated-shape", (_G, _G, _G, _G.T, _G, 0.9, 0.9), V, "terminated [2, 3]"),
]:
    case(f"ppo-{_name}", lambda a=_args: ppo.compute_gae(*a), _error, _frag)
for _name, _args, _error, _frag in [
    ("clip-coef-zero", (V4, V4, V4, 0.0), V, "clip_coef must be in (0.0, 1.0], got 0.0"),
    ("clip-coef-nan", (V4, V4, V4, math.nan), V, "clip_coef must be in (0.0, 1.0], got nan"),
    ("clip-coef-str", (V4, V4, V4, "0.2"), T, "clip_coef must be a number"),
    ("clip-old-shape", (V4, torch.zeros(5), V4, 0.2), V, "old_logprob [5]"),
    ("clip-numpy", (np.zeros(4), V4, V4, 0.2), T, "logprob must be a torch.Tensor, got ndarray"),
    ("clip-adv-2d", (V41, V41, torch.zeros(1, 4), 0.2), V, "advantages [1, 4]"),
]:
    case(f"ppo-{_name}", lambda a=_args: ppo.clipped_surrogate_loss(*a), _error, _frag)
_L = dict(clip_coef=0.2, vf_coef=0.5, ent_coef=0.0)
case("ppo-loss-values-shape", lambda: ppo.ppo_loss(V4, V4, V4, V41, V4, V4, V4, **_L), V, "values [4, 1]")  # fmt: skip
case("ppo-loss-returns-shape", lambda: ppo.ppo_loss(V4, V4, V4, V4, V4, V41, V4, **_L), V, "returns [4, 1]")  # fmt: skip
case("ppo-loss-mask-float", lambda: ppo.ppo_loss(*[V4] * 7, mask=torch.ones(4), **_L), T, "mask must be a bool tensor, got dtype torch.float32")  # fmt: skip
case("ppo-loss-mask-shape", lambda: ppo.ppo_loss(*[V4] * 7, mask=torch.ones(3, dtype=torch.bool), **_L), V, "mask [3]")  # fmt: skip
case("ppo-loss-clip", lambda: ppo.ppo_loss(*[V4] * 7, clip_coef=-1, vf_coef=0.5, ent_coef=0.0), V, "clip_coef must be in")  # fmt: skip
case("ppo-loss-entropy-list", lambda: ppo.ppo_loss(*[V4] * 6, [0.0], **_L), T, "entropy must be a torch.Tensor")  # fmt: skip
case("ppo-loss-vf-coef-nan", lambda: ppo.ppo_loss(*[V4] * 7, clip_coef=0.2, vf_coef=math.nan, ent_coef=0.0), V, "vf_coef must be in [0.0, 100.0], got nan")  # fmt: skip
case("ppo-loss-ent-coef-str", lambda: ppo.ppo_loss(*[V4] * 7, clip_coef=0.2, vf_coef=0.5, ent_coef="0"), T, "ent_coef must be a number")  # fmt: skip
case("ppo-loss-norm-adv-str", lambda: ppo.ppo_loss(*[V4] * 7, norm_adv="yes", **_L), T, "norm_adv must be True or False, got 'yes'")  # fmt: skip
case("ppo-loss-one-sample", lambda: ppo.ppo_loss(*[torch.zeros(1)] * 7, **_L), V, "norm_adv=True needs minibatches of at least 2 samples")  # fmt: skip
case("ppo-update-ppo-loss-mask-int", lambda: ppo.ppo_loss(*[V4] * 7, mask=torch.ones(4, dtype=torch.long), **_L), T, "mask must be a bool tensor, got dtype torch.int64")  # fmt: skip
case("ppo-train-config-dict", lambda: ppo.train({"seed": 0}), T, "config must be a PPOConfig, got dict")  # fmt: skip
case("ppo-train-callback", lambda: ppo.train(PPOConfig(), callback=3), T, "callback must be callable")  # fmt: skip
case("ppo-env-id-unknown", lambda: PPOConfig(env_id="NoSuchEnv-v0"), V, "env_id must be a registered gymnasium id such as 'CartPole-v1', got 'NoSuchEnv-v0'")  # fmt: skip
case("ppo-env-id-empty", lambda: PPOConfig(env_id=""), T, "env_id must be a non-empty string")
case("ppo-config-work-cap", lambda: PPOConfig(total_steps=10**8, update_epochs=20), V, "total_steps × update_epochs must be at most 1_000_000_000 transition passes, got 100_000_000 × 20 = 2_000_000_000")  # fmt: skip
case("pg-config-episodes-cap", lambda: ReinforceConfig(iterations=100_000, episodes_per_batch=1024), V, "iterations × episodes_per_batch must be at most 10_000_000, got 100_000 × 1_024 = 102_400_000")  # fmt: skip
case("pg-config-value-steps-cap", lambda: ReinforceConfig(iterations=100_000, value_steps=1000), V, "iterations × value_steps must be at most 10_000_000, got 100_000 × 1_000 = 100_000_000")  # fmt: skip
case("ppo-batch-cap", lambda: PPOConfig(num_envs=4096, num_steps=1000), V, "the batch num_envs × num_steps must be <= 1_000_000 transitions")  # fmt: skip
case("ppo-total-lt-batch", lambda: PPOConfig(total_steps=10), V, "total_steps must be >= the batch")  # fmt: skip
case("ppo-minibatches-divide", lambda: PPOConfig(num_minibatches=3), V, "num_minibatches must divide the batch")  # fmt: skip
case("ppo-init-log-std", lambda: PPOConfig(init_log_std=10.0), V, "init_log_std must be in [-5.0, 2.0], got 10.0")  # fmt: skip
case("ppo-reward-scale-0", lambda: PPOConfig(reward_scale=0.0), V, "reward_scale must be in (0.0, inf), got 0.0")  # fmt: skip
case("ppo-make-envs-0", lambda: ppo.make_envs("CartPole-v1", 0), V, "num_envs must be an integer in [1, 4_096], got 0")  # fmt: skip
case("ppo-make-envs-huge", lambda: ppo.make_envs("CartPole-v1", 10**6), V, "num_envs must be an integer in [1, 4_096], got 1000000")  # fmt: skip
case("ppo-actor-critic-obs", lambda: ppo.ActorCritic(gym.spaces.Discrete(3), gym.spaces.Discrete(2)), T, "observation_space must be a gymnasium Box")  # fmt: skip
case("ppo-actor-critic-act", lambda: ppo.ActorCritic(gym.spaces.Box(-1, 1, (3,)), gym.spaces.MultiBinary(2)), T, "action_space must be gymnasium Discrete")  # fmt: skip
case("ppo-actor-critic-hidden", lambda: ppo.ActorCritic(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2), (0,)), V, "hidden_sizes entries must be an integer in [1, 4_096], got 0")  # fmt: skip
case("ppo-actor-critic-hidden-huge", lambda: ppo.ActorCritic(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2), (10**5,)), V, "hidden_sizes entries must be an integer in [1, 4_096]")  # fmt: skip
case("ppo-actor-critic-obs-huge", lambda: ppo.ActorCritic(gym.spaces.Box(-1, 1, (10**6,)), gym.spaces.Discrete(2)), V, "observation_space (its number of elements) must be an integer in [1, 100_000], got 1000000")  # fmt: skip
case("ppo-actor-critic-seed", lambda: ppo.ActorCritic(gym.spaces.Box(-1, 1, (3,)), gym.spaces.Discrete(2), seed=-1), V, "seed must be an integer >= 0, got -1")  # fmt: skip
case("ppo-collect-steps-0", lambda: ppo.collect_rollout(AGENT(), None, None, 0), V, "num_steps must be an integer >= 1, got 0")  # fmt: skip
for _name, _kw, _error, _frag in [
    (
        "update-epochs-0",
        dict(update_epochs=0),
        V,
        "update_epochs must be an integer in [1, 1_000], got 0",
    ),  # fmt: skip
    (
        "update-epochs-huge",
        dict(update_epochs=10**6),
        V,
        "update_epochs must be an integer in [1, 1_000]",
    ),  # fmt: skip
    (
        "minibatches-0",
        dict(num_minibatches=0),
        V,
        "num_minibatches must be an integer in [1, 100_000], got 0",
    ),  # fmt: skip
    ("target-kl-0", dict(target_kl=0.0), V, "target_kl must be in (0.0, 100.0], got 0.0"),
    ("target-kl-str", dict(target_kl="0.01"), T, "target_kl must be a number"),
    (
        "max-grad-norm-0",
        dict(max_grad_norm=0.0),
        V,
        "max_grad_norm must be in (0.0, 1000000.0]",
    ),  # fmt: skip
    ("ent-coef-neg", dict(ent_coef=-0.1), V, "ent_coef must be in [0.0, 100.0], got -0.1"),
    ("vf-coef-inf", dict(vf_coef=math.inf), V, "vf_coef must be in [0.0, 100.0], got inf"),
    ("gamma-1.01", dict(gamma=1.01), V, "gamma must be in [0.0, 1.0], got 1.01"),
    ("gae-lambda-neg", dict(gae_lambda=-0.5), V, "gae_lambda must be in [0.0, 1.0], got -0.5"),
    ("norm-adv-str", dict(norm_adv="yes"), T, "norm_adv must be True or False, got 'yes'"),
    ("anneal-int", dict(anneal_lr=1), T, "anneal_lr must be True or False, got 1"),
    ("clip-vloss-none", dict(clip_vloss=None), T, "clip_vloss must be True or False, got None"),
    ("device-cuda-absent", dict(device="cuda"), V, "but this machine has no CUDA GPU"),
    ("device-int", dict(device=0), T, "device must be a torch device string"),
    (
        "device-garbage",
        dict(device="gpu:0"),
        V,
        "device must be a torch device string such as 'cpu' or 'cuda', got 'gpu:0'",
    ),  # fmt: skip
]:
    if _name == "device-cuda-absent" and torch.cuda.is_available():
        continue
    case(f"ppo-config-{_name}", lambda kw=_kw: PPOConfig(**kw), _error, _frag)
    case(f"rl2-config-{_name}", lambda kw=_kw: RL2Config(**kw), _error, _frag)

test_bad_input_gives_a_clear_error = sweep(CASES)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=6),
    st.sampled_from(["advantages", "old_logprob", "logprob"]),
)
def test_hypothesis_clipped_loss_refuses_any_shape_mismatch(b, extra, which):
    tensors = {"logprob": torch.zeros(b), "old_logprob": torch.zeros(b), "advantages": torch.zeros(b)}  # fmt: skip
    tensors[which] = torch.zeros(b, extra) if extra > 1 else torch.zeros(b, 1)
    with pytest.raises(ValueError, match="must all have the same shape"):
        ppo.clipped_surrogate_loss(**tensors, clip_coef=0.2)
