"""The course's one list of chapters, in reading order.

Chapter 0's roadmap and every chapter's closing "Next" line are written from this list by
``scripts/sync_chapters.py`` (``tests/test_chapters.py`` fails when a notebook and the list
disagree), so adding or renaming a chapter is one line here and one command.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral

from course_lib import glossary
from course_lib.validation import check_instance, check_int

__all__ = ["Chapter", "CHAPTERS", "chapter", "roadmap_markdown", "next_markdown"]


@dataclass(frozen=True)
class Chapter:
    """One chapter: its number, notebook name (without ``.ipynb``), title and what you build."""

    number: int
    name: str
    title: str
    builds: str

    def __post_init__(self) -> None:
        check_int("number", self.number, 0, 99)
        for name in ("name", "title", "builds"):
            check_instance(name, getattr(self, name), str, "a str")
            if not getattr(self, name):
                raise ValueError(f"{name} must be a non-empty str, got ''")

    @property
    def file(self) -> str:
        return f"{self.name}.ipynb"


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        0, "00_start_here", "Start here", "how chapters, widgets and exercises work; your set-up"
    ),
    Chapter(
        1,
        "01_rl_from_zero",
        "RL from zero",
        "the agent–environment loop, returns and values exactly and by sampling, "
        "temporal-difference learning and Q-learning, the policy gradient, REINFORCE on CartPole",
    ),
    Chapter(
        2,
        "02_sampling",
        "Minibatch sampling",
        "minibatch samplers (`BatchSampler`, `SubsetRandomSampler`, `torch.randperm`) and why PPO "
        "shuffles without replacement",
    ),
    Chapter(
        3,
        "03_ppo",
        "PPO",
        "PPO from scratch: the clipped objective, GAE, a CartPole agent that reaches 500, a Gaussian "
        "policy on Pendulum",
    ),
    Chapter(
        4,
        "04_meta_learning",
        "Meta-learning: what φ can be",
        "learning to learn: inner and outer loops, and every component φ the notes list, learned for real",
    ),
    Chapter(
        5,
        "05_maml_vs_pretraining",
        "MAML vs pre-training",
        "MAML's learned initialisation against pre-training, on sinusoids and in a 2-D parameter space",
    ),
    Chapter(
        6,
        "06_fewshot_images",
        "Few-shot image classification",
        "few-shot classification of Chinese characters drawn by 28 typefaces: scratch, "
        "pre-training, MAML, FOMAML, ANIL, prototypical networks",
    ),
    Chapter(
        7,
        "07_rl2",
        "RL²",
        "RL²: a recurrent agent whose hidden state learns within a trial, on bandits and mazes",
    ),
    Chapter(
        8,
        "08_maml_rl_vs_rl2",
        "MAML-RL vs RL²",
        "adapting by gradient steps (MAML-RL) or by memory (RL²) on the same tasks",
    ),
    Chapter(
        9,
        "09_pearl",
        "PEARL: inferring the task",
        "PEARL: a posterior over a task variable, posterior sampling and off-policy soft "
        "actor-critic; RL², MAML-RL and PEARL on the same new goals",
    ),
)


def chapter(number: int) -> Chapter:
    """The chapter with this number; ``ValueError`` naming the numbers that exist."""
    if isinstance(number, bool) or not isinstance(number, Integral):
        raise TypeError(f"number must be an integer chapter number, got {number!r}")
    for c in CHAPTERS:
        if c.number == number:
            return c
    numbers = [c.number for c in CHAPTERS]
    raise ValueError(f"no chapter {number}: number must be one of {numbers}, got {number}")


def _key_terms(number: int, limit: int = 3) -> str:
    terms = [t for t in glossary.TERMS if t.chapter == number][:limit]
    return ", ".join(f"{t.english} ({t.chinese})" for t in terms)


def roadmap_markdown() -> str:
    """Chapter 0's roadmap: every later chapter, what you build there, the terms it introduces."""
    rows = [
        "## The chapters",
        "",
        "| # | Chapter | What you build | Key terms |",
        "|---|---------|----------------|-----------|",
    ]
    for c in CHAPTERS[1:]:
        rows.append(f"| {c.number} | `{c.file}` | {c.builds} | {_key_terms(c.number)} |")
    rows += [
        "",
        "Chapters build on each other (PPO reuses Chapter 2's sampler; RL² reuses PPO's loss and "
        "advantage estimator), so work through them in order the first time.",
    ]
    return "\n".join(rows)


def next_markdown(number: int) -> str:
    """The closing line of chapter ``number``: which chapter comes next (or that this is the last)."""
    index = CHAPTERS.index(chapter(number))
    if index + 1 == len(CHAPTERS):
        return "**Next:** this is the last chapter so far; the README lists what the course covers."
    following = CHAPTERS[index + 1]
    return (
        f"**Next:** Chapter {following.number}, *{following.title}* (`{following.file}`): "
        f"{following.builds}."
    )
