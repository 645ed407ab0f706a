import torch

from course_lib.exercises import check_minibatches
from course_lib.exercises.sampling import reference_minibatches


def test_reference_answer_passes(capsys):
    assert check_minibatches(reference_minibatches) is True
    assert "✓ all" in capsys.readouterr().out


def test_list_returning_answer_passes(capsys):
    def answer(n, batch_size, generator):
        perm = torch.randperm(n, generator=generator).tolist()
        return [perm[i : i + batch_size] for i in range(0, n, batch_size)]

    assert check_minibatches(answer)


def test_sampling_with_replacement_is_rejected(capsys):
    def with_replacement(n, batch_size, generator):
        draws = torch.randint(n, (n,), generator=generator).tolist()
        return [draws[i : i + batch_size] for i in range(0, n, batch_size)]

    assert check_minibatches(with_replacement) is False
    assert "appears twice" in capsys.readouterr().out


def test_dropping_the_last_batch_is_rejected(capsys):
    def drops_tail(n, batch_size, generator):
        perm = torch.randperm(n, generator=generator).tolist()
        return [perm[i : i + batch_size] for i in range(0, n - n % batch_size, batch_size)]

    assert check_minibatches(drops_tail) is False
    assert "never visited" in capsys.readouterr().out


def test_no_shuffle_is_rejected(capsys):
    def in_order(n, batch_size, generator):
        return [list(range(i, min(i + batch_size, n))) for i in range(0, n, batch_size)]

    assert check_minibatches(in_order) is False
    assert "in order" in capsys.readouterr().out


def test_ignoring_the_generator_is_rejected(capsys):
    def global_rng(n, batch_size, generator):
        perm = torch.randperm(n).tolist()
        return [perm[i : i + batch_size] for i in range(0, n, batch_size)]

    assert check_minibatches(global_rng) is False
    assert "generator" in capsys.readouterr().out


def test_not_implemented_and_crash_are_reported(capsys):
    def stub(n, batch_size, generator):
        raise NotImplementedError

    assert check_minibatches(stub) is False
    assert "not implemented yet" in capsys.readouterr().out

    def crashes(n, batch_size, generator):
        return 1 / 0

    assert check_minibatches(crashes) is False
    assert "ZeroDivisionError" in capsys.readouterr().out
