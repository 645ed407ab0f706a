"""Every course widget built headless on small inputs: the site-grid tests drive each one.

``BUILDERS`` maps each public widget factory of :mod:`course_lib.widgets` to a function that
builds it on tiny, barely trained models (a few seconds for all of them): the controls, their
ranges and the code paths are the chapters' own; only the pictures differ.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

torch.set_num_threads(1)


def _pg():
    from course_lib.widgets import return_value_explorer

    return return_value_explorer()


def _q_learning():
    from course_lib.tabular import chain_mdp, value_iteration
    from course_lib.td import q_learning
    from course_lib.widgets import q_learning_explorer

    mdp = chain_mdp()
    q_star, _ = value_iteration(mdp, 0.9)
    runs = {
        eps: q_learning(
            mdp, 0.9, 30, epsilon=eps, num_runs=2, generator=torch.Generator().manual_seed(i)
        )
        for i, eps in enumerate((1.0, 0.2))
    }
    return q_learning_explorer(runs, q_star, mdp=mdp)


def _sampling():
    from course_lib.widgets import sampling_explorer

    return sampling_explorer(n=64, batch_size=10, epochs=4)


def _clip():
    from course_lib.widgets import clip_objective_explorer

    return clip_objective_explorer()


def _gae():
    from course_lib.widgets import gae_explorer

    return gae_explorer()


def _components():
    from course_lib.meta import ComponentConfig, evaluation_tasks, learn_components
    from course_lib.widgets import component_explorer

    base = dict(iterations=4, meta_batch_size=4, hidden_sizes=(8,), log_every=2)
    runs = {
        label: learn_components(ComponentConfig(components=parts, **base), progress=False)
        for label, parts in (("init", ("init",)), ("init+step_sizes", ("init", "step_sizes")))
    }
    return component_explorer(runs, evaluation_tasks(4, k_support=5, k_query=20, seed=1))


def _param_space():
    from course_lib.widgets import param_space_explorer

    return param_space_explorer()


def _adaptation():
    from course_lib.meta import MetaConfig, meta_train
    from course_lib.widgets import adaptation_explorer

    learners = [
        meta_train(
            MetaConfig(method=m, iterations=4, k_support=5, log_every=4), progress=False
        ).model
        for m in ("maml", "pretrain")
    ]
    return adaptation_explorer(*learners)


def _fewshot():
    from course_lib.meta import FewShotConfig, digit_split, pixel_prototypes, train_fewshot
    from course_lib.widgets import fewshot_explorer

    train, test = digit_split()
    maml = train_fewshot(
        FewShotConfig(method="maml", iterations=2, meta_batch_size=2, log_every=2),
        train,
        progress=False,
    ).model
    return fewshot_explorer({"MAML": maml, "prototypes": pixel_prototypes()}, test, num_tasks=6)


def _bandit():
    from course_lib.rl2 import RL2Config, evaluate_rl2, make_agent
    from course_lib.tasks import BernoulliBanditVectorEnv
    from course_lib.widgets import bandit_trial_viewer

    env = BernoulliBanditVectorEnv(8, k=5, episodes_per_trial=10)
    agent = make_agent(env, RL2Config(hidden_size=8, seed=0))
    return bandit_trial_viewer(evaluate_rl2(agent, env, seed=0)["batch"])


def _maze():
    from course_lib.rl2 import RL2Config, evaluate_rl2, make_agent
    from course_lib.tasks import RandomGoalMazeVectorEnv
    from course_lib.widgets import maze_replay

    env = RandomGoalMazeVectorEnv(4, "room4", episodes_per_trial=3, max_steps=8)
    agent = make_agent(env, RL2Config(hidden_size=8, seed=0))
    return maze_replay(evaluate_rl2(agent, env, seed=0)["batch"], env)


def _maml_rl():
    from course_lib.compare.maml_rl_vs_rl2 import rl2_navigation_env
    from course_lib.maml_rl.train import MAMLRLConfig, make_policy
    from course_lib.rl2 import RL2Config, make_agent
    from course_lib.widgets import maml_rl_explorer

    agent = make_agent(rl2_navigation_env(4, max_steps=6), RL2Config(hidden_size=8))
    policy = make_policy(MAMLRLConfig(hidden_sizes=(8,)))
    return maml_rl_explorer(policy, agent, goal=(0.3, -0.3), max_steps=6)


def _pearl():
    from course_lib.pearl.train import PEARLConfig, make_agent
    from course_lib.widgets import pearl_explorer

    config = PEARLConfig(
        task="sparse_point_robot",
        latent_dim=3,
        hidden_sizes=(8,),
        encoder_hidden_sizes=(8,),
        num_train_tasks=2,
        tasks_per_iteration=1,
    )
    return pearl_explorer(make_agent(config), config, goal=(0.0, 1.0))


BUILDERS: dict[str, Callable] = {
    "return_value_explorer": _pg,
    "q_learning_explorer": _q_learning,
    "sampling_explorer": _sampling,
    "clip_objective_explorer": _clip,
    "gae_explorer": _gae,
    "component_explorer": _components,
    "param_space_explorer": _param_space,
    "adaptation_explorer": _adaptation,
    "fewshot_explorer": _fewshot,
    "bandit_trial_viewer": _bandit,
    "maze_replay": _maze,
    "maml_rl_explorer": _maml_rl,
    "pearl_explorer": _pearl,
}
