"""Shared valid values: by parameter name (where a name means the same thing across modules)
and by annotated class (the library's own objects, at tiny sizes)."""

from __future__ import annotations

import bad_inputs
import torch


def _rl2_agent():
    from course_lib.rl2.train import RL2Config, make_agent
    from course_lib.tasks import bandits

    env = bandits.BernoulliBanditVectorEnv(num_envs=2, k=2, episodes_per_trial=2)
    return make_agent(env, RL2Config(hidden_size=8))


def _pearl_agent():
    from course_lib.pearl.train import PEARLConfig, make_agent

    return make_agent(PEARLConfig(hidden_sizes=(8,), encoder_hidden_sizes=(8,)))


def _gaussian_policy():
    from course_lib.maml_rl.train import GaussianPolicy

    return GaussianPolicy((8,))


def _reinforce_agent():
    from course_lib.pg import ReinforceAgent

    return ReinforceAgent(4, 2, (8,))


def _chain_mdp():
    from course_lib.tabular import chain_mdp

    return chain_mdp(3)


#: Tensors of one shape where the name is used alike across modules (a rollout's four steps, a
#: batch of goals on the plane), and the sine-regression fixtures of Chapters 4-5.
VALID_BY_NAME = {
    "goals": lambda: torch.tensor([[0.1, 0.2], [0.3, -0.1]]),
    "goal": lambda: torch.tensor([0.1, 0.2]),
    "mdp": bad_inputs.Lazy(_chain_mdp),
    "tasks": bad_inputs.TASKS,
    "params": bad_inputs.SINE_PARAMS,
    "model": bad_inputs.SINE,
    "x": lambda: bad_inputs.K5,
    "y": lambda: bad_inputs.K5,
    "env_id": lambda: "CartPole-v1",
    **{
        name: (lambda: torch.zeros(4))
        for name in ("rewards", "values", "returns", "advantages", "logprob", "old_logprob")
    },
}

VALID_BY_TYPE = {
    "RecurrentActorCritic": bad_inputs.Lazy(_rl2_agent),
    "PEARLAgent": bad_inputs.Lazy(_pearl_agent),
    "GaussianPolicy": bad_inputs.Lazy(_gaussian_policy),
    "ReinforceAgent": bad_inputs.Lazy(_reinforce_agent),
    "TabularMDP": bad_inputs.Lazy(_chain_mdp),
}
