"""Small helpers for the chapter notebooks: show library code, check the environment."""

from __future__ import annotations

import importlib
import inspect
import platform

from course_lib.i18n import tr

__all__ = ["show_source", "check_environment", "REQUIRED_PACKAGES"]

# import name -> pip/conda name, for the environment check of Chapter 0.
REQUIRED_PACKAGES: dict[str, str] = {
    "torch": "torch",
    "gymnasium": "gymnasium",
    "numpy": "numpy",
    "matplotlib": "matplotlib",
    "ipywidgets": "ipywidgets",
    "tqdm": "tqdm",
}


def show_source(obj) -> IPython.display.Code:  # noqa: F821
    """The source of a library function or class, syntax-highlighted in the notebook.

    The notebooks show the real code this way instead of copying it, so what the student
    reads is exactly what runs.
    """
    from IPython.display import Code

    return Code(inspect.getsource(_check_source(obj)), language="python")


def _check_source(obj: object) -> object:
    """``obj`` if it is code whose source can be shown: a module, class, function or method."""
    if not (inspect.ismodule(obj) or inspect.isclass(obj) or inspect.isroutine(obj)):
        raise TypeError(
            f"obj must be a library function, class or module, got {type(obj).__name__} {obj!r:.80}"
        )
    return obj


def check_environment() -> dict[str, str]:
    """Versions of the packages the course needs; raises ImportError with a fix if one is missing."""
    versions = {"python": platform.python_version()}
    missing = []
    for module, package in REQUIRED_PACKAGES.items():
        try:
            versions[module] = importlib.import_module(module).__version__
        except ImportError:
            missing.append(package)
    if missing:
        raise ImportError(
            tr(
                "missing packages: {packages}. From the course folder run `make lab` "
                "(it installs everything into .venv), or `pip install -e .` in your environment, "
                "then restart the kernel (Kernel → Restart Kernel).",
                packages=", ".join(missing),
            )
        )
    return versions
