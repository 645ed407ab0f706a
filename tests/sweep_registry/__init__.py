"""The generated sweep's registry (``tests/test_bad_inputs_generated.py``), one module per area.

The generator knows the bad values an annotation calls for; what it cannot know is a *valid*
call to start from (a rollout's tensors, an agent, a task batch), the callables too costly to
call, and the bad values an annotation cannot express (a tensor of the wrong shape, an
``object`` parameter). Each area module below says these for its part of ``course_lib``, in any
of the tables :data:`TABLES` names; :func:`merged` joins one table across the areas and refuses
a key that two areas both claim.

The areas, so that one engineer can own one without touching another's file:

* ``common``: the shared fixtures by parameter name and by type;
* ``rl``: the RL core (``pg``, ``ppo``, ``trpo``, ``tabular``, ``td``, ``training``,
  ``evaluation``, ``sampling``, ``nets``, ``checkpoints``, ``stats``, ``plotting``, ``tasks``);
* ``meta``: ``meta.*`` but the few-shot modules;
* ``fewshot``: ``meta.characters``, ``meta.classifiers``, ``meta.images``, their exercises and widget;
* ``meta_rl``: ``rl2``, ``maml_rl``, ``trials``, ``compare``, their widgets and exercises;
* ``pearl``: ``pearl.*``, its widget and exercises;
* ``course``: the rest (exercise harness and sandbox, the other exercises, ``validation``,
  ``claims``, ``i18n``, ``glossary``, ``chapters``, ``notebook``, the other widgets).
"""

from __future__ import annotations

import importlib

AREAS = ("common", "rl", "meta", "fewshot", "meta_rl", "pearl", "course")

#: The tables an area may define (each a dict; all optional):
TABLES = {
    # parameter name → factory of a valid value (shared by every callable: use sparingly)
    "VALID_BY_NAME": "valid value by parameter name",
    # annotation's class name → factory of a valid instance
    "VALID_BY_TYPE": "valid value by annotated class",
    # "module.Class" → factory of a fresh instance whose public methods are swept (default: the
    # class's own baseline call)
    "INSTANCES": "instances for the methods",
    # "module.name" or "module.Class.method" → factory of {parameter: valid value} (the missing
    # required arguments)
    "VALID_BY_CALLABLE": "valid arguments of one callable",
    # "module.name-parameter" → factory of [(label, bad value), ...], added to the generated ones
    "BAD_BY_PARAM": "hand-written bad values of one parameter",
    # "module.name" → factory of the values its ``*args`` take in every call (a tuple)
    "POSITIONAL": "positional values of a *args parameter",
    # "module.name" → why no valid call is made (it trains, or builds a data set)
    "NO_BASELINE": "callables not called",
    # "module.name" → why its fields are not an input edge (a result the library builds)
    "RECORDS": "result records",
    # "module.name-parameter-label" → why the generated bad value is accepted on purpose
    "INTENDED": "bad values accepted on purpose",
    # "module.name-parameter" → why no value can honestly be wrong for it
    "EXEMPT": "parameters no bad value exists for",
    # case id or "module.name-parameter" → the gap the library still has (a strict xfail)
    "KNOWN_GAPS": "known gaps",
    # "module.name-parameter" → why 10**12 is legal there, and the other arguments contradict it
    "HUGE_CONTRADICTS": "huge ints refused through another argument",
}


def merged(table: str) -> dict:
    """One table joined across the areas; a key claimed by two areas is an error naming both."""
    if table not in TABLES:
        raise KeyError(f"no table {table!r}; the tables are {sorted(TABLES)}")
    joined: dict = {}
    owner: dict[str, str] = {}
    for area in AREAS:
        module = importlib.import_module(f"{__name__}.{area}")
        for key, value in getattr(module, table, {}).items():
            if key in joined:
                raise KeyError(f"{table}[{key!r}] is set by both {owner[key]!r} and {area!r}")
            joined[key], owner[key] = value, area
    return joined
