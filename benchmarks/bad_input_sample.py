"""A hand-drawn sample of bad (and valid) inputs across course_lib, for issue #28.

Each input runs in its own forked child process with a hard 10 s timeout, and is classified:

* ``clear``            a TypeError/ValueError raised by course_lib's own code whose message
                       names the argument and says what was given ("got ...");
* ``unclear``          any other exception (raw torch/numpy/gym error, IndexError, KeyError,
                       RuntimeError, ...), or a TypeError/ValueError that does not name the
                       argument or has no "got";
* ``hang``             still running after the timeout (killed);
* ``silent-NaN``       returned a result holding NaN or ±inf;
* ``silent-accepted``  returned a (finite) result for an input that should have been refused.

Inputs marked valid (numpy scalars, numpy arrays where the docs allow them, 0-d tensors, ...)
should return a finite result; they are counted apart as ``valid-ok`` / ``valid-refused`` /
``valid-hang`` / ``valid-NaN``.

Usage::

    PYTHONPATH=<checkout> /work/main/.venv/bin/python benchmarks/bad_input_sample.py \
        [--workers 2] [--json out.json] [--only SUBSTRING] [--timeout 10]

Small valid baselines only: nothing here trains.
"""

# ruff: noqa: E731, E702  (the sample is a table of one-line lambdas, by design)

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import time
import traceback

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import importlib  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(1)

nan, inf = float("nan"), float("inf")


@dataclasses.dataclass
class Case:
    module: str
    label: str
    shown: str
    fn: object
    names: tuple
    valid: bool = False
    kind: str = "bad"


CASES: list[Case] = []


def bad(module, label, shown, names, fn):
    """Register a bad input: ``fn()`` should raise a clear TypeError/ValueError naming one of
    ``names`` (a str or a tuple of acceptable argument names)."""
    CASES.append(
        Case(module, label, shown, fn, (names,) if isinstance(names, str) else tuple(names))
    )


def judged(module, label, shown, fn):
    """Register a wrong *answer* to a checker: ``fn()`` must return False (judged wrong) without
    raising or hanging; True is a wrong answer accepted."""
    CASES.append(Case(module, label, shown, fn, ("<answer>",), valid=False))


def checker_param(module, label, shown, names, fn):
    """Register a bad *parameter* of a checker (what the chapter passes, not the student's
    answer): a clear TypeError/ValueError, or the checker's own "cannot judge" message naming
    the parameter (printed, with False returned), is clear; judging the answer anyway is not."""
    CASES.append(
        Case(
            module,
            label,
            shown,
            fn,
            (names,) if isinstance(names, str) else tuple(names),
            kind="checker_param",
        )
    )


def ok(module, label, shown, fn):
    """Register a valid input: ``fn()`` should return a finite result."""
    CASES.append(Case(module, label, shown, fn, (), valid=True))


def expect_true(value):
    """``value`` if it is True, else an AssertionError (a checker judged a right answer wrong)."""
    if value is not True:
        raise AssertionError(f"the right answer was judged wrong (returned {value!r})")
    return value


def M(name):
    return importlib.import_module(f"course_lib.{name}" if name else "course_lib")


def t(*a, **k):
    return torch.tensor(*a, **k)


# ============================================================================================
# Shared small valid baselines (built lazily inside the child)
# ============================================================================================


def chain(n=3):
    return M("tabular").chain_mdp(n)


def uniform(mdp):
    return torch.full((mdp.num_states, mdp.num_actions), 1.0 / mdp.num_actions, dtype=torch.float64)


def mdp_from(P, R, mu):
    return M("tabular").TabularMDP(P, R, mu)


def episodes(n=4, steps=50):
    m = chain()
    return m, M("tabular").sample_episodes(
        m, uniform(m), n, generator=torch.Generator().manual_seed(0), max_steps=steps
    )


def sine_batch(B=2, K=3, Q=4):
    fam = M("meta.tasks").SinusoidTasks()
    return fam.sample(B, K, Q, generator=torch.Generator().manual_seed(0))


def sine_model():
    mods = M("meta.models")
    model = mods.mlp_regressor((8,), seed=0)
    return model, mods.init_params(model)


def digit_tasks():
    return M("meta.images").DigitTasks((0, 1, 2, 3, 4, 5))


def fewshot_learner(n_way=5):
    return M("meta.classifiers").pixel_prototypes(n_way)


def point_env(**kw):
    return M("tasks.navigation").Navigation2DVectorEnv(**kw)


def bandit_env(**kw):
    return M("tasks.bandits").BernoulliBanditVectorEnv(**kw)


def maze_env(**kw):
    return M("tasks.mazes").RandomGoalMazeVectorEnv(**kw)


def gauss_policy():
    return M("maml_rl.train").GaussianPolicy((8,))


def rl2_agent(env):
    tr = M("trials")
    return (
        M("rl2.agent").RecurrentActorCritic(
            tr.input_size(env.single_obs_size, env.num_actions), env.num_actions, hidden_size=8
        )
        if hasattr(env, "single_obs_size")
        else None
    )


def tiny_mdp(horizon=3, gamma=0.9):
    return M("maml_rl.dice").TinyMDP(
        torch.full((2, 2, 2), 0.5), torch.ones(2, 2), horizon=horizon, gamma=gamma
    )


def cartpole_agent():
    import gymnasium as gym

    env = gym.make("CartPole-v1")
    return M("ppo").ActorCritic(env.observation_space, env.action_space, (8,), seed=0)


# ============================================================================================
# The cases, module by module
# ============================================================================================

# ---- tabular -------------------------------------------------------------------------------
T = "tabular"
P3 = lambda: torch.zeros(2, 2, 2, dtype=torch.float64)
bad(
    T,
    "TabularMDP transitions int tensor with a row summing to 2",
    "P=int [[.. 1,1 ..]]",
    "transitions",
    lambda: mdp_from(
        torch.tensor([[[1, 1], [0, 0]], [[0, 0], [0, 0]]]), torch.zeros(2, 2), t([1.0, 0.0])
    ),
)
bad(
    T,
    "TabularMDP complex transitions",
    "P complex64",
    "transitions",
    lambda: mdp_from(torch.zeros(2, 2, 2, dtype=torch.complex64), torch.zeros(2, 2), t([1.0, 0.0])),
)
bad(
    T,
    "TabularMDP NaN reward hidden in one cell",
    "R[1,1]=nan",
    "rewards",
    lambda: mdp_from(P3(), t([[0.0, 0.0], [0.0, nan]]), t([1.0, 0.0])),
)
bad(
    T,
    "TabularMDP start with negative entry summing to 1",
    "start=[1.5,-0.5]",
    "start",
    lambda: mdp_from(P3(), torch.zeros(2, 2), t([1.5, -0.5])),
)
bad(
    T,
    "TabularMDP bool start",
    "start=bool [True, False]",
    "start",
    lambda: mdp_from(P3(), torch.zeros(2, 2), t([True, False])),
)
bad(
    T,
    "TabularMDP empty (0 states)",
    "P [0,2,0]",
    "transitions",
    lambda: mdp_from(torch.zeros(0, 2, 0), torch.zeros(0, 2), torch.zeros(0)),
)
bad(
    T,
    "TabularMDP state_names wrong length",
    "state_names=('a',)",
    "state_names",
    lambda: M("tabular").TabularMDP(P3(), torch.zeros(2, 2), t([1.0, 0.0]), state_names=("a",)),
)
bad(
    T,
    "TabularMDP state_names a str (iterable of chars)",
    "state_names='ab'",
    "state_names",
    lambda: M("tabular").TabularMDP(P3(), torch.zeros(2, 2), t([1.0, 0.0]), state_names="ab"),
)
bad(
    T,
    "TabularMDP inf reward",
    "R=inf",
    "rewards",
    lambda: mdp_from(P3(), torch.full((2, 2), inf), t([1.0, 0.0])),
)
bad(
    T, "chain_mdp num_states float 3.0", "chain_mdp(3.0)", "num_states", lambda: M(T).chain_mdp(3.0)
)
bad(
    T,
    "chain_mdp goal_reward NaN",
    "goal_reward=nan",
    "goal_reward",
    lambda: M(T).chain_mdp(3, goal_reward=nan),
)
ok(T, "chain_mdp numpy int", "chain_mdp(np.int64(4))", lambda: M(T).chain_mdp(np.int64(4)))
ok(
    T,
    "chain_mdp numpy float reward",
    "goal_reward=np.float32(2)",
    lambda: M(T).chain_mdp(3, goal_reward=np.float32(2)),
)
bad(
    T,
    "epsilon_greedy_policy best action out of range",
    "best=[0,5], A=2",
    "best_actions",
    lambda: M(T).epsilon_greedy_policy(t([0, 5]), 2, 0.1),
)
bad(
    T,
    "epsilon_greedy_policy bool best_actions",
    "best=[True,False]",
    "best_actions",
    lambda: M(T).epsilon_greedy_policy(t([True, False]), 2, 0.1),
)
bad(
    T,
    "epsilon_greedy_policy epsilon 1.5",
    "epsilon=1.5",
    "epsilon",
    lambda: M(T).epsilon_greedy_policy(t([0, 1]), 2, 1.5),
)
bad(
    T,
    "epsilon_greedy_policy 2-d best_actions",
    "best [[0],[1]]",
    "best_actions",
    lambda: M(T).epsilon_greedy_policy(t([[0], [1]]), 2, 0.1),
)
ok(
    T,
    "epsilon_greedy_policy 0-d tensor epsilon",
    "epsilon=tensor(0.1)",
    lambda: M(T).epsilon_greedy_policy(t([0, 1]), 2, torch.tensor(0.1)),
)
ok(
    T,
    "epsilon_greedy_policy numpy int num_actions",
    "num_actions=np.int32(2)",
    lambda: M(T).epsilon_greedy_policy(t([0, 1]), np.int32(2), 0.1),
)
bad(
    T,
    "softmax_policy NaN theta",
    "theta [[nan,0]]",
    "theta",
    lambda: M(T).softmax_policy(t([[nan, 0.0]])),
)
bad(
    T,
    "softmax_policy int theta",
    "theta int [[1,2]]",
    "theta",
    lambda: M(T).softmax_policy(t([[1, 2]])),
)
bad(
    T,
    "softmax_policy empty actions",
    "theta [3,0]",
    "theta",
    lambda: M(T).softmax_policy(torch.zeros(3, 0)),
)
bad(
    T,
    "policy_evaluation rows not summing to 1",
    "policy all 0.9",
    "policy",
    lambda: M(T).policy_evaluation(chain(), torch.full((3, 2), 0.9, dtype=torch.float64), 0.9),
)
bad(
    T,
    "policy_evaluation policy wrong shape",
    "policy [2,2] for 3 states",
    "policy",
    lambda: M(T).policy_evaluation(chain(), torch.full((2, 2), 0.5, dtype=torch.float64), 0.9),
)
bad(
    T,
    "policy_evaluation NaN in policy",
    "policy[0,0]=nan",
    "policy",
    lambda: M(T).policy_evaluation(
        chain(), t([[nan, 0.5], [0.5, 0.5], [0.5, 0.5]], dtype=torch.float64), 0.9
    ),
)
bad(
    T,
    "policy_evaluation gamma 1.0001",
    "gamma=1.0001",
    "gamma",
    lambda: M(T).policy_evaluation(chain(), uniform(chain()), 1.0001),
)
bad(
    T,
    "policy_evaluation tol negative",
    "tol=-1",
    "tol",
    lambda: M(T).policy_evaluation(chain(), uniform(chain()), 0.9, tol=-1.0),
)
bad(
    T,
    "policy_evaluation tol NaN",
    "tol=nan",
    "tol",
    lambda: M(T).policy_evaluation(chain(), uniform(chain()), 0.9, tol=nan),
)
bad(
    T,
    "policy_evaluation max_sweeps 0",
    "max_sweeps=0",
    "max_sweeps",
    lambda: M(T).policy_evaluation(chain(), uniform(chain()), 0.9, max_sweeps=0),
)
bad(
    T,
    "solve_values gamma=1 on a policy that never ends",
    "self-loop, gamma=1",
    ("gamma", "policy", "episode"),
    lambda: M(T).solve_values(
        mdp_from(torch.ones(1, 1, 1), torch.ones(1, 1), t([1.0])),
        torch.ones(1, 1, dtype=torch.float64),
        1.0,
    ),
)
bad(
    T,
    "value_iteration gamma=1 on a self-loop",
    "self-loop, gamma=1, max_sweeps=10**9",
    ("gamma", "max_sweeps"),
    lambda: M(T).value_iteration(
        mdp_from(torch.ones(1, 1, 1), torch.ones(1, 1), t([1.0])), 1.0, max_sweeps=10**9
    ),
)
bad(
    T,
    "action_values mdp is a dict",
    "mdp={}",
    "mdp",
    lambda: M(T).action_values({}, uniform(chain()), 0.9),
)
bad(
    T,
    "state_visits discount NaN",
    "discount=nan",
    "discount",
    lambda: M(T).state_visits(chain(), uniform(chain()), nan),
)
bad(
    T,
    "expected_return gamma -0.1",
    "gamma=-0.1",
    "gamma",
    lambda: M(T).expected_return(chain(), uniform(chain()), -0.1),
)
bad(
    T,
    "sample_episodes episodes x steps huge",
    "num_episodes=10**6, max_steps=10**4",
    ("num_episodes", "max_steps"),
    lambda: M(T).sample_episodes(chain(), uniform(chain()), 10**6, max_steps=10**4),
)
bad(
    T,
    "sample_episodes generator is an int",
    "generator=0",
    "generator",
    lambda: M(T).sample_episodes(chain(), uniform(chain()), 2, generator=0),
)
bad(
    T,
    "monte_carlo_values episodes from another (bigger) mdp",
    "episodes of chain(3), mdp chain(2)",
    ("episodes", "mdp"),
    lambda: M(T).monte_carlo_values(chain(2), episodes()[1], 0.9),
)
bad(
    T,
    "monte_carlo_values gamma 2",
    "gamma=2",
    "gamma",
    lambda: M(T).monte_carlo_values(*episodes(), 2.0),
)
bad(
    T,
    "exact_policy_gradient theta wrong shape",
    "theta [3,3] for A=2",
    "theta",
    lambda: M(T).exact_policy_gradient(chain(), torch.zeros(3, 3), 0.9),
)
bad(
    T,
    "exact_policy_gradient theta NaN",
    "theta with NaN",
    "theta",
    lambda: M(T).exact_policy_gradient(chain(), t([[nan, 0.0], [0.0, 0.0], [0.0, 0.0]]), 0.9),
)
bad(
    T,
    "score_function_gradient baseline wrong length",
    "baseline [5] for 3 states",
    "baseline",
    lambda: M(T).score_function_gradient(
        chain(),
        torch.zeros(3, 2),
        0.9,
        4,
        baseline=torch.zeros(5),
        generator=torch.Generator().manual_seed(0),
    ),
)
bad(
    T,
    "score_function_gradient baseline NaN",
    "baseline=nan",
    "baseline",
    lambda: M(T).score_function_gradient(
        chain(), torch.zeros(3, 2), 0.9, 4, baseline=nan, generator=torch.Generator().manual_seed(0)
    ),
)
bad(
    T,
    "score_function_gradient weighting typo",
    "weighting='reward_to_go '",
    "weighting",
    lambda: M(T).score_function_gradient(
        chain(), torch.zeros(3, 2), 0.9, 4, weighting="reward_to_go "
    ),
)
bad(
    T,
    "score_function_gradient num_episodes 0",
    "num_episodes=0",
    "num_episodes",
    lambda: M(T).score_function_gradient(chain(), torch.zeros(3, 2), 0.9, 0),
)
bad(
    T,
    "score_function_estimates weights wrong shape",
    "weights [2,2]",
    "weights",
    lambda: (lambda m, e: M(T).score_function_estimates(torch.zeros(3, 2), e, torch.zeros(2, 2)))(
        *episodes()
    ),
)
bad(
    T,
    "expected_score_function_gradient gamma NaN",
    "gamma=nan",
    "gamma",
    lambda: M(T).expected_score_function_gradient(chain(), torch.zeros(3, 2), nan),
)
ok(
    T,
    "policy_evaluation numpy float gamma",
    "gamma=np.float64(0.9)",
    lambda: M(T).policy_evaluation(chain(), uniform(chain()), np.float64(0.9)),
)
ok(
    T,
    "expected_return 0-d tensor gamma",
    "gamma=tensor(0.9)",
    lambda: M(T).expected_return(chain(), uniform(chain()), torch.tensor(0.9)),
)
ok(
    T,
    "sample_episodes numpy int count",
    "num_episodes=np.int64(3)",
    lambda: M(T).sample_episodes(chain(), uniform(chain()), np.int64(3)),
)

# ---- td ------------------------------------------------------------------------------------
D = "td"
runs = lambda: M("td").sample_runs(
    chain(), uniform(chain()), 2, 3, generator=torch.Generator().manual_seed(0)
)
Q0 = lambda: torch.zeros(1, 3, 2, dtype=torch.float64)
bad(
    D,
    "sample_runs runs x episodes huge",
    "num_runs=10**5, num_episodes=10**5",
    ("num_runs", "num_episodes"),
    lambda: M(D).sample_runs(chain(), uniform(chain()), 10**5, 10**5),
)
bad(
    D,
    "mc_evaluation NaN hidden in a step_sizes list",
    "step_sizes=[0.1, nan]",
    "step_sizes",
    lambda: M(D).mc_evaluation(chain(), runs(), 0.9, [0.1, nan]),
)
bad(
    D,
    "mc_evaluation empty step_sizes list",
    "step_sizes=[]",
    "step_sizes",
    lambda: M(D).mc_evaluation(chain(), runs(), 0.9, []),
)
bad(
    D,
    "mc_evaluation step size NaN",
    "step_sizes=nan",
    "step_sizes",
    lambda: M(D).mc_evaluation(chain(), runs(), 0.9, nan),
)
bad(
    D,
    "td0_evaluation step size negative",
    "step_sizes=-0.1",
    "step_sizes",
    lambda: M(D).td0_evaluation(chain(), runs(), 0.9, -0.1),
)
bad(
    D,
    "td0_evaluation step size 5",
    "step_sizes=5.0",
    "step_sizes",
    lambda: M(D).td0_evaluation(chain(), runs(), 0.9, 5.0),
)
bad(
    D,
    "td0_evaluation initial_value NaN",
    "initial_value=nan",
    "initial_value",
    lambda: M(D).td0_evaluation(chain(), runs(), 0.9, 0.1, initial_value=nan),
)
bad(
    D,
    "td0_evaluation runs empty list",
    "runs=[]",
    "runs",
    lambda: M(D).td0_evaluation(chain(), [], 0.9, 0.1),
)
bad(
    D,
    "td0_evaluation runs from another mdp",
    "runs of chain(3), mdp chain(2)",
    ("runs", "mdp"),
    lambda: M(D).td0_evaluation(chain(2), runs(), 0.9, 0.1),
)
bad(
    D,
    "q_learning_update state out of range",
    "state=[7] for 3 states",
    "state",
    lambda: M(D).q_learning_update(
        Q0(), t([7]), t([0]), t([0.0], dtype=torch.float64), t([1]), t([False]), 0.5, 0.9
    ),
)
bad(
    D,
    "q_learning_update action -1",
    "action=[-1]",
    "action",
    lambda: M(D).q_learning_update(
        Q0(), t([0]), t([-1]), t([0.0], dtype=torch.float64), t([1]), t([False]), 0.5, 0.9
    ),
)
bad(
    D,
    "q_learning_update NaN reward",
    "reward=[nan]",
    "reward",
    lambda: M(D).q_learning_update(
        Q0(), t([0]), t([0]), t([nan], dtype=torch.float64), t([1]), t([False]), 0.5, 0.9
    ),
)
bad(
    D,
    "q_learning_update mismatched lengths",
    "state [2], action [1]",
    ("state", "action"),
    lambda: M(D).q_learning_update(
        Q0(),
        t([0, 1]),
        t([0, 0]),
        t([0.0], dtype=torch.float64),
        t([1, 1]),
        t([False, False]),
        0.5,
        0.9,
    ),
)
bad(
    D,
    "q_learning_update float state",
    "state=[0.5]",
    "state",
    lambda: M(D).q_learning_update(
        Q0(), t([0.5]), t([0]), t([0.0], dtype=torch.float64), t([1]), t([False]), 0.5, 0.9
    ),
)
bad(
    D,
    "q_learning_update step_size tensor of NaN",
    "step_size=tensor(nan)",
    "step_size",
    lambda: M(D).q_learning_update(
        Q0(),
        t([0]),
        t([0]),
        t([0.0], dtype=torch.float64),
        t([1]),
        t([False]),
        torch.tensor(nan),
        0.9,
    ),
)
bad(
    D,
    "q_learning_update Q with NaN",
    "Q[0,0]=nan",
    "Q",
    lambda: M(D).q_learning_update(
        Q0().index_fill_(1, t([0]), nan),
        t([0]),
        t([0]),
        t([0.0], dtype=torch.float64),
        t([1]),
        t([False]),
        0.5,
        0.9,
    ),
)
bad(
    D,
    "q_learning_update terminal float 0.5",
    "terminal=[0.5]",
    "terminal",
    lambda: M(D).q_learning_update(
        Q0(), t([0]), t([0]), t([0.0], dtype=torch.float64), t([1]), t([0.5]), 0.5, 0.9
    ),
)
ok(
    D,
    "q_learning_update 0-d tensor step_size",
    "step_size=tensor(0.5)",
    lambda: M(D).q_learning_update(
        Q0(),
        t([0]),
        t([0]),
        t([1.0], dtype=torch.float64),
        t([1]),
        t([False]),
        torch.tensor(0.5),
        0.9,
    ),
)
bad(
    D,
    "greedy_actions NaN Q",
    "Q all NaN",
    "Q",
    lambda: M(D).greedy_actions(torch.full((3, 2), nan)),
)
bad(D, "greedy_actions 1-d Q", "Q [3]", "Q", lambda: M(D).greedy_actions(torch.zeros(3)))
bad(
    D,
    "q_learning epsilon -0.1",
    "epsilon=-0.1",
    "epsilon",
    lambda: M(D).q_learning(chain(), 0.9, 3, epsilon=-0.1),
)
bad(
    D,
    "q_learning runs x episodes x steps huge",
    "num_runs=1000, num_episodes=10**5, max_steps=1000",
    ("num_runs", "num_episodes", "max_steps"),
    lambda: M(D).q_learning(chain(), 0.9, 10**5, num_runs=1000, max_steps=1000),
)
bad(
    D,
    "q_learning step_size 0",
    "step_size=0",
    "step_size",
    lambda: M(D).q_learning(chain(), 0.9, 3, step_size=0.0),
)
ok(
    D,
    "q_learning numpy ints",
    "num_episodes=np.int64(3), num_runs=np.int32(1)",
    lambda: M(D).q_learning(chain(), 0.9, np.int64(3), num_runs=np.int32(1)),
)

# ---- pg ------------------------------------------------------------------------------------
G = "pg"
bad(
    G,
    "reward_to_go complex rewards",
    "rewards complex64 [3]",
    "rewards",
    lambda: M(G).reward_to_go(torch.zeros(3, dtype=torch.complex64), 0.9),
)
bad(
    G,
    "reward_to_go bool rewards",
    "rewards bool [3]",
    "rewards",
    lambda: M(G).reward_to_go(t([True, False, True]), 0.9),
)
bad(
    G,
    "reward_to_go NaN in a nested list",
    "rewards [[1, nan], [0, 1]]",
    "rewards",
    lambda: M(G).reward_to_go([[1.0, nan], [0.0, 1.0]], 0.9),
)
bad(
    G,
    "reward_to_go ragged list",
    "rewards [[1,2],[3]]",
    "rewards",
    lambda: M(G).reward_to_go([[1.0, 2.0], [3.0]], 0.9),
)
bad(
    G,
    "reward_to_go 3-d rewards",
    "rewards [2,2,2]",
    "rewards",
    lambda: M(G).reward_to_go(torch.zeros(2, 2, 2), 0.9),
)
bad(
    G,
    "reward_to_go huge length",
    "rewards zeros(10**8)",
    "rewards",
    lambda: M(G).reward_to_go(torch.zeros(10**8), 0.99),
)
bad(
    G,
    "reward_to_go gamma as string",
    "gamma='0.9'",
    "gamma",
    lambda: M(G).reward_to_go(torch.ones(3), "0.9"),
)
bad(
    G,
    "discounted_return gamma 1.5",
    "gamma=1.5",
    "gamma",
    lambda: M(G).discounted_return(torch.ones(3), 1.5),
)
bad(
    G,
    "discounted_return a dict",
    "rewards={'a':1}",
    "rewards",
    lambda: M(G).discounted_return({"a": 1.0}, 0.9),
)
ok(G, "reward_to_go numpy array", "rewards=np.ones(3)", lambda: M(G).reward_to_go(np.ones(3), 0.9))
ok(
    G,
    "reward_to_go numpy float gamma",
    "gamma=np.float32(0.9)",
    lambda: M(G).reward_to_go(torch.ones(3), np.float32(0.9)),
)
ok(
    G,
    "discounted_return 0-d gamma",
    "gamma=tensor(0.9)",
    lambda: M(G).discounted_return(torch.ones(3), torch.tensor(0.9)),
)
bad(
    G,
    "reward_to_go empty episode",
    "rewards=zeros(0)",
    "rewards",
    lambda: M(G).reward_to_go(torch.zeros(0), 0.9),
)
bad(
    G,
    "reinforce_loss mismatched shapes",
    "logprobs [4], weights [4,1]",
    ("logprobs", "weights"),
    lambda: M(G).reinforce_loss(torch.zeros(4), torch.zeros(4, 1)),
)
bad(
    G,
    "reinforce_loss NaN weight",
    "weights [1,nan]",
    "weights",
    lambda: M(G).reinforce_loss(torch.zeros(2), t([1.0, nan])),
)
bad(
    G,
    "reinforce_loss mask all zero",
    "mask zeros",
    "mask",
    lambda: M(G).reinforce_loss(torch.zeros(3), torch.ones(3), torch.zeros(3)),
)
bad(
    G,
    "reinforce_loss mask of 2s",
    "mask [2,2,2]",
    "mask",
    lambda: M(G).reinforce_loss(torch.zeros(3), torch.ones(3), torch.full((3,), 2.0)),
)
bad(
    G,
    "reinforce_loss empty",
    "logprobs [0]",
    "logprobs",
    lambda: M(G).reinforce_loss(torch.zeros(0), torch.zeros(0)),
)
bad(
    G,
    "reinforce_loss int logprobs",
    "logprobs int",
    "logprobs",
    lambda: M(G).reinforce_loss(t([0, 0]), t([1.0, 1.0])),
)
bad(G, "ReinforceAgent obs_dim 0", "obs_dim=0", "obs_dim", lambda: M(G).ReinforceAgent(0, 2))
bad(
    G,
    "ReinforceAgent hidden_sizes with 0",
    "hidden_sizes=(0,)",
    "hidden_sizes",
    lambda: M(G).ReinforceAgent(4, 2, (0,)),
)
bad(
    G,
    "ReinforceAgent huge net",
    "hidden_sizes=(4096,)*50",
    "hidden_sizes",
    lambda: M(G).ReinforceAgent(4, 2, (4096,) * 50),
)
bad(
    G,
    "ReinforceConfig value_steps huge",
    "value_steps=10**9",
    "value_steps",
    lambda: M(G).ReinforceConfig(value_steps=10**9),
)
bad(
    G,
    "ReinforceConfig iterations x episodes huge",
    "iterations=10**5, episodes_per_batch=10**4",
    ("iterations", "episodes_per_batch"),
    lambda: M(G).ReinforceConfig(iterations=10**5, episodes_per_batch=10**4),
)
bad(
    G,
    "ReinforceConfig negative learning rate",
    "learning_rate=-0.01",
    "learning_rate",
    lambda: M(G).ReinforceConfig(learning_rate=-0.01),
)
bad(
    G,
    "ReinforceConfig env with continuous actions",
    "env_id='Pendulum-v1'",
    "env_id",
    lambda: M(G).ReinforceConfig(env_id="Pendulum-v1"),
)
bad(
    G,
    "ReinforceConfig device 'meta'",
    "device='meta'",
    "device",
    lambda: M(G).ReinforceConfig(device="meta"),
)
bad(
    G,
    "ReinforceConfig variant None",
    "variant=None",
    "variant",
    lambda: M(G).ReinforceConfig(variant=None),
)
bad(
    G,
    "make_episode_envs num_envs 0",
    "num_envs=0",
    "num_envs",
    lambda: M(G).make_episode_envs("CartPole-v1", 0),
)
bad(
    G,
    "make_episode_envs env without time limit",
    "env_id='CliffWalking-v1'",
    "env_id",
    lambda: M(G).make_episode_envs("CliffWalking-v1", 1),
)
bad(
    G,
    "collect_episodes agent for another env",
    "agent obs_dim 3 vs CartPole 4",
    "agent",
    lambda: M(G).collect_episodes(
        M(G).ReinforceAgent(3, 2), M(G).make_episode_envs("CartPole-v1", 1), seed=0
    ),
)
bad(
    G,
    "evaluate_policy episodes 0",
    "episodes=0",
    "episodes",
    lambda: M(G).evaluate_policy(M(G).ReinforceAgent(4, 2), "CartPole-v1", 0),
)
bad(
    G,
    "evaluate_policy env mismatched actions",
    "agent 3 actions on CartPole",
    "agent",
    lambda: M(G).evaluate_policy(M(G).ReinforceAgent(4, 3), "CartPole-v1", 1),
)
ok(
    G,
    "ReinforceConfig numpy ints",
    "iterations=np.int64(2)",
    lambda: M(G).ReinforceConfig(iterations=np.int64(2), episodes_per_batch=np.int32(2)),
)
ok(
    G,
    "ReinforceAgent numpy int dims",
    "ReinforceAgent(np.int64(4), np.int64(2))",
    lambda: M(G).ReinforceAgent(np.int64(4), np.int64(2)),
)

# ---- sampling ------------------------------------------------------------------------------
S = "sampling"
bad(
    S,
    "minibatch_indices batch_size > n",
    "n=3, batch_size=10, drop_last=True",
    "batch_size",
    lambda: M(S).minibatch_indices(3, 10, drop_last=True),
)
bad(S, "minibatch_indices n huge", "n=10**10", "n", lambda: M(S).minibatch_indices(10**10, 1))
bad(
    S,
    "split_minibatches more minibatches than items",
    "n=3, num_minibatches=5",
    "num_minibatches",
    lambda: M(S).split_minibatches(3, 5),
)
bad(
    S,
    "minibatch_indices_with_replacement product huge",
    "n=10**6, batch_size=10**6, num_batches=10**6",
    ("batch_size", "num_batches", "n"),
    lambda: M(S).minibatch_indices_with_replacement(10**6, 10**6, num_batches=10**6),
)
bad(
    S,
    "visit_counts index out of range",
    "batches [[0,5]], n=3",
    "batches",
    lambda: M(S).visit_counts([[0, 5]], 3),
)
bad(
    S,
    "visit_counts negative index",
    "batches [[-1]], n=3",
    "batches",
    lambda: M(S).visit_counts([[-1]], 3),
)
bad(
    S,
    "visit_counts float index",
    "batches [[0.5]]",
    "batches",
    lambda: M(S).visit_counts([[0.5]], 3),
)
bad(
    S,
    "iterate_minibatches tensors of different lengths",
    "zeros(5), zeros(4)",
    "tensors",
    lambda: list(M(S).iterate_minibatches(torch.zeros(5), torch.zeros(4), batch_size=2)),
)
bad(
    S,
    "iterate_minibatches no tensors",
    "()",
    "tensors",
    lambda: list(M(S).iterate_minibatches(batch_size=2)),
)
bad(
    S,
    "iterate_minibatches epochs huge",
    "epochs=10**9",
    "epochs",
    lambda: next(iter(M(S).iterate_minibatches(torch.zeros(5), batch_size=2, epochs=10**9))),
)
bad(
    S,
    "iterate_minibatches 0-d tensor",
    "tensor(1.)",
    "tensors",
    lambda: list(M(S).iterate_minibatches(torch.tensor(1.0), batch_size=1)),
)
ok(
    S,
    "num_batches numpy ints",
    "num_batches(np.int64(10), np.int32(3))",
    lambda: M(S).num_batches(np.int64(10), np.int32(3)),
)
ok(S, "minibatch_indices numpy n", "n=np.int64(5)", lambda: M(S).minibatch_indices(np.int64(5), 2))

# ---- stats ---------------------------------------------------------------------------------
ST = "stats"
bad(
    ST,
    "mean_ci NaN hidden in a list",
    "values [1, nan, 2]",
    "values",
    lambda: M(ST).mean_ci([1.0, nan, 2.0]),
)
bad(
    ST,
    "mean_ci 2-d",
    "values [[1,2],[3,4]]",
    "values",
    lambda: M(ST).mean_ci([[1.0, 2.0], [3.0, 4.0]]),
)
bad(ST, "mean_ci strings", "values ['1','2']", "values", lambda: M(ST).mean_ci(["1", "2"]))
bad(ST, "mean_ci one value", "values [1.0]", "values", lambda: M(ST).mean_ci([1.0]))
bad(
    ST,
    "paired_difference different lengths",
    "a [1,2,3], b [1,2]",
    ("a", "b"),
    lambda: M(ST).paired_difference([1.0, 2.0, 3.0], [1.0, 2.0]),
)
bad(ST, "differences inf", "a [inf, 1]", "a", lambda: M(ST).differences([inf, 1.0], [1.0, 1.0]))
bad(
    ST,
    "mean_ci_along dim out of range",
    "dim=5",
    "dim",
    lambda: M(ST).mean_ci_along(torch.zeros(3, 4), dim=5),
)
bad(
    ST,
    "mean_ci_along NaN",
    "values with NaN",
    "values",
    lambda: M(ST).mean_ci_along(t([[1.0, nan, 2.0]])),
)
bad(
    ST,
    "mean_ci_along a list",
    "values=[1,2,3]",
    "values",
    lambda: M(ST).mean_ci_along([1.0, 2.0, 3.0]),
)
bad(
    ST,
    "Interval negative half_width",
    "Interval(0, -1, 5)",
    "half_width",
    lambda: M(ST).Interval(0.0, -1.0, 5),
)
bad(ST, "sign of a non-Interval", "sign(0.5)", "difference", lambda: M(ST).sign(0.5))
ok(
    ST,
    "mean_ci numpy array",
    "np.array([1,2,3.])",
    lambda: M(ST).mean_ci(np.array([1.0, 2.0, 3.0])),
)
ok(
    ST,
    "mean_ci torch tensor",
    "torch.tensor([1,2,3.])",
    lambda: M(ST).mean_ci(torch.tensor([1.0, 2.0, 3.0])),
)
ok(
    ST,
    "mean_ci numpy ints",
    "[np.int64(1), np.int64(2), np.int64(4)]",
    lambda: M(ST).mean_ci([np.int64(1), np.int64(2), np.int64(4)]),
)

# ---- training ------------------------------------------------------------------------------
TR = "training"
bad(
    TR,
    "linear_anneal iteration past the end gives a negative rate",
    "linear_anneal(1.0, 12, 10)",
    "iteration",
    lambda: M(TR).linear_anneal(1.0, 12, 10),
)
bad(
    TR,
    "linear_anneal iterations 0",
    "iterations=0",
    "iterations",
    lambda: M(TR).linear_anneal(1.0, 0, 0),
)
bad(TR, "linear_anneal start NaN", "start=nan", "start", lambda: M(TR).linear_anneal(nan, 1, 10))
bad(TR, "log_due every 0", "every=0", "every", lambda: M(TR).log_due(1, 0, 10))
bad(
    TR,
    "derive_seed stride negative",
    "stride=-1",
    "stride",
    lambda: M(TR).derive_seed(1, 1, stride=-1),
)
bad(TR, "make_generator float seed", "seed=1.5", "seed", lambda: M(TR).make_generator(1.5))
bad(
    TR,
    "make_generator device cuda (none here)",
    "device='cuda'",
    "device",
    lambda: M(TR).make_generator(0, "cuda"),
)
bad(TR, "check_callback a non-callable", "callback=3", "callback", lambda: M(TR).check_callback(3))
bad(
    TR,
    "RunningMean add NaN",
    "add(nan)",
    "value",
    lambda: (lambda r: (r.add(nan), r.take()))(M(TR).RunningMean()),
)
ok(TR, "make_generator numpy seed", "seed=np.int64(3)", lambda: M(TR).make_generator(np.int64(3)))
ok(
    TR,
    "linear_anneal numpy ints",
    "iteration=np.int64(2), iterations=np.int64(10)",
    lambda: M(TR).linear_anneal(1.0, np.int64(2), np.int64(10)),
)

# ---- tasks.navigation / point_robot / bandits / mazes / base ----------------------------
N = "tasks.navigation"


def nav_step(actions, **kw):
    e = point_env(num_envs=3, max_steps=5, **kw)
    e.reset_tensor(seed=0)
    return e.step_tensor(actions)


bad(
    N,
    "step_tensor continuous actions [2] for 3 envs",
    "actions [1., 2.]",
    "actions",
    lambda: nav_step(t([1.0, 2.0])),
)
bad(
    N,
    "step_tensor continuous actions [3,3]",
    "actions zeros(3,3)",
    "actions",
    lambda: nav_step(torch.zeros(3, 3)),
)
bad(
    N,
    "step_tensor continuous int actions",
    "actions int zeros(3,2)",
    "actions",
    lambda: nav_step(torch.zeros(3, 2, dtype=torch.long)),
)
bad(
    N,
    "step_tensor continuous complex actions",
    "actions complex zeros(3,2)",
    "actions",
    lambda: nav_step(torch.zeros(3, 2, dtype=torch.complex64)),
)
bad(
    N,
    "step_tensor discrete move 9",
    "actions [0,1,9] discrete",
    "actions",
    lambda: nav_step(t([0, 1, 9]), action_type="discrete"),
)
bad(
    N,
    "step_tensor discrete bool actions",
    "actions [True,False,True] discrete",
    "actions",
    lambda: nav_step(t([True, False, True]), action_type="discrete"),
)
bad(
    N,
    "step gym API numpy continuous with NaN",
    "step(np [[nan,0]]*3)",
    "actions",
    lambda: (lambda e: (e.reset(seed=0), e.step(np.array([[nan, 0.0]] * 3)))[1])(
        point_env(num_envs=3)
    ),
)
bad(
    N,
    "Navigation2DVectorEnv goal_low NaN",
    "goal_low=nan",
    "goal_low",
    lambda: point_env(goal_low=nan),
)
bad(
    N,
    "Navigation2DVectorEnv action_type 'Discrete'",
    "action_type='Discrete'",
    "action_type",
    lambda: point_env(action_type="Discrete"),
)
bad(
    N,
    "Navigation2DVectorEnv episodes_per_trial huge",
    "episodes_per_trial=10**9",
    "episodes_per_trial",
    lambda: point_env(episodes_per_trial=10**9),
)
bad(
    N,
    "fix_goals wrong count",
    "goals [2,2] for 3 envs",
    "goals",
    lambda: point_env(num_envs=3).fix_goals(torch.zeros(2, 2)),
)
bad(
    N,
    "fix_goals NaN",
    "goals [[nan,0]]",
    "goals",
    lambda: point_env(num_envs=1).fix_goals(t([[nan, 0.0]])),
)
bad(
    N,
    "fix_goals goals far outside the arena",
    "goals [[1e6,1e6]]",
    "goals",
    lambda: point_env(num_envs=1).fix_goals(t([[1e6, 1e6]])),
)
bad(N, "reset_tensor seed negative", "seed=-1", "seed", lambda: point_env().reset_tensor(seed=-1))
bad(N, "reset_tensor seed float", "seed=1.7", "seed", lambda: point_env().reset_tensor(seed=1.7))
bad(
    N,
    "oracle_return goals [G,3]",
    "goals zeros(2,3)",
    "goals",
    lambda: M(N).oracle_return(torch.zeros(2, 3), 5),
)
bad(
    N,
    "oracle_return goals empty",
    "goals zeros(0,2)",
    "goals",
    lambda: M(N).oracle_return(torch.zeros(0, 2), 5),
)
bad(
    N,
    "oracle_return goals x steps huge",
    "goals zeros(10**6,2)+5, max_steps=10**4",
    ("goals", "max_steps"),
    lambda: M(N).oracle_return(torch.full((10**6, 2), 5.0), 10**4, "discrete"),
)
bad(
    N,
    "check_batched_actions num_envs 0",
    "num_envs=0",
    "num_envs",
    lambda: M(N).check_batched_actions(torch.zeros(0, 2), 0, "continuous"),
)
bad(
    N,
    "numpy_actions discrete 1.7",
    "actions np [1.7]",
    "actions",
    lambda: M(N).numpy_actions(np.array([1.7]), 1, "discrete"),
)
bad(
    N,
    "numpy_actions action_type typo",
    "action_type='cont'",
    "action_type",
    lambda: M(N).numpy_actions(np.zeros((1, 2)), 1, "cont"),
)
bad(
    N,
    "move_point action of wrong length",
    "action np [0.1,0.1,0.1]",
    "action",
    lambda: M(N).move_point(
        np.zeros(2, dtype=np.float32),
        np.array([0.1, 0.1, 0.1]),
        "continuous",
        M("tasks.navigation").Navigation2D().action_space,
    ),
)
bad(
    N,
    "Navigation2D step before reset",
    "step([0,0])",
    ("reset", "step"),
    lambda: M(N).Navigation2D().step(np.zeros(2, dtype=np.float32)),
)
bad(
    N,
    "navigation_reward mismatched shapes",
    "position [3,2], goal [2,2]",
    ("position", "goal"),
    lambda: M(N).navigation_reward(torch.zeros(3, 2), torch.zeros(2, 2)),
)
bad(
    N,
    "move with NaN action",
    "action [[nan, 0]]",
    "action",
    lambda: M(N).move(torch.zeros(1, 2), t([[nan, 0.0]])),
)
ok(
    N,
    "Navigation2DVectorEnv numpy ints",
    "num_envs=np.int64(2), max_steps=np.int32(5)",
    lambda: point_env(num_envs=np.int64(2), max_steps=np.int32(5)).reset_tensor(seed=0),
)
ok(
    N,
    "oracle_return numpy goals",
    "goals np.array([[0.3,-0.3]])",
    lambda: M(N).oracle_return(np.array([[0.3, -0.3]], dtype=np.float32), 5),
)
ok(
    N,
    "reset_tensor numpy seed",
    "seed=np.int64(3)",
    lambda: point_env().reset_tensor(seed=np.int64(3)),
)
ok(
    N,
    "fix_goals numpy array",
    "goals np.zeros((1,2))",
    lambda: point_env(num_envs=1).fix_goals(np.zeros((1, 2))),
)

PR = "tasks.point_robot"
bad(
    PR,
    "sparse_reward goal_radius negative",
    "goal_radius=-0.2",
    "goal_radius",
    lambda: M(PR).sparse_reward(torch.zeros(1, 2), torch.zeros(1, 2), -0.2),
)
bad(
    PR,
    "sparse_reward NaN position",
    "position [[nan,0]]",
    "position",
    lambda: M(PR).sparse_reward(t([[nan, 0.0]]), torch.zeros(1, 2)),
)
bad(
    PR,
    "half_circle_goals num_goals 0",
    "num_goals=0",
    "num_goals",
    lambda: M(PR).half_circle_goals(0),
)
bad(
    PR,
    "half_circle_goals radius NaN",
    "radius=nan",
    "radius",
    lambda: M(PR).half_circle_goals(3, nan),
)
bad(
    PR,
    "random_half_circle_goals generator None",
    "generator=None",
    "generator",
    lambda: M(PR).random_half_circle_goals(3, None),
)
bad(
    PR,
    "SparsePointRobotVectorEnv goal_radius 0",
    "goal_radius=0",
    "goal_radius",
    lambda: M(PR).SparsePointRobotVectorEnv(goal_radius=0.0),
)
bad(
    PR,
    "sparse_oracle_return goals 1-d",
    "goals zeros(2)",
    "goals",
    lambda: M(PR).sparse_oracle_return(torch.zeros(2)),
)
bad(
    PR,
    "SparsePointRobotVectorEnv step with 1 action for 2 envs",
    "actions zeros(1,2), 2 envs",
    "actions",
    lambda: (lambda e: (e.reset_tensor(seed=0), e.step_tensor(torch.zeros(1, 2)))[1])(
        M(PR).SparsePointRobotVectorEnv(num_envs=2)
    ),
)
ok(
    PR,
    "half_circle_goals numpy int",
    "num_goals=np.int64(3)",
    lambda: M(PR).half_circle_goals(np.int64(3)),
)

BA = "tasks.bandits"
bad(
    BA,
    "bandit step action = k",
    "actions [3,0] with k=3",
    "actions",
    lambda: (lambda e: (e.reset_tensor(seed=0), e.step_tensor(t([3, 0]))))(
        bandit_env(num_envs=2, k=3)
    ),
)
bad(
    BA,
    "bandit step float actions",
    "actions [0.,1.]",
    "actions",
    lambda: (lambda e: (e.reset_tensor(seed=0), e.step_tensor(t([0.0, 1.0]))))(
        bandit_env(num_envs=2, k=3)
    ),
)
bad(
    BA,
    "bandit gym step numpy action out of range",
    "step(np.array([5,5]))",
    "actions",
    lambda: (lambda e: (e.reset(seed=0), e.step(np.array([5, 5]))))(bandit_env(num_envs=2, k=3)),
)
bad(BA, "BernoulliBanditVectorEnv k=1", "k=1", "k", lambda: bandit_env(k=1))
bad(BA, "BernoulliBanditVectorEnv k huge", "k=10**7", "k", lambda: bandit_env(k=10**7))
bad(
    BA,
    "BernoulliBandit single step action -1",
    "step(-1)",
    "action",
    lambda: (lambda e: (e.reset(seed=0), e.step(-1)))(M(BA).BernoulliBandit(k=3)),
)
bad(
    BA,
    "evaluation_bandits k x seeds huge",
    "k=10**6, seeds=range(10**5)",
    ("k", "seeds"),
    lambda: M(BA).evaluation_bandits(10**6, range(10**5)),
)
bad(
    BA,
    "evaluation_bandits negative seed",
    "seeds=[1,-2]",
    "seeds",
    lambda: M(BA).evaluation_bandits(3, [1, -2]),
)
ok(
    BA,
    "evaluation_bandits numpy seeds",
    "seeds=list(np.arange(3))",
    lambda: M(BA).evaluation_bandits(3, list(np.arange(3))),
)
ok(
    BA,
    "bandit gym step numpy int64 actions",
    "step(np.array([1,2]))",
    lambda: (lambda e: (e.reset(seed=0), e.step(np.array([1, 2])))[1][1])(
        bandit_env(num_envs=2, k=3)
    ),
)

MZ = "tasks.mazes"
FREE = lambda: M(MZ).parse_layout("#####\n#S..#\n#.#.#\n#...#\n#####")[0]
bad(
    MZ,
    "shortest_path_lengths start on a wall",
    "start=(2,2) wall",
    "start",
    lambda: M(MZ).shortest_path_lengths(FREE(), (2, 2)),
)
bad(
    MZ,
    "shortest_path_lengths start negative (wraps)",
    "start=(-2,-2)",
    "start",
    lambda: M(MZ).shortest_path_lengths(FREE(), (-2, -2)),
)
bad(
    MZ,
    "shortest_path_lengths free as int array",
    "free int ones(5,5)",
    "free",
    lambda: M(MZ).shortest_path_lengths(np.ones((5, 5), dtype=int), (1, 1)),
)
bad(
    MZ,
    "shortest_path_lengths free 1-d",
    "free ones(5) bool",
    "free",
    lambda: M(MZ).shortest_path_lengths(np.ones(5, dtype=bool), (1, 1)),
)
bad(
    MZ,
    "shortest_path_lengths start a float pair",
    "start=(1.0,1.0)",
    "start",
    lambda: M(MZ).shortest_path_lengths(FREE(), (1.0, 1.0)),
)
bad(
    MZ,
    "parse_layout ragged rows",
    "'#####\\n#S.#\\n#####'",
    "layout",
    lambda: M(MZ).parse_layout("#####\n#S.#\n#####"),
)
bad(
    MZ,
    "parse_layout unknown char",
    "'#####\\n#S.x#\\n#####'",
    "layout",
    lambda: M(MZ).parse_layout("#####\n#S.x#\n#####"),
)
bad(
    MZ,
    "parse_layout two starts",
    "two 'S'",
    "layout",
    lambda: M(MZ).parse_layout("#####\n#SS.#\n#####"),
)
bad(
    MZ,
    "layout_string free not enclosed",
    "free all True",
    "free",
    lambda: M(MZ).layout_string(np.ones((4, 4), dtype=bool), (1, 1)),
)
bad(
    MZ,
    "next_cell_table free a list",
    "free=[[True]]",
    "free",
    lambda: M(MZ).next_cell_table([[True]]),
)
bad(
    MZ,
    "random_maze_layout rooms (0,3)",
    "rooms=(0,3)",
    "rooms",
    lambda: M(MZ).random_maze_layout((0, 3), np.random.default_rng(0)),
)
bad(
    MZ,
    "random_maze_layout loops NaN",
    "loops=nan",
    "loops",
    lambda: M(MZ).random_maze_layout((2, 2), np.random.default_rng(0), loops=nan),
)
bad(
    MZ,
    "random_maze_layout rng a seed int",
    "rng=0",
    "rng",
    lambda: M(MZ).random_maze_layout((2, 2), 0),
)
bad(
    MZ,
    "RandomGoalMaze layout name typo",
    "layout='room6'",
    "layout",
    lambda: M(MZ).RandomGoalMaze(layout="room6"),
)
bad(
    MZ,
    "RandomGoalMaze goal on a wall",
    "goal=(0,0)",
    "goal",
    lambda: M(MZ).RandomGoalMaze(goal=(0, 0)),
)
bad(
    MZ,
    "RandomGoalMaze goal numpy float pair",
    "goal=(np.float64(1), np.float64(2))",
    "goal",
    lambda: M(MZ).RandomGoalMaze(goal=(np.float64(1.0), np.float64(2.0))),
)
bad(
    MZ,
    "RandomGoalMaze step_cost NaN",
    "step_cost=nan",
    "step_cost",
    lambda: M(MZ).RandomGoalMaze(step_cost=nan),
)
bad(
    MZ,
    "RandomGoalMaze step action 4",
    "step(4)",
    "action",
    lambda: (lambda e: (e.reset(seed=0), e.step(4)))(M(MZ).RandomGoalMaze()),
)
bad(
    MZ,
    "RandomGoalMazeVectorEnv step action -1",
    "actions [-1]",
    "actions",
    lambda: (lambda e: (e.reset_tensor(seed=0), e.step_tensor(t([-1]))))(maze_env()),
)
bad(
    MZ,
    "RandomMazeVectorEnv rooms huge",
    "rooms=(10**4,10**4)",
    "rooms",
    lambda: M(MZ).RandomMazeVectorEnv(rooms=(10**4, 10**4)),
)
bad(
    MZ,
    "RandomMaze rooms a 3-tuple",
    "rooms=(2,2,2)",
    "rooms",
    lambda: M(MZ).RandomMaze(rooms=(2, 2, 2)),
)
ok(
    MZ,
    "RandomMazeVectorEnv numpy int rooms",
    "rooms=(np.int64(2), np.int64(2))",
    lambda: M(MZ).RandomMazeVectorEnv(rooms=(np.int64(2), np.int64(2))).reset_tensor(seed=0),
)
ok(
    MZ,
    "RandomGoalMaze numpy int goal",
    "goal=(np.int64(1), np.int64(2))",
    lambda: (
        M(MZ)
        .RandomGoalMaze(layout="#####\n#S..#\n#...#\n#####", goal=(np.int64(1), np.int64(2)))
        .reset(seed=0)[0]
    ),
)
ok(
    MZ,
    "shortest_path_lengths numpy int start",
    "start=(np.int64(1), np.int64(1))",
    lambda: M(MZ).shortest_path_lengths(FREE(), (np.int64(1), np.int64(1))),
)
ok(
    MZ,
    "RandomMaze rooms as list",
    "rooms=[2, 2]",
    lambda: M(MZ).RandomMaze(rooms=[2, 2]).reset(seed=0)[0],
)

TB = "tasks.base"
bad(
    TB,
    "check_actions num_actions 0",
    "num_actions=0",
    "num_actions",
    lambda: M(TB).check_actions(t([0]), 1, 0),
)
bad(
    TB,
    "check_actions num_envs negative",
    "num_envs=-1",
    "num_envs",
    lambda: M(TB).check_actions(t([0]), -1, 3),
)
bad(
    TB,
    "check_actions 2-d actions",
    "actions [[0],[1]]",
    "actions",
    lambda: M(TB).check_actions(t([[0], [1]]), 2, 3),
)

# ---- trials --------------------------------------------------------------------------------
TL = "trials"
ti = lambda obs=None, a=None, r=None, d=None, n=3: M(TL).trial_input(
    torch.zeros(2, 1) if obs is None else obs,
    t([0, 1]) if a is None else a,
    t([0.0, 1.0]) if r is None else r,
    t([0.0, 1.0]) if d is None else d,
    n,
)
bad(
    TL, "trial_input NaN reward", "prev_reward [nan, 0]", "prev_reward", lambda: ti(r=t([nan, 0.0]))
)
bad(TL, "trial_input NaN obs", "obs [[nan],[0]]", "obs", lambda: ti(obs=t([[nan], [0.0]])))
bad(
    TL,
    "trial_input episode_end 0.5",
    "prev_episode_end [0.5, 0]",
    "prev_episode_end",
    lambda: ti(d=t([0.5, 0.0])),
)
bad(TL, "trial_input action -2", "prev_action [-2, 0]", "prev_action", lambda: ti(a=t([-2, 0])))
bad(
    TL,
    "trial_input bool prev_action",
    "prev_action [True, False]",
    "prev_action",
    lambda: ti(a=t([True, False])),
)
bad(
    TL,
    "trial_input rows mismatch",
    "obs [3,1], prev_action [2]",
    ("obs", "prev_action"),
    lambda: ti(obs=torch.zeros(3, 1)),
)
bad(
    TL,
    "trial_input int obs",
    "obs int zeros(2,1)",
    "obs",
    lambda: ti(obs=torch.zeros(2, 1, dtype=torch.long)),
)
bad(TL, "trial_input num_actions huge", "num_actions=10**9", "num_actions", lambda: ti(n=10**9))
bad(
    TL,
    "reset_hidden trial_end float 0.5",
    "trial_end [0.5, 0]",
    "trial_end",
    lambda: M(TL).reset_hidden(torch.ones(2, 3), t([0.5, 0.0])),
)
bad(
    TL,
    "reset_hidden hidden 3-d (an LSTM's h)",
    "hidden [1,2,3]",
    "hidden",
    lambda: M(TL).reset_hidden(torch.ones(1, 2, 3), t([True, False])),
)
bad(
    TL,
    "input_size numpy float",
    "obs_size=np.float64(2)",
    "obs_size",
    lambda: M(TL).input_size(np.float64(2.0), 3),
)
bad(
    TL,
    "rollout_trials agent for another env",
    "agent input 5 on bandit env input 6",
    "agent",
    lambda: M(TL).rollout_trials(
        M("rl2.agent").RecurrentActorCritic(5, 3, hidden_size=8),
        bandit_env(num_envs=2, k=3, episodes_per_trial=2),
        0,
    ),
)
bad(
    TL,
    "rollout_trials env is a gym env",
    "env=gym CartPole",
    "env",
    lambda: M(TL).rollout_trials(
        M("rl2.agent").RecurrentActorCritic(6, 3, hidden_size=8),
        __import__("gymnasium").make("CartPole-v1"),
        0,
    ),
)
bad(
    TL,
    "rollout_trials envs x episodes x steps huge",
    "maze 4096 envs x 1000 episodes x 30 steps",
    ("env", "num_envs", "episodes_per_trial", "max_steps"),
    lambda: (
        lambda e: M(TL).rollout_trials(
            M("rl2.agent").RecurrentActorCritic(
                M(TL).input_size(e.single_observation_space.shape[0], 4), 4, hidden_size=8
            ),
            e,
            0,
        )
    )(maze_env(num_envs=4096, episodes_per_trial=1000)),
)
bad(
    TL,
    "rollout_trials seed None",
    "seed=None",
    "seed",
    lambda: M(TL).rollout_trials(
        M("rl2.agent").RecurrentActorCritic(6, 3, hidden_size=8),
        bandit_env(num_envs=2, k=3, episodes_per_trial=2),
        None,
    ),
)
bad(TL, "episode_returns of a dict", "batch={}", "batch", lambda: M(TL).episode_returns({}))
ok(
    TL,
    "rollout_trials numpy seed",
    "seed=np.int64(1)",
    lambda: M(TL).episode_returns(
        M(TL).rollout_trials(
            M("rl2.agent").RecurrentActorCritic(6, 3, hidden_size=8),
            bandit_env(num_envs=2, k=3, episodes_per_trial=2),
            np.int64(1),
        )
    ),
)
ok(TL, "trial_input numpy int num_actions", "num_actions=np.int64(3)", lambda: ti(n=np.int64(3)))

# ---- ppo -----------------------------------------------------------------------------------
P = "ppo"
z = lambda *s: torch.zeros(*s)
bad(
    P,
    "compute_gae terminated float 0.5",
    "terminated 0.5",
    "terminated",
    lambda: M(P).compute_gae(z(3, 2), z(3, 2), z(3, 2), torch.full((3, 2), 0.5), z(3, 2), 0.9, 0.9),
)
bad(
    P,
    "compute_gae mismatched shapes",
    "values [3,1] vs rewards [3,2]",
    ("values", "rewards"),
    lambda: M(P).compute_gae(z(3, 2), z(3, 1), z(3, 2), z(3, 2), z(3, 2), 0.9, 0.9),
)
bad(
    P,
    "compute_gae NaN value",
    "values[0,0]=nan",
    "values",
    lambda: M(P).compute_gae(
        z(3, 2), t([[nan, 0.0], [0.0, 0.0], [0.0, 0.0]]), z(3, 2), z(3, 2), z(3, 2), 0.9, 0.9
    ),
)
bad(
    P,
    "compute_gae lam 1.2",
    "lam=1.2",
    "lam",
    lambda: M(P).compute_gae(z(3, 2), z(3, 2), z(3, 2), z(3, 2), z(3, 2), 0.9, 1.2),
)
bad(
    P,
    "compute_gae 1-d rewards",
    "rewards [3]",
    "rewards",
    lambda: M(P).compute_gae(z(3), z(3), z(3), z(3), z(3), 0.9, 0.9),
)
bad(
    P,
    "compute_gae empty rollout",
    "[0,2]",
    "rewards",
    lambda: M(P).compute_gae(z(0, 2), z(0, 2), z(0, 2), z(0, 2), z(0, 2), 0.9, 0.9),
)
bad(
    P,
    "clipped_surrogate_loss clip_coef -0.2",
    "clip_coef=-0.2",
    "clip_coef",
    lambda: M(P).clipped_surrogate_loss(z(4), z(4), torch.ones(4), -0.2),
)
bad(
    P,
    "clipped_surrogate_loss inf advantage",
    "advantages [inf,...]",
    "advantages",
    lambda: M(P).clipped_surrogate_loss(z(4), z(4), t([inf, 0.0, 0.0, 0.0]), 0.2),
)
bad(
    P,
    "clipped_surrogate_loss broadcast [4] vs [4,1]",
    "old_logprob [4,1]",
    ("old_logprob", "logprob"),
    lambda: M(P).clipped_surrogate_loss(z(4), z(4, 1), torch.ones(4), 0.2),
)
bad(
    P,
    "clipped_surrogate_loss mask of 3s",
    "mask=[3,3,3,3]",
    "mask",
    lambda: M(P).clipped_surrogate_loss(z(4), z(4), torch.ones(4), 0.2, torch.full((4,), 3.0)),
)
bad(
    P,
    "ppo_loss vf_coef NaN",
    "vf_coef=nan",
    "vf_coef",
    lambda: M(P).ppo_loss(
        z(4), z(4), torch.ones(4), z(4), z(4), z(4), z(4), clip_coef=0.2, vf_coef=nan, ent_coef=0.0
    ),
)
bad(
    P,
    "ppo_loss norm_adv with one sample",
    "advantages [1], norm_adv=True",
    ("advantages", "norm_adv"),
    lambda: M(P).ppo_loss(
        z(1), z(1), torch.ones(1), z(1), z(1), z(1), z(1), clip_coef=0.2, vf_coef=0.5, ent_coef=0.0
    ),
)
bad(
    P,
    "ppo_loss entropy wrong shape",
    "entropy [2]",
    "entropy",
    lambda: M(P).ppo_loss(
        z(4), z(4), torch.ones(4), z(4), z(4), z(4), z(2), clip_coef=0.2, vf_coef=0.5, ent_coef=0.0
    ),
)
bad(
    P,
    "gaussian_log_prob mismatched action dim",
    "mean [4,2], actions [4,3]",
    ("mean", "actions"),
    lambda: M(P).gaussian_log_prob(z(4, 2), z(2), z(4, 3)),
)
bad(
    P,
    "gaussian_log_prob NaN log_std",
    "log_std [nan, 0]",
    "log_std",
    lambda: M(P).gaussian_log_prob(z(4, 2), t([nan, 0.0]), z(4, 2)),
)
bad(
    P,
    "gaussian_entropy int log_std",
    "log_std int",
    "log_std",
    lambda: M(P).gaussian_entropy(t([0, 0])),
)
bad(
    P,
    "PPOConfig num_envs x num_steps x total_steps huge",
    "num_envs=4096, num_steps=4096, total_steps=10**12",
    ("total_steps", "num_envs", "num_steps"),
    lambda: M(P).PPOConfig(num_envs=4096, num_steps=4096, total_steps=10**12),
)
bad(
    P,
    "PPOConfig total_steps < one batch",
    "num_envs=16, num_steps=32, total_steps=100",
    "total_steps",
    lambda: M(P).PPOConfig(total_steps=100),
)
bad(
    P,
    "PPOConfig num_minibatches not dividing batch",
    "num_envs=3, num_steps=5, num_minibatches=2",
    "num_minibatches",
    lambda: M(P).PPOConfig(num_envs=3, num_steps=5, num_minibatches=2),
)
bad(
    P,
    "PPOConfig gae_lambda NaN",
    "gae_lambda=nan",
    "gae_lambda",
    lambda: M(P).PPOConfig(gae_lambda=nan),
)
bad(P, "PPOConfig env_id None", "env_id=None", "env_id", lambda: M(P).PPOConfig(env_id=None))
bad(P, "PPOConfig device 'xpu'", "device='xpu'", "device", lambda: M(P).PPOConfig(device="xpu"))
bad(
    P,
    "ActorCritic obs space a Discrete",
    "observation_space=Discrete(3)",
    "observation_space",
    lambda: M(P).ActorCritic(
        __import__("gymnasium").spaces.Discrete(3), __import__("gymnasium").spaces.Discrete(2)
    ),
)
bad(
    P,
    "ActorCritic observation space too wide",
    "Box shape (10**4, 10**2): 10**6 inputs",
    "observation_space",
    lambda: M(P).ActorCritic(
        __import__("gymnasium").spaces.Box(-1, 1, (10**4, 10**2)),
        __import__("gymnasium").spaces.Discrete(2),
    ),
)
bad(
    P,
    "ActorCritic init_log_std NaN",
    "init_log_std=nan",
    "init_log_std",
    lambda: M(P).ActorCritic(
        __import__("gymnasium").spaces.Box(-1, 1, (3,)),
        __import__("gymnasium").spaces.Box(-1, 1, (2,)),
        init_log_std=nan,
    ),
)
bad(P, "make_envs num_envs 0", "num_envs=0", "num_envs", lambda: M(P).make_envs("CartPole-v1", 0))
bad(
    P,
    "make_envs unknown kwarg",
    "make_envs(..., foo=1)",
    ("foo", "kwargs"),
    lambda: M(P).make_envs("CartPole-v1", 1, foo=1),
)
bad(
    P,
    "collect_rollout obs of wrong shape",
    "obs zeros((2,3)) for CartPole",
    "obs",
    lambda: M(P).collect_rollout(
        cartpole_agent(), M(P).make_envs("CartPole-v1", 2), np.zeros((2, 3), dtype=np.float32), 4
    ),
)
bad(
    P,
    "collect_rollout reward_scale NaN",
    "reward_scale=nan",
    "reward_scale",
    lambda: (
        lambda envs: M(P).collect_rollout(
            cartpole_agent(), envs, envs.reset(seed=0)[0], 4, reward_scale=nan
        )
    )(M(P).make_envs("CartPole-v1", 2)),
)
bad(
    P,
    "collect_rollout num_steps huge",
    "num_steps=10**8",
    "num_steps",
    lambda: (
        lambda envs: M(P).collect_rollout(cartpole_agent(), envs, envs.reset(seed=0)[0], 10**8)
    )(M(P).make_envs("CartPole-v1", 2)),
)
bad(
    P,
    "check_minibatch_size 1 with norm_adv",
    "check_minibatch_size(1, True)",
    ("minibatch_size", "minibatch"),
    lambda: M(P).check_minibatch_size(1, True),
)
ok(
    P,
    "PPOConfig numpy ints and floats",
    "num_envs=np.int64(4), learning_rate=np.float32(1e-3)",
    lambda: M(P).PPOConfig(
        num_envs=np.int64(4), num_steps=np.int64(8), learning_rate=np.float32(1e-3), total_steps=64
    ),
)
ok(
    P,
    "clipped_surrogate_loss 0-d clip_coef",
    "clip_coef=tensor(0.2)",
    lambda: M(P).clipped_surrogate_loss(z(4), z(4), torch.ones(4), torch.tensor(0.2)),
)

# ---- evaluation / checkpoints / trpo / nets -------------------------------------------------
E = "evaluation"
bad(
    E,
    "evaluate CliffWalking without a time limit",
    "env_id='CliffWalking-v1', max_steps left at its default",
    ("env_id", "max_steps"),
    lambda: M(E).evaluate(
        lambda o: np.zeros(np.shape(o)[:1], dtype=np.int64), "CliffWalking-v1", 1
    ),
)
bad(
    E,
    "evaluate episodes x max_steps huge",
    "episodes=10**6, max_steps=10**4 on CartPole",
    ("episodes", "max_steps"),
    lambda: M(E).evaluate(
        lambda o: np.zeros((), dtype=np.int64), "CartPole-v1", 10**6, max_steps=10**4
    ),
)
bad(
    E,
    "evaluate agent for another env",
    "CartPole agent on Acrobot",
    "agent",
    lambda: M(E).evaluate(cartpole_agent(), "Acrobot-v1", 1),
)
bad(
    E,
    "evaluate callable returns an out-of-range action",
    "lambda o: [7]*len(o) on CartPole",
    "agent",
    lambda: M(E).evaluate(lambda o: np.full(len(o), 7), "CartPole-v1", 1),
)
bad(
    E,
    "evaluate callable returns a scalar for a batch",
    "lambda o: np.int64(1)",
    "agent",
    lambda: M(E).evaluate(lambda o: np.int64(1), "CartPole-v1", 1),
)
bad(
    E,
    "evaluate callable returns NaN actions",
    "lambda o: [nan] on Pendulum",
    "agent",
    lambda: M(E).evaluate(
        lambda o: np.full((len(o), 1), nan, dtype=np.float32), "Pendulum-v1", 1, max_steps=5
    ),
)
bad(
    E,
    "evaluate deterministic 'yes'",
    "deterministic='yes'",
    "deterministic",
    lambda: M(E).evaluate(cartpole_agent(), "CartPole-v1", 1, deterministic="yes"),
)
bad(
    E,
    "StopWhenSolved threshold NaN",
    "threshold=nan",
    "threshold",
    lambda: M(E).StopWhenSolved("CartPole-v1", nan),
)
bad(
    E,
    "StopWhenSolved every_steps 0",
    "every_steps=0",
    "every_steps",
    lambda: M(E).StopWhenSolved("CartPole-v1", 100.0, every_steps=0),
)
bad(
    E,
    "StopWhenSolved env without a reward threshold",
    "CliffWalking-v1, threshold None",
    ("threshold", "env_id"),
    lambda: M(E).StopWhenSolved("CliffWalking-v1"),
)
bad(
    E,
    "record_frames every 0",
    "every=0",
    "every",
    lambda: M(E).record_frames(cartpole_agent(), "CartPole-v1", every=0),
)
ok(
    E,
    "evaluate numpy episodes",
    "episodes=np.int64(1)",
    lambda: M(E).evaluate(cartpole_agent(), "CartPole-v1", np.int64(1)),
)

CK = "checkpoints"
bad(
    CK,
    "save a non-agent",
    "save(nn.Linear(2,2), path)",
    "agent",
    lambda: M(CK).save(torch.nn.Linear(2, 2), "/tmp/redteam_ck_a.pt"),
)
bad(
    CK,
    "save path is a directory",
    "path='/tmp'",
    "path",
    lambda: M(CK).save(cartpole_agent(), "/tmp"),
)
bad(
    CK,
    "save agent with a NaN weight",
    "agent weight[0,0]=nan",
    ("agent", "weight", "NaN"),
    lambda: (
        lambda a: (
            next(a.parameters()).data.view(-1).__setitem__(0, nan),
            M(CK).save(a, "/tmp/redteam_ck_nan.pt"),
        )
    )(cartpole_agent()),
)
bad(
    CK,
    "load a file that is not a checkpoint",
    "load(__file__ of ck)",
    "path",
    lambda: M(CK).load(M(CK).__file__),
)
bad(
    CK,
    "load missing file",
    "load('/nonexistent/x.pt')",
    "path",
    lambda: M(CK).load("/nonexistent/x.pt"),
)
bad(
    CK,
    "load device 'vulkan'",
    "device='vulkan'",
    "device",
    lambda: (
        M(CK).save(cartpole_agent(), "/tmp/redteam_ck_v.pt"),
        M(CK).load("/tmp/redteam_ck_v.pt", device="vulkan"),
    ),
)
bad(
    CK,
    "weights_digest a list",
    "state_dict=[1,2]",
    "state_dict",
    lambda: M(CK).weights_digest([1, 2]),
)
bad(
    CK,
    "weights_digest non-tensor values",
    "{'w': 1.0}",
    "state_dict",
    lambda: M(CK).weights_digest({"w": 1.0}),
)

TP = "trpo"
bad(
    TP,
    "conjugate_gradient NaN b",
    "b [nan, 1]",
    "b",
    lambda: M(TP).conjugate_gradient(lambda v: v, t([nan, 1.0])),
)
bad(
    TP,
    "conjugate_gradient matrix_vector returns wrong shape",
    "mv: v -> v[:1]",
    "matrix_vector",
    lambda: M(TP).conjugate_gradient(lambda v: v[:1], torch.ones(2)),
)
bad(
    TP,
    "conjugate_gradient iterations huge",
    "iterations=10**9, tolerance=0",
    ("iterations", "tolerance"),
    lambda: M(TP).conjugate_gradient(
        lambda v: 0 * v + 1e-30 * v, torch.ones(2), iterations=10**9, tolerance=0.0
    ),
)
bad(
    TP,
    "conjugate_gradient tolerance negative",
    "tolerance=-1",
    "tolerance",
    lambda: M(TP).conjugate_gradient(lambda v: v, torch.ones(2), tolerance=-1.0),
)
bad(
    TP,
    "trpo_step max_kl 0",
    "max_kl=0",
    "max_kl",
    lambda: (
        lambda p: M(TP).trpo_step([p], lambda: (p**2).sum(), lambda: (p**2).sum(), max_kl=0.0)
    )(torch.nn.Parameter(torch.ones(2))),
)
bad(
    TP,
    "trpo_step backtrack_ratio 1.5",
    "backtrack_ratio=1.5",
    "backtrack_ratio",
    lambda: (
        lambda p: M(TP).trpo_step(
            [p], lambda: (p**2).sum(), lambda: (p**2).sum(), backtrack_ratio=1.5
        )
    )(torch.nn.Parameter(torch.ones(2))),
)
bad(
    TP,
    "trpo_step params empty",
    "params=[]",
    "params",
    lambda: M(TP).trpo_step([], lambda: torch.zeros(()), lambda: torch.zeros(())),
)
bad(
    TP,
    "trpo_step surrogate returns NaN",
    "surrogate -> nan",
    "surrogate",
    lambda: (lambda p: M(TP).trpo_step([p], lambda: (p * nan).sum(), lambda: ((p - 1) ** 2).sum()))(
        torch.nn.Parameter(torch.ones(2))
    ),
)

NE = "nets"
bad(NE, "mlp in_features 0", "in_features=0", "in_features", lambda: M(NE).mlp(0, (4,), 1))
bad(
    NE,
    "mlp activation a string",
    "activation='tanh'",
    "activation",
    lambda: M(NE).mlp(2, (4,), 1, activation="tanh"),
)
bad(NE, "mlp out_gain NaN", "out_gain=nan", "out_gain", lambda: M(NE).mlp(2, (4,), 1, out_gain=nan))
bad(
    NE,
    "layer_init on a Conv2d",
    "layer=Conv2d",
    "layer",
    lambda: M(NE).layer_init(torch.nn.Conv2d(1, 1, 3)),
)
bad(
    NE,
    "layer_init gain NaN",
    "gain=nan",
    "gain",
    lambda: M(NE).layer_init(torch.nn.Linear(2, 2), gain=nan),
)
ok(
    NE,
    "mlp numpy ints",
    "mlp(np.int64(2), [np.int64(4)], np.int64(1))",
    lambda: M(NE).mlp(np.int64(2), [np.int64(4)], np.int64(1)),
)

# ---- meta.tasks / functional / models / components / etc. -------------------------------
MTK = "meta.tasks"
fam = lambda **k: M(MTK).SinusoidTasks(**k)
bad(
    MTK,
    "SinusoidTasks amplitude_range reversed",
    "amplitude_range=(5, 0.1)",
    "amplitude_range",
    lambda: fam(amplitude_range=(5.0, 0.1)),
)
bad(
    MTK,
    "SinusoidTasks x_range with NaN",
    "x_range=(nan, 5)",
    "x_range",
    lambda: fam(x_range=(nan, 5.0)),
)
bad(
    MTK,
    "SinusoidTasks amplitude_range a 3-tuple",
    "amplitude_range=(0.1, 1, 5)",
    "amplitude_range",
    lambda: fam(amplitude_range=(0.1, 1.0, 5.0)),
)
bad(
    MTK,
    "sample tasks x points huge",
    "sample(10**5, 10**4, 10**4)",
    ("num_tasks", "k_support", "k_query"),
    lambda: fam().sample(10**5, 10**4, 10**4),
)
bad(MTK, "sample k_support 0", "k_support=0", "k_support", lambda: fam().sample(2, 0, 3))
bad(
    MTK,
    "make_tasks amplitude/phase mismatched lengths",
    "amplitude [3], phase [2]",
    ("amplitude", "phase"),
    lambda: fam().make_tasks(torch.ones(3), torch.zeros(2), 2, 2),
)
bad(
    MTK,
    "make_tasks NaN amplitude",
    "amplitude [nan]",
    "amplitude",
    lambda: fam().make_tasks(t([nan]), torch.zeros(1), 2, 2),
)
bad(MTK, "mean_curve x with NaN", "x [nan]", "x", lambda: fam().mean_curve(t([nan])))
ok(
    MTK,
    "sample numpy ints",
    "sample(np.int64(2), np.int64(3), np.int64(4))",
    lambda: fam().sample(np.int64(2), np.int64(3), np.int64(4)),
)
ok(
    MTK,
    "SinusoidTasks numpy float ranges",
    "amplitude_range=(np.float64(0.1), np.float64(5))",
    lambda: fam(amplitude_range=(np.float64(0.1), np.float64(5.0))).sample(1, 2, 2),
)

MF = "meta.functional"


def _adapt(x=None, y=None, params=None, **kw):
    model, p = sine_model()
    b = sine_batch(1)
    kw.setdefault("inner_lr", 0.01)
    kw.setdefault("steps", 1)
    return M(MF).adapt(
        model,
        p if params is None else params(p),
        b.x_support[0] if x is None else x,
        b.y_support[0] if y is None else y,
        **kw,
    )


bad(MF, "adapt inner_lr NaN", "inner_lr=nan", "inner_lr", lambda: _adapt(inner_lr=nan))
bad(MF, "adapt inner_lr negative", "inner_lr=-0.1", "inner_lr", lambda: _adapt(inner_lr=-0.1))
bad(MF, "adapt steps huge", "steps=10**7", "steps", lambda: _adapt(steps=10**7))
bad(
    MF,
    "adapt x and y of different lengths",
    "x [3,1], y [4,1]",
    ("x", "y"),
    lambda: _adapt(x=torch.zeros(3, 1), y=torch.zeros(4, 1)),
)
bad(MF, "adapt y [K] vs x [K,1] (broadcast)", "y [3]", "y", lambda: _adapt(y=torch.zeros(3)))
bad(MF, "adapt NaN in y", "y with NaN", "y", lambda: _adapt(y=t([[nan], [0.0], [0.0]])))
bad(
    MF,
    "adapt empty support",
    "x [0,1], y [0,1]",
    ("x", "y"),
    lambda: _adapt(x=torch.zeros(0, 1), y=torch.zeros(0, 1)),
)
bad(MF, "adapt params empty dict", "params={}", "params", lambda: _adapt(params=lambda p: {}))
bad(
    MF,
    "adapt NaN hidden in one weight",
    "params['0.weight'][0]=nan",
    "params",
    lambda: _adapt(
        params=lambda p: {**p, next(iter(p)): p[next(iter(p))].detach().clone().fill_(nan)}
    ),
)
bad(
    MF,
    "adapt params missing a key",
    "params without one bias",
    "params",
    lambda: _adapt(params=lambda p: dict(list(p.items())[:-1])),
)
bad(
    MF,
    "adapt params wrong shape",
    "first weight [2,2]",
    "params",
    lambda: _adapt(params=lambda p: {**p, next(iter(p)): torch.zeros(2, 2)}),
)
bad(MF, "adapt int x", "x int", "x", lambda: _adapt(x=torch.zeros(3, 1, dtype=torch.long)))
bad(
    MF,
    "adapt per-parameter inner_lr with a missing key",
    "inner_lr={'0.weight': 0.1}",
    "inner_lr",
    lambda: _adapt(inner_lr={"0.weight": torch.tensor(0.1)}),
)
bad(
    MF,
    "adapt per-parameter inner_lr with NaN",
    "inner_lr dict with NaN",
    "inner_lr",
    lambda: (
        lambda model_p: _adapt(inner_lr={k: torch.full_like(v, nan) for k, v in model_p[1].items()})
    )(sine_model()),
)
ok(
    MF,
    "adapt 0-d tensor inner_lr",
    "inner_lr=tensor(0.01)",
    lambda: _adapt(inner_lr=torch.tensor(0.01)),
)
ok(
    MF,
    "adapt numpy float inner_lr, numpy int steps",
    "inner_lr=np.float32(0.01), steps=np.int64(2)",
    lambda: _adapt(inner_lr=np.float32(0.01), steps=np.int64(2)),
)
bad(
    MF,
    "meta_loss tasks a tuple of wrong shapes",
    "tasks=TaskBatch x_support [2,3], no last dim",
    "tasks",
    lambda: (
        lambda m, p: M(MF).meta_loss(
            m,
            p,
            M("meta.tasks").TaskBatch(
                torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 3)
            ),
            inner_lr=0.01,
            steps=1,
        )
    )(*sine_model()),
)
bad(
    MF,
    "meta_loss tasks with NaN query",
    "y_query NaN",
    "tasks",
    lambda: (
        lambda m, p, b: M(MF).meta_loss(
            m, p, b._replace(y_query=b.y_query.clone().fill_(nan)), inner_lr=0.01, steps=1
        )
    )(*sine_model(), sine_batch()),
)
bad(
    MF,
    "meta_loss support/query batch mismatch",
    "x_support B=2, x_query B=3",
    "tasks",
    lambda: (
        lambda m, p, b, c: M(MF).meta_loss(
            m, p, b._replace(x_query=c.x_query, y_query=c.y_query), inner_lr=0.01, steps=1
        )
    )(*sine_model(), sine_batch(2), sine_batch(3)),
)
bad(
    MF,
    "meta_loss steps 0 with first_order 'no'",
    "first_order='no'",
    "first_order",
    lambda: (
        lambda m, p: M(MF).meta_loss(m, p, sine_batch(), inner_lr=0.01, steps=1, first_order="no")
    )(*sine_model()),
)
bad(
    MF,
    "reptile_update epsilon 2",
    "epsilon=2",
    "epsilon",
    lambda: (
        lambda m, p: M(MF).reptile_update(m, p, sine_batch(), inner_lr=0.01, steps=1, epsilon=2.0)
    )(*sine_model()),
)
bad(
    MF,
    "reptile_update epsilon NaN",
    "epsilon=nan",
    "epsilon",
    lambda: (
        lambda m, p: M(MF).reptile_update(m, p, sine_batch(), inner_lr=0.01, steps=1, epsilon=nan)
    )(*sine_model()),
)
bad(
    MF,
    "task_loss loss_fn not callable",
    "loss_fn='mse'",
    "loss_fn",
    lambda: (lambda m, p, b: M(MF).task_loss(m, p, b.x_support[0], b.y_support[0], "mse"))(
        *sine_model(), sine_batch()
    ),
)
bad(
    MF,
    "mse shape mismatch (broadcast)",
    "prediction [3,1], target [3]",
    ("prediction", "target"),
    lambda: M(MF).mse(torch.zeros(3, 1), torch.zeros(3)),
)

MM = "meta.models"
bad(MM, "mlp_regressor hidden empty", "hidden=()", "hidden", lambda: M(MM).mlp_regressor(()))
bad(
    MM,
    "mlp_regressor hidden with a float",
    "hidden=(8.5,)",
    "hidden",
    lambda: M(MM).mlp_regressor((8.5,)),
)
bad(MM, "SineModel a NaN", "SineModel(a=nan)", "a", lambda: M(MM).SineModel(a=nan))
bad(MM, "init_params of a non-module", "init_params({})", "model", lambda: M(MM).init_params({}))

MC = "meta.components"


def _comp(**kw):
    cfg = M(MC).ComponentConfig(iterations=1, meta_batch_size=2, hidden_sizes=(8,))
    model = M("meta.architecture").MixedActivationMLP(1, (8,), ("relu",))
    phi = M(MC).initial_components(model, cfg)
    b = sine_batch(1)
    args = dict(inner_lr=0.01, steps=1)
    args.update(kw.pop("args", {}))
    x = kw.pop("x", b.x_support[0])
    y = kw.pop("y", b.y_support[0])
    phi = kw.pop("phi", lambda p: p)(phi)
    return M(MC).adapt_with_components(model, phi, x, y, **args)


bad(
    MC,
    "adapt_with_components inner_lr -1",
    "inner_lr=-1.0",
    "inner_lr",
    lambda: _comp(args=dict(inner_lr=-1.0)),
)
bad(
    MC,
    "adapt_with_components inner_lr NaN tensor",
    "inner_lr=tensor(nan)",
    "inner_lr",
    lambda: _comp(args=dict(inner_lr=torch.tensor(nan))),
)
bad(
    MC,
    "adapt_with_components loss typo",
    "loss='mae'",
    "loss",
    lambda: _comp(args=dict(loss="mae")),
)
bad(
    MC,
    "adapt_with_components steps huge",
    "steps=10**7",
    "steps",
    lambda: _comp(args=dict(steps=10**7)),
)
bad(MC, "adapt_with_components phi empty", "phi={}", "phi", lambda: _comp(phi=lambda p: {}))
bad(
    MC,
    "adapt_with_components NaN inside phi",
    "phi['init'] weights NaN",
    "phi",
    lambda: _comp(
        phi=lambda p: {**p, "init": {k: torch.full_like(v, nan) for k, v in p["init"].items()}}
    ),
)
bad(
    MC,
    "adapt_with_components x, y mismatched",
    "x [3,1], y [5,1]",
    ("x", "y"),
    lambda: _comp(x=torch.zeros(3, 1), y=torch.zeros(5, 1)),
)
bad(
    MC,
    "check_component_names unknown",
    "('init','momentum')",
    "components",
    lambda: M(MC).check_component_names(("init", "momentum")),
)
bad(
    MC,
    "check_component_names duplicate",
    "('init','init')",
    "components",
    lambda: M(MC).check_component_names(("init", "init")),
)
bad(
    MC,
    "ComponentConfig inner_lr 0",
    "inner_lr=0",
    "inner_lr",
    lambda: M(MC).ComponentConfig(inner_lr=0.0),
)
bad(
    MC,
    "ComponentConfig iterations x batch x steps huge",
    "iterations=10**6, meta_batch_size=10**4, inner_steps=100",
    ("iterations", "meta_batch_size", "inner_steps"),
    lambda: M(MC).ComponentConfig(iterations=10**6, meta_batch_size=10**4, inner_steps=100),
)
bad(
    MC,
    "squared_error shape mismatch",
    "prediction [3,1], target [1,3]",
    ("prediction", "target"),
    lambda: M(MC).squared_error(torch.zeros(3, 1), torch.zeros(1, 3)),
)
ok(
    MC,
    "adapt_with_components 0-d tensor inner_lr",
    "inner_lr=tensor(0.01)",
    lambda: _comp(args=dict(inner_lr=torch.tensor(0.01))),
)

MA = "meta.architecture"
bad(
    MA,
    "MixedActivationMLP activation unknown",
    "activations=('swish',)",
    "activations",
    lambda: M(MA).MixedActivationMLP(1, (8,), ("swish",)),
)
bad(
    MA,
    "MixedActivationMLP activations empty",
    "activations=()",
    "activations",
    lambda: M(MA).MixedActivationMLP(1, (8,), ()),
)
bad(
    MA,
    "block_weights mix wrong shape",
    "mix [5,7] for 1 layer x 2 activations",
    "mix",
    lambda: M(MA).block_weights(
        M(MA).MixedActivationMLP(1, (8,), ("relu", "tanh")), torch.zeros(5, 7)
    ),
)
bad(
    MA,
    "block_weights mix with NaN",
    "mix NaN",
    "mix",
    lambda: (lambda m: M(MA).block_weights(m, torch.full((1, 2), nan)))(
        M(MA).MixedActivationMLP(1, (8,), ("relu", "tanh"))
    ),
)

MAU = "meta.augmentation"
bad(
    MAU,
    "augment_support shift NaN",
    "shift=tensor(nan)",
    "shift",
    lambda: M(MAU).augment_support(torch.ones(3, 1), torch.zeros(3, 1), torch.tensor(nan)),
)
bad(
    MAU,
    "augment_support shift not a scalar",
    "shift [3]",
    "shift",
    lambda: M(MAU).augment_support(torch.ones(3, 1), torch.zeros(3, 1), torch.zeros(3)),
)
bad(
    MAU,
    "augment_support x, y mismatched",
    "x [3,1], y [4,1]",
    ("x", "y"),
    lambda: M(MAU).augment_support(torch.ones(3, 1), torch.zeros(4, 1), torch.tensor(0.5)),
)

MBT = "meta.binary_tasks"
bad(
    MBT,
    "binary_cross_entropy target 2",
    "target [2.]",
    "target",
    lambda: M(MBT).binary_cross_entropy(torch.zeros(3), t([0.0, 1.0, 2.0])),
)
bad(
    MBT,
    "binary_cross_entropy mismatched shapes",
    "logits [3,1], target [3]",
    ("logits", "target"),
    lambda: M(MBT).binary_cross_entropy(torch.zeros(3, 1), torch.zeros(3)),
)
bad(
    MBT,
    "accuracy empty",
    "logits [0]",
    "logits",
    lambda: M(MBT).accuracy(torch.zeros(0), torch.zeros(0)),
)
bad(
    MBT,
    "label x wrong last dim",
    "x [4,3]",
    "x",
    lambda: M(MBT).label(torch.zeros(4, 3), torch.zeros(()), torch.zeros(())),
)
bad(
    MBT,
    "LinearBoundaryTasks max_offset negative",
    "max_offset=-0.5",
    "max_offset",
    lambda: M(MBT).LinearBoundaryTasks(-0.5),
)

MBB = "meta.blackbox"
bad(
    MBB,
    "BlackBoxConfig k_min > k_support",
    "k_min=12, k_support=10",
    "k_min",
    lambda: M(MBB).BlackBoxConfig(k_min=12, k_support=10),
)
bad(
    MBB,
    "ConditionalNeuralProcess representation 0",
    "representation=0",
    "representation",
    lambda: M(MBB).ConditionalNeuralProcess((8,), 0),
)
bad(
    MBB,
    "blackbox_mse tasks a dict",
    "tasks={}",
    "tasks",
    lambda: M(MBB).blackbox_mse(M(MBB).ConditionalNeuralProcess((8,), 8), {}),
)
bad(
    MBB,
    "blackbox_mse tasks with NaN",
    "x_support NaN",
    "tasks",
    lambda: (
        lambda b: M(MBB).blackbox_mse(
            M(MBB).ConditionalNeuralProcess((8,), 8),
            b._replace(x_support=b.x_support.clone().fill_(nan)),
        )
    )(sine_batch()),
)

MEV = "meta.evaluation"
bad(
    MEV,
    "evaluation_tasks num_tasks x k_query huge",
    "num_tasks=10**5, k_query=10**5",
    ("num_tasks", "k_query"),
    lambda: M(MEV).evaluation_tasks(10**5, 5, 10**5),
)
bad(
    MEV,
    "evaluation_tasks family a string",
    "family='sine'",
    "family",
    lambda: M(MEV).evaluation_tasks(2, 2, 2, family="sine"),
)
bad(
    MEV,
    "adaptation_curve learner not a MetaLearner",
    "learner=nn.Linear",
    "learner",
    lambda: M(MEV).adaptation_curve(torch.nn.Linear(1, 1), sine_batch()),
)

MEO = "meta.evolution"
bad(
    MEO,
    "EvolutionConfig survivors > population",
    "population=4, survivors=6",
    "survivors",
    lambda: M(MEO).EvolutionConfig(population=4, survivors=6),
)
bad(
    MEO,
    "EvolutionConfig log10_lr_range reversed",
    "log10_lr_range=(-0.5, -3)",
    "log10_lr_range",
    lambda: M(MEO).EvolutionConfig(log10_lr_range=(-0.5, -3.0)),
)
bad(
    MEO,
    "EvolutionConfig mutation_std NaN",
    "mutation_std=nan",
    "mutation_std",
    lambda: M(MEO).EvolutionConfig(mutation_std=nan),
)
bad(
    MEO,
    "descend_inner_lr start negative",
    "start=-0.1",
    "start",
    lambda: M(MEO).descend_inner_lr(lambda lr: (lr - 0.1) ** 2, start=-0.1, iterations=2),
)
bad(
    MEO,
    "descend_inner_lr loss returns NaN",
    "loss_of_lr -> nan",
    "loss_of_lr",
    lambda: M(MEO).descend_inner_lr(lambda lr: lr * nan, start=0.1, iterations=2),
)
bad(
    MEO,
    "evolve_inner_loop fitness not callable",
    "fitness=3",
    "fitness",
    lambda: M(MEO).evolve_inner_loop(3, M(MEO).EvolutionConfig(), progress=False),
)

MFO = "meta.first_order"
bad(
    MFO,
    "second_order_term task a 3-tuple",
    "task=(x,y,x)",
    "task",
    lambda: (
        lambda m, p, b: M(MFO).second_order_term(
            m, p, (b.x_support[0], b.y_support[0], b.x_query[0]), inner_lr=0.1
        )
    )(*sine_model(), sine_batch()),
)
bad(
    MFO,
    "second_order_term inner_lr NaN",
    "inner_lr=nan",
    "inner_lr",
    lambda: (
        lambda m, p, b: M(MFO).second_order_term(
            m, p, (b.x_support[0], b.y_support[0], b.x_query[0], b.y_query[0]), inner_lr=nan
        )
    )(*sine_model(), sine_batch()),
)

MG = "meta.geometry"
bad(
    MG,
    "steps_to_reach threshold NaN",
    "threshold=nan",
    "threshold",
    lambda: M(MG).steps_to_reach(torch.rand(3, 4), nan),
)
bad(
    MG,
    "steps_to_reach 1-d per_task",
    "per_task [4]",
    "per_task",
    lambda: M(MG).steps_to_reach(torch.rand(4), 0.5),
)
bad(
    MG,
    "nearby radius negative",
    "radius=-1",
    "radius",
    lambda: M(MG).nearby({"w": torch.zeros(2)}, -1.0, torch.Generator()),
)
bad(
    MG,
    "parameter_distance keys differ",
    "phi {'a'}, theta {'b'}",
    ("phi", "theta"),
    lambda: M(MG).parameter_distance({"a": torch.zeros(2)}, {"b": torch.zeros(2)}),
)
bad(
    MG,
    "parameter_distance shapes differ",
    "phi a [2], theta a [3]",
    ("phi", "theta"),
    lambda: M(MG).parameter_distance({"a": torch.zeros(2)}, {"a": torch.zeros(3)}),
)
bad(
    MG,
    "fit_tasks max_steps x tasks huge",
    "max_steps=10**7",
    "max_steps",
    lambda: (lambda m, p: M(MG).fit_tasks(m, p, sine_batch(), target=1e-9, max_steps=10**7))(
        *sine_model()
    ),
)

ML = "meta.landscape"
bad(
    ML,
    "sine_loss_grid a, b mismatched",
    "a [3], b [4]",
    ("a", "b"),
    lambda: M(ML).sine_loss_grid(torch.zeros(3), torch.zeros(4), torch.zeros(5), torch.zeros(5)),
)
bad(
    ML,
    "two_loop_paths method typo",
    "method='mmal'",
    "method",
    lambda: M(ML).two_loop_paths(sine_batch(), method="mmal"),
)
bad(
    ML,
    "two_loop_paths phi0 NaN",
    "phi0=(nan, 0)",
    "phi0",
    lambda: M(ML).two_loop_paths(sine_batch(), phi0=(nan, 0.0)),
)
bad(
    ML,
    "two_loop_paths outer_steps x inner_steps huge",
    "outer_steps=10**4, inner_steps=10**4",
    ("outer_steps", "inner_steps"),
    lambda: M(ML).two_loop_paths(sine_batch(), inner_steps=10**4, outer_steps=10**4),
)

MLU = "meta.learned_update"
bad(
    MLU,
    "rule_update progress 2",
    "progress=2.0",
    "progress",
    lambda: M(MLU).rule_update(M(MLU).init_update_rule(4), torch.zeros(3), torch.zeros(3), 2.0),
)
bad(
    MLU,
    "rule_update g, theta mismatched",
    "g [3], theta [4]",
    ("g", "theta"),
    lambda: M(MLU).rule_update(M(MLU).init_update_rule(4), torch.zeros(3), torch.zeros(4), 0.5),
)
bad(
    MLU,
    "rule_update rule missing keys",
    "rule={}",
    "rule",
    lambda: M(MLU).rule_update({}, torch.zeros(3), torch.zeros(3), 0.5),
)
bad(MLU, "init_update_rule hidden 0", "hidden=0", "hidden", lambda: M(MLU).init_update_rule(0))
bad(
    MLU,
    "rule_effects NaN gradient",
    "gradients {'w': nan}",
    "gradients",
    lambda: M(MLU).rule_effects(
        M(MLU).init_update_rule(4), {"w": torch.full((2,), nan)}, {"w": torch.zeros(2)}
    ),
)

MRW = "meta.reweighting"
bad(
    MRW,
    "CorruptedSupport fraction 1.5",
    "fraction=1.5",
    "fraction",
    lambda: M(MRW).CorruptedSupport(fraction=1.5),
)
bad(
    MRW,
    "example_weights NaN losses",
    "losses [nan]",
    "losses",
    lambda: M(MRW).example_weights(M(MRW).init_weighting_net(4), t([nan, 1.0])),
)
bad(
    MRW,
    "init_weighting_net hidden -1",
    "hidden=-1",
    "hidden",
    lambda: M(MRW).init_weighting_net(-1),
)

MTR = "meta.train"
bad(
    MTR,
    "MetaConfig method typo",
    "method='MAML'",
    "method",
    lambda: M(MTR).MetaConfig(method="MAML"),
)
bad(
    MTR,
    "MetaConfig k_support 0",
    "k_support=0",
    "k_support",
    lambda: M(MTR).MetaConfig(k_support=0),
)
bad(
    MTR,
    "MetaConfig iterations x meta_batch x inner_steps huge",
    "iterations=10**6, meta_batch_size=10**4, inner_steps=100",
    ("iterations", "meta_batch_size", "inner_steps"),
    lambda: M(MTR).MetaConfig(iterations=10**6, meta_batch_size=10**4, inner_steps=100),
)
bad(
    MTR,
    "MetaConfig device 'hpu'",
    "device='hpu'",
    "device",
    lambda: M(MTR).MetaConfig(device="hpu"),
)
bad(
    MTR,
    "outer_gradient method unknown",
    "method='sgd'",
    "method",
    lambda: (
        lambda m, p: M(MTR).outer_gradient("sgd", m, p, sine_batch(), inner_lr=0.01, inner_steps=1)
    )(*sine_model()),
)
bad(
    MTR,
    "meta_train tasks is a TaskBatch not a family",
    "tasks=TaskBatch",
    "tasks",
    lambda: M(MTR).meta_train(
        M(MTR).MetaConfig(iterations=1, meta_batch_size=2, hidden_sizes=(8,)),
        sine_batch(),
        progress=False,
    ),
)
ok(
    MTR,
    "MetaConfig numpy values",
    "iterations=np.int64(3), inner_lr=np.float64(0.01)",
    lambda: M(MTR).MetaConfig(iterations=np.int64(3), inner_lr=np.float64(0.01)),
)

# ---- few-shot: classifiers / images / characters -------------------------------------------
FC = "meta.classifiers"
sup = lambda: torch.randn(10, 4, generator=torch.Generator().manual_seed(0))
lab = lambda: torch.arange(5).repeat(2)
qry = lambda: torch.randn(3, 4, generator=torch.Generator().manual_seed(1))
bad(
    FC,
    "prototype_logits label 7 for 5-way",
    "labels with a 7",
    "support_labels",
    lambda: M(FC).prototype_logits(sup(), torch.tensor([0, 1, 2, 3, 7] * 2), qry(), 5),
)
bad(
    FC,
    "prototype_logits a class missing",
    "labels only 0..3, n_way=5",
    "support_labels",
    lambda: M(FC).prototype_logits(sup(), torch.tensor([0, 1, 2, 3, 0] * 2), qry(), 5),
)
bad(
    FC,
    "prototype_logits float labels",
    "labels float",
    "support_labels",
    lambda: M(FC).prototype_logits(sup(), lab().float(), qry(), 5),
)
bad(
    FC,
    "prototype_logits feature dims differ",
    "support [10,4], query [3,5]",
    ("query", "support"),
    lambda: M(FC).prototype_logits(sup(), lab(), torch.zeros(3, 5), 5),
)
bad(
    FC,
    "prototype_logits labels length mismatch",
    "labels [9]",
    "support_labels",
    lambda: M(FC).prototype_logits(sup(), lab()[:9], qry(), 5),
)
bad(
    FC,
    "prototype_logits NaN in support",
    "support[0,0]=nan",
    "support",
    lambda: M(FC).prototype_logits(sup().index_fill_(0, t([0]), nan), lab(), qry(), 5),
)
bad(
    FC,
    "prototype_logits 3-d support",
    "support [10,2,2]",
    "support",
    lambda: M(FC).prototype_logits(
        sup().reshape(10, 2, 2),
        lab(),
        qry().reshape(3, 2, 2)[:, :, :2] if False else torch.zeros(3, 2, 2),
        5,
    ),
)
ok(
    FC,
    "prototype_logits numpy int n_way",
    "n_way=np.int64(5)",
    lambda: M(FC).prototype_logits(sup(), lab(), qry(), np.int64(5)),
)
bad(FC, "FewShotNet n_out 0", "n_out=0", "n_out", lambda: M(FC).FewShotNet(0))
bad(
    FC,
    "FewShotNet backbone typo",
    "backbone='resnet'",
    "backbone",
    lambda: M(FC).FewShotNet(5, backbone="resnet"),
)
bad(
    FC,
    "FewShotNet image_shape with 0",
    "image_shape=(1,0,8)",
    "image_shape",
    lambda: M(FC).FewShotNet(5, image_shape=(1, 0, 8)),
)
bad(FC, "FewShotConfig n_way 1", "n_way=1", "n_way", lambda: M(FC).FewShotConfig(n_way=1))
bad(
    FC,
    "FewShotConfig inner_lr negative",
    "inner_lr=-0.4",
    "inner_lr",
    lambda: M(FC).FewShotConfig(inner_lr=-0.4),
)
bad(
    FC,
    "FewShotConfig method unknown",
    "method='matching'",
    "method",
    lambda: M(FC).FewShotConfig(method="matching"),
)
bad(
    FC,
    "FewShotConfig iterations x batch x steps huge",
    "iterations=10**6, meta_batch_size=10**4, inner_steps=100",
    ("iterations", "meta_batch_size", "inner_steps"),
    lambda: M(FC).FewShotConfig(iterations=10**6, meta_batch_size=10**4, inner_steps=100),
)
bad(
    FC,
    "pixel_prototypes image_shape 2-tuple",
    "image_shape=(8,8)",
    "image_shape",
    lambda: M(FC).pixel_prototypes(5, (8, 8)),
)
bad(
    FC,
    "adaptation_accuracy chunk 0",
    "chunk=0",
    "chunk",
    lambda: M(FC).adaptation_accuracy(
        fewshot_learner(),
        digit_tasks().sample(2, 5, 1, 2, generator=torch.Generator().manual_seed(0)),
        chunk=0,
    ),
)
bad(
    FC,
    "adaptation_accuracy tasks of another n_way",
    "3-way tasks for a 5-way learner",
    "tasks",
    lambda: M(FC).adaptation_accuracy(
        fewshot_learner(5),
        digit_tasks().sample(2, 3, 1, 2, generator=torch.Generator().manual_seed(0)),
    ),
)
bad(
    FC,
    "adaptation_accuracy max_steps huge",
    "max_steps=10**6",
    "max_steps",
    lambda: M(FC).adaptation_accuracy(
        fewshot_learner(),
        digit_tasks().sample(2, 5, 1, 2, generator=torch.Generator().manual_seed(0)),
        max_steps=10**6,
    ),
)
bad(
    FC,
    "choose_inner_lr candidates with NaN",
    "candidates=[0.1, nan]",
    "candidates",
    lambda: M(FC).choose_inner_lr(
        fewshot_learner(),
        digit_tasks().sample(2, 5, 1, 2, generator=torch.Generator().manual_seed(0)),
        [0.1, nan],
        steps=1,
    ),
)
bad(
    FC,
    "choose_inner_lr candidates empty",
    "candidates=[]",
    "candidates",
    lambda: M(FC).choose_inner_lr(
        fewshot_learner(),
        digit_tasks().sample(2, 5, 1, 2, generator=torch.Generator().manual_seed(0)),
        [],
        steps=1,
    ),
)
bad(FC, "layer_names of a list", "params=[1]", "params", lambda: M(FC).layer_names([1]))
bad(
    FC,
    "meta_iterations_per_second seconds huge",
    "seconds=10**6",
    "seconds",
    lambda: M(FC).meta_iterations_per_second(
        M(FC).FewShotConfig(iterations=1), digit_tasks(), seconds=1e6
    ),
)

FI = "meta.images"
bad(
    FI,
    "sample_classes n_way > classes",
    "sample_classes(2, 100)",
    "n_way",
    lambda: digit_tasks().sample_classes(2, 100),
)
bad(
    FI,
    "sample k_shot + k_query > images per class",
    "sample(1, 5, 10**4, 10**4)",
    ("k_shot", "k_query"),
    lambda: digit_tasks().sample(1, 5, 10**4, 10**4),
)
bad(
    FI,
    "make_tasks classes out of range",
    "classes [[0, 999]]",
    "classes",
    lambda: digit_tasks().make_tasks(t([[0, 999]]), 1, 1),
)
bad(
    FI,
    "make_tasks repeated class in a task",
    "classes [[0,0]]",
    "classes",
    lambda: digit_tasks().make_tasks(t([[0, 0]]), 1, 1),
)
bad(
    FI,
    "make_tasks float classes",
    "classes float",
    "classes",
    lambda: digit_tasks().make_tasks(t([[0.0, 1.0]]), 1, 1),
)
bad(FI, "DigitTasks digit 10", "digits=(1, 10)", "digits", lambda: M(FI).DigitTasks((1, 10)))
bad(
    FI,
    "DigitTasks rotation 45",
    "rotations=(0, 45)",
    "rotations",
    lambda: M(FI).DigitTasks((1, 2), (0, 45)),
)
bad(
    FI,
    "DigitTasks duplicate digits",
    "digits=(1,1,2)",
    "digits",
    lambda: M(FI).DigitTasks((1, 1, 2)),
)
bad(
    FI,
    "digit_split test digits overlap nothing left",
    "test_digits=tuple(range(10))",
    "test_digits",
    lambda: M(FI).digit_split(tuple(range(10))),
)
bad(
    FI,
    "ImageTasks class_names wrong length",
    "2 names for 3 classes",
    "class_names",
    lambda: M(FI).ImageTasks(torch.zeros(3, 4, 1, 8, 8), ["a", "b"]),
)
bad(
    FI,
    "ImageTasks images above max_value",
    "images of 5s, max_value=1",
    "images",
    lambda: M(FI).ImageTasks(torch.full((3, 4, 1, 8, 8), 5.0), ["a", "b", "c"]),
)
bad(
    FI,
    "ImageTasks NaN pixel",
    "images NaN",
    "images",
    lambda: M(FI).ImageTasks(torch.full((3, 4, 1, 8, 8), nan), ["a", "b", "c"]),
)
bad(
    FI,
    "check_images wrong shape",
    "x [2,1,7,7]",
    "x",
    lambda: M(FI).check_images(torch.zeros(2, 1, 7, 7)),
)
bad(
    FI,
    "describe_class bad rotation",
    "(3, 45)",
    "digit_rotation",
    lambda: M(FI).describe_class((3, 45)),
)
ok(
    FI,
    "DigitTasks numpy int digits",
    "digits=tuple(np.arange(5))",
    lambda: (
        M(FI)
        .DigitTasks(tuple(np.arange(5)))
        .sample(1, 5, 1, 1, generator=torch.Generator().manual_seed(0))
    ),
)
ok(
    FI,
    "sample_classes numpy ints",
    "sample_classes(np.int64(2), np.int64(5))",
    lambda: digit_tasks().sample_classes(np.int64(2), np.int64(5)),
)

FCH = "meta.characters"
bad(FCH, "Jitter scale 0", "Jitter(scale=0)", "scale", lambda: M(FCH).Jitter(scale=0.0))
bad(
    FCH,
    "Jitter rotation NaN",
    "Jitter(rotation=nan)",
    "rotation",
    lambda: M(FCH).Jitter(rotation=nan),
)
bad(FCH, "Jitter stroke huge", "Jitter(stroke=1000)", "stroke", lambda: M(FCH).Jitter(stroke=1000))
bad(FCH, "draw_jitter rng an int", "rng=0", "rng", lambda: M(FCH).draw_jitter(0))
bad(
    FCH,
    "character_split split typo",
    "split='alphabet'",
    "split",
    lambda: M(FCH).character_split("alphabet"),
)
bad(
    FCH,
    "render_character two characters",
    "character='ab'",
    "character",
    lambda: M(FCH).render_character(
        "ab", M(FCH).DEFAULT_TYPEFACES[0] if hasattr(M(FCH), "DEFAULT_TYPEFACES") else None
    ),
)
bad(FCH, "build_character_set count 0", "count=0", "count", lambda: M(FCH).build_character_set(0))

# ---- pearl ---------------------------------------------------------------------------------
PE = "pearl.encoder"
# Reclassified by the lead as valid: product_of_gaussians documents variances >= 0, clamped
# below at MIN_VARIANCE, as PEARL's authors do (oyster: torch.clamp(sigmas_squared, min=1e-7)).
ok(
    PE,
    "product_of_gaussians zero variance",
    "variances zeros (documented: clamped at MIN_VARIANCE)",
    lambda: M(PE).product_of_gaussians(torch.zeros(3, 2), torch.zeros(3, 2)),
)
bad(
    PE,
    "product_of_gaussians negative variance",
    "variances -1",
    "variances",
    lambda: M(PE).product_of_gaussians(torch.zeros(3, 2), -torch.ones(3, 2)),
)
bad(
    PE,
    "product_of_gaussians NaN mean",
    "means NaN",
    "means",
    lambda: M(PE).product_of_gaussians(torch.full((3, 2), nan), torch.ones(3, 2)),
)
bad(
    PE,
    "product_of_gaussians shapes differ",
    "means [3,2], variances [3,1]",
    ("means", "variances"),
    lambda: M(PE).product_of_gaussians(torch.zeros(3, 2), torch.ones(3, 1)),
)
bad(
    PE,
    "product_of_gaussians float mask 0.5",
    "mask [0.5,1,1]",
    "mask",
    lambda: M(PE).product_of_gaussians(torch.zeros(3, 2), torch.ones(3, 2), t([0.5, 1.0, 1.0])),
)
bad(
    PE,
    "product_of_gaussians mask wrong length",
    "mask [2] for N=3",
    "mask",
    lambda: M(PE).product_of_gaussians(torch.zeros(3, 2), torch.ones(3, 2), t([True, False])),
)
bad(
    PE,
    "kl_to_prior variance 0",
    "variance zeros",
    "variance",
    lambda: M(PE).kl_to_prior(torch.zeros(2), torch.zeros(2)),
)
bad(
    PE,
    "check_context wrong width",
    "context [2,5,3], width 4",
    "context",
    lambda: M(PE).check_context(torch.zeros(2, 5, 3), 4),
)
bad(
    PE,
    "check_context NaN",
    "context NaN",
    "context",
    lambda: M(PE).check_context(torch.full((2, 5, 4), nan), 4),
)
bad(
    PE,
    "ContextEncoder latent_dim 0",
    "latent_dim=0",
    "latent_dim",
    lambda: M(PE).ContextEncoder(4, 0, (8,)),
)
ok(
    PE,
    "ContextEncoder numpy ints",
    "ContextEncoder(np.int64(4), np.int64(2), [np.int64(8)])",
    lambda: M(PE).ContextEncoder(np.int64(4), np.int64(2), [np.int64(8)]),
)

PS = "pearl.sac"
bad(
    PS,
    "soft_q_target gamma 1.5",
    "gamma=1.5",
    "gamma",
    lambda: M(PS).soft_q_target(
        torch.zeros(4), torch.zeros(4), torch.zeros(2, 4), torch.zeros(4), gamma=1.5, alpha=0.1
    ),
)
bad(
    PS,
    "soft_q_target alpha negative",
    "alpha=-0.1",
    "alpha",
    lambda: M(PS).soft_q_target(
        torch.zeros(4), torch.zeros(4), torch.zeros(2, 4), torch.zeros(4), gamma=0.9, alpha=-0.1
    ),
)
bad(
    PS,
    "soft_q_target dones 0.5",
    "dones 0.5",
    "dones",
    lambda: M(PS).soft_q_target(
        torch.zeros(4),
        torch.full((4,), 0.5),
        torch.zeros(2, 4),
        torch.zeros(4),
        gamma=0.9,
        alpha=0.1,
    ),
)
bad(
    PS,
    "soft_q_target shapes broadcast",
    "rewards [4,1], next_q [4]",
    ("rewards", "next_q"),
    lambda: M(PS).soft_q_target(
        torch.zeros(4, 1), torch.zeros(4), torch.zeros(4), torch.zeros(4), gamma=0.9, alpha=0.1
    ),
)
bad(
    PS,
    "critic_loss NaN target",
    "target NaN",
    "target",
    lambda: M(PS).critic_loss(torch.zeros(4), torch.full((4,), nan)),
)
bad(
    PS,
    "actor_loss shapes broadcast",
    "logprob [4,1], q_new [4]",
    ("logprob", "q_new"),
    lambda: M(PS).actor_loss(torch.zeros(4, 1), torch.zeros(4), 0.1),
)
bad(
    PS,
    "polyak_update tau 2",
    "tau=2",
    "tau",
    lambda: M(PS).polyak_update(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2), 2.0),
)
bad(
    PS,
    "polyak_update modules of different shape",
    "Linear(2,2) vs Linear(3,2)",
    ("target", "source"),
    lambda: M(PS).polyak_update(torch.nn.Linear(2, 2), torch.nn.Linear(3, 2), 0.5),
)
bad(
    PS,
    "tanh_gaussian_log_prob NaN log_std",
    "log_std NaN",
    "log_std",
    lambda: M(PS).tanh_gaussian_log_prob(
        torch.zeros(4, 2), torch.zeros(4, 2), torch.full((4, 2), nan)
    ),
)
bad(
    PS,
    "temperature_loss target_entropy NaN",
    "target_entropy=nan",
    "target_entropy",
    lambda: M(PS).temperature_loss(torch.zeros((), requires_grad=True), torch.zeros(4), nan),
)
bad(PS, "TwinQ input_size 0", "input_size=0", "input_size", lambda: M(PS).TwinQ(0, (8,)))

PB = "pearl.buffer"
buf = lambda: M(PB).MultiTaskReplayBuffer(3, 10, {"obs": 2})
bad(
    PB,
    "buffer add task index out of range",
    "tasks [5]",
    "tasks",
    lambda: buf().add(t([5]), {"obs": torch.zeros(1, 2)}),
)
bad(
    PB,
    "buffer add wrong width",
    "obs [1,3]",
    "rows",
    lambda: buf().add(t([0]), {"obs": torch.zeros(1, 3)}),
)
bad(PB, "buffer add missing field", "rows={}", "rows", lambda: buf().add(t([0]), {}))
bad(
    PB,
    "buffer add rows/tasks length mismatch",
    "tasks [2], obs [1,2]",
    ("tasks", "rows"),
    lambda: buf().add(t([0, 1]), {"obs": torch.zeros(1, 2)}),
)
bad(
    PB,
    "buffer add NaN row",
    "obs NaN",
    "rows",
    lambda: buf().add(t([0]), {"obs": torch.full((1, 2), nan)}),
)
bad(
    PB,
    "buffer sample from an empty task",
    "sample([1]) with nothing stored",
    "tasks",
    lambda: buf().sample(t([1]), 2, torch.Generator()),
)
bad(
    PB,
    "buffer capacity x tasks x width huge",
    "num_tasks=10**4, capacity=10**6",
    ("capacity", "num_tasks"),
    lambda: M(PB).MultiTaskReplayBuffer(10**4, 10**6, {"obs": 100}),
)
bad(
    PB,
    "buffer widths with 0",
    "widths={'obs': 0}",
    ("widths", "width"),
    lambda: M(PB).MultiTaskReplayBuffer(3, 10, {"obs": 0}),
)

PT = "pearl.train"
bad(
    PT,
    "PEARLConfig task typo",
    "task='sparse_robot'",
    "task",
    lambda: M(PT).PEARLConfig(task="sparse_robot"),
)
bad(
    PT,
    "PEARLConfig tasks_per_iteration > num_train_tasks",
    "num_train_tasks=5, tasks_per_iteration=10",
    "tasks_per_iteration",
    lambda: M(PT).PEARLConfig(num_train_tasks=5, tasks_per_iteration=10),
)
bad(
    PT,
    "PEARLConfig gradient_steps x iterations huge",
    "iterations=10**5, gradient_steps=10**5",
    ("iterations", "gradient_steps"),
    lambda: M(PT).PEARLConfig(iterations=10**5, gradient_steps=10**5),
)
bad(
    PT,
    "PEARLConfig device 'mps'",
    "device='mps'",
    "device",
    lambda: M(PT).PEARLConfig(device="mps"),
)
bad(
    PT,
    "context_rows sample missing keys",
    "sample={}",
    "sample",
    lambda: M(PT).context_rows({}, M(PT).PEARLConfig()),
)
bad(
    PT,
    "training_goals generator a seed",
    "generator=0",
    "generator",
    lambda: M(PT).training_goals(M(PT).PEARLConfig(), 0),
)
ok(
    PT,
    "PEARLConfig numpy ints",
    "iterations=np.int64(2)",
    lambda: M(PT).PEARLConfig(iterations=np.int64(2)),
)

PV = "pearl.evaluate"
pa = lambda: (lambda c: (M(PT).make_agent(c), c))(M(PT).PEARLConfig(iterations=1))
bad(
    PV,
    "adaptation_trial goals [G,3]",
    "goals zeros(2,3)",
    "goals",
    lambda: M(PV).adaptation_trial(*pa(), torch.zeros(2, 3), episodes=1),
)
bad(
    PV,
    "adaptation_trial NaN goal",
    "goals [[nan, 0]]",
    "goals",
    lambda: M(PV).adaptation_trial(*pa(), t([[nan, 0.0]]), episodes=1),
)
bad(
    PV,
    "adaptation_trial episodes 0",
    "episodes=0",
    "episodes",
    lambda: M(PV).adaptation_trial(*pa(), t([[0.5, 0.5]]), episodes=0),
)
bad(
    PV,
    "adaptation_trial goals x episodes huge",
    "goals 10**5, episodes=100",
    ("goals", "episodes"),
    lambda: M(PV).adaptation_trial(*pa(), torch.zeros(10**5, 2), episodes=100),
)
bad(
    PV,
    "destinations z wrong width",
    "z [1, 99]",
    "z",
    lambda: M(PV).destinations(*pa(), torch.zeros(1, 99)),
)

# ---- maml_rl -------------------------------------------------------------------------------
MD = "maml_rl.dice"
bad(
    MD,
    "discounted_reward_to_go gamma 5",
    "gamma=5",
    "gamma",
    lambda: M(MD).discounted_reward_to_go(torch.ones(3, 2), 5.0),
)
bad(
    MD,
    "discounted_reward_to_go gamma -1",
    "gamma=-1",
    "gamma",
    lambda: M(MD).discounted_reward_to_go(torch.ones(3, 2), -1.0),
)
bad(
    MD,
    "discounted_reward_to_go NaN reward",
    "rewards NaN",
    "rewards",
    lambda: M(MD).discounted_reward_to_go(torch.full((3, 2), nan), 0.9),
)
bad(
    MD,
    "dice_surrogate shapes differ",
    "logprob [3,2], rewards [3,1]",
    ("logprob", "rewards"),
    lambda: M(MD).dice_surrogate(torch.zeros(3, 2), torch.zeros(3, 1)),
)
bad(
    MD,
    "dice_surrogate baseline wrong shape",
    "baseline [2]",
    "baseline",
    lambda: M(MD).dice_surrogate(torch.zeros(3, 2), torch.zeros(3, 2), torch.zeros(2)),
)
bad(
    MD,
    "dice_surrogate 1-d inputs",
    "logprob [3], rewards [3]",
    ("logprob", "rewards"),
    lambda: M(MD).dice_surrogate(torch.zeros(3), torch.zeros(3)),
)
bad(
    MD,
    "reinforce_surrogate gamma NaN",
    "gamma=nan",
    "gamma",
    lambda: M(MD).reinforce_surrogate(torch.zeros(3, 2), torch.zeros(3, 2), gamma=nan),
)
bad(MD, "magic_box of an int tensor", "x int", "x", lambda: M(MD).magic_box(t([1, 2])))
bad(
    MD,
    "TinyMDP transition rows not summing to 1",
    "transition all 0.7",
    "transition",
    lambda: M(MD).TinyMDP(torch.full((2, 2, 2), 0.7), torch.ones(2, 2)),
)
bad(
    MD,
    "TinyMDP horizon 25 (2^49 trajectories)",
    "horizon=25",
    "horizon",
    lambda: tiny_mdp(horizon=25),
)
bad(MD, "TinyMDP horizon 0", "horizon=0", "horizon", lambda: tiny_mdp(horizon=0))
bad(
    MD,
    "exact_return theta wrong shape",
    "theta [3,3]",
    "theta",
    lambda: M(MD).exact_return(tiny_mdp(), torch.zeros(3, 3)),
)
bad(
    MD,
    "exact_return theta NaN",
    "theta NaN",
    "theta",
    lambda: M(MD).exact_return(tiny_mdp(), torch.full((2, 2), nan)),
)
bad(
    MD,
    "exact_meta_gradient inner_lr NaN",
    "inner_lr=nan",
    "inner_lr",
    lambda: M(MD).exact_meta_gradient(tiny_mdp(), torch.zeros(2, 2), nan),
)
bad(
    MD,
    "estimated_meta_gradient estimator typo",
    "estimator='DiCE'",
    "estimator",
    lambda: M(MD).estimated_meta_gradient(
        tiny_mdp(), torch.zeros(2, 2), 0.5, estimator="DiCE", num_trajectories=4
    ),
)
bad(
    MD,
    "estimated_meta_gradient num_trajectories huge",
    "num_trajectories=10**9",
    "num_trajectories",
    lambda: M(MD).estimated_meta_gradient(
        tiny_mdp(), torch.zeros(2, 2), 0.5, num_trajectories=10**9
    ),
)
bad(
    MD,
    "meta_gradient_bias repeats x trajectories huge",
    "num_trajectories=10**5, repeats=10**6",
    ("repeats", "num_trajectories"),
    lambda: M(MD).meta_gradient_bias(10**5, repeats=10**6),
)
ok(
    MD,
    "discounted_reward_to_go numpy gamma",
    "gamma=np.float64(0.9)",
    lambda: M(MD).discounted_reward_to_go(torch.ones(3, 2), np.float64(0.9)),
)
ok(
    MD,
    "exact_meta_gradient 0-d tensor inner_lr",
    "inner_lr=tensor(0.5)",
    lambda: M(MD).exact_meta_gradient(tiny_mdp(), torch.zeros(2, 2), torch.tensor(0.5)),
)

MRT = "maml_rl.train"


def _roll(goals=None, n=2, steps=5, params=None, **kw):
    pol = gauss_policy()
    p = dict(pol.named_parameters()) if params is None else params(pol)
    return M(MRT).rollout(
        pol,
        p,
        t([[0.3, -0.3]]) if goals is None else goals,
        n,
        steps,
        torch.Generator().manual_seed(0),
        **kw,
    )


bad(MRT, "rollout goals NaN", "goals [[nan,0]]", "goals", lambda: _roll(t([[nan, 0.0]])))
bad(MRT, "rollout goals [2]", "goals [0.3, -0.3]", "goals", lambda: _roll(t([0.3, -0.3])))
bad(
    MRT,
    "rollout goals x trajectories x steps huge",
    "goals 10**4, num_trajectories=10**3, max_steps=10**3",
    ("goals", "num_trajectories", "max_steps"),
    lambda: _roll(torch.zeros(10**4, 2), 10**3, 10**3),
)
bad(MRT, "rollout params empty", "params={}", "params", lambda: _roll(params=lambda pol: {}))
bad(
    MRT,
    "rollout params NaN",
    "params all NaN",
    "params",
    lambda: _roll(
        params=lambda pol: {k: torch.full_like(v, nan) for k, v in pol.named_parameters()}
    ),
)
bad(MRT, "rollout task typo", "task='nav'", "task", lambda: _roll(task="nav"))
bad(
    MRT,
    "rollout per_task without a task dimension",
    "per_task=True with plain params",
    "params",
    lambda: _roll(per_task=True),
)
bad(
    MRT,
    "task_rules goal_radius 0",
    "goal_radius=0",
    "goal_radius",
    lambda: M(MRT).task_rules("sparse_point_robot", 0.0),
)
bad(
    MRT,
    "policy_gradient_loss gamma 2",
    "gamma=2",
    "gamma",
    lambda: M(MRT).policy_gradient_loss(torch.zeros(3, 2), torch.zeros(3, 2), gamma=2.0),
)
bad(
    MRT,
    "adapt_policies inner_lr negative",
    "inner_lr=-0.1",
    "inner_lr",
    lambda: (
        lambda pol: M(MRT).adapt_policies(
            pol, dict(pol.named_parameters()), _roll(), inner_lr=-0.1, gamma=0.99
        )
    )(gauss_policy()),
)
bad(
    MRT,
    "adapt_policies batch a dict",
    "batch={}",
    "batch",
    lambda: (
        lambda pol: M(MRT).adapt_policies(
            pol, dict(pol.named_parameters()), {}, inner_lr=0.1, gamma=0.99
        )
    )(gauss_policy()),
)
bad(
    MRT,
    "gaussian_kl shapes differ",
    "mean_p [3,2], mean_q [3,3]",
    ("mean_p", "mean_q"),
    lambda: M(MRT).gaussian_kl(
        torch.zeros(3, 2), torch.zeros(2), torch.zeros(3, 3), torch.zeros(3)
    ),
)
bad(
    MRT,
    "gaussian_kl NaN log_std",
    "log_std_p NaN",
    "log_std_p",
    lambda: M(MRT).gaussian_kl(
        torch.zeros(3, 2), torch.full((2,), nan), torch.zeros(3, 2), torch.zeros(2)
    ),
)
bad(
    MRT,
    "uniform_goals low > high",
    "low=1, high=-1",
    ("low", "high"),
    lambda: M(MRT).uniform_goals(3, 1.0, -1.0, torch.Generator()),
)
bad(
    MRT,
    "uniform_goals NaN low",
    "low=nan",
    "low",
    lambda: M(MRT).uniform_goals(3, nan, 1.0, torch.Generator()),
)
bad(
    MRT,
    "MAMLRLConfig num_trajectories 0",
    "num_trajectories=0",
    "num_trajectories",
    lambda: M(MRT).MAMLRLConfig(num_trajectories=0),
)
bad(
    MRT,
    "MAMLRLConfig outer_optimizer typo",
    "outer_optimizer='trpo '",
    "outer_optimizer",
    lambda: M(MRT).MAMLRLConfig(outer_optimizer="trpo "),
)
bad(
    MRT,
    "MAMLRLConfig iterations x batch x trajectories huge",
    "iterations=10**5, meta_batch_size=10**3, num_trajectories=10**3",
    ("iterations", "meta_batch_size", "num_trajectories"),
    lambda: M(MRT).MAMLRLConfig(iterations=10**5, meta_batch_size=10**3, num_trajectories=10**3),
)
bad(
    MRT,
    "GaussianPolicy activation unknown",
    "activation='gelu'",
    "activation",
    lambda: M(MRT).GaussianPolicy((8,), activation="gelu"),
)
bad(
    MRT,
    "GaussianPolicy init_log_std inf",
    "init_log_std=inf",
    "init_log_std",
    lambda: M(MRT).GaussianPolicy((8,), init_log_std=inf),
)
bad(
    MRT,
    "adaptation_curve steps x trajectories x goals huge",
    "goals 10**4, steps=100, num_trajectories=1000",
    ("goals", "steps", "num_trajectories"),
    lambda: M(MRT).adaptation_curve(
        gauss_policy(), torch.zeros(10**4, 2), steps=100, num_trajectories=1000
    ),
)
bad(
    MRT,
    "adaptation_curve gamma negative",
    "gamma=-0.5",
    "gamma",
    lambda: M(MRT).adaptation_curve(
        gauss_policy(), t([[0.3, 0.3]]), steps=1, num_trajectories=2, max_steps=5, gamma=-0.5
    ),
)
bad(
    MRT,
    "greedy_paths goal_index out of range",
    "goal_index=5 of 1",
    "goal_index",
    lambda: (
        lambda pol: M(MRT).greedy_paths(
            M(MRT).adaptation_curve(pol, t([[0.3, 0.3]]), steps=1, num_trajectories=2, max_steps=5),
            pol,
            5,
        )
    )(gauss_policy()),
)
ok(
    MRT,
    "rollout numpy int sizes",
    "num_trajectories=np.int64(2), max_steps=np.int64(5)",
    lambda: _roll(n=np.int64(2), steps=np.int64(5)),
)
ok(
    MRT,
    "adaptation_curve 0-d tensor inner_lr",
    "inner_lr=tensor(0.1)",
    lambda: M(MRT).adaptation_curve(
        gauss_policy(),
        t([[0.3, 0.3]]),
        steps=1,
        num_trajectories=2,
        max_steps=5,
        inner_lr=torch.tensor(0.1),
    ),
)
ok(
    MRT,
    "adaptation_curve numpy goals",
    "goals np.array([[0.3,0.3]])",
    lambda: M(MRT).adaptation_curve(
        gauss_policy(),
        np.array([[0.3, 0.3]], dtype=np.float32),
        steps=1,
        num_trajectories=2,
        max_steps=5,
    ),
)

MB = "maml_rl.bandits"
bad(
    MB,
    "pull_arms arm_probs above 1",
    "arm_probs [1.5, 0.2]",
    "arm_probs",
    lambda: M(MB).pull_arms(torch.zeros(1, 2), t([[1.5, 0.2]]), 3, torch.Generator()),
)
bad(
    MB,
    "pull_arms NaN logits",
    "logits NaN",
    "logits",
    lambda: M(MB).pull_arms(torch.full((1, 2), nan), t([[0.5, 0.2]]), 3, torch.Generator()),
)
bad(
    MB,
    "pull_arms k mismatch",
    "logits [1,3], arm_probs [1,2]",
    ("logits", "arm_probs"),
    lambda: M(MB).pull_arms(torch.zeros(1, 3), t([[0.5, 0.2]]), 3, torch.Generator()),
)
bad(
    MB,
    "inner_gradient arms out of range",
    "arms [[5]] for k=2",
    "arms",
    lambda: M(MB).inner_gradient(torch.zeros(1, 2, requires_grad=True), t([[5]]), t([[1.0]])),
)
bad(MB, "BanditPolicy inner_lr NaN", "inner_lr=nan", "inner_lr", lambda: M(MB).BanditPolicy(3, nan))
bad(MB, "BanditMAMLConfig k 1", "k=1", "k", lambda: M(MB).BanditMAMLConfig(k=1))
bad(
    MB,
    "bandit_adaptation_curve num_bandits x steps x pulls huge",
    "num_bandits=10**6, steps=100, pulls_per_step=1000",
    ("num_bandits", "steps", "pulls_per_step"),
    lambda: M(MB).bandit_adaptation_curve(
        M(MB).BanditPolicy(5, 1.0), num_bandits=10**6, steps=100, pulls_per_step=1000
    ),
)
bad(
    MB,
    "bandit_adaptation_curve k mismatch with policy",
    "policy k=3, k=5",
    ("k", "policy"),
    lambda: M(MB).bandit_adaptation_curve(M(MB).BanditPolicy(3, 1.0), k=5, num_bandits=4),
)

# ---- rl2 -----------------------------------------------------------------------------------
RA = "rl2.agent"
bad(
    RA,
    "RecurrentActorCritic num_actions 0",
    "num_actions=0",
    "num_actions",
    lambda: M(RA).RecurrentActorCritic(4, 0),
)
bad(
    RA,
    "RecurrentActorCritic hidden_size huge",
    "hidden_size=10**6",
    "hidden_size",
    lambda: M(RA).RecurrentActorCritic(4, 2, hidden_size=10**6),
)
bad(
    RA,
    "RecurrentActorCritic recurrent 'yes'",
    "recurrent='yes'",
    "recurrent",
    lambda: M(RA).RecurrentActorCritic(4, 2, recurrent="yes"),
)
bad(
    RA,
    "RecurrentActorCritic step with wrong input width",
    "step(zeros(2,5)) for input 4",
    ("inputs", "x", "input"),
    lambda: (lambda a: a.step(torch.zeros(2, 5), a.initial_state(2)))(
        M(RA).RecurrentActorCritic(4, 2, hidden_size=8)
    ),
)
bad(
    RA,
    "initial_state batch_size 0",
    "initial_state(0)",
    "batch_size",
    lambda: M(RA).RecurrentActorCritic(4, 2, hidden_size=8).initial_state(0),
)

RT = "rl2.train"
bad(
    RT,
    "RL2Config num_minibatches 3 with 4 envs",
    "num_minibatches=3 (env has 4)",
    "num_minibatches",
    lambda: M(RT).train_rl2(
        M(RT).RL2Config(iterations=1, num_minibatches=3, hidden_size=8),
        bandit_env(num_envs=4, k=3, episodes_per_trial=2),
        progress=False,
    ),
)
bad(
    RT,
    "RL2Config gae_lambda 1.5",
    "gae_lambda=1.5",
    "gae_lambda",
    lambda: M(RT).RL2Config(gae_lambda=1.5),
)
bad(
    RT,
    "RL2Config learning_rate 0",
    "learning_rate=0",
    "learning_rate",
    lambda: M(RT).RL2Config(learning_rate=0.0),
)
bad(
    RT,
    "RL2Config recurrent=False with observation_only=True",
    "recurrent=False, observation_only=True",
    ("recurrent", "observation_only"),
    lambda: M(RT).RL2Config(recurrent=False, observation_only=True),
)
bad(
    RT,
    "train_rl2 env is a gym env",
    "env=CartPole",
    "env",
    lambda: M(RT).train_rl2(
        M(RT).RL2Config(iterations=1), __import__("gymnasium").make("CartPole-v1"), progress=False
    ),
)
bad(
    RT,
    "train_rl2 agent of the wrong size",
    "agent input 9 for bandit env",
    "agent",
    lambda: (
        M(RT).train_rl2(
            M(RT).RL2Config(iterations=1, hidden_size=8),
            bandit_env(num_envs=2, k=3, episodes_per_trial=2),
            agent=M(RA).RecurrentActorCritic(9, 3, hidden_size=8),
            progress=False,
        )
        if False
        else M(RT).train_rl2(
            M(RT).RL2Config(iterations=1, hidden_size=8),
            bandit_env(num_envs=4, k=3, episodes_per_trial=2),
            agent=M(RA).RecurrentActorCritic(9, 3, hidden_size=8),
            progress=False,
        )
    ),
)
bad(
    RT,
    "evaluate_rl2 seed -1",
    "seed=-1",
    "seed",
    lambda: M(RT).evaluate_rl2(
        M(RA).RecurrentActorCritic(6, 3, hidden_size=8),
        bandit_env(num_envs=2, k=3, episodes_per_trial=2),
        seed=-1,
    ),
)
bad(
    RT,
    "StopWhenShort max_length NaN",
    "max_length=nan",
    "max_length",
    lambda: M(RT).StopWhenShort(maze_env(), nan),
)
bad(
    RT,
    "StopWhenShort env a bandit env",
    "env=bandit",
    "env",
    lambda: M(RT).StopWhenShort(bandit_env(), 5.0),
)
ok(
    RT,
    "RL2Config numpy values",
    "iterations=np.int64(1), gamma=np.float32(0.9)",
    lambda: M(RT).RL2Config(iterations=np.int64(1), gamma=np.float32(0.9)),
)

RB = "rl2.baselines"
bad(
    RB,
    "baseline_returns arm_probs above 1",
    "arm_probs [1.2, 0.1]",
    "arm_probs",
    lambda: M(RB).baseline_returns("ucb1", np.array([[1.2, 0.1]]), 5, 0),
)
bad(
    RB,
    "baseline_returns NaN arm_probs",
    "arm_probs [nan, 0.1]",
    "arm_probs",
    lambda: M(RB).baseline_returns("ucb1", np.array([[nan, 0.1]]), 5, 0),
)
bad(
    RB,
    "baseline_returns name typo",
    "name='UCB'",
    "name",
    lambda: M(RB).baseline_returns("UCB", np.array([[0.2, 0.1]]), 5, 0),
)
bad(
    RB,
    "baseline_returns epsilon 2",
    "epsilon=2",
    "epsilon",
    lambda: M(RB).baseline_returns("epsilon_greedy", np.array([[0.2, 0.1]]), 5, 0, epsilon=2.0),
)
bad(
    RB,
    "baseline_returns ties typo",
    "ties='first '",
    "ties",
    lambda: M(RB).baseline_returns("greedy", np.array([[0.2, 0.1]]), 5, 0, ties="first "),
)
bad(
    RB,
    "run_baseline trials x n huge",
    "trials=10**6, n=10**4",
    ("trials", "n"),
    lambda: M(RB).run_baseline("ucb1", 5, 10**4, 10**6, 0),
)
bad(
    RB,
    "bayes_optimal_value n huge",
    "bayes_optimal_value(5, 10**5)",
    "n",
    lambda: M(RB).bayes_optimal_value(5, 10**5),
)
bad(
    RB,
    "discounted_gittins_table gamma 1",
    "gamma=1.0",
    "gamma",
    lambda: M(RB).discounted_gittins_table(1.0),
)
bad(
    RB,
    "finite_horizon_gittins_table grid x n huge",
    "n=10**4, grid=10**4",
    ("n", "grid"),
    lambda: M(RB).finite_horizon_gittins_table(10**4, 10**4),
)
bad(
    RB,
    "most_probable_draw mismatched shapes",
    "draws [3], succ [2], fail [2]",
    ("draws", "succ", "fail"),
    lambda: M(RB).most_probable_draw(np.zeros(3), np.zeros(2), np.zeros(2)),
)
ok(
    RB,
    "run_baseline numpy ints",
    "run_baseline('ucb1', np.int64(3), np.int64(5), np.int64(4), np.int64(0))",
    lambda: M(RB).run_baseline("ucb1", np.int64(3), np.int64(5), np.int64(4), np.int64(0)),
)

RAN = "rl2.analysis"
bb = lambda: M(TL).rollout_trials(
    M(RA).RecurrentActorCritic(6, 3, hidden_size=8),
    bandit_env(num_envs=2, k=3, episodes_per_trial=2),
    0,
)
bad(
    RAN,
    "bandit_posterior_counts trial out of range",
    "trial=5 of 2",
    "trial",
    lambda: M(RAN).bandit_posterior_counts(bb(), 5),
)
bad(
    RAN,
    "bandit_posterior_counts trial -1",
    "trial=-1",
    "trial",
    lambda: M(RAN).bandit_posterior_counts(bb(), -1),
)
bad(
    RAN,
    "bandit_exploration final 0",
    "final=0",
    "final",
    lambda: M(RAN).bandit_exploration(bb(), final=0.0),
)
bad(
    RAN,
    "maze_behaviour on a bandit batch",
    "batch from bandit env, env maze",
    ("batch", "env"),
    lambda: M(RAN).maze_behaviour(bb(), maze_env(num_envs=2)),
)

# ---- compare -------------------------------------------------------------------------------
CM = "compare.meta_rl"
bad(CM, "new_goals task typo", "task='navigate'", "task", lambda: M(CM).new_goals("navigate", 3, 0))
bad(
    CM,
    "new_goals num_goals 0",
    "num_goals=0",
    "num_goals",
    lambda: M(CM).new_goals("navigation", 0, 0),
)
bad(
    CM,
    "oracle goals x max_steps huge",
    "goals 10**6, max_steps=10**4",
    ("goals", "max_steps"),
    lambda: M(CM).oracle("navigation", torch.full((10**6, 2), 5.0), 10**4, "discrete"),
)
bad(
    CM,
    "stand_still goals NaN",
    "goals NaN",
    "goals",
    lambda: M(CM).stand_still("navigation", t([[nan, 0.0]]), 5),
)
bad(
    CM,
    "steps_to_reach target NaN",
    "target=nan",
    "target",
    lambda: M(CM).steps_to_reach(
        M(CM).LearningCurve(0.0, [1.0, 2.0], [M("stats").Interval(0.0, 0.1, 5)] * 2), nan
    ),
)
bad(
    CM,
    "LearningCurve lengths differ",
    "env_steps [1,2], returns [1 interval]",
    ("env_steps", "returns"),
    lambda: M(CM).steps_to_reach(
        M(CM).LearningCurve(0.0, [1.0, 2.0], [M("stats").Interval(0.0, 0.1, 5)]), 0.5
    ),
)
bad(
    CM,
    "sample_efficiency reference missing",
    "reference='PEARL' not in curves",
    "reference",
    lambda: M(CM).sample_efficiency(
        {"RL2": M(CM).LearningCurve(0.0, [1.0], [M("stats").Interval(0.0, 0.1, 5)])}
    ),
)
bad(
    CM,
    "pearl_config iterations 0",
    "iterations=0",
    "iterations",
    lambda: M(CM).pearl_config("navigation", 0),
)
bad(
    CM,
    "adaptation_rows maml_episodes_per_step 0",
    "maml_episodes_per_step=0",
    "maml_episodes_per_step",
    lambda: M(CM).adaptation_rows({"MAML": torch.zeros(3, 2)}, maml_episodes_per_step=0),
)

CMR = "compare.maml_rl_vs_rl2"
ok(
    CMR,
    "goals_outside thin ring inner=0.9999999 (legal: must be fast and inside the ring)",
    "goals_outside(100, inner=0.9999999)",
    lambda: expect_true(
        bool(
            (
                (lambda g: (g.abs().amax(1) > 0.9999999) & (g.abs().amax(1) <= 1.0))(
                    M(CMR).goals_outside(100, inner=0.9999999)
                )
            ).all()
        )
    ),
)
bad(
    CMR,
    "goals_outside inner > outer",
    "inner=1.5, outer=1.0",
    ("inner", "outer"),
    lambda: M(CMR).goals_outside(3, inner=1.5),
)
bad(
    CMR,
    "goals_outside num_goals huge",
    "num_goals=10**9",
    "num_goals",
    lambda: M(CMR).goals_outside(10**9),
)
bad(
    CMR,
    "rl2_navigation_env goal_low > goal_high",
    "goal_low=0.5, goal_high=-0.5",
    ("goal_low", "goal_high"),
    lambda: M(CMR).rl2_navigation_env(2, max_steps=5, goal_low=0.5, goal_high=-0.5),
)
bad(
    CMR,
    "comparison_rows tensors of different lengths",
    "results {'a': [3], 'b': [4]}",
    "results",
    lambda: M(CMR).comparison_rows({"a": torch.zeros(3), "b": torch.zeros(4)}),
)
bad(
    CMR,
    "comparison_rows NaN returns",
    "results {'a': [nan,...]}",
    "results",
    lambda: M(CMR).comparison_rows({"a": t([nan, 1.0, 2.0])}),
)
ok(
    CMR,
    "goals_outside numpy int",
    "num_goals=np.int64(3)",
    lambda: M(CMR).goals_outside(np.int64(3)),
)

# ---- widgets (the pure helpers behind them) ------------------------------------------------
WS = "widgets.sampling"
bad(
    WS,
    "batch_grid batch_size 0",
    "batch_size=0",
    "batch_size",
    lambda: M(WS).batch_grid(10, 0, 2, drop_last=False, seed=0),
)
bad(
    WS,
    "batch_grid n x epochs huge",
    "n=10**6, epochs=10**4",
    ("n", "epochs"),
    lambda: M(WS).batch_grid(10**6, 10, 10**4, drop_last=False, seed=0),
)
bad(
    WS,
    "replacement_counts seed -1",
    "seed=-1",
    "seed",
    lambda: M(WS).replacement_counts(10, 3, 2, seed=-1),
)
bad(
    WS,
    "use_summary epochs 0",
    "used zeros(5), epochs=0",
    "epochs",
    lambda: M(WS).use_summary(np.zeros(5), 0),
)
bad(WS, "batch_colormap 0 batches", "num_batches=0", "num_batches", lambda: M(WS).batch_colormap(0))
ok(
    WS,
    "sampling_default numpy ints",
    "sampling_default(np.int64(64), np.int64(10))",
    lambda: M(WS).sampling_default(np.int64(64), np.int64(10)),
)
WP = "widgets.ppo"
bad(
    WP,
    "clip_objective_curve clip_coef NaN",
    "clip_coef=nan",
    "clip_coef",
    lambda: M(WP).clip_objective_curve(np.linspace(0, 2, 5), 1.0, nan),
)
bad(
    WP,
    "clip_objective_curve negative ratios",
    "ratios [-1, 1]",
    "ratios",
    lambda: M(WP).clip_objective_curve(np.array([-1.0, 1.0]), 1.0, 0.2),
)
bad(
    WP,
    "clip_objective_curve 2-d ratios",
    "ratios [[1]]",
    "ratios",
    lambda: M(WP).clip_objective_curve(np.ones((2, 2)), 1.0, 0.2),
)
WG = "widgets.pg"
bad(
    WG,
    "chain_values epsilon 2",
    "epsilon=2",
    "epsilon",
    lambda: M(WG).chain_values(chain(), 0.9, 2.0),
)
bad(
    WG,
    "converged_episode tol negative",
    "tol=-1",
    "tol",
    lambda: M(WG).converged_episode(
        M("td").q_learning(chain(), 0.9, 3), torch.zeros(3, 2), tol=-1.0
    ),
)
bad(
    WG,
    "settled_episode run out of range",
    "run=5 of 1",
    "run",
    lambda: M(WG).settled_episode(M("td").q_learning(chain(), 0.9, 3), torch.zeros(3, 2), run=5),
)
bad(
    WG,
    "settled_episode q_star wrong shape",
    "q_star [2,2] for 3 states",
    "q_star",
    lambda: M(WG).settled_episode(M("td").q_learning(chain(), 0.9, 3), torch.zeros(2, 2)),
)
WM = "widgets.meta"
bad(
    WM, "diverged window 0", "window=0", "window", lambda: M(WM).diverged([1.0, 2.0, 3.0], window=0)
)
bad(
    WM,
    "diverged NaN losses",
    "support_losses [1, nan]",
    "support_losses",
    lambda: M(WM).diverged([1.0, nan, 3.0]),
)
bad(
    WM,
    "overfitted lengths differ",
    "support_losses [3], curve_errors [2]",
    ("support_losses", "curve_errors"),
    lambda: M(WM).overfitted([1.0, 0.5, 0.2], [1.0, 2.0]),
)
bad(
    WM,
    "final_objectives outer_steps x inner_steps huge",
    "inner_steps=10**4, outer_steps=10**4",
    ("inner_steps", "outer_steps"),
    # (corrected by the lead: tasks is documented as a TaskBatch; a tuple of pairs made the
    # call refuse tasks, not the steps this case is about)
    lambda: M(WM).final_objectives(
        sine_batch(),
        phi0=(0.5, 0.2),
        inner_lr=0.1,
        inner_steps=10**4,
        outer_steps=10**4,
        learning_rate=0.1,
    ),
)
WR = "widgets.rl2"
bad(
    WR,
    "trial_diagram episodes_per_trial 0",
    "episodes_per_trial=0",
    "episodes_per_trial",
    lambda: M(WR).trial_diagram(0),
)
bad(WR, "commit_step trial out of range", "trial=9", "trial", lambda: M(WR).commit_step(bb(), 9))
WB = "widgets._base"
bad(
    WB,
    "int_slider value outside [lo, hi]",
    "value=20, lo=0, hi=10",
    ("value", "slider"),
    lambda: M(WB).int_slider("x", 20, 0, 10),
)
bad(
    WB,
    "float_slider lo > hi",
    "lo=1, hi=0",
    ("lo", "hi"),
    lambda: M(WB).float_slider("x", 0.5, 1.0, 0.0, 0.1),
)
bad(
    WB, "float_slider step 0", "step=0", "step", lambda: M(WB).float_slider("x", 0.5, 0.0, 1.0, 0.0)
)
WMR = "widgets.maml_rl"
bad(
    WMR,
    "maml_rl_explorer max_steps huge",
    "max_steps=10**9",
    "max_steps",
    lambda: M(WMR).maml_rl_explorer(
        gauss_policy(), M(RA).RecurrentActorCritic(6, 9, hidden_size=8), max_steps=10**9
    ),
)
bad(
    WMR,
    "maml_rl_explorer goal NaN",
    "goal=(nan, 0)",
    "goal",
    lambda: M(WMR).maml_rl_explorer(
        gauss_policy(), M(RA).RecurrentActorCritic(6, 9, hidden_size=8), goal=(nan, 0.0)
    ),
)

# ---- exercises: harness parameters, checker parameters, and wrong answers ---------------
XH = "exercises.harness"
bad(
    XH,
    "call time_limit 0",
    "call(f, time_limit=0)",
    "time_limit",
    lambda: M(XH).call(lambda: 1, time_limit=0),
)
bad(
    XH,
    "call time_limit NaN",
    "call(f, time_limit=nan)",
    "time_limit",
    lambda: M(XH).call(lambda: 1, time_limit=nan),
)
bad(
    XH,
    "call max_items -1",
    "call(f, max_items=-1)",
    "max_items",
    lambda: M(XH).call(lambda: [1], max_items=-1),
)
bad(
    XH,
    "check_number expected NaN",
    "check_number(0.5, nan, 0.1)",
    "expected",
    lambda: M(XH).check_number(0.5, nan, 0.1),
)
bad(
    XH,
    "check_number tol negative",
    "check_number(0.5, 0.5, -0.1)",
    "tol",
    lambda: M(XH).check_number(0.5, 0.5, -0.1),
)
bad(
    XH,
    "check_choice correct not among options",
    "options=['a','b'], correct='c'",
    ("correct", "options"),
    lambda: M(XH).check_choice("a", "c", {"a": "no"}, options=["a", "b"]),
)
bad(
    XH,
    "plain_number what not a str",
    "plain_number(1.0, 3)",
    "what",
    lambda: M(XH).plain_number(1.0, 3),
)
bad(
    XH,
    "Case time_limit negative",
    "Case('x', time_limit=-1)",
    "time_limit",
    lambda: M(XH).Case("x", time_limit=-1.0),
)
XS = "exercises.sandbox"
bad(
    XS,
    "bounded_time seconds 0",
    "bounded_time(0)",
    "seconds",
    lambda: M(XS).bounded_time(0).__enter__(),
)
bad(
    XS,
    "Task time_limit NaN",
    "Task(f, time_limit=nan)",
    "time_limit",
    lambda: M(XS).Task(lambda: 1, time_limit=nan),
)
bad(XS, "run_tasks tasks not Tasks", "run_tasks([1])", "tasks", lambda: list(M(XS).run_tasks([1])))
XM = "exercises.maml_rl"
checker_param(
    XM,
    "check_episodes_needed steps=-1",
    "check_episodes_needed(0, steps=-1, num_trajectories=20)",
    "steps",
    lambda: M(XM).check_episodes_needed(0, steps=-1, num_trajectories=20),
)
checker_param(
    XM,
    "check_episodes_needed num_trajectories 0",
    "num_trajectories=0",
    "num_trajectories",
    lambda: M(XM).check_episodes_needed(0, steps=3, num_trajectories=0),
)
checker_param(
    XM,
    "check_ood_prediction rl2_lead_outside not an Interval",
    "rl2_lead_outside=0.5",
    "rl2_lead_outside",
    lambda: M(XM).check_ood_prediction("a", 0.5),
)
XF = "exercises.fewshot"
checker_param(
    XF,
    "check_most_changed_layer changes empty",
    "changes={}",
    "changes",
    lambda: M(XF).check_most_changed_layer("head", {}),
)
ok(
    XF,
    "check_most_changed_layer right answer with one NaN change (left out by design)",
    "answer 'b', changes {'hidden layer 1': nan, 'hidden layer 2': 1.0, 'head': 0.5}",
    lambda: expect_true(
        M(XF).check_most_changed_layer(
            "b", {"hidden layer 1": nan, "hidden layer 2": 1.0, "head": 0.5}
        )
    ),
)
checker_param(
    XF,
    "check_pixel_yardstick digits accuracy 2",
    "digits=2.0",
    "digits",
    lambda: M(XF).check_pixel_yardstick("a", 2.0, 0.5),
)
XP = "exercises.pearl"
checker_param(
    XP,
    "check_efficiency_prediction steps with NaN (min() then picks the NaN family)",
    "answer 'RL²', steps {'RL²': nan, 'MAML-RL': 1.0, 'PEARL': 2.0}",
    "steps",
    lambda: M(XP).check_efficiency_prediction("RL²", {"RL²": nan, "MAML-RL": 1.0, "PEARL": 2.0}),
)
checker_param(
    XP,
    "check_efficiency_prediction steps empty",
    "steps={}",
    "steps",
    lambda: M(XP).check_efficiency_prediction("a", {}),
)


class _AlwaysEqual:
    def __eq__(self, other):
        return True

    def __hash__(self):
        return 0


class _BadFloat(float):
    def __float__(self):
        raise RuntimeError("no")


judged(
    "exercises.rl2",
    "check_input_size answer 10**400",
    "answer=10**400",
    lambda: M("exercises.rl2").check_input_size(10**400),
)
judged(
    "exercises.rl2",
    "check_input_size answer NaN",
    "answer=nan",
    lambda: M("exercises.rl2").check_input_size(nan),
)
judged(
    "exercises.rl2",
    "check_input_size answer whose __eq__ is always True",
    "answer=AlwaysEqual()",
    lambda: M("exercises.rl2").check_input_size(_AlwaysEqual()),
)
judged(
    "exercises.rl2",
    "check_reset_each_episode answer AlwaysEqual",
    "answer=AlwaysEqual()",
    lambda: M("exercises.rl2").check_reset_each_episode(_AlwaysEqual()),
)
judged(
    "exercises.pg",
    "check_value_at_gamma_zero answer 10**400",
    "answer=10**400",
    lambda: M("exercises.pg").check_value_at_gamma_zero(10**400),
)
judged(
    "exercises.pg",
    "check_value_at_gamma_zero answer tensor([0.1, 0.1])",
    "answer=tensor of 2",
    lambda: M("exercises.pg").check_value_at_gamma_zero(torch.tensor([0.1, 0.1])),
)
judged(
    "exercises.sampling",
    "check_batches_per_epoch answer raising __float__",
    "answer=_BadFloat(7)",
    lambda: M("exercises.sampling").check_batches_per_epoch(_BadFloat(7)),
)
judged(
    "exercises.sampling",
    "check_batches_per_epoch answer numpy array of 2",
    "answer=np.array([7, 7])",
    lambda: M("exercises.sampling").check_batches_per_epoch(np.array([7, 7])),
)
judged(
    "exercises.start",
    "check_paper_scale answer a list",
    "answer=[1, 2]",
    lambda: M("exercises.start").check_paper_scale([1, 2]),
)
judged(
    "exercises.meta",
    "check_which_phi answer AlwaysEqual",
    "answer=AlwaysEqual()",
    lambda: M("exercises.meta").check_which_phi(_AlwaysEqual()),
)
judged(
    "exercises.ppo",
    "check_clipped_value answer complex",
    "answer=1+1j",
    lambda: M("exercises.ppo").check_clipped_value(1 + 1j),
)
judged(
    "exercises.fewshot",
    "check_chance_accuracy answer inf",
    "answer=inf",
    lambda: M("exercises.fewshot").check_chance_accuracy(inf),
)
judged(
    "exercises.components",
    "check_more_steps_question answer None",
    "answer=None",
    lambda: M("exercises.components").check_more_steps_question(None),
)
judged(
    "exercises.pg",
    "check_reward_to_go answer mutates rewards and returns zeros",
    "fn: rewards.zero_(); return zeros",
    lambda: M("exercises.pg").check_reward_to_go(lambda r, g: (r.zero_(), torch.zeros_like(r))[1]),
)
judged(
    "exercises.pg",
    "check_reward_to_go answer returns NaN",
    "fn -> full_like(nan)",
    lambda: M("exercises.pg").check_reward_to_go(lambda r, g: torch.full_like(r, nan)),
)
judged(
    "exercises.pg",
    "check_reward_to_go answer returns a list",
    "fn -> list",
    lambda: M("exercises.pg").check_reward_to_go(lambda r, g: [0.0] * len(r)),
)
judged(
    "exercises.ppo",
    "check_clipped_surrogate answer mutates advantages",
    "fn: advantages.mul_(0); return 0",
    lambda: M("exercises.ppo").check_clipped_surrogate(
        lambda lp, olp, adv, c: (adv.mul_(0), (lp * 0).sum())[1]
    ),
)
judged(
    "exercises.sampling",
    "check_minibatches answer yields a generator of tensors",
    "fn -> iter([tensor])",
    lambda: M("exercises.sampling").check_minibatches(lambda n, b, g: iter([torch.arange(n)])),
)
judged(
    "exercises.start",
    "check_seeded_noise answer ignores the seed",
    "fn -> randn(n)",
    lambda: M("exercises.start").check_seeded_noise(lambda seed, n: torch.randn(n)),
)
judged(
    "exercises.rl2",
    "check_trial_input answer returns wrong dtype",
    "fn -> int64 zeros",
    lambda: M("exercises.rl2").check_trial_input(
        lambda o, a, r, d, n: torch.zeros(o.shape[0], o.shape[1] + n + 2, dtype=torch.long)
    ),
)
judged(
    "exercises.pearl",
    "check_product_of_gaussians answer swaps mean and variance",
    "fn -> (var, mean)",
    lambda: M("exercises.pearl").check_product_of_gaussians(
        lambda m, v: (lambda a, b: (b, a))(*M("pearl.encoder").product_of_gaussians(m, v))
    ),
)
judged(
    "exercises.maml_rl",
    "check_dice_objective answer raises SystemExit",
    "fn: raise SystemExit",
    lambda: M("exercises.maml_rl").check_dice_objective(
        lambda lp, r, g: (_ for _ in ()).throw(SystemExit(0))
    ),
)
judged(
    "exercises.meta",
    "check_inner_step answer returns params unchanged",
    "fn -> params",
    lambda: M("exercises.meta").check_inner_step(
        lambda *a, **k: a[1] if len(a) > 1 else k.get("params")
    ),
)

# ---- small modules: adaptation, claims, chapters, glossary, i18n, plotting ------------------
AD = "adaptation"
bad(
    AD,
    "AdaptationCurve steps/per_task length mismatch",
    "steps [0,1,2], per_task [4,2]",
    ("steps", "per_task"),
    lambda: M(AD).AdaptationCurve([0, 1, 2], torch.zeros(4, 2), "mse", False),
)
bad(
    AD,
    "AdaptationCurve steps not increasing",
    "steps [2,1]",
    "steps",
    lambda: M(AD).AdaptationCurve([2, 1], torch.zeros(4, 2), "mse", False),
)
bad(
    AD,
    "AdaptationCurve per_task NaN",
    "per_task NaN",
    "per_task",
    lambda: M(AD).AdaptationCurve([0, 1], torch.full((4, 2), nan), "mse", False),
)
bad(
    AD,
    "AdaptationCurve per_task 1-d",
    "per_task [2]",
    "per_task",
    lambda: M(AD).AdaptationCurve([0, 1], torch.zeros(2), "mse", False),
)
bad(
    AD,
    "AdaptationCurve higher_is_better 'no'",
    "higher_is_better='no'",
    "higher_is_better",
    lambda: M(AD).AdaptationCurve([0, 1], torch.zeros(4, 2), "mse", "no"),
)
ok(
    AD,
    "AdaptationCurve numpy int steps",
    "steps [np.int64(0), np.int64(1)]",
    lambda: M(AD).AdaptationCurve([np.int64(0), np.int64(1)], torch.zeros(4, 2), "mse", False),
)

CL = "claims"
bad(CL, "at_least value NaN", "value=nan", "value", lambda: M(CL).at_least("x", nan, 0.5))
bad(CL, "at_most bound inf", "bound=inf", "bound", lambda: M(CL).at_most("x", 0.3, inf))
bad(
    CL,
    "at_least noise negative",
    "noise=-1",
    "noise",
    lambda: M(CL).at_least("x", 0.7, 0.5, noise=-1.0),
)
bad(CL, "Claim margin NaN", "Claim('x', nan)", "margin", lambda: M(CL).Claim("x", nan))
bad(
    CL,
    "above with floats, not Intervals",
    "above('x', 1.0, 0.5)",
    ("a", "b"),
    lambda: M(CL).above("x", 1.0, 0.5),
)
bad(
    CL,
    "paired_above by NaN",
    "by=nan",
    "by",
    lambda: M(CL).paired_above("x", M("stats").Interval(1.0, 0.1, 5), by=nan),
)
bad(
    CL,
    "checkpoint claims not a list of Claims",
    "claims=[0.5]",
    "claims",
    lambda: M(CL).checkpoint("1", [0.5], "s"),
)
bad(CL, "checkpoint claims empty", "claims=[]", "claims", lambda: M(CL).checkpoint("1", [], "s"))
ok(
    CL,
    "at_least numpy floats",
    "value=np.float64(0.7), bound=np.float32(0.5)",
    lambda: M(CL).at_least("x", np.float64(0.7), np.float32(0.5)),
)

CH = "chapters"
bad(CH, "chapter number 99", "chapter(99)", "number", lambda: M(CH).chapter(99))
bad(CH, "chapter number '1'", "chapter('1')", "number", lambda: M(CH).chapter("1"))
bad(CH, "next_markdown -1", "next_markdown(-1)", "number", lambda: M(CH).next_markdown(-1))
ok(CH, "chapter numpy int", "chapter(np.int64(1))", lambda: M(CH).chapter(np.int64(1)))
GL = "glossary"
bad(
    GL,
    "glossary_table chapter 99",
    "glossary_table(99)",
    "chapter",
    lambda: M(GL).glossary_table(99),
)
bad(
    GL,
    "chinese of an unknown term",
    "chinese('flux capacitor')",
    "english",
    lambda: M(GL).chinese("flux capacitor"),
)
bad(GL, "find a non-string", "find(3)", "english", lambda: M(GL).find(3))
I18 = "i18n"
bad(
    I18, "set_language unknown", "set_language('fr')", "language", lambda: M(I18).set_language("fr")
)
bad(I18, "set_language None", "set_language(None)", "language", lambda: M(I18).set_language(None))
bad(
    I18,
    "tr missing placeholder value",
    "tr('{n} steps')",
    ("n", "message", "values"),
    lambda: M(I18).tr("{n} steps"),
)
bad(I18, "pad spec nonsense", "pad('x', 'zz')", "spec", lambda: M(I18).pad("x", "zz"))
PL = "plotting"
bad(PL, "new_figure nrows 0", "new_figure(0)", "nrows", lambda: M(PL).new_figure(0))
bad(
    PL,
    "new_figure huge grid",
    "new_figure(1000, 1000)",
    ("nrows", "ncols"),
    lambda: M(PL).new_figure(1000, 1000),
)
bad(PL, "render_png dpi 0", "dpi=0", "dpi", lambda: M(PL).render_png(M(PL).new_figure()[0], dpi=0))
bad(
    PL,
    "render_png dpi huge",
    "dpi=10**5",
    "dpi",
    lambda: M(PL).render_png(M(PL).new_figure()[0], dpi=10**5),
)
bad(PL, "render_png of a non-figure", "fig=None", "fig", lambda: M(PL).render_png(None))
bad(
    PL,
    "LiveCurve every 0",
    "every=0",
    "every",
    lambda: M(PL).LiveCurve({"p": {"loss": "loss"}}, every=0),
)
bad(
    PL,
    "plot_lines series length mismatch",
    "x [3], series {'a': [2]}",
    ("x", "series"),
    lambda: M(PL).plot_lines(M(PL).new_figure()[1], [1, 2, 3], {"a": [1.0, 2.0]}),
)
bad(
    PL,
    "plot_lines spread with NaN",
    "spread {'a': [nan]*3}",
    "spread",
    lambda: M(PL).plot_lines(
        M(PL).new_figure()[1], [1, 2, 3], {"a": [1.0, 2.0, 3.0]}, spread={"a": [nan] * 3}
    ),
)

# ---- widgets: explorer entry points -------------------------------------------------------
bad(
    "widgets.ppo",
    "gae_explorer gamma 1.5",
    "gamma=1.5",
    "gamma",
    lambda: M("widgets.ppo").gae_explorer(gamma=1.5),
)
bad(
    "widgets.ppo",
    "clip_objective_explorer r_max 0",
    "r_max=0",
    "r_max",
    lambda: M("widgets.ppo").clip_objective_explorer(r_max=0.0),
)
bad(
    "widgets.ppo",
    "clip_objective_explorer clip_coef NaN",
    "clip_coef=nan",
    "clip_coef",
    lambda: M("widgets.ppo").clip_objective_explorer(clip_coef=nan),
)
bad(
    "widgets.sampling",
    "sampling_explorer batch_size > n",
    "n=4, batch_size=10",
    "batch_size",
    lambda: M("widgets.sampling").sampling_explorer(4, 10),
)
bad(
    "widgets.sampling",
    "sampling_explorer epochs 0",
    "epochs=0",
    "epochs",
    lambda: M("widgets.sampling").sampling_explorer(epochs=0),
)
bad(
    "widgets.pg",
    "return_value_explorer num_states 10**4",
    "num_states=10**4",
    "num_states",
    lambda: M("widgets.pg").return_value_explorer(num_states=10**4),
)
bad(
    "widgets.pg",
    "return_value_explorer episode -1",
    "episode=-1",
    "episode",
    lambda: M("widgets.pg").return_value_explorer(episode=-1),
)
bad(
    "widgets.pg",
    "q_learning_explorer runs empty",
    "runs={}",
    "runs",
    lambda: M("widgets.pg").q_learning_explorer({}, torch.zeros(3, 2)),
)
bad(
    "widgets.pg",
    "q_learning_explorer step-size key NaN",
    "runs {nan: result}",
    "runs",
    lambda: M("widgets.pg").q_learning_explorer(
        {nan: M("td").q_learning(chain(), 0.9, 3)}, torch.zeros(3, 2)
    ),
)
bad(
    "widgets.meta",
    "param_space_explorer k 0",
    "k=0",
    "k",
    lambda: M("widgets.meta").param_space_explorer(k=0),
)
bad(
    "widgets.meta",
    "param_space_explorer tasks with NaN",
    "tasks ((nan, 0.6),)",
    "tasks",
    lambda: M("widgets.meta").param_space_explorer(((nan, 0.6), (3.0, 1.0))),
)
bad(
    "widgets.meta",
    "param_space_explorer learning_rate negative",
    "learning_rate=-0.15",
    "learning_rate",
    lambda: M("widgets.meta").param_space_explorer(learning_rate=-0.15),
)
bad(
    "widgets.rl2",
    "trial_diagram steps_per_episode huge",
    "steps_per_episode=10**6",
    "steps_per_episode",
    lambda: M("widgets.rl2").trial_diagram(3, 10**6),
)
bad(
    "widgets.rl2",
    "bandit_trial_viewer step -5",
    "step=-5",
    "step",
    lambda: M("widgets.rl2").bandit_trial_viewer(bb(), step=-5),
)
bad(
    "widgets.rl2",
    "bandit_trial_viewer trial 99",
    "trial=99",
    "trial",
    lambda: M("widgets.rl2").bandit_trial_viewer(bb(), trial=99),
)
bad(
    "widgets.rl2",
    "maze_replay with a bandit batch",
    "batch from bandits",
    ("batch", "env"),
    lambda: M("widgets.rl2").maze_replay(bb(), maze_env(num_envs=2)),
)
bad(
    "widgets.rl2",
    "draw_maze start off the grid",
    "start=(50, 50)",
    "start",
    lambda: M("widgets.rl2").draw_maze(M(PL).new_figure()[1], FREE(), (50, 50), (1, 2)),
)
bad(
    "widgets.components",
    "component_explorer runs empty",
    "runs={}",
    "runs",
    lambda: M("widgets.components").component_explorer({}, sine_batch()),
)
bad(
    "widgets.fewshot",
    "fewshot_explorer learners empty",
    "learners={}",
    "learners",
    lambda: M("widgets.fewshot").fewshot_explorer({}, digit_tasks()),
)
bad(
    "widgets.fewshot",
    "fewshot_explorer shots with 0",
    "shots=(0, 5)",
    "shots",
    lambda: M("widgets.fewshot").fewshot_explorer(
        {"px": fewshot_learner()}, digit_tasks(), shots=(0, 5)
    ),
)
bad(
    "widgets.fewshot",
    "fewshot_explorer num_tasks x max_steps huge",
    "num_tasks=10**5, max_steps=1000",
    ("num_tasks", "max_steps"),
    lambda: M("widgets.fewshot").fewshot_explorer(
        {"px": fewshot_learner()}, digit_tasks(), num_tasks=10**5, max_steps=1000
    ),
)
bad(
    "widgets.pearl",
    "pearl_explorer goal of 3 numbers",
    "goal=(0.1, 0.2, 0.3)",
    "goal",
    lambda: M("widgets.pearl").pearl_explorer(*pa(), goal=(0.1, 0.2, 0.3)),
)
bad(
    "widgets.pearl",
    "pearl_explorer transitions -1",
    "transitions=-1",
    "transitions",
    lambda: M("widgets.pearl").pearl_explorer(*pa(), goal=(0.5, 0.5), transitions=-1),
)
bad(
    "widgets.maml_rl",
    "maml_rl_explorer shown_steps 99",
    "shown_steps=99",
    "shown_steps",
    lambda: M("widgets.maml_rl").maml_rl_explorer(
        gauss_policy(), M(RA).RecurrentActorCritic(6, 9, hidden_size=8), shown_steps=99
    ),
)
bad(
    "widgets.maml_rl",
    "maml_rl_explorer inner_lr negative",
    "inner_lr=-0.1",
    "inner_lr",
    lambda: M("widgets.maml_rl").maml_rl_explorer(
        gauss_policy(), M(RA).RecurrentActorCritic(6, 9, hidden_size=8), inner_lr=-0.1
    ),
)

# ---- more semantic / consistency / valid cases ---------------------------------------------
bad(P, "PPOConfig clip_coef 5", "clip_coef=5", "clip_coef", lambda: M(P).PPOConfig(clip_coef=5.0))
bad(
    P,
    "PPOConfig ent_coef negative",
    "ent_coef=-0.01",
    "ent_coef",
    lambda: M(P).PPOConfig(ent_coef=-0.01),
)
bad(
    P,
    "PPOConfig hidden_sizes a string",
    "hidden_sizes='64,64'",
    "hidden_sizes",
    lambda: M(P).PPOConfig(hidden_sizes="64,64"),
)
bad(P, "PPOConfig seed 2**64", "seed=2**64", "seed", lambda: M(P).PPOConfig(seed=2**64))
bad(
    G, "ReinforceConfig gamma 1.01", "gamma=1.01", "gamma", lambda: M(G).ReinforceConfig(gamma=1.01)
)
bad(
    G,
    "ReinforceConfig hidden_sizes (32, -1)",
    "hidden_sizes=(32, -1)",
    "hidden_sizes",
    lambda: M(G).ReinforceConfig(hidden_sizes=(32, -1)),
)
bad(
    RT,
    "RL2Config update_epochs huge",
    "update_epochs=10**6",
    "update_epochs",
    lambda: M(RT).RL2Config(update_epochs=10**6),
)
bad(
    RT,
    "RL2Config iterations x epochs huge",
    "iterations=10**6, update_epochs=1000",
    ("iterations", "update_epochs"),
    lambda: M(RT).RL2Config(iterations=10**6, update_epochs=1000),
)
bad(
    MRT,
    "MAMLRLConfig gamma NaN",
    "gamma=nan",
    "gamma",
    lambda: M(MRT).MAMLRLConfig(gamma=nan),
)
bad(
    MRT,
    "MAMLRLConfig learning_rate inf",
    "learning_rate=inf",
    "learning_rate",
    lambda: M(MRT).MAMLRLConfig(learning_rate=inf),
)
bad(
    MB,
    "BanditMAMLConfig pulls_per_step 0",
    "pulls_per_step=0",
    "pulls_per_step",
    lambda: M(MB).BanditMAMLConfig(pulls_per_step=0),
)
bad(
    MB,
    "BanditMAMLConfig iterations x batch x pulls huge",
    "iterations=10**6, meta_batch_size=10**4, pulls_per_step=10**3",
    ("iterations", "meta_batch_size", "pulls_per_step"),
    lambda: M(MB).BanditMAMLConfig(iterations=10**6, meta_batch_size=10**4, pulls_per_step=10**3),
)
bad(FC, "FewShotConfig k_query 0", "k_query=0", "k_query", lambda: M(FC).FewShotConfig(k_query=0))
bad(
    FC,
    "FewShotConfig hidden_sizes empty",
    "hidden_sizes=()",
    "hidden_sizes",
    lambda: M(FC).FewShotConfig(hidden_sizes=()),
)
bad(
    MBB,
    "BlackBoxConfig learning_rate NaN",
    "learning_rate=nan",
    "learning_rate",
    lambda: M(MBB).BlackBoxConfig(learning_rate=nan),
)
bad(
    PT,
    "PEARLConfig meta_batch_size 0",
    "meta_batch_size=0",
    "meta_batch_size",
    lambda: M(PT).PEARLConfig(meta_batch_size=0),
)
bad(
    MC,
    "ComponentConfig components unknown",
    "components=('init','lr')",
    "components",
    lambda: M(MC).ComponentConfig(components=("init", "lr")),
)
bad(
    MEO,
    "EvolutionConfig population 10**6",
    "population=10**6",
    "population",
    lambda: M(MEO).EvolutionConfig(population=10**6),
)
ok(
    P,
    "compute_gae numpy float gamma/lam",
    "gamma=np.float32(0.9), lam=np.float64(0.8)",
    lambda: M(P).compute_gae(
        z(3, 2), z(3, 2), z(3, 2), z(3, 2), z(3, 2), np.float32(0.9), np.float64(0.8)
    ),
)
ok(
    MD,
    "dice_surrogate numpy gamma",
    "gamma=np.float64(0.9)",
    lambda: M(MD).dice_surrogate(torch.zeros(3, 2), torch.ones(3, 2), gamma=np.float64(0.9)),
)
ok(
    ST,
    "paired_difference numpy arrays",
    "np.array vs np.array",
    lambda: M(ST).paired_difference(np.array([1.0, 2.0, 3.0]), np.array([0.5, 1.0, 1.5])),
)
ok(
    FI,
    "make_tasks numpy class array",
    "classes=torch.as_tensor(np.array([[0,1]]))",
    lambda: digit_tasks().make_tasks(torch.as_tensor(np.array([[0, 1]])), 1, 1),
)
ok(
    PB,
    "buffer add numpy int task ids via tensor",
    "tasks=torch.tensor(np.array([0]))",
    lambda: buf().add(torch.tensor(np.array([0])), {"obs": torch.zeros(1, 2)}),
)
ok(
    RAN,
    "bandit_posterior_counts numpy int trial",
    "trial=np.int64(0)",
    lambda: M(RAN).bandit_posterior_counts(bb(), np.int64(0)),
)
ok(
    MRT,
    "uniform_goals numpy floats",
    "low=np.float32(-0.5), high=np.float32(0.5)",
    lambda: M(MRT).uniform_goals(
        3, np.float32(-0.5), np.float32(0.5), torch.Generator().manual_seed(0)
    ),
)
ok(
    TR,
    "derive_seed numpy ints",
    "derive_seed(np.int64(3), np.int64(1))",
    lambda: M(TR).derive_seed(np.int64(3), np.int64(1)),
)
ok(
    XH,
    "check_number numpy answer",
    "check_number(np.float64(0.5), 0.5, 0.01)",
    lambda: M(XH).check_number(np.float64(0.5), 0.5, 0.01),
)
ok(
    XH,
    "check_number 0-d tensor answer",
    "check_number(tensor(0.5), 0.5, 0.01)",
    lambda: M(XH).check_number(torch.tensor(0.5), 0.5, 0.01),
)

# CASES-END

# ============================================================================================
# Running and classifying
# ============================================================================================


def _nonfinite(value, depth=0, seen=None):
    """True if ``value`` (a tensor, array, number, or container/dataclass/module of them)
    holds a NaN or ±inf."""
    if seen is None:
        seen = set()
    if depth > 6 or id(value) in seen:
        return False
    seen.add(id(value))
    if isinstance(value, torch.Tensor):
        v = value.detach()
        if v.is_floating_point() or v.is_complex():
            return bool((~torch.isfinite(v)).any()) if v.numel() else False
        return False
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc":
            return bool((~np.isfinite(value)).any()) if value.size else False
        return False
    if isinstance(value, (bool, int, np.integer, str, bytes)) or value is None:
        return False
    if isinstance(value, (float, np.floating, complex)):
        return not math.isfinite(abs(value))
    if isinstance(value, torch.nn.Module):
        return any(_nonfinite(p, depth + 1, seen) for p in value.parameters())
    if isinstance(value, dict):
        return any(_nonfinite(v, depth + 1, seen) for v in list(value.values())[:200])
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_nonfinite(v, depth + 1, seen) for v in list(value)[:200])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(
            _nonfinite(getattr(value, f.name, None), depth + 1, seen)
            for f in dataclasses.fields(value)
        )
    return False


def _summary(value):
    if isinstance(value, torch.Tensor):
        s = f"Tensor{list(value.shape)} {str(value.dtype).replace('torch.', '')}"
        if value.numel() and value.numel() <= 6:
            s += f" {value.detach().flatten().tolist()}"
        return s
    if isinstance(value, np.ndarray):
        s = f"ndarray{list(value.shape)} {value.dtype}"
        if value.size and value.size <= 6:
            s += f" {value.flatten().tolist()}"
        return s
    r = repr(value)
    return r if len(r) <= 120 else r[:117] + "..."


def _run_child(case, conn, mem_bytes):
    import resource

    try:
        if mem_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (mem_bytes, mem_bytes))
    except (ValueError, OSError):
        pass
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    import warnings

    warnings.simplefilter("ignore")
    import io

    torch.manual_seed(0)  # the same draws in every run, whatever the parent did before the fork
    np.random.seed(0)
    captured = io.StringIO()
    sys.stdout = captured
    start = time.perf_counter()
    try:
        value = case.fn()
        out = {"kind": "return", "nonfinite": _nonfinite(value), "summary": _summary(value)}
    except BaseException as err:  # noqa: BLE001 - every outcome is data here
        frames = traceback.extract_tb(err.__traceback__)
        last = frames[-1] if frames else None
        where = f"{last.filename}:{last.lineno}" if last else "?"
        # Raised by course_lib's own ``raise`` statement, not by a torch/numpy/builtin call made
        # from a course_lib line (``torch.rand(..., generator=0)`` fails at a course_lib frame too).
        lib = "/course_lib/" in (last.filename if last else "") and (
            last.line or ""
        ).lstrip().startswith("raise")
        out = {
            "kind": "raise",
            "type": type(err).__name__,
            "typeerror_or_valueerror": isinstance(err, (TypeError, ValueError)),
            "message": str(err)[:400],
            "where": where,
            "library_raise": lib,
        }
    out["seconds"] = round(time.perf_counter() - start, 2)
    out["stdout"] = captured.getvalue()[-600:]
    try:
        conn.send(out)
    finally:
        conn.close()
        os._exit(0)


def classify(case, out):
    if out is None:
        return ("valid-hang" if case.valid else "hang"), "no answer within the timeout (killed)"
    if out["kind"] == "crash":
        return ("valid-refused" if case.valid else "unclear"), out["message"]
    if case.valid:
        if out["kind"] == "return":
            if out["nonfinite"]:
                return "valid-NaN", f"returned {out['summary']} (non-finite)"
            return "valid-ok", out["summary"]
        return "valid-refused", f"{out['type']}: {out['message']}  [{_short(out['where'])}]"
    if case.names == ("<answer>",):  # a checker judging a wrong answer
        if out["kind"] == "return":
            if out["summary"] == "False":
                return "clear", "judged wrong"
            return "silent-accepted", f"checker returned {out['summary']} for a wrong answer"
        return (
            "unclear",
            f"checker crashed: {out['type']}: {out['message']}  [{_short(out['where'])}]",
        )
    if case.kind == "checker_param" and out["kind"] == "return":
        printed = " ".join(out.get("stdout", "").split())
        low = printed.lower()
        if "cannot judge" in low and any(n.lower() in low for n in case.names):
            return "clear", "cannot judge: " + printed[:200]
        return (
            "silent-accepted",
            f"checker returned {out['summary']} and printed: {printed[:200]!r}",
        )
    if out["kind"] == "return":
        if out["nonfinite"]:
            return "silent-NaN", f"returned {out['summary']} (holds NaN/inf)"
        return "silent-accepted", f"returned {out['summary']}"
    msg = out["message"]
    told = f"{out['type']}: {msg}  [{_short(out['where'])}]"
    if not out["typeerror_or_valueerror"]:
        return "unclear", told
    if not out["library_raise"]:
        return "unclear", "raw (not raised by course_lib's own checks) " + told
    low = msg.lower()
    named = any(n.lower() in low for n in case.names)
    if not named:
        return "unclear", "argument not named " + told
    given = "got" in low or any(
        f"{n.lower()}{sep}" in low for n in case.names for sep in (" is ", "=", " = ", " of ")
    )
    if not given:
        return "unclear", "no 'got' (what was given is not said) " + told
    return "clear", told


def _short(where):
    i = where.find("/course_lib/")
    if i >= 0:
        return where[i + 1 :]
    parts = where.split("/site-packages/")
    return parts[-1] if len(parts) > 1 else where.rsplit("/", 1)[-1]


def _warm_up(cases):
    """Pay the first-call costs once, in the parent, so that no forked child pays them inside
    its timeout: the first autograd call, torch.func/vmap, loading the digit images and the
    character set, gymnasium's registry, matplotlib (3-4 s each on a loaded machine). Small
    valid baselines only; each is given 20 s (SIGALRM) and any error is ignored."""
    import signal

    def alarm(*_):
        raise TimeoutError

    warm = [
        lambda: _adapt(),
        lambda: _comp(),
        lambda: M("meta.classifiers").adaptation_accuracy(
            fewshot_learner(),
            digit_tasks().sample(2, 5, 1, 2, generator=torch.Generator().manual_seed(0)),
            max_steps=1,
        ),
        lambda: M("meta.characters").character_split(),
        lambda: cartpole_agent(),
        lambda: M("plotting").new_figure(),
        lambda: _roll(),
        lambda: M("maml_rl.train").adaptation_curve(
            gauss_policy(), t([[0.3, 0.3]]), steps=1, num_trajectories=2, max_steps=5
        ),
    ] + [c.fn for c in cases if c.valid]
    old = signal.signal(signal.SIGALRM, alarm)
    saved = sys.stdout
    try:
        import io

        for fn in warm:
            sys.stdout = io.StringIO()
            signal.alarm(20)
            try:
                fn()
            except BaseException:  # noqa: BLE001 - a warm-up is best effort
                pass
            finally:
                signal.alarm(0)
    finally:
        sys.stdout = saved
        signal.signal(signal.SIGALRM, old)


def run_all(cases, workers, timeout, mem_bytes):
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    results = [None] * len(cases)
    pending = list(range(len(cases)))
    running = {}  # index -> (process, conn, start)
    done = 0
    while pending or running:
        while pending and len(running) < workers:
            i = pending.pop(0)
            parent, child = ctx.Pipe(duplex=False)
            p = ctx.Process(target=_run_child, args=(cases[i], child, mem_bytes), daemon=True)
            p.start()
            child.close()
            running[i] = (p, parent, time.perf_counter())
        time.sleep(0.005)
        for i, (p, conn, start) in list(running.items()):
            out = "wait"
            if conn.poll():
                try:
                    out = conn.recv()
                except EOFError:
                    out = {"kind": "crash", "message": f"child died (exit code {p.exitcode})"}
            elif not p.is_alive():
                p.join()
                if conn.poll():
                    try:
                        out = conn.recv()
                    except EOFError:
                        out = None
                if out == "wait" or out is None:
                    out = {
                        "kind": "crash",
                        "message": f"child died without an answer (exit code {p.exitcode})",
                    }
            elif time.perf_counter() - start > timeout:
                p.kill()
                out = None
            if out != "wait":
                p.join(1)
                if p.is_alive():
                    p.kill()
                    p.join(1)
                conn.close()
                del running[i]
                results[i] = classify(cases[i], out) + ((out or {}).get("seconds", timeout),)
                done += 1
    return results


BAD_CLASSES = ["clear", "unclear", "hang", "silent-NaN", "silent-accepted"]
VALID_CLASSES = ["valid-ok", "valid-refused", "valid-hang", "valid-NaN"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--json", default=None)
    ap.add_argument(
        "--only", default=None, help="run only cases whose module or label contains this"
    )
    ap.add_argument(
        "--mem-gb",
        type=float,
        default=6.0,
        help="address-space limit per child (GB above the parent's)",
    )
    args = ap.parse_args(argv)

    cases = CASES
    if args.only:
        cases = [c for c in cases if args.only in c.module or args.only in c.label]

    # Warm the imports in the parent so that each fork starts with them loaded.
    for name in sorted({c.module for c in cases}):
        try:
            importlib.import_module(f"course_lib.{name}")
        except Exception:  # noqa: BLE001 - a module that fails to import fails its cases
            pass
    t_warm = time.perf_counter()
    _warm_up(cases)
    t_warm = time.perf_counter() - t_warm
    mem = 0
    try:
        with open("/proc/self/status") as f:
            vm = next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize"))
        mem = int(vm + args.mem_gb * 2**30)
    except (OSError, StopIteration):
        pass

    t0 = time.perf_counter()
    results = run_all(cases, args.workers, args.timeout, mem)
    wall = time.perf_counter() - t0

    bad_cases = [(c, r) for c, r in zip(cases, results) if not c.valid]
    valid_cases = [(c, r) for c, r in zip(cases, results) if c.valid]
    counts = {k: sum(r[0] == k for _, r in bad_cases) for k in BAD_CLASSES}
    vcounts = {k: sum(r[0] == k for _, r in valid_cases) for k in VALID_CLASSES}
    n = len(bad_cases)
    import subprocess

    def git(*cmd):
        try:
            return subprocess.run(
                ["git", "-C", os.path.dirname(M("").__file__), *cmd],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
        except OSError:
            return ""

    head = git("rev-parse", "--short", "HEAD") or "?"
    lib_commit = git("log", "-1", "--format=%h", "--", ".") or "?"
    dirty = " (with uncommitted changes)" if git("status", "--porcelain", "--", ".") else ""
    head = f"{head}; course_lib last changed at {lib_commit}{dirty}"
    print(
        f"course_lib at {os.path.dirname(M('').__file__)} (commit {head or '?'}); "
        f"{len(cases)} inputs in {wall:.0f} s on {args.workers} workers (after a {t_warm:.0f} s warm-up), "
        f"timeout {args.timeout:g} s\n"
    )
    print(
        '| | clear | unclear (raw error, argument not named, or no "got") | hang | silent NaN/inf | silent wrong result |'
    )
    print("|---|---|---|---|---|---|")
    pct = 100 * counts["clear"] / n if n else 0
    print(
        f"| bad inputs, {n} | {counts['clear']} ({pct:.0f}%) | {counts['unclear']} | {counts['hang']} | "
        f"{counts['silent-NaN']} | {counts['silent-accepted']} |"
    )
    print()
    kinds = {}
    for _, r in bad_cases:
        if r[0] == "unclear":
            d = r[1]
            key = (
                "raw TypeError/ValueError from torch/numpy/gym/builtins"
                if d.startswith("raw")
                else "argument not named"
                if d.startswith("argument not named")
                else "what was given not said (no 'got')"
                if d.startswith("no 'got'")
                else "checker crashed"
                if d.startswith("checker crashed")
                else "other exception type: " + d.split(":", 1)[0]
            )
            kinds[key] = kinds.get(key, 0) + 1
    if kinds:
        print(
            "unclear, by kind: "
            + "; ".join(f"{k} {v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]))
        )
        print()
    print("| | accepted | refused | hang | NaN/inf |")
    print("|---|---|---|---|---|")
    print(
        f"| valid inputs, {len(valid_cases)} | {vcounts['valid-ok']} | {vcounts['valid-refused']} | "
        f"{vcounts['valid-hang']} | {vcounts['valid-NaN']} |"
    )
    print()
    by_module = {}
    for c, r in bad_cases + valid_cases:
        by_module.setdefault(c.module, {}).setdefault(r[0], 0)
        by_module[c.module][r[0]] += 1
    print("Per module (bad: clear/total; valid: ok/total):")
    for mod in sorted(by_module):
        d = by_module[mod]
        nb = sum(v for k, v in d.items() if k in BAD_CLASSES)
        nv = sum(v for k, v in d.items() if k in VALID_CLASSES)
        print(f"  {mod:28s} bad {d.get('clear', 0):3d}/{nb:<3d}  valid {d.get('valid-ok', 0)}/{nv}")
    print("\nEvery case that is not clear (bad) or not accepted (valid), by module:")
    last = None
    for c, r in sorted(zip(cases, results), key=lambda cr: cr[0].module):
        if r[0] in ("clear", "valid-ok"):
            continue
        if c.module != last:
            print(f"\n[{c.module}]")
            last = c.module
        print(
            f"  - {r[0]:15s} {c.label}\n      input: {c.shown}\n      got:   {r[1][:300]}  ({r[2]:.1f} s)"
        )
    if args.json:
        rows = [
            {
                "module": c.module,
                "label": c.label,
                "input": c.shown,
                "valid": c.valid,
                "outcome": r[0],
                "detail": r[1],
                "seconds": r[2],
            }
            for c, r in zip(cases, results)
        ]
        with open(args.json, "w") as f:
            json.dump(
                {
                    "commit": head,
                    "counts": counts,
                    "valid_counts": vcounts,
                    "wall_s": wall,
                    "cases": rows,
                },
                f,
                indent=1,
                ensure_ascii=False,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
