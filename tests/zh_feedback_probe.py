"""A pytest plugin that hears every checker's feedback a second time, in Chinese.

Loaded with ``-p tests.zh_feedback_probe`` (tests/test_feedback_zh_all.py does so), before the
test modules are imported it wraps every ``check_*`` function of every module of
course_lib.exercises, where the modules and the package export it. Each outermost call then runs
twice with the same arguments: first under ``set_language("zh")``, its printed feedback recorded,
then in English, whose feedback the test itself reads and asserts as it always does. So the
Chinese is checked on exactly the answers the English tests hold (every wrong answer with its
diagnosis, every right answer, every adversary), and the English tests still pass.

At the end of the session the records (checker, test, verdict, feedback) are written as JSON
lines to the path in the environment variable ``ZH_FEEDBACK_RECORDS``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib
import io
import json
import os
import pkgutil

import pytest

_records: list[dict] = []
ZH_TIME_SCALE = 0.25
_state = {"depth": 0, "test": ""}


def every_checker() -> dict[str, object]:
    """Every ``check_*`` function defined in a module of course_lib.exercises, by name."""
    from course_lib import exercises

    found = {}
    for info in pkgutil.iter_modules(exercises.__path__):
        module = importlib.import_module(f"course_lib.exercises.{info.name}")
        for name, obj in vars(module).items():
            if name.startswith("check_") and getattr(obj, "__module__", None) == module.__name__:
                found[name] = obj
    return found


def _probe(name: str, checker):
    @functools.wraps(checker)
    def twice(*args, **kwargs):
        if _state["depth"]:  # a checker that another checker calls: heard through the outer one
            _records.append({"checker": name, "test": _state["test"], "nested": True})
            return checker(*args, **kwargs)
        from course_lib.exercises import sandbox
        from course_lib.i18n import language, set_language

        before, limits = language(), sandbox.TIME_SCALE
        feedback, verdict = io.StringIO(), None
        _state["depth"] += 1
        try:
            set_language("zh")
            # A hanging answer is heard stopped, in Chinese, at a quarter of the time limit (a
            # right answer takes milliseconds of its seconds): the English call takes the rest.
            sandbox.TIME_SCALE = limits * ZH_TIME_SCALE
            with contextlib.redirect_stdout(feedback):
                verdict = checker(*args, **kwargs)
        except BaseException as error:  # the English call below meets the same error
            verdict = f"raised {type(error).__name__}"
        finally:
            set_language(before)
            sandbox.TIME_SCALE = limits
            _state["depth"] -= 1
        _records.append(
            {
                "checker": name,
                "test": _state["test"],
                "verdict": verdict if isinstance(verdict, (bool, str)) else repr(verdict),
                "feedback": feedback.getvalue(),
            }
        )
        return checker(*args, **kwargs)

    twice.__wrapped_for_zh__ = True
    return twice


_probes: dict = {}


def _probed(value):
    """``value`` with a checker in it replaced by its probe: the checker itself, or a dataclass
    holding one in its ``checker`` field (tests/test_exercise_adversarial.py's specs)."""
    try:
        if value in _probes:
            return _probes[value]
    except TypeError:  # unhashable: not a function
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if getattr(value, "checker", None) in _probes:
            return dataclasses.replace(value, checker=_probes[value.checker])
    return value


def pytest_configure(config):
    # The modules that define the checkers keep their names: each exercise remembers its own
    # module's names and calls a rebinding tampering. The tests see the probes instead, through
    # the package, their modules' globals and their parameters.
    from course_lib import exercises

    _probes.update({fn: _probe(name, fn) for name, fn in every_checker().items()})
    for attr, obj in list(vars(exercises).items()):
        setattr(exercises, attr, _probed(obj))


def pytest_collection_finish(session):
    for module in {item.module for item in session.items if hasattr(item, "module")}:
        for attr, obj in list(vars(module).items()):
            setattr(module, attr, _probed(obj))


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    for name, value in pyfuncitem.funcargs.items():
        pyfuncitem.funcargs[name] = _probed(value)


def pytest_runtest_setup(item):
    _state["test"] = item.nodeid


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("ZH_FEEDBACK_RECORDS")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            for record in _records:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
