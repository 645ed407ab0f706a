"""Comparisons of meta-RL families: the only modules that train or score several families.

A family's package (``rl2``, ``maml_rl``, ``pearl``) never imports another family; a chapter
that sets them side by side does it here, on the same task families (:mod:`course_lib.tasks`)
and the same goals, and reports with :mod:`course_lib.stats`.

Modules:
    maml_rl_vs_rl2  Chapter 8: RL² on MAML-RL's 2-D navigation goals (discrete moves), goals
                    outside the training square, the rows of the comparison table
    meta_rl         Chapter 9: RL², MAML-RL and PEARL trained and scored on the same goals
                    (dense navigation and the sparse point robot), meta-training sample efficiency
"""
