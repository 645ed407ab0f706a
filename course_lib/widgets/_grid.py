"""The course site's live figures: each widget's own frames, precomputed on a grid of its controls.

The site (``make book``, ``scripts/build_book.py``) has no kernel. So, while a chapter runs for
the site, every widget built by :func:`~course_lib.widgets._base.explorer` renders its figure
for a grid of control values, through its own ``update()`` and :class:`~course_lib.plotting.
PlotView` (the PNG a student sees in JupyterLab, nothing drawn twice), and saves the frames.
The site then shows the controls as plain HTML inputs and swaps in the matching frame.

What a grid holds, for each control of ``box.controls`` (:func:`site_axes`):

* every position the live control offers (each slider step from ``min`` to ``max``, its start
  value included; each dropdown or toggle option; both states of a checkbox), or
* where the product of all controls would exceed ``SiteGrid.max_frames``, an even subsample:
  every s-th position counted from the widget's default, and both ends (the largest control
  is thinned first, one position at a time, until the product fits), or
* a declared fixed value: ``SiteGrid(fixed={"seed": "why"})`` keeps the control at its
  default; the page says so and points to JupyterLab.

The default of every control is always on the grid, and the site opens there, as the live
widget does. A widget that needs another grid than the automatic one declares it with one
keyword: ``explorer(..., site=SiteGrid(max_frames=60, fixed={...}))``.

Rendering happens only when ``COURSE_SITE_FRAMES`` names a folder (the site build and the
browser tests set it; a student's kernel never renders). Frames are cached there by a key of
the widget's code (its module's source and this machinery's), its grid, and its data (the
opening frame and one far corner of the grid): an unchanged widget on unchanged data is not
rendered again. Frames are stored as lossless WebP (about a third of the PNG's bytes, and
decoded pixel for pixel equal to it; Chromium has shown WebP since 2010).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ipywidgets as widgets

from course_lib.i18n import tr
from course_lib.validation import check_int

__all__ = [
    "FRAMES_ENV",
    "SiteGrid",
    "Axis",
    "live_values",
    "site_axes",
    "grid_key",
    "code_hash",
    "render_site_frames",
    "load_manifest",
    "GRID_CLASS",
    "EXPLORER_CLASS",
]

FRAMES_ENV = "COURSE_SITE_FRAMES"
#: Every explorer box carries this DOM class; one with frames also ``GRID_CLASS + key``. The
#: site build reads both from the widget state saved in the executed notebook.
EXPLORER_CLASS = "course-explorer"
GRID_CLASS = "course-site-grid-"
#: Bump when the manifest or the frame encoding changes: every cached grid is then rendered anew.
FORMAT_VERSION = 1
# Lossless WebP: method 1 / quality 50 came within 2% of the smallest size (method 6, quality
# 100) at a tenth of its encoding time on these plots (measured on the Chapter 3 and 5 figures).
_WEBP = {"lossless": True, "method": 1, "quality": 50}


@dataclass(frozen=True)
class SiteGrid:
    """How the course site precomputes one widget (see the module docstring).

    Args:
        max_frames: at most this many frames (the product of the controls' site positions).
            Frames cost site bytes (about 10–60 KB each) and build time (one redraw each).
        positions: control name -> at most this many positions for that control, e.g. where
            each position is expensive (a new goal means a new adaptation run).
        fixed: control name -> why it stays at its default on the site (e.g. a seed: every
            seed is a new draw, none teaches more than another).
    """

    max_frames: int = 160
    positions: Mapping[str, int] = field(default_factory=dict)
    fixed: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_int("max_frames", self.max_frames, 1, 2000)
        if not isinstance(self.positions, Mapping) or not isinstance(self.fixed, Mapping):
            raise TypeError("positions and fixed must be mappings {control name: ...}")
        for name, count in self.positions.items():
            check_int(f"positions[{name!r}]", count, 1, 10_000)
        for name, reason in self.fixed.items():
            if not isinstance(reason, str) or not reason.strip():
                raise ValueError(
                    f"fixed[{name!r}] must say why the control stays fixed, got {reason!r}"
                )


@dataclass(frozen=True)
class Axis:
    """One control as the site offers it: its values (a subset of the live widget's), their
    readouts, the index of the default, and a note when it offers fewer than the live widget."""

    name: str
    description: str
    kind: str  # the site's input: "range" (a slider), "select" or "checkbox"
    values: tuple
    labels: tuple[str, ...]
    default: int
    live: int  # how many positions the live control offers
    note: str = ""  # "" when the site offers every position

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "kind": self.kind,
            "values": list(self.values),
            "labels": list(self.labels),
            "default": self.default,
            "live": self.live,
            "note": self.note,
        }


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return (
            isinstance(a, int | float)
            and isinstance(b, int | float)
            and math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
        )
    return a == b


def live_values(control: widgets.Widget) -> tuple[str, list, list[str]] | None:
    """Every value ``control`` lets a student pick, their readouts, and the site's input kind.

    A slider offers ``min + k·step`` up to ``max`` (as its handle snaps), and its start value
    when that lies between steps; ``None`` for a control the site cannot offer (a text box)."""
    if isinstance(control, widgets.IntSlider):
        values = list(range(control.min, control.max + 1, control.step))
        values = sorted(set(values) | {control.value})
        return "range", values, [str(v) for v in values]
    if isinstance(control, widgets.FloatSlider | widgets.FloatLogSlider):
        steps = int(math.floor((control.max - control.min) / control.step + 1e-9))
        exponents = [round(control.min + k * control.step, 12) for k in range(steps + 1)]
        if isinstance(control, widgets.FloatLogSlider):
            values = [control.base**e for e in exponents]
        else:
            values = exponents
        if not any(_same(v, control.value) for v in values):
            values = sorted([*values, control.value])
        fmt = control.readout_format
        return "range", values, [format(v, fmt) for v in values]
    if isinstance(control, widgets.SelectionSlider):
        return "range", list(control._options_values), list(control._options_labels)
    if isinstance(
        control, widgets.Dropdown | widgets.ToggleButtons | widgets.RadioButtons | widgets.Select
    ):
        return "select", list(control._options_values), list(control._options_labels)
    if isinstance(control, widgets.Checkbox | widgets.ToggleButton):
        return "checkbox", [False, True], [tr("off"), tr("on")]
    return None


def _kept(n: int, default: int, stride: int) -> list[int]:
    """Every ``stride``-th index from the first, the last, and the default."""
    return sorted({*range(0, n, stride), n - 1, default})


def _thin(n: int, default: int, at_most: int) -> tuple[list[int], int] | None:
    """The even subsample of ``n`` positions with the smallest stride that keeps at most
    ``at_most``; ``None`` when even the first, the last and the default are more."""
    for stride in range(1, max(n, 2)):
        kept = _kept(n, default, stride)
        if len(kept) <= at_most:
            return kept, stride
    return None


def site_axes(box: widgets.VBox) -> list[Axis]:
    """The grid the site offers for an :func:`explorer` box: one :class:`Axis` per control,
    in ``box.controls`` order, under ``box.site`` (a :class:`SiteGrid`)."""
    grid: SiteGrid = getattr(box, "site", None) or SiteGrid()
    unknown = (set(grid.positions) | set(grid.fixed)) - set(box.controls)
    if unknown:
        raise ValueError(f"SiteGrid names controls the widget does not have: {sorted(unknown)}")
    full = []  # (name, control, kind, values, labels, default index, fixed reason)
    for name, control in box.controls.items():
        found = live_values(control)
        if found is None:
            kind, values, labels = "select", [control.value], [str(control.value)]
            reason = tr("the site offers sliders, dropdowns, toggles and checkboxes only")
        else:
            kind, values, labels = found
            reason = grid.fixed.get(name, "")
        default = next((i for i, v in enumerate(values) if _same(v, control.value)), None)
        if default is None:
            raise ValueError(f"control {name!r}: its value {control.value!r} is not one it offers")
        full.append((name, control, kind, values, labels, default, reason))

    chosen = []  # (kept indices, stride) for each control
    for name, _, _, values, _, default, reason in full:
        if reason:
            chosen.append(([default], len(values)))
            continue
        wanted = grid.positions.get(name, len(values))
        thinned = _thin(len(values), default, wanted)
        if thinned is None:
            raise ValueError(
                f"positions[{name!r}] = {wanted} keeps fewer than its first and last positions "
                "and its default: ask for more, or declare it fixed with its reason"
            )
        chosen.append(thinned)
    while math.prod(len(kept) for kept, _ in chosen) > grid.max_frames:
        # Thin the control with the most positions (the last one on ties) by one position,
        # never past its ends and default: a control the site cannot move is one the widget
        # declares fixed, with its reason.
        counts = [len(kept) for kept, _ in chosen]
        movable = [j for j in range(len(full)) if _thin(len(full[j][3]), full[j][5], counts[j] - 1)]
        if not movable:
            raise ValueError(
                f"{math.prod(counts)} frames with every control at its ends and default, more "
                f"than max_frames={grid.max_frames}: declare some controls fixed, "
                f"SiteGrid(fixed={{name: reason}}) (controls: {list(box.controls)})"
            )
        i = max(movable, key=lambda j: (counts[j], j))
        chosen[i] = _thin(len(full[i][3]), full[i][5], counts[i] - 1)

    axes = []
    for (name, control, kind, values, labels, default, reason), (kept, stride) in zip(full, chosen):
        live = len(values)
        if reason:
            note = tr("fixed at {value}: {reason}", value=labels[default], reason=reason)
        elif len(kept) < live:
            note = tr(
                "{kept} of its {live} positions: {how}",
                kept=len(kept),
                live=live,
                how=_describe(labels, kept, stride, default),
            )
        else:
            note = ""
        axes.append(
            Axis(
                name=name,
                description=str(control.description or name),
                kind=kind,
                values=tuple(values[i] for i in kept),
                labels=tuple(labels[i] for i in kept),
                default=kept.index(default),
                live=live,
                note=note,
            )
        )
    return axes


def _describe(labels: Sequence[str], kept: Sequence[int], stride: int, default: int) -> str:
    """How a thinned control's positions were chosen, e.g. "every 5th from 0.00, the default
    0.90 and the end 1.00"."""
    if kept == [default]:
        return tr("only the default {value}", value=labels[default])
    values = dict(nth=_ordinal(stride), first=labels[0], default=labels[default], end=labels[-1])
    with_default = default % stride and default != len(labels) - 1
    with_end = (len(labels) - 1) % stride
    if with_default and with_end:
        return tr("every {nth} from {first}, the default {default} and the end {end}", **values)
    if with_default:
        return tr("every {nth} from {first}, the default {default}", **values)
    if with_end:
        return tr("every {nth} from {first}, the end {end}", **values)
    return tr("every {nth} from {first}", **values)


def _ordinal(n: int) -> str:
    """ "one", "2nd", "5th", … (in Chinese the plain count: "每 5 个")."""
    if n == 1:
        return tr("one")
    if 10 <= n % 100 <= 20 or n % 10 not in (1, 2, 3):
        return tr("{n}th", n=n)
    return {1: tr("{n}st", n=n), 2: tr("{n}nd", n=n), 3: tr("{n}rd", n=n)}[n % 10]


# -- rendering ------------------------------------------------------------------------------
def code_hash(module: str) -> str | None:
    """The sha256 of the code that draws a widget defined in ``module``: that module's source,
    this machinery's, ``explorer``'s and the plot helpers'. ``None`` for a module without a file
    (a widget written in a notebook cell). The site build compares it with a cached grid's, so a
    chapter executed before a widget's code changed is executed again."""
    import importlib.util

    spec = importlib.util.find_spec(module) if module and module != "__main__" else None
    if spec is None or not spec.origin or not Path(spec.origin).is_file():
        return None
    h = hashlib.sha256()
    for file in (spec.origin, __file__, Path(__file__).with_name("_base.py")):
        h.update(hashlib.sha256(Path(file).read_bytes()).digest())
    h.update(
        hashlib.sha256(
            Path(importlib.util.find_spec("course_lib.plotting").origin).read_bytes()
        ).digest()
    )
    return h.hexdigest()


def _code_sources(box: widgets.VBox) -> list[bytes]:
    """What identifies the widget's code: :func:`code_hash` of its update's module, or, for an
    update written in a notebook cell, its compiled code."""
    update = box.update
    digest = code_hash(getattr(update, "__module__", ""))
    if digest is not None:
        return [digest.encode()]
    code = update.__code__
    return [code.co_code + repr(code.co_consts).encode()]


def grid_key(box: widgets.VBox, axes: Sequence[Axis], data: Sequence[bytes]) -> str:
    """The cache key of a widget's frames: its code, its grid, and ``data``, what fingerprints
    the inputs it was given (the opening frame and status line, and the grid's far corner)."""
    h = hashlib.sha256()
    for part in _code_sources(box):
        h.update(hashlib.sha256(part).digest())
    h.update(json.dumps([FORMAT_VERSION, [a.to_json() for a in axes]], default=str).encode())
    for part in data:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()[:24]


def _webp(png: bytes) -> bytes:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        out = io.BytesIO()
        image.save(out, "WEBP", **_WEBP)
    return out.getvalue()


@contextlib.contextmanager
def _held(box: widgets.VBox):
    """Keep the front end out of the sweep: the states of the image, the status line and the
    controls are sent once, at the end (their final, default values), not once per frame."""
    with contextlib.ExitStack() as stack:
        for w in (box.view.image, box.status, *box.controls.values()):
            stack.enter_context(w.hold_sync())
        yield


def _log(message: str) -> None:
    """To the kernel's own stderr (the build's or the server's log), never into the notebook."""
    stream = sys.__stderr__
    if stream is not None:
        print(f"[site] {message}", file=stream, flush=True)


def load_manifest(folder: Path) -> dict | None:
    path = Path(folder) / "manifest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def render_site_frames(box: widgets.VBox, root: Path | str) -> Path:
    """Render every frame of ``box``'s site grid into ``root/<key>/`` (or find them cached).

    Writes ``manifest.json`` (the axes; for each frame in ``itertools.product`` order of the
    axes' indices, its file, its PNG's sha256, its status line and the values the controls held)
    and one ``<sha>.webp`` per distinct frame. The box ends as it began (same values, same
    picture) and is tagged with the key (``GRID_CLASS + key``). Returns the folder."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    axes = site_axes(box)
    defaults = {a.name: a.values[a.default] for a in axes}
    opening = box.view.image.value
    name = getattr(box.update, "__qualname__", "widget").split(".<locals>")[0]
    t0, c0 = time.perf_counter(), time.process_time()
    with _held(box):
        data = [opening, box.status.value.encode()]
        box.show({a.name: a.values[-1] for a in axes})  # the far corner: one more fingerprint
        key = grid_key(box, axes, [*data, box.view.image.value, box.status.value.encode()])
        folder = root / key
        if load_manifest(folder) is None:
            frames = _sweep(box, axes, folder)
            manifest = {
                "version": FORMAT_VERSION,
                "key": key,
                "widget": name,
                "module": getattr(box.update, "__module__", ""),
                "code_sha256": code_hash(getattr(box.update, "__module__", "")),
                "title": getattr(box, "title", ""),
                "axes": [a.to_json() for a in axes],
                "frames": frames,
                "opening_png_sha256": hashlib.sha256(opening).hexdigest(),
                "seconds": round(time.perf_counter() - t0, 2),
                "cpu_seconds": round(time.process_time() - c0, 2),
            }
            _publish(folder, manifest)
            _log(f"{name}: {len(frames)} frames in {manifest['seconds']:.1f} s -> {folder}")
        else:
            os.utime(folder / "manifest.json")  # recently used: kept by the build's pruning
            _log(f"{name}: frames cached in {folder}")
        box.show(defaults)
    box.add_class(GRID_CLASS + key)
    return folder


def _sweep(box: widgets.VBox, axes: Sequence[Axis], folder: Path) -> list[dict]:
    """Show every combination, in product order; write each distinct frame once."""
    staging = folder.with_name(f".{folder.name}.{os.getpid()}")
    staging.mkdir(parents=True, exist_ok=True)
    frames = []
    for combo in itertools.product(*(range(len(a.values)) for a in axes)):
        wanted = {a.name: a.values[i] for a, i in zip(axes, combo)}
        box.show(wanted)
        held = {n: box.controls[n].value for n in wanted}
        refused = [n for n in wanted if not _same(held[n], wanted[n])]
        if refused:  # a value the live control would not hold: the grid claims too much
            raise ValueError(
                f"controls {refused} refused the site values {[wanted[n] for n in refused]}"
            )
        png = box.view.image.value
        sha = hashlib.sha256(png).hexdigest()
        file = f"{sha[:20]}.webp"
        if not (staging / file).exists():
            (staging / file).write_bytes(_webp(png))
        frames.append({"file": file, "png_sha256": sha, "status": box.status.value, "values": held})
    return frames


def _publish(folder: Path, manifest: dict) -> None:
    """Move the staged frames into place with their manifest, atomically: two kernels that
    render the same widget at once both succeed, and a reader never sees half a grid."""
    staging = folder.with_name(f".{folder.name}.{os.getpid()}")
    (staging / "manifest.json").write_text(
        json.dumps(manifest, indent=0, default=str), encoding="utf-8"
    )
    try:
        os.replace(staging, folder)
    except OSError:  # another kernel published the same key first: theirs is as good
        for f in staging.iterdir():
            f.unlink()
        staging.rmdir()
