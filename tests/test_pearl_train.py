"""PEARL's trainer and evaluation: the training contract, the protocol, bad configs."""

import dataclasses
import math

import pytest
import torch

from course_lib.pearl.evaluate import (
    adaptation_trial,
    destinations,
    explorer_goal,
    prefix_posteriors,
)
from course_lib.pearl.train import (
    FIELDS,
    PEARLAgent,
    PEARLConfig,
    check_agent,
    context_rows,
    make_agent,
    make_env,
    pearl_losses,
    play_episodes,
    train_pearl,
)

torch.set_num_threads(1)
#: The columns that measure time: they differ from run to run.
TIMING = {"seconds", "steps_per_second"}

TINY = dict(
    iterations=2, num_train_tasks=3, initial_episodes=1, tasks_per_iteration=2, prior_episodes=1,
    posterior_episodes=1, gradient_steps=3, meta_batch_size=2, batch_size=4, context_size=4,
    latent_dim=2, hidden_sizes=(8,), encoder_hidden_sizes=(8,), buffer_capacity=200, max_steps=5,
)  # fmt: skip


@pytest.fixture(scope="module", params=["navigation", "sparse_point_robot"])
def trained(request):
    config = PEARLConfig(task=request.param, **TINY)
    return train_pearl(config, progress=False)


def test_same_seed_same_run_and_the_global_rng_is_untouched(trained):
    before = torch.random.get_rng_state()
    again = train_pearl(trained.config, progress=False)
    assert torch.equal(torch.random.get_rng_state(), before)
    strip = [{k: v for k, v in row.items() if k not in TIMING} for row in trained.history]
    assert strip == [{k: v for k, v in row.items() if k not in TIMING} for row in again.history]
    other = train_pearl(dataclasses.replace(trained.config, seed=1), progress=False)
    assert [r["loss"] for r in other.history] != [r["loss"] for r in trained.history]


def test_history_rows_use_the_shared_keys(trained):
    row = trained.history[-1]
    for key in (
        "iteration",
        "env_steps",
        "seconds",
        "loss",
        "entropy",
        "episode_return",
        "kl",
        "alpha",
    ):
        assert key in row and math.isfinite(row[key])
    assert row["iteration"] == 2 and row["gradient_steps"] == 6
    # initial: 3 tasks × 1 episode; per iteration: 2 tasks × (1 prior + 1 posterior) episodes
    if trained.config.task == "sparse_point_robot":  # no early end: every episode is 5 steps
        assert row["env_steps"] == 5 * (3 + 2 * 2 * 2)


def test_callback_stops_training():
    result = train_pearl(PEARLConfig(**TINY), lambda row, agent: True, progress=False)
    assert len(result.history) == 1 and isinstance(result.model, PEARLAgent)


def test_the_trial_starts_from_the_prior_and_then_samples_the_posterior(trained):
    agent, config = trained.model, trained.config
    goals = (
        torch.tensor([[0.3, 0.2], [-0.2, 0.1], [0.0, -0.4]])
        if config.task == "navigation"
        else torch.tensor([[0.0, 1.0], [1.0, 0.0], [-0.6, 0.8]])
    )
    trial = adaptation_trial(agent, config, goals, episodes=3, seed=5)
    assert trial.returns.shape == (3, 3) and trial.paths.shape == (3, 3, 6, 2)
    assert trial.context.shape == (3, 15, config.transition_size) and trial.z.shape == (3, 3, 2)
    torch.testing.assert_close(
        trial.z[0], torch.randn(3, 2, generator=torch.Generator().manual_seed(5))
    )
    assert torch.equal(trial.paths[:, :, 0], torch.zeros(3, 3, 2))
    again = adaptation_trial(agent, config, goals, episodes=3, seed=5)
    assert torch.equal(trial.returns, again.returns)


def test_prefix_posteriors_start_at_the_prior_and_end_at_the_full_posterior(trained):
    agent, config = trained.model, trained.config
    trial = adaptation_trial(agent, config, torch.tensor([[0.0, 1.0], [0.2, 0.3]]), episodes=2)
    means, variances = prefix_posteriors(agent, trial, 1)
    assert means.shape == (11, 2)
    assert torch.equal(means[0], torch.zeros(2)) and torch.equal(variances[0], torch.ones(2))
    full = agent.posterior(trial.context[1], trial.mask[1])
    torch.testing.assert_close((means[-1], variances[-1]), full)
    assert bool((variances[1:] <= variances[:-1] + 1e-7).all())  # every transition narrows it


def test_destinations_and_the_explorer_goal(trained):
    agent, config = trained.model, trained.config
    ends = destinations(agent, config, torch.zeros(4, 2))
    assert ends.shape == (4, 2) and torch.allclose(ends, ends[0].expand(4, 2))
    with pytest.raises(ValueError, match="z must have shape"):
        destinations(agent, config, torch.zeros(4, 3))


@pytest.mark.parametrize("task", ["navigation", "sparse_point_robot"])
def test_explorer_goal_picks_the_largest_gain_that_shows_exploration(task, monkeypatch):
    import course_lib.pearl.evaluate as evaluate

    # episode-1 and episode-2 returns of four candidate goals, as if played by the widget
    table = {
        "navigation": [(-9.0, -8.0), (-10.0, -4.0), (-6.0, -5.5), (-12.0, -7.0)],
        "sparse_point_robot": [(0.0, 0.5), (0.0, 9.0), (3.0, 8.0), (4.0, 12.0)],
    }[task]
    played = []

    def fake_trial(agent, config, goals, *, episodes, seed):
        index = int(goals[0, 0])
        played.append(index)
        first, second = table[index]
        return evaluate.Trial(
            torch.tensor([[first], [second], [second]]), None, None, None, None, goals
        )

    monkeypatch.setattr(evaluate, "adaptation_trial", fake_trial)
    config = PEARLConfig(task=task, **TINY)
    candidates = torch.tensor([[float(i), 0.0] for i in range(4)])
    goal, trial = explorer_goal(make_agent(config), config, candidates)
    # navigation: (-10 -> -4) gains most and keeps more than half; (-12 -> -7) loses more than half
    # sparse: (0 -> 9) gains most with episode 2 above 2 × episode 1 + 1; (4 -> 12) is below 2 × 4 + 1
    assert int(goal[0]) == 1 and played == [0, 1, 2, 3]
    if task == "sparse_point_robot":
        table[:] = [(5.0, 6.0)] * 4
    else:
        table[:] = [(-5.0, -9.0)] * 4
    with pytest.raises(ValueError, match="no candidate goal shows exploration"):
        explorer_goal(make_agent(config), config, candidates)


def test_play_episodes_masks_after_an_early_end():
    config = PEARLConfig(task="navigation", **TINY)
    agent = make_agent(config)
    env = make_env(config, 2)
    episodes = play_episodes(
        agent,
        env,
        torch.tensor([[0.0, 0.0], [0.4, 0.4]]),
        torch.zeros(2, 2),
        torch.Generator(),
        deterministic=True,
    )
    assert episodes.mask.shape == (5, 2)
    assert bool(episodes.mask[0].all()) and not bool(
        episodes.mask[1:, 0].any()
    )  # goal at the start
    assert bool(episodes.dones[0, 0]) and episodes.rewards[1:, 0].abs().sum() == 0


@pytest.mark.parametrize(
    "field, value, match",
    [
        ("latent_dim", 0, "latent_dim must be an integer"),
        ("goal_radius", 0.0, "goal_radius must be in"),
        ("goal_radius", -0.2, "goal_radius must be in"),
        ("buffer_capacity", 0, "buffer_capacity must be an integer"),
        ("task", "cheetah", "task must be one of"),
        ("tasks_per_iteration", 5, "tasks_per_iteration must be an integer in \\[1, 3\\]"),
        ("buffer_capacity", 10**7, "num_train_tasks \\* buffer_capacity"),
        ("context_size", 100_000, "meta_batch_size \\* context_size"),
        ("goal_low", 0.6, "goal_low must be < goal_high"),
    ],
)
def test_bad_configs_are_named(field, value, match):
    kwargs = {**TINY, field: value}
    if field == "buffer_capacity" and value > 1000:
        kwargs["num_train_tasks"] = 100
        kwargs["tasks_per_iteration"] = 2
    if field == "context_size":
        kwargs["meta_batch_size"] = 100
    with pytest.raises(ValueError, match=match):
        PEARLConfig(**kwargs)


def test_bad_arguments_of_the_evaluation_are_named(trained):
    with pytest.raises(TypeError, match="agent must be a PEARLAgent"):
        adaptation_trial("agent", trained.config, torch.zeros(2, 2))
    with pytest.raises(ValueError, match="goals must have shape"):
        adaptation_trial(trained.model, trained.config, torch.zeros(2, 3))
    with pytest.raises(ValueError, match="episodes must be an integer"):
        adaptation_trial(trained.model, trained.config, torch.zeros(2, 2), episodes=0)
    with pytest.raises(TypeError, match="config must be a PEARLConfig"):
        train_pearl({"task": "navigation"}, progress=False)


# -- bad input to the trainer's pieces and the evaluation: named at the edge, before any work


def test_one_collection_and_the_encoder_buffer_are_capped_by_the_config():
    with pytest.raises(ValueError, match="num_train_tasks \\* initial_episodes must be <= "):
        PEARLConfig(num_train_tasks=10_000, initial_episodes=10_000, buffer_capacity=2222)
    with pytest.raises(ValueError, match="tasks_per_iteration \\* prior_episodes must be <= "):
        PEARLConfig(
            num_train_tasks=1000, tasks_per_iteration=1000, prior_episodes=10_000, max_steps=5,
            buffer_capacity=100,
        )  # fmt: skip
    with pytest.raises(ValueError, match="the encoder buffer's memory"):
        PEARLConfig(num_train_tasks=1000, posterior_episodes=10_000, buffer_capacity=100)
    assert PEARLConfig(**TINY).encoder_buffer_capacity == 2 * 5  # 1 prior + 1 posterior episode


def test_agent_and_config_must_match():
    config = PEARLConfig(**TINY)
    agent = make_agent(config)
    assert check_agent(agent, config) is agent
    with pytest.raises(ValueError, match="agent and config must match: config has latent_dim 3"):
        check_agent(agent, dataclasses.replace(config, latent_dim=3))
    with pytest.raises(ValueError, match="context rows of width 7, got an agent with 2 and 5"):
        adaptation_trial(agent, dataclasses.replace(config, next_obs_in_context=True), GOALS)
    with pytest.raises(TypeError, match="config must be a PEARLConfig"):
        make_env({"task": "navigation"}, 2)


GOALS = torch.tensor([[0.0, 1.0], [1.0, 0.0]])


def test_play_episodes_checks_env_goals_and_the_width_of_z():
    config = PEARLConfig(**TINY)
    agent, env, gen = make_agent(config), make_env(config, 2), torch.Generator()
    with pytest.raises(ValueError, match=r"z must have shape \[2, 2\].*got \(2, 3\)"):
        play_episodes(agent, env, GOALS, torch.zeros(2, 3), gen)
    with pytest.raises(ValueError, match="goals must have shape \\[G, 2\\] with G = env.num_envs"):
        play_episodes(agent, env, torch.zeros(3, 2), torch.zeros(3, 2), gen)
    with pytest.raises(ValueError, match="z must hold finite numbers"):
        play_episodes(agent, env, GOALS, torch.full((2, 2), float("nan")), gen)
    with pytest.raises(TypeError, match="env must be a PEARL task's batched env"):
        play_episodes(agent, "env", GOALS, torch.zeros(2, 2), gen)
    with pytest.raises(ValueError, match="critic_reward must be one of"):
        play_episodes(agent, env, GOALS, torch.zeros(2, 2), gen, critic_reward="sparse")


def _sample(**changes):
    return {**{k: torch.zeros(2, 3, w) for k, w in FIELDS.items()}, **changes}


def test_context_rows_refuse_a_nan_reward_and_mismatched_fields():
    config = PEARLConfig(**TINY)
    assert context_rows(_sample(), config).shape == (2, 3, 5)
    with pytest.raises(ValueError, match=r"sample\['reward'\] must hold finite numbers"):
        context_rows(_sample(reward=torch.full((2, 3, 1), float("nan"))), config)
    with pytest.raises(ValueError, match=r"sample\['action'\] must have shape \[2, 3, 2\]"):
        context_rows(_sample(action=torch.zeros(2, 4, 2)), config)
    with pytest.raises(ValueError, match="sample must hold the fields"):
        context_rows({"obs": torch.zeros(2, 3, 2)}, config)


def test_pearl_losses_refuse_batches_that_do_not_split_into_tasks():
    config = PEARLConfig(**TINY)
    agent, gen = make_agent(config), torch.Generator().manual_seed(0)
    context = torch.zeros(2, 3, config.transition_size)
    batch = {k: torch.zeros(4, w) for k, w in FIELDS.items()}
    assert set(pearl_losses(agent, context, batch, config, gen)) >= {"critic", "kl", "actor"}
    with pytest.raises(ValueError, match="batch must hold B >= 1 rows for each of the 2 tasks"):
        pearl_losses(agent, context, {k: v[:3] for k, v in batch.items()}, config, gen)
    with pytest.raises(
        ValueError, match=r"batch\['obs'\] must have shape \[4, 2\]|batch\['action'\]"
    ):
        pearl_losses(agent, context, {**batch, "obs": torch.zeros(5, 2)}, config, gen)
    with pytest.raises(ValueError, match=r"batch\['critic_reward'\] must hold finite numbers"):
        nan = torch.full((4, 1), float("nan"))
        pearl_losses(agent, context, {**batch, "critic_reward": nan}, config, gen)
    with pytest.raises(ValueError, match=r"batch\['done'\] must be 0 or 1"):
        pearl_losses(agent, context, {**batch, "done": torch.full((4, 1), 0.5)}, config, gen)
    with pytest.raises(ValueError, match="context must have shape"):
        pearl_losses(agent, torch.zeros(2, 3, 4), batch, config, gen)


def test_the_evaluation_caps_its_work_and_checks_its_arguments():
    config = PEARLConfig(**{**TINY, "max_steps": 1000})
    agent = make_agent(config)
    with pytest.raises(ValueError, match="goals \\* episodes \\* max_steps must be <= 10_000_000"):
        adaptation_trial(agent, config, torch.zeros(500, 2), episodes=50)
    with pytest.raises(
        ValueError, match="candidates \\* episodes \\* max_steps must be <= 200_000"
    ):
        explorer_goal(agent, config, torch.zeros(100, 2))
    with pytest.raises(ValueError, match="episodes must be an integer in \\[2, 50\\]"):
        explorer_goal(agent, config, GOALS, episodes=1)
    with pytest.raises(ValueError, match="seed must be an integer"):
        adaptation_trial(agent, config, GOALS, seed=-1)
    with pytest.raises(TypeError, match="deterministic must be True or False"):
        adaptation_trial(agent, config, GOALS, deterministic="yes")
    with pytest.raises(TypeError, match="agent must be a PEARLAgent"):
        destinations(None, config, torch.zeros(2, 2))
    with pytest.raises(ValueError, match="z must hold finite numbers"):
        destinations(agent, config, torch.full((2, 2), float("inf")))


def test_prefix_posteriors_check_the_trial():
    config = PEARLConfig(**TINY)
    agent = make_agent(config)
    trial = adaptation_trial(agent, config, GOALS, episodes=1)
    with pytest.raises(ValueError, match="goal_index must be an integer in \\[0, 1\\], got 2"):
        prefix_posteriors(agent, trial, 2)
    with pytest.raises(TypeError, match="trial must be a Trial"):
        prefix_posteriors(agent, {"context": trial.context}, 0)
    long = dataclasses.replace(
        trial, context=torch.zeros(1, 6000, 5), mask=torch.ones(1, 6000, dtype=torch.bool)
    )
    with pytest.raises(ValueError, match="trial's N transitions per goal must keep"):
        prefix_posteriors(agent, long, 0)
    other = make_agent(dataclasses.replace(config, next_obs_in_context=True))
    with pytest.raises(ValueError, match=r"trial must hold context \[G, N, 7\]"):
        prefix_posteriors(other, trial, 0)


def test_the_agents_methods_check_their_arguments():
    agent = make_agent(PEARLConfig(**TINY))
    gen = torch.Generator()
    for num, error, match in [
        ("2", TypeError, "num must be an integer"),
        (2.0, TypeError, "num must be an integer"),
        (True, TypeError, "num must be an integer"),
        (None, TypeError, "num must be an integer"),
        (-1, ValueError, r"num must be an integer in \[1, 1_?000_?000\], got -1"),
        (10**12, ValueError, "num must be an integer in"),
    ]:
        with pytest.raises(error, match=match):
            agent.prior_z(num, gen)
    assert agent.prior_z(3, gen).shape == (3, agent.latent_dim)
    d = agent.latent_dim
    with pytest.raises(ValueError, match="variance must be >= 0, got min -1"):
        agent.sample_z(torch.zeros(2, d), -torch.ones(2, d), gen)
    with pytest.raises(
        ValueError, match=rf"one shape \[\.\.\., {d}\].*got \(2, {d}\) and \(1, {d}\)"
    ):
        agent.sample_z(torch.zeros(2, d), torch.ones(1, d), gen)
    with pytest.raises(TypeError, match="context must be a torch.Tensor, got list"):
        agent.posterior([[0.0] * 5])
    with pytest.raises(TypeError, match="mask must be a torch.Tensor, got list"):
        agent.posterior(torch.zeros(1, 3, 5), [True] * 3)


def test_config_caps_the_gradient_steps_of_a_run():
    """iterations × gradient_steps is capped (a typo's 10**10 SAC steps would run for months);
    each field at its own declared maximum still fits."""
    with pytest.raises(ValueError, match=r"iterations \* gradient_steps must be <= 1_000_000_000"):
        PEARLConfig(iterations=10**5, gradient_steps=10**5)
    PEARLConfig(iterations=100_000)
    PEARLConfig(gradient_steps=1_000_000)
