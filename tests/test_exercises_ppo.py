"""The clipped-surrogate checker accepts a right answer and names the usual mistakes."""

import torch

from course_lib.exercises import check_clipped_surrogate
from course_lib.ppo import clipped_surrogate_loss


def right(logp_new, logp_old, adv, eps):
    r = torch.exp(logp_new - logp_old)
    return -torch.min(r * adv, torch.clamp(r, 1 - eps, 1 + eps) * adv).mean()


def test_reference_and_a_correct_answer_pass(capsys):
    assert check_clipped_surrogate(clipped_surrogate_loss) is True
    assert check_clipped_surrogate(right) is True
    assert "correct" in capsys.readouterr().out


def test_not_implemented(capsys):
    def todo(logp_new, logp_old, adv, eps):
        raise NotImplementedError

    assert check_clipped_surrogate(todo) is False
    assert "not implemented yet" in capsys.readouterr().out


def test_wrong_sign(capsys):
    assert check_clipped_surrogate(lambda *a: -right(*a)) is False
    assert "sign: this should be a loss to minimize" in capsys.readouterr().out


def test_forgot_the_min(capsys):
    def clipped_only(logp_new, logp_old, adv, eps):
        r = torch.exp(logp_new - logp_old)
        return -(torch.clamp(r, 1 - eps, 1 + eps) * adv).mean()

    assert check_clipped_surrogate(clipped_only) is False
    out = capsys.readouterr().out
    assert "you forgot the min" in out
    assert "A > 0, r inside the clip range" in out.splitlines()[0]  # passes the inside case first


def test_clip_range_uses_eps_wrong(capsys):
    def wrong_range(logp_new, logp_old, adv, eps):
        r = torch.exp(logp_new - logp_old)
        return -torch.min(r * adv, torch.clamp(r, -eps, eps) * adv).mean()

    assert check_clipped_surrogate(wrong_range) is False
    assert "clip range uses ε wrong" in capsys.readouterr().out


def test_sum_instead_of_mean_and_missing_exp(capsys):
    def summed(logp_new, logp_old, adv, eps):
        r = torch.exp(logp_new - logp_old)
        return -torch.min(r * adv, torch.clamp(r, 1 - eps, 1 + eps) * adv).sum()

    assert check_clipped_surrogate(summed) is False
    assert "mean over samples, not the sum" in capsys.readouterr().out

    def no_exp(logp_new, logp_old, adv, eps):
        r = logp_new - logp_old
        return -torch.min(r * adv, torch.clamp(r, 1 - eps, 1 + eps) * adv).mean()

    assert check_clipped_surrogate(no_exp) is False
    assert "exp(logp_new − logp_old)" in capsys.readouterr().out


def test_non_scalar_and_detached_results(capsys):
    def per_sample(logp_new, logp_old, adv, eps):
        r = torch.exp(logp_new - logp_old)
        return -torch.min(r * adv, torch.clamp(r, 1 - eps, 1 + eps) * adv) * torch.ones(2, 1)

    assert check_clipped_surrogate(per_sample) is False
    assert "reduce it to one number" in capsys.readouterr().out

    def detached(*a):
        return torch.tensor(right(*a).item())

    assert check_clipped_surrogate(detached) is False
    assert "no gradient" in capsys.readouterr().out


def test_checker_rejects_non_callable():
    import pytest

    with pytest.raises(TypeError, match="fn"):
        check_clipped_surrogate(42)
