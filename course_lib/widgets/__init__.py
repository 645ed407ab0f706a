"""Interactive views over the library, one module per chapter; each returns an ipywidgets VBox."""

from course_lib.widgets.meta import adaptation_explorer, param_space_explorer
from course_lib.widgets.ppo import clip_objective_explorer, gae_explorer
from course_lib.widgets.rl2 import bandit_trial_viewer, maze_replay
from course_lib.widgets.sampling import sampling_explorer

__all__ = [
    "sampling_explorer",  # Ch 2
    "clip_objective_explorer",  # Ch 3
    "gae_explorer",
    "param_space_explorer",  # Ch 5
    "adaptation_explorer",
    "bandit_trial_viewer",  # Ch 7
    "maze_replay",
]
