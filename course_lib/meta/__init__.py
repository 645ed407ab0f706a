"""Meta-learning (元学习) for Chapters 4-5: tasks, the functional inner loop, MAML and friends.

Modules, one idea each:
    tasks        SinusoidTasks and TaskBatch: tasks are the training examples
    models       the paper's 1-40-40-1 MLP and the two-parameter model a·sin(x + b)
    functional   adapt (the inner loop, 内循环) and meta_loss (MAML's outer objective), via torch.func
    first_order  what FOMAML drops (the second-order term) and Reptile's expansion (Nichol et al.)
    train        MetaConfig + meta_train for "maml", "fomaml", "reptile", "metasgd", "pretrain"
    blackbox     a conditional neural process: learning without gradient steps
    evaluation   adaptation_curve: query MSE after 0..S steps on new tasks
    landscape    both loops drawn in the (a, b) plane
    components   φ as named components (组件) and the one outer loop that learns any selection
    architecture learned mixing weights over candidate activations (DARTS)
    learned_update  a tiny network as the update rule
    augmentation  a learned shift-and-flip augmentation of the support set
    reweighting  learned sample weights for corrupted support sets
    binary_tasks 2-D binary classification tasks (the notes' framing)
    geometry     why MAML is good: steps to a task's optimum, distance to it
    evolution    a genetic algorithm for components without a gradient
    images       ImageTasks (N-way K-shot tasks over classes of images); DigitTasks from
                 scikit-learn's digits, Chapter 6's warm-up
    characters   Chapter 6's data set: 1,000 Chinese characters, each drawn by 28 typefaces
    classifiers  few-shot classifiers on one backbone: scratch, pre-training, MAML, ANIL, prototypes
"""

from course_lib.meta.architecture import MixedActivationMLP, block_weights
from course_lib.meta.augmentation import augment_support
from course_lib.meta.binary_tasks import LinearBoundaryTasks, accuracy, binary_cross_entropy
from course_lib.meta.blackbox import (
    BlackBoxConfig,
    ConditionalNeuralProcess,
    blackbox_mse,
    train_blackbox,
)
from course_lib.meta.characters import (
    TYPEFACES,
    CharacterSet,
    CharacterTasks,
    Typeface,
    character_split,
    load_characters,
)
from course_lib.meta.classifiers import (
    FEWSHOT_METHODS,
    FewShotConfig,
    FewShotLearner,
    FewShotNet,
    adaptation_accuracy,
    choose_inner_lr,
    evaluate_fewshot,
    layer_changes,
    meta_iterations_per_second,
    pixel_prototypes,
    predictions_along_the_way,
    prototype_logits,
    train_fewshot,
)
from course_lib.meta.components import (
    COMPONENTS,
    ComponentConfig,
    LearningAlgorithm,
    adapt_with_components,
    component_meta_loss,
    learn_components,
    squared_error,
)
from course_lib.meta.evaluation import (
    adaptation_curve,
    adaptation_trajectory,
    evaluation_tasks,
)
from course_lib.meta.evolution import EvolutionConfig, descend_inner_lr, evolve_inner_loop
from course_lib.meta.first_order import FirstOrderTerms, first_order_terms, second_order_term
from course_lib.meta.functional import (
    adapt,
    meta_loss,
    meta_loss_loop,
    mse,
    reptile_inner_loop,
    reptile_update,
    task_loss,
)
from course_lib.meta.geometry import (
    TaskFits,
    fit_tasks,
    nearby,
    nearest_fit,
    parameter_distance,
    steps_to_reach,
)
from course_lib.meta.images import DigitTasks, ImageTasks, digit_split
from course_lib.meta.landscape import TwoLoopPaths, sine_loss_grid, two_loop_paths
from course_lib.meta.learned_update import (
    adapt_with_rule,
    init_update_rule,
    rule_effects,
    without_gradient_input,
)
from course_lib.meta.models import SineModel, init_params, mlp_regressor
from course_lib.meta.reweighting import CorruptedSupport, example_weights, weighted_loss
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
    "reptile_inner_loop",
    "second_order_term",
    "FirstOrderTerms",
    "first_order_terms",
    "METHODS",
    "MetaConfig",
    "MetaLearner",
    "meta_train",
    "outer_gradient",
    "ConditionalNeuralProcess",
    "BlackBoxConfig",
    "train_blackbox",
    "blackbox_mse",
    "adaptation_curve",
    "adaptation_trajectory",
    "evaluation_tasks",
    "TwoLoopPaths",
    "sine_loss_grid",
    "two_loop_paths",
    "COMPONENTS",
    "ComponentConfig",
    "LearningAlgorithm",
    "adapt_with_components",
    "component_meta_loss",
    "learn_components",
    "squared_error",
    "MixedActivationMLP",
    "block_weights",
    "adapt_with_rule",
    "init_update_rule",
    "rule_effects",
    "without_gradient_input",
    "augment_support",
    "CorruptedSupport",
    "example_weights",
    "weighted_loss",
    "LinearBoundaryTasks",
    "binary_cross_entropy",
    "accuracy",
    "steps_to_reach",
    "TaskFits",
    "fit_tasks",
    "nearby",
    "parameter_distance",
    "nearest_fit",
    "EvolutionConfig",
    "evolve_inner_loop",
    "descend_inner_lr",
    "ImageTasks",  # Ch 6: few-shot image classification
    "DigitTasks",
    "digit_split",
    "CharacterSet",
    "CharacterTasks",
    "Typeface",
    "TYPEFACES",
    "load_characters",
    "character_split",
    "FEWSHOT_METHODS",
    "FewShotNet",
    "FewShotConfig",
    "FewShotLearner",
    "train_fewshot",
    "prototype_logits",
    "pixel_prototypes",
    "adaptation_accuracy",
    "predictions_along_the_way",
    "evaluate_fewshot",
    "layer_changes",
    "meta_iterations_per_second",
    "choose_inner_lr",
]
