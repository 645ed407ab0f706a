"""PEARL: pearl.*, its widget (widgets.pearl) and exercises (exercises.pearl)."""

from __future__ import annotations

NO_BASELINE = {
    "course_lib.pearl.train.train_pearl": "trains",
}
