"""Interactive views over the library, one module per chapter; each returns an ipywidgets VBox."""

from course_lib.widgets.components import component_explorer
from course_lib.widgets.fewshot import fewshot_explorer
from course_lib.widgets.maml_rl import maml_rl_explorer
from course_lib.widgets.meta import adaptation_explorer, param_space_explorer
from course_lib.widgets.pearl import pearl_explorer
from course_lib.widgets.pg import q_learning_explorer, return_value_explorer
from course_lib.widgets.ppo import clip_objective_explorer, gae_explorer
from course_lib.widgets.rl2 import bandit_trial_viewer, maze_replay
from course_lib.widgets.sampling import sampling_explorer

__all__ = [
    "return_value_explorer",  # Ch 1
    "q_learning_explorer",
    "sampling_explorer",  # Ch 2
    "clip_objective_explorer",  # Ch 3
    "gae_explorer",
    "component_explorer",  # Ch 4
    "param_space_explorer",  # Ch 5
    "adaptation_explorer",
    "fewshot_explorer",  # Ch 6
    "bandit_trial_viewer",  # Ch 7
    "maze_replay",
    "maml_rl_explorer",  # Ch 8
    "pearl_explorer",  # Ch 9
]
