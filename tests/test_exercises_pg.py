"""Chapter 1 checkers: right answers pass, and each usual mistake gets its own diagnosis."""

import functools

import pytest
import torch

from course_lib.exercises import (
    check_constant_baseline,
    check_q_learning_update,
    check_reward_to_go,
    check_value_at_gamma_zero,
)
from course_lib.pg import reward_to_go
from course_lib.td import q_learning_update


def right(rewards, gamma):
    returns = torch.zeros_like(rewards)
    future = 0.0
    for t in reversed(range(len(rewards))):
        future = rewards[t] + gamma * future
        returns[t] = future
    return returns


def right_float32(rewards, gamma):  # another float dtype is fine
    return right(rewards.float(), gamma)


def test_right_answers_pass(capsys):
    assert check_reward_to_go(right) is True
    assert check_reward_to_go(right_float32) is True
    out = capsys.readouterr().out
    assert "your reward-to-go is correct" in out and "✗" not in out


def _undiscounted(rewards, gamma):
    return right(rewards, 1.0)


def _absolute_discount(rewards, gamma):
    T = len(rewards)
    return torch.stack([sum(gamma**k * rewards[k] for k in range(t, T)) for t in range(T)])


def _whole_return(rewards, gamma):
    return right(rewards, gamma)[0].repeat(len(rewards))


def _past(rewards, gamma):
    out, running = torch.zeros_like(rewards), 0.0
    for t in range(len(rewards)):
        running = rewards[t] + gamma * running
        out[t] = running
    return out


def _reversed(rewards, gamma):
    return right(rewards, gamma).flip(0)


def _excludes_current(rewards, gamma):
    return gamma * torch.cat([right(rewards, gamma)[1:], torch.zeros(1, dtype=rewards.dtype)])


def _one_step_late(rewards, gamma):
    return torch.cat([right(rewards, gamma)[1:], torch.zeros(1, dtype=rewards.dtype)])


def _discounts_current(rewards, gamma):
    return gamma * right(rewards, gamma)


def _scalar(rewards, gamma):
    return right(rewards, gamma)[0]


def _too_short(rewards, gamma):
    return right(rewards, gamma)[:-1]


def _no_return(rewards, gamma):
    right(rewards, gamma)


def _in_place(rewards, gamma):
    for t in reversed(range(len(rewards) - 1)):
        rewards[t] += gamma * rewards[t + 1]
    return rewards


def _todo(rewards, gamma):
    raise NotImplementedError


def _endless(rewards, gamma):
    t = len(rewards) - 1
    while t >= 0:
        pass


def _crashes(rewards, gamma):
    return rewards[len(rewards)]  # off the end


def _library(rewards, gamma):
    return reward_to_go(rewards, gamma)


def _dice_helper(rewards, gamma):
    from course_lib.maml_rl import dice

    return dice.discounted_reward_to_go(rewards[:, None], gamma)[:, 0]


def _through_importlib(rewards, gamma):
    import importlib

    return getattr(importlib.import_module("course_lib.pg"), "reward_" + "to_go")(rewards, gamma)


@pytest.mark.parametrize(
    "fn, diagnosis",
    [
        (_undiscounted, "γ is missing"),
        (_absolute_discount, "the discount restarts at t"),
        (_whole_return, "the whole episode's return G_0 on every step"),
        (_past, "you summed the rewards *before* t"),
        (_reversed, "the right numbers in reverse order"),
        (_excludes_current, "you left out r_t itself"),
        (_one_step_late, "that is G_{t+1}, one step late"),
        (_discounts_current, "r_t is discounted once too often"),
        (_scalar, "your function returned one number"),
        (_too_short, "your function returned shape (2,) for 3 rewards"),
        (_no_return, "did you forget `return returns`"),
        (_in_place, "your function changed `rewards` in place"),
        (_todo, "not implemented yet"),
        (_endless, "was stopped: is there a loop that never ends"),
        (_crashes, "out of range"),
        (reward_to_go, "the library's own `reward_to_go`"),
        (_library, "the library's own `reward_to_go`"),
        (_dice_helper, "the library's own `discounted_reward_to_go`"),
        (_through_importlib, "the library's own `reward_to_go`"),
        (functools.partial(reward_to_go), "the library's own `reward_to_go`"),
    ],
)
def test_each_mistake_gets_its_diagnosis(fn, diagnosis, capsys):
    assert check_reward_to_go(fn) is False
    out = capsys.readouterr().out
    assert diagnosis in out, out
    assert "Traceback" not in out


def test_a_mistake_only_on_later_cases_is_still_caught(capsys):
    def breaks_at_gamma_one(rewards, gamma):
        return right(rewards, min(gamma, 0.99))

    assert check_reward_to_go(breaks_at_gamma_one) is False
    out = capsys.readouterr().out
    assert "✓ rewards [1, 2, 3] with γ = 0.5" in out and "✗ four rewards of 1 with γ = 1" in out


@pytest.mark.parametrize(
    "fn, diagnosis",
    [
        (lambda r, g: right(r, g).numpy(), "returned a numpy array; return a torch tensor"),
        (lambda r, g: right(r, g).tolist(), "returned a list; return a torch tensor"),
        (lambda r, g: right(r, g).long(), "returned a torch.int64 tensor"),
        (lambda r, g: torch.full_like(r, float("nan")), "walk backwards from the last step"),
    ],
)
def test_numpy_lists_and_nan_are_refused_by_name(fn, diagnosis, capsys):
    assert check_reward_to_go(fn) is False
    out = capsys.readouterr().out
    assert diagnosis in out, out


def test_not_a_function(capsys):
    assert check_reward_to_go(42) is False
    assert "expected a function" in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, passes, says",
    [
        (0.05, True, "with γ = 0 a value is the expected immediate reward"),
        (None, False, "not answered yet"),
        (0.0, False, "the left exit pays 0.1 at once"),
        (0.1, False, "goes left only half the time"),
        (1.0, False, "nothing after the first reward counts"),
        (0.55, False, "the goal cannot be reached in one step"),
        (0.25, False, "that is V(s0) at γ = 1"),
        (0.025, False, "weight the exit's reward 0.1 by ½ once"),
        (-0.05, False, "no value can be negative"),
        (5, False, "no reward here is larger than 1"),
        (-0.2, False, "no value can be negative"),
        (0.3, False, "re-read the question"),
        ("a twentieth", False, "give a number"),
    ],
)
def test_value_at_gamma_zero(answer, passes, says, capsys):
    assert check_value_at_gamma_zero(answer) is passes
    assert says in capsys.readouterr().out


@pytest.mark.parametrize(
    "answer, passes, says",
    [
        ("a", True, "a baseline must be close to the returns to help"),
        ("(A)", True, "right"),
        ("b", False, "never biases the estimate"),
        ("c", False, "only reduces the variance when it is close to the returns"),
        ("d", False, "only the average is protected"),
        ("e", False, "is not one of the choices"),
        (None, False, "not answered yet"),
        ("(b)", False, "never biases the estimate"),
        (" C ", False, "only reduces the variance when it is close to the returns"),
        (3, False, "is not one of the choices"),
        ("", False, "is not one of the choices"),
        (["a"], False, "is not one of the choices"),
    ],
)
def test_constant_baseline_question(answer, passes, says, capsys):
    assert check_constant_baseline(answer) is passes
    assert says in capsys.readouterr().out


def test_a_library_replaced_in_the_session_is_noticed(capsys, monkeypatch):
    import course_lib.exercises.pg as checker_module
    import course_lib.pg

    monkeypatch.setattr(course_lib.pg, "reward_to_go", lambda rewards, gamma: rewards * 0)
    assert check_reward_to_go(lambda r, g: r * 0) is False
    assert "the library's `reward_to_go` was replaced in this session" in capsys.readouterr().out
    monkeypatch.undo()
    monkeypatch.setattr(checker_module, "reward_to_go", lambda rewards, gamma: rewards * 0)
    assert check_reward_to_go(lambda r, g: r * 0) is False
    assert "was replaced in this session" in capsys.readouterr().out


# --------------------------------------------------------------------------------------------
# Exercise 4: one Q-learning update
# --------------------------------------------------------------------------------------------


def q_right(Q, s, a, r, s_next, terminal, alpha, gamma):
    target = r if terminal else r + gamma * Q[s_next].max()
    Q_new = Q.clone()
    Q_new[s, a] = Q[s, a] + alpha * (target - Q[s, a])
    return Q_new


def q_with_floats(Q, s, a, r, s_next, terminal, alpha, gamma):  # a loop over Python floats
    best = max(float(q) for q in Q[s_next])
    target = r + (0.0 if terminal else gamma * best)
    Q_new = Q.clone()
    Q_new[s][a] = float(Q[s][a]) + alpha * (target - float(Q[s][a]))
    return Q_new


def test_right_q_updates_pass(capsys):
    assert check_q_learning_update(q_right) is True
    assert check_q_learning_update(q_with_floats) is True
    out = capsys.readouterr().out
    assert "your Q-learning update is correct" in out and "✗" not in out


def _moved(Q, s, a, target, alpha):
    Q_new = Q.clone()
    Q_new[s, a] = Q[s, a] + alpha * (target - Q[s, a])
    return Q_new


def _sarsa(Q, s, a, r, s_next, terminal, alpha, gamma):
    return _moved(Q, s, a, r if terminal else r + gamma * Q[s_next, a], alpha)


def _mean(Q, s, a, r, s_next, terminal, alpha, gamma):
    return _moved(Q, s, a, r if terminal else r + gamma * Q[s_next].mean(), alpha)


def _min(Q, s, a, r, s_next, terminal, alpha, gamma):
    return _moved(Q, s, a, r if terminal else r + gamma * Q[s_next].min(), alpha)


def _current_state(Q, s, a, r, s_next, terminal, alpha, gamma):
    return _moved(Q, s, a, r if terminal else r + gamma * Q[s].max(), alpha)


def _ignores_terminal(Q, s, a, r, s_next, terminal, alpha, gamma):
    return _moved(Q, s, a, r + gamma * Q[s_next].max(), alpha)


def _no_gamma(Q, s, a, r, s_next, terminal, alpha, gamma):
    return _moved(Q, s, a, r if terminal else r + Q[s_next].max(), alpha)


def _discounts_reward(Q, s, a, r, s_next, terminal, alpha, gamma):
    return _moved(Q, s, a, gamma * r if terminal else gamma * (r + Q[s_next].max()), alpha)


def _no_step_size(Q, s, a, r, s_next, terminal, alpha, gamma):
    return _moved(Q, s, a, r if terminal else r + gamma * Q[s_next].max(), 1.0)


def _adds_target(Q, s, a, r, s_next, terminal, alpha, gamma):
    Q_new = Q.clone()
    Q_new[s, a] += alpha * (r if terminal else r + gamma * Q[s_next].max())
    return Q_new


def _wrong_sign(Q, s, a, r, s_next, terminal, alpha, gamma):
    return _moved(Q, s, a, r if terminal else r + gamma * Q[s_next].max(), -alpha)


def _whole_row(Q, s, a, r, s_next, terminal, alpha, gamma):
    Q_new = Q.clone()
    Q_new[s] += alpha * ((r if terminal else r + gamma * Q[s_next].max()) - Q[s, a])
    return Q_new


def _in_place(Q, s, a, r, s_next, terminal, alpha, gamma):
    Q[s, a] += alpha * ((r if terminal else r + gamma * Q[s_next].max()) - Q[s, a])
    return Q


def _only_the_entry(Q, s, a, r, s_next, terminal, alpha, gamma):
    return q_right(Q, s, a, r, s_next, terminal, alpha, gamma)[s, a]


def _numpy(Q, s, a, r, s_next, terminal, alpha, gamma):
    return q_right(Q, s, a, r, s_next, terminal, alpha, gamma).numpy()


def _wrong_shape(Q, s, a, r, s_next, terminal, alpha, gamma):
    return q_right(Q, s, a, r, s_next, terminal, alpha, gamma).flatten()


def _no_return(Q, s, a, r, s_next, terminal, alpha, gamma):
    q_right(Q, s, a, r, s_next, terminal, alpha, gamma)


def _todo(Q, s, a, r, s_next, terminal, alpha, gamma):
    raise NotImplementedError


def _endless(Q, s, a, r, s_next, terminal, alpha, gamma):
    while True:
        pass


def _calls_library(Q, s, a, r, s_next, terminal, alpha, gamma):
    return q_learning_update(Q.unsqueeze(0), s, a, r, s_next, terminal, alpha, gamma)[0]


@pytest.mark.parametrize(
    "fn, diagnosis",
    [
        (_sarsa, "you bootstrapped from Q(s', a)"),
        (_mean, "you averaged Q(s', ·) over the next actions"),
        (_min, "you took the smallest Q(s', a')"),
        (_current_state, "the max runs over the *next* state's actions"),
        (_ignores_terminal, "after a terminal step there is no next state"),
        (_no_gamma, "γ is missing"),
        (_discounts_reward, "the reward is discounted too"),
        (_no_step_size, "you replaced Q(s, a) by the target"),
        (_adds_target, "you added α · target"),
        (_wrong_sign, "the sign is flipped"),
        (_whole_row, "you changed every action of s"),
        (_in_place, "your function changed `Q` in place"),
        (_only_the_entry, "your function returned one number"),
        (_numpy, "your function returned a numpy array; return a torch tensor"),
        (_wrong_shape, "your function returned shape (12,)"),
        (_no_return, "did you forget `return Q_new`"),
        (_todo, "not implemented yet"),
        (_endless, "was stopped: is there a loop that never ends"),
        (q_learning_update, "the library's own `q_learning_update`"),
        (_calls_library, "the library's own `q_learning_update`"),
        (functools.partial(q_learning_update), "the library's own `q_learning_update`"),
    ],
)
def test_each_q_mistake_gets_its_diagnosis(fn, diagnosis, capsys):
    assert check_q_learning_update(fn) is False
    out = capsys.readouterr().out
    assert diagnosis in out, out
    assert "Traceback" not in out


def test_a_terminal_mistake_is_caught_on_the_terminal_case(capsys):
    assert check_q_learning_update(_ignores_terminal) is False
    out = capsys.readouterr().out
    assert "✓ s=0, a=1, r=0.5, s'=2" in out and "✗ a terminal step" in out


def test_an_unlisted_q_mistake_gets_the_general_hint(capsys):
    def doubles(Q, s, a, r, s_next, terminal, alpha, gamma):
        return 2 * q_right(Q, s, a, r, s_next, terminal, alpha, gamma)

    assert check_q_learning_update(doubles) is False
    assert "write the target first" in capsys.readouterr().out
