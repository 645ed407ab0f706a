"""meta.*, but the few-shot modules (they are ``fewshot``'s)."""

from __future__ import annotations

NO_BASELINE = {
    "course_lib.meta.blackbox.blackbox_mse": "needs a black-box model, not the sine regressor",
}

#: Gaps the generated sweep found that are not fixed yet (strict xfails: a fixed one must leave).
KNOWN_GAPS = {
    "course_lib.meta.evaluation.evaluation_tasks-family-object": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.reptile_inner_loop-model-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.reptile_inner_loop-model-object": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.reptile_inner_loop-params-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.reptile_inner_loop-params-list": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.reptile_inner_loop-tasks-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.reptile_inner_loop-tasks-object": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.reptile_update-model-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.reptile_update-model-object": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.reptile_update-params-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.reptile_update-params-list": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.reptile_update-tasks-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.reptile_update-tasks-object": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.task_loss-model-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.task_loss-model-object": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.task_loss-params-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.task_loss-params-list": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.task_loss-x-nan": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.functional.task_loss-y-nan": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.geometry.nearby-params-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.geometry.nearby-params-list": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.landscape.two_loop_paths-tasks-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.landscape.two_loop_paths-tasks-object": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.models.mlp_regressor-hidden-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.models.mlp_regressor-hidden-int": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.meta.models.mlp_regressor-hidden-object": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.widgets.meta.param_space_explorer-tasks-None": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.widgets.meta.param_space_explorer-tasks-int": "found by the generated sweep (object, None, nan and sequence values)",
    "course_lib.widgets.meta.param_space_explorer-tasks-object": "found by the generated sweep (object, None, nan and sequence values)",
}
