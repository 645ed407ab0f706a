"""Every trainer keeps the one training contract (course_lib/training.py).

Same config twice → the same history and weights; another seed → different numbers; torch's
global RNG is left exactly as it was; the result is a TrainResult with the shared row keys;
a callback returning True stops training after that row.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
import torch

from course_lib.maml_rl.bandits import BanditMAMLConfig, train_bandit_maml
from course_lib.maml_rl.train import MAMLRLConfig, train_maml_rl
from course_lib.meta import BlackBoxConfig, MetaConfig, meta_train, train_blackbox
from course_lib.meta.classifiers import FewShotConfig, train_fewshot
from course_lib.meta.components import ComponentConfig, learn_components
from course_lib.pearl.train import PEARLConfig, train_pearl
from course_lib.pg import ReinforceConfig, train_reinforce
from course_lib.ppo import PPOConfig, train
from course_lib.rl2 import RL2Config, train_rl2
from course_lib.tasks import BernoulliBanditVectorEnv
from course_lib.training import TrainResult

torch.set_num_threads(1)


def _ppo(config, callback=None):
    return train(config, callback, progress=False)


def _meta(config, callback=None):
    return meta_train(config, None, callback, progress=False)


def _blackbox(config, callback=None):
    return train_blackbox(config, None, callback, progress=False)


def _rl2(config, callback=None):
    return train_rl2(
        config, BernoulliBanditVectorEnv(16, k=3, episodes_per_trial=4), callback, progress=False
    )


def _reinforce(config, callback=None):
    return train_reinforce(config, callback, progress=False)


def _fewshot(config, callback=None):
    return train_fewshot(config, None, callback, progress=False)


def _components(config, callback=None):
    return learn_components(config, None, callback, progress=False)


def _maml_rl(config, callback=None):
    return train_maml_rl(config, callback, progress=False)


def _bandit_maml(config, callback=None):
    return train_bandit_maml(config, callback, progress=False)


def _pearl(config, callback=None):
    return train_pearl(config, callback, progress=False)


def _model_tensors(result: TrainResult) -> list[torch.Tensor]:
    model = result.model
    if hasattr(model, "params"):  # a MetaLearner or FewShotLearner: φ is a dict of tensors
        return [t.detach().clone() for t in model.params.values()]
    if hasattr(model, "phi"):  # a LearningAlgorithm: one dict of tensors per component
        return [t.detach().clone() for part in model.phi.values() for t in part.values()]
    return [p.detach().clone() for p in model.parameters()]


TRAINERS = {
    "ppo": (_ppo, PPOConfig(total_steps=512 * 2, seed=3)),
    **{
        f"meta-{method}": (
            _meta,
            MetaConfig(method=method, iterations=4, meta_batch_size=3, log_every=2, seed=3),
        )
        for method in ("maml", "fomaml", "reptile", "metasgd", "pretrain")
    },
    "blackbox": (_blackbox, BlackBoxConfig(iterations=4, meta_batch_size=3, log_every=2, seed=3)),
    "rl2": (_rl2, RL2Config(iterations=2, hidden_size=8, seed=3)),
    **{
        f"reinforce-{variant}": (
            _reinforce,
            ReinforceConfig(variant=variant, iterations=2, episodes_per_batch=4, seed=3),
        )
        for variant in ("plain", "reward_to_go", "baseline")
    },
    **{
        f"fewshot-{method}": (
            _fewshot,
            FewShotConfig(method=method, iterations=4, meta_batch_size=2, log_every=2, seed=3),
        )
        for method in ("maml", "fomaml", "anil", "pretrain", "protonet")
    },
    "components": (
        _components,
        ComponentConfig(
            components=("init", "step_sizes"),
            iterations=4,
            meta_batch_size=3,
            log_every=2,
            seed=3,
        ),
    ),
    **{
        f"maml_rl-{method}": (
            _maml_rl,
            MAMLRLConfig(
                method=method,
                iterations=2,
                meta_batch_size=2,
                num_trajectories=2,
                max_steps=5,
                hidden_sizes=(8,),
                seed=3,
            ),
        )
        for method in ("maml", "pretrain")
    },
    "maml_rl-bandits": (_bandit_maml, BanditMAMLConfig(iterations=3, meta_batch_size=4, seed=3)),
    **{
        f"pearl-{task}": (
            _pearl,
            PEARLConfig(
                task=task,
                iterations=2,
                num_train_tasks=3,
                initial_episodes=1,
                tasks_per_iteration=2,
                prior_episodes=1,
                posterior_episodes=1,
                gradient_steps=2,
                meta_batch_size=2,
                batch_size=4,
                context_size=4,
                hidden_sizes=(8,),
                encoder_hidden_sizes=(8,),
                buffer_capacity=100,
                max_steps=4,
                seed=3,
            ),  # fmt: skip
        )
        for task in ("navigation", "sparse_point_robot")
    },
}


def _same(a: list[float], b: list[float]) -> bool:
    return all((x == y) or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_trainer_keeps_the_contract(name):
    run, config = TRAINERS[name]
    before = torch.random.get_rng_state()
    first = run(config)
    assert torch.equal(torch.random.get_rng_state(), before), "training touched torch's global RNG"
    second = run(config)
    other = run(dataclasses.replace(config, seed=config.seed + 1))

    assert isinstance(first, TrainResult) and first.config is config
    assert first.history and {"iteration", "seconds"} <= set(first.history[0])
    assert all(row["seconds"] >= 0 for row in first.history)
    loss_key = "loss" if "loss" in first.history[0] else "value_loss"
    assert _same(list(first.metric(loss_key)), list(second.metric(loss_key)))
    assert all(torch.equal(a, b) for a, b in zip(_model_tensors(first), _model_tensors(second)))
    assert not all(torch.equal(a, b) for a, b in zip(_model_tensors(first), _model_tensors(other)))


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_callback_sees_row_and_model_and_can_stop(name):
    run, config = TRAINERS[name]
    seen = []

    def stop_after_first(row, model):
        seen.append((dict(row), model))
        return True

    result = run(config, stop_after_first)
    assert len(seen) == 1 and len(result.history) == 1
    assert seen[0][0]["iteration"] == result.history[0]["iteration"]
    assert seen[0][1] is not None


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_callback_must_be_callable(name):
    run, config = TRAINERS[name]
    with pytest.raises(TypeError, match="callback must be callable"):
        run(config, "not a function")


def test_every_config_takes_a_seed_and_a_device():
    for _, config in TRAINERS.values():
        fields = {f.name for f in dataclasses.fields(config)}
        assert {"seed", "device"} <= fields, type(config).__name__


# -- the re-housing's promise: same seed, same numbers, before and after the move --------------
HISTORIES = Path(__file__).parent / "data" / "trainer_histories.json"
#: Timing columns differ from run to run; everything else must match the recording.
TIMING = {"seconds", "steps_per_second"}


def _numbers(result: TrainResult) -> list[dict[str, float]]:
    return [{k: v for k, v in row.items() if k not in TIMING} for row in result.history]


def record_histories() -> None:
    """Write every trainer's history to tests/data/trainer_histories.json (run on purpose:
    ``python -c "import tests.test_training_contract as t; t.record_histories()"`` from the repo)."""
    data = {name: _numbers(run(config)) for name, (run, config) in sorted(TRAINERS.items())}
    HISTORIES.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_history_matches_the_recording(name):
    recorded = json.loads(HISTORIES.read_text())
    run, config = TRAINERS[name]
    rows = _numbers(run(config))
    assert len(rows) == len(recorded[name])
    for got, want in zip(rows, recorded[name], strict=True):
        assert set(got) >= set(want), f"{name}: columns {sorted(set(want) - set(got))} disappeared"
        for key, value in want.items():
            # A few iterations of a tiny run keep the rounding of other CPU kernel paths small.
            assert got[key] == pytest.approx(value, rel=1e-4, abs=1e-6, nan_ok=True), (name, key)
