"""Meta-learning (元学习) for Chapters 4-5: tasks, the functional inner loop, MAML and friends.

Modules, one idea each:
    tasks        SinusoidTasks and TaskBatch: tasks are the training examples
    models       the paper's 1-40-40-1 MLP and the two-parameter model a·sin(x + b)
    functional   adapt (the inner loop, 内循环) and meta_loss (MAML's outer objective), via torch.func
    train        MetaConfig + meta_train for "maml", "fomaml", "reptile", "metasgd", "pretrain"
    blackbox     a conditional neural process: learning without gradient steps
    evaluation   adaptation_curve: query MSE after 0..S steps on new tasks
    landscape    both loops drawn in the (a, b) plane
"""

from course_lib.meta.blackbox import (
    BlackBoxConfig,
    ConditionalNeuralProcess,
    blackbox_mse,
    train_blackbox,
)
from course_lib.meta.evaluation import (
    AdaptationCurve,
    adaptation_curve,
    adaptation_trajectory,
    evaluation_tasks,
)
from course_lib.meta.functional import (
    adapt,
    meta_loss,
    meta_loss_loop,
    mse,
    reptile_update,
    task_loss,
)
from course_lib.meta.landscape import TwoLoopPaths, sine_loss_grid, two_loop_paths
from course_lib.meta.models import SineModel, init_params, mlp_regressor
from course_lib.meta.tasks import SinusoidTasks, TaskBatch
from course_lib.meta.train import METHODS, MetaConfig, MetaLearner, meta_train, outer_gradient

__all__ = [
    "SinusoidTasks",
    "TaskBatch",
    "SineModel",
    "mlp_regressor",
    "init_params",
    "mse",
    "task_loss",
    "adapt",
    "meta_loss",
    "meta_loss_loop",
    "reptile_update",
    "METHODS",
    "MetaConfig",
    "MetaLearner",
    "meta_train",
    "outer_gradient",
    "ConditionalNeuralProcess",
    "BlackBoxConfig",
    "train_blackbox",
    "blackbox_mse",
    "AdaptationCurve",
    "adaptation_curve",
    "adaptation_trajectory",
    "evaluation_tasks",
    "TwoLoopPaths",
    "sine_loss_grid",
    "two_loop_paths",
]
