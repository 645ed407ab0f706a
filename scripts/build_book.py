"""Build the course site: every chapter executed (quick settings), rendered to static HTML, and
every widget live, from frames its own code drew on a grid of its controls.

Usage:
    python scripts/build_book.py [--src notebooks] [--out _build] [--jobs 2]
                                 [--executed-dir DIR] [--frames .cache/site-frames]
                                 [--languages en [zh ...]] [--lang-src zh=DIR] [--timeout 1200]

Steps (``make book``):
1. Execute each chapter with nbclient, ``--jobs`` kernels at a time, in the chapter's own
   folder, and keep the executed copy in ``OUT/executed/`` (a failing cell fails the build;
   cells tagged ``raises-exception`` may raise). The kernels run with ``COURSE_SITE_FRAMES``
   set to ``--frames``: each widget built by ``explorer`` renders its site grid there, from the
   chapter's own trained models, or finds it cached (``course_lib/widgets/_grid.py``). With
   ``--executed-dir DIR`` a chapter already executed there (e.g. by the browser tests of the
   same CI run, whose kernels render the same grids) is taken as it is, when its cells match
   and every widget's frames are in ``--frames``.
2. Render each executed notebook with nbconvert's ``lab`` template into ``OUT/site/NN_x.html``
   with a navigation bar (previous · contents · next, and a language switch when the site has
   more than one language). A widget with a site grid becomes plain HTML controls (range
   inputs, selects, checkboxes) over its precomputed frames (``OUT/site/frames/``, WebP: see
   ``SITE_COLOURS``), with a line for every control the site thins or keeps fixed; a few lines
   of inline JavaScript swap the frame. Any other widget is shown as the images of its saved
   state with a note that it is live in JupyterLab. Progress bars become their final text line.
   What pages would repeat goes into shared files named by their content: the long style
   blocks into ``OUT/site/assets/``, the plots into ``OUT/site/images/`` (lossless WebP).
3. Write ``OUT/site/index.html`` (the chapters in course order), copy MathJax from the
   ``jupyter-server-mathjax`` package into ``OUT/site/mathjax/``, write ``OUT/grids.json``
   (every grid's manifest, for the tests) and print the size of each chapter in each language.

Languages: ``--languages en`` (the default) builds the English site at ``OUT/site/``. Every
further language L (e.g. ``--languages en zh --lang-src zh=DIR``, as ``make book`` does) is
executed from the notebooks in DIR (its executed copies in ``OUT/executed/L/``) into
``OUT/site/L/``, and every page then carries a switch to the same page in the other
languages. Its widgets draw their frames in that language: a grid's cache key covers its
pictures and labels, so the languages share a cached grid only where they draw the same
frames, and the site's ``frames/`` and ``images/`` hold a picture both languages show once.

Nothing is fetched, at build time or when reading: no CDN for MathJax, fonts or scripts.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import resource
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

from course_lib.widgets._grid import (
    EXPLORER_CLASS,
    FRAMES_ENV,
    GRID_CLASS,
    code_hash,
    load_manifest,
)

ROOT = Path(__file__).resolve().parents[1]

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CONTROL_MODELS = {
    "IntSliderModel", "FloatSliderModel", "FloatLogSliderModel", "IntRangeSliderModel",
    "FloatRangeSliderModel", "SelectionSliderModel", "CheckboxModel", "DropdownModel",
    "ToggleButtonsModel", "ToggleButtonModel", "RadioButtonsModel", "IntTextModel",
    "FloatTextModel", "BoundedIntTextModel", "BoundedFloatTextModel", "TextModel", "ButtonModel",
}  # fmt: skip
# What the site itself says, in each language (the chapters' own text comes from their runs).
SITE_TEXT = {
    "en": {
        "live_note": (
            "This widget is live in JupyterLab: open the chapter there and move its controls to "
            "redraw the plot. Shown here: its initial state."
        ),
        "grid_note": (
            "Live on this page, without Python: every picture was drawn by this widget's own "
            "code in this chapter's run when the site was built; moving a control shows the "
            "matching one."
        ),
        "fewer": (
            " Fewer positions than in JupyterLab (<code>make lab</code>), where every value is "
            "live: {notes}."
        ),
        "note_sep": "; ",
        "every": " It offers every position the widget offers in JupyterLab.",
        "no_widget": "(an interactive widget: run the chapter in JupyterLab to see it)",
        "contents": "Contents",
        "site_title": "Meta-RL course",
        "heading": "Reinforcement learning and meta-RL: the course",
        "intro": (
            'Each chapter below was executed with its quick settings (<code>SCALE = "quick"</code>) '
            "when this site was built. Its widgets work here without Python: every picture was "
            "drawn by the widget's own code for a grid of its control values; JupyterLab "
            "(<code>make lab</code>) offers every value."
        ),
    },
    "zh": {
        "live_note": (
            "这个交互控件在 JupyterLab 中可以实时操作：在那里打开本章，拖动控件即可重新绘图。"
            "此处显示的是它的初始状态。"
        ),
        "grid_note": (
            "在本页无需 Python 即可操作：每张图都是构建本站时，这个交互控件自己的代码在本章的运行中"
            "画出的；拖动控件即显示对应的那一张。"
        ),
        "fewer": "取值比 JupyterLab（<code>make lab</code>）中少，在那里每个取值都可实时操作：{notes}。",
        "note_sep": "；",
        "every": "它提供了这个控件在 JupyterLab 中的全部取值。",
        "no_widget": "（交互控件：请在 JupyterLab 中运行本章查看）",
        "contents": "目录",
        "site_title": "强化学习与元强化学习课程",
        "heading": "强化学习与元强化学习：课程",
        "intro": (
            '下面每一章都在构建本站时以快速设置（<code>SCALE = "quick"</code>）运行过。'
            "其中的交互控件在这里无需 Python 即可操作：每张图都是控件自己的代码为一组控件取值画出的；"
            "JupyterLab（<code>make lab</code>）提供全部取值。"
        ),
    },
}


def site_text(language: str) -> dict[str, str]:
    """The site's own sentences in ``language`` (English for a language without them)."""
    return SITE_TEXT.get(language, SITE_TEXT["en"])


LANGUAGE_NAMES = {"en": "English", "zh": "中文"}
SITE_BUDGET_MB = 60  # the whole site, every language (tests/test_book.py holds it)
CACHE_DAYS = 30  # cached grids unused this long are deleted after a build


# -- 1. execute ---------------------------------------------------------------------------
def execute(path: Path, out_dir: Path, timeout: int, frames: Path) -> tuple[str, float, float]:
    """Run every cell of ``path`` (kernel ``python3``, cwd = its folder, widgets rendering their
    site grids into ``frames``); save to ``out_dir``.

    Returns (name, wall seconds, kernel CPU seconds: user + sys of the finished kernel process,
    read from this worker's children's resource usage)."""
    from nbclient import NotebookClient

    t0, c0 = time.perf_counter(), _children_cpu()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
    )
    client.execute(env={**os.environ, FRAMES_ENV: str(frames.resolve())})
    nbformat.write(nb, out_dir / path.name)
    return path.name, time.perf_counter() - t0, _children_cpu() - c0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def widget_state(nb: nbformat.NotebookNode) -> dict:
    return nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})


def grid_keys(state: dict, model_id: str) -> list[str] | None:
    """For an explorer box: its grid key (``[]`` when it was built without rendering frames);
    ``None`` for any other widget."""
    classes = state.get(model_id, {}).get("state", {}).get("_dom_classes", [])
    if EXPLORER_CLASS not in classes:
        return None
    return [c.removeprefix(GRID_CLASS) for c in classes if c.startswith(GRID_CLASS)]


def shown_widgets(nb: nbformat.NotebookNode) -> list[str]:
    """Model ids of the widgets the notebook displays, in order."""
    return [
        out["data"][WIDGET_VIEW].get("model_id", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if WIDGET_VIEW in out.get("data", {})
    ]


def missing_grids(nb: nbformat.NotebookNode, frames: Path) -> list[str]:
    """The displayed explorer widgets of an executed notebook without current frames in
    ``frames``: none rendered, or rendered by widget code that has changed since."""
    state = widget_state(nb)
    missing = []
    for model_id in shown_widgets(nb):
        keys = grid_keys(state, model_id)
        if keys is None:
            continue
        manifests = [m for m in (load_manifest(frames / k) for k in keys) if m is not None]
        if not any(m.get("code_sha256") == code_hash(m.get("module", "")) for m in manifests):
            missing.append(model_id)
    return missing


def executed_copy_of(executed: Path, source: Path, frames: Path | None = None) -> bool:
    """True when ``executed`` is ``source`` run to the end (the same cells, every code cell
    run) and, given ``frames``, every widget it shows has its site grid there."""
    run = nbformat.read(executed, as_version=4)
    src = nbformat.read(source, as_version=4)
    if [(c.cell_type, c.source) for c in run.cells] != [(c.cell_type, c.source) for c in src.cells]:
        return False
    code = [c for c in run.cells if c.cell_type == "code" and c.source.strip()]
    if not code or any(c.execution_count is None for c in code):
        return False
    return frames is None or not missing_grids(run, frames)


# -- 2. widgets as static images ----------------------------------------------------------
def _children(state: dict, model_id: str) -> list[str]:
    model = state.get(model_id, {}).get("state", {})
    kids = model.get("children", [])
    return [k.removeprefix("IPY_MODEL_") for k in kids if isinstance(k, str)]


def _walk(state: dict, model_id: str) -> list[str]:
    """Model ids of ``model_id`` and its descendants, depth first, in display order."""
    out, stack = [], [model_id]
    while stack:
        mid = stack.pop()
        if mid in out:
            continue
        out.append(mid)
        stack.extend(reversed(_children(state, mid)))
    return out


def _image_value(entry: dict) -> str | None:
    """The base64 PNG held by an ImageModel (its ``value`` travels as a binary buffer)."""
    for buf in entry.get("buffers", []):
        if buf.get("path") == ["value"] and buf.get("encoding") == "base64":
            return buf["data"]
    value = entry.get("state", {}).get("value")
    if isinstance(value, str) and value:
        return value if not value.startswith("data:") else value.split(",", 1)[1]
    return None


def widget_html(state: dict, model_id: str, language: str = "en") -> str:
    """Static HTML for one displayed widget: images, texts, controls' values, and the note
    (in ``language``)."""
    text = site_text(language)
    parts, controls, images = [], [], 0
    for mid in _walk(state, model_id):
        entry = state.get(mid)
        if entry is None:
            continue
        name, s = entry.get("model_name", ""), entry.get("state", {})
        if name == "ImageModel":
            data = _image_value(entry)
            if data:
                fmt = s.get("format", "png")
                parts.append(
                    f'<img class="book-widget-image" alt="plot" src="data:image/{fmt};base64,{data}">'
                )
                images += 1
        elif name in ("HTMLModel", "HTMLMathModel", "LabelModel"):
            if s.get("value"):
                value = s["value"] if name != "LabelModel" else html.escape(s["value"])
                parts.append(f'<div class="book-widget-text">{value}</div>')
        elif name == "FloatProgressModel" or name == "IntProgressModel":
            continue  # tqdm: its HTML siblings hold the text (percent, counts, rate)
        elif name in CONTROL_MODELS:
            label = html.escape(str(s.get("description", "")))
            # Saved state may omit a value equal to its default (0, False, "").
            value = s.get(
                "value",
                False
                if name in ("CheckboxModel", "ToggleButtonModel")
                else 0
                if "Slider" in name or "Int" in name or "Float" in name
                else "",
            )
            if name in (
                "DropdownModel",
                "ToggleButtonsModel",
                "RadioButtonsModel",
                "SelectionSliderModel",
            ):
                labels = s.get("_options_labels", [])
                index = s.get("index")
                value = labels[index] if isinstance(index, int) and index < len(labels) else value
            controls.append(
                f"{label} = {html.escape(str(value))}" if label else html.escape(str(value))
            )
    if controls:
        first_image = next((i for i, part in enumerate(parts) if part.startswith("<img")), 0)
        parts.insert(
            first_image, '<div class="book-widget-controls">' + " · ".join(controls) + "</div>"
        )
        parts.append(f'<div class="book-widget-note">{text["live_note"]}</div>')
        cls = "book-widget book-widget-live"
    else:
        cls = "book-widget"
    if not parts:
        parts.append(f'<div class="book-widget-note">{text["no_widget"]}</div>')
    return f'<div class="{cls}" data-images="{images}">' + "\n".join(parts) + "</div>"


# -- 2b. widgets with a site grid -----------------------------------------------------------
def _control_html(i: int, axis: dict) -> str:
    """One control as a plain HTML input over the axis's positions (disabled when fixed)."""
    label = html.escape(axis["description"])
    labels = axis["labels"]
    disabled = " disabled" if len(labels) == 1 else ""
    attrs = (
        f'data-axis="{i}" data-name="{html.escape(axis["name"])}" aria-label="{label}"{disabled}'
    )
    if axis["kind"] == "checkbox" and len(labels) == 2:
        checked = " checked" if axis["default"] == 1 else ""
        return f'<label class="book-grid-control"><input type="checkbox" {attrs}{checked}> {label}</label>'
    if axis["kind"] == "select" or (axis["kind"] == "checkbox" and len(labels) == 1):
        options = "".join(
            f"<option{' selected' if j == axis['default'] else ''}>{html.escape(t)}</option>"
            for j, t in enumerate(labels)
        )
        return (
            f'<label class="book-grid-control">{label} <select {attrs}>{options}</select></label>'
        )
    return (
        f'<label class="book-grid-control">{label} '
        f'<input type="range" min="0" max="{len(labels) - 1}" step="1" value="{axis["default"]}" {attrs}>'
        f" <output>{html.escape(labels[axis['default']])}</output></label>"
    )


def _default_index(axes: list[dict]) -> int:
    index = 0
    for axis in axes:
        index = index * len(axis["labels"]) + axis["default"]
    return index


def grid_html(manifest: dict, frames_url: str, language: str = "en") -> str:
    """A widget with a site grid: its title, its controls as HTML inputs, the frame of the
    default position, its status line, and what the site leaves out (in ``language``); the
    frame table rides in a JSON block that the page's script reads."""
    text = site_text(language)
    axes = manifest["axes"]
    frames = manifest["frames"]
    statuses = list(dict.fromkeys(f["status"] for f in frames))
    data = {
        "key": manifest["key"],
        "base": frames_url,
        "labels": [a["labels"] for a in axes],
        "frames": [f["file"] for f in frames],
        "status": statuses,
        "status_of": [statuses.index(f["status"]) for f in frames],
    }
    first = frames[_default_index(axes)]
    title = manifest.get("title") or ""
    notes = [
        f"<b>{html.escape(a['description'])}</b>: {html.escape(a['note'])}"
        for a in axes
        if a["note"]
    ]
    note = text["grid_note"] + (
        text["fewer"].format(notes=text["note_sep"].join(notes)) if notes else text["every"]
    )
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    controls = "\n".join(_control_html(i, a) for i, a in enumerate(axes))
    return (
        f'<div class="book-widget book-grid" data-key="{manifest["key"]}">'
        + (f'<div class="book-widget-text"><b>{html.escape(title)}</b></div>' if title else "")
        + f'<div class="book-grid-controls">{controls}</div>'
        + f'<img class="book-widget-image" alt="{html.escape(title or "plot")}" src="{frames_url}{first["file"]}">'
        + f'<div class="book-widget-text book-grid-status">{first["status"]}</div>'
        + f'<div class="book-widget-note">{note}</div>'
        + f'<script type="application/json" class="book-grid-data">{payload}</script>'
        + "</div>"
    )


# The site's frames: two languages of every grid fit the size budget only in fewer bytes than the
# cache's lossless WebP (27 MB a language). A frame of at most 256 colours is copied as it is
# (WebP stores it as a palette, pixel for pixel); one with more (anti-aliased lines and text over
# many colours) gets its own 256-colour palette by median cut, without dithering: 17% fewer frame
# bytes over the site, a mean error of 0.025 of a level per channel (216 of the course's frames;
# 0.09% of the pixels off by more than 8 levels, anti-aliasing between two colours). Each palette
# frame is kept beside its cached original, in ``palette/``, and made once.
SITE_COLOURS = 256


def palette_frame(cached: Path) -> Path:
    """The site's version of the cached frame ``cached`` (see SITE_COLOURS), made once."""
    kept = cached.parent / "palette" / cached.name
    if kept.exists():
        return kept
    import io

    from PIL import Image

    data = cached.read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        rgb = image.convert("RGB")
    if rgb.getcolors(SITE_COLOURS) is None:  # more colours than a palette holds
        out = io.BytesIO()
        rgb.quantize(SITE_COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
            out, "WEBP", lossless=True, method=1, quality=50
        )
        data = min(data, out.getvalue(), key=len)
    kept.parent.mkdir(exist_ok=True)
    staged = kept.with_name(f".{kept.name}.{os.getpid()}")
    staged.write_bytes(data)
    os.replace(staged, kept)  # two builds at once both succeed
    return kept


def site_frame(cached: Path, dest: Path) -> None:
    """Write the site's copy of the cached frame ``cached`` to ``dest``."""
    shutil.copyfile(palette_frame(cached), dest)


def prepare_frames(executed: list[Path], frames: Path, jobs: int) -> int:
    """Make the site's version of every frame the executed chapters' widgets will show, ``jobs``
    processes at a time (rendering the pages then only copies them); return how many were made."""
    todo = set()
    for path in executed:
        nb = nbformat.read(path, as_version=4)
        state = widget_state(nb)
        for model_id in shown_widgets(nb):
            for key in grid_keys(state, model_id) or []:
                manifest = load_manifest(frames / key)
                for frame in manifest["frames"] if manifest else ():
                    if not (frames / key / "palette" / frame["file"]).exists():
                        todo.add(frames / key / frame["file"])
    if todo:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            list(pool.map(palette_frame, sorted(todo), chunksize=16))
    return len(todo)


def staticize_widgets(
    nb: nbformat.NotebookNode,
    frames: Path | None = None,
    site: Path | None = None,
    frames_url: str = "frames/",
    language: str = "en",
) -> dict:
    """Replace every widget output by HTML: a widget with a site grid (its frames in
    ``frames``) by live controls over its frames, copied to ``site/frames/``; any other by
    static HTML of its saved state. Drops the widget state (the page loads no widget
    JavaScript). Returns what it did: ``widgets``, ``grids`` (their manifests) and
    ``frame_files`` (the frame files the page uses)."""
    state = widget_state(nb)
    done = {"widgets": 0, "grids": [], "frame_files": set()}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            data = out.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            model_id = data[WIDGET_VIEW].get("model_id", "")
            manifest = None
            if frames is not None:
                for key in grid_keys(state, model_id) or []:
                    manifest = load_manifest(frames / key) or manifest
            if manifest is not None and site is not None:
                (site / "frames").mkdir(parents=True, exist_ok=True)
                for file in {f["file"] for f in manifest["frames"]}:
                    if not (site / "frames" / file).exists():
                        site_frame(frames / manifest["key"] / file, site / "frames" / file)
                    done["frame_files"].add(file)
                out["data"] = {"text/html": grid_html(manifest, frames_url, language)}
                done["grids"].append(manifest)
            else:
                out["data"] = {"text/html": widget_html(state, model_id, language)}
            done["widgets"] += 1
    nb.metadata.pop("widgets", None)
    return done


# -- 3. pages -------------------------------------------------------------------------------
BOOK_CSS = """
.book-nav { font: 14px/1.5 system-ui, sans-serif; padding: 8px 16px; border-bottom: 1px solid #ddd;
  display: flex; justify-content: space-between; gap: 12px; background: #fafafa; }
.book-nav a { text-decoration: none; }
.book-lang { color: #546e7a; }
.book-widget { border: 1px solid #cfd8dc; border-radius: 4px; padding: 8px; margin: 4px 0; }
.book-widget-live, .book-grid { border-left: 4px solid #0072B2; }
.book-widget-image { max-width: 100%; height: auto; display: block; margin: 4px 0; }
.book-widget-controls { font-family: monospace; font-size: 12px; color: #37474f; margin-bottom: 4px; }
.book-widget-note { font-size: 12px; color: #546e7a; font-style: italic; margin-top: 4px; }
.book-grid-controls { display: flex; flex-wrap: wrap; gap: 6px 18px; font: 13px system-ui, sans-serif; }
.book-grid-control { display: inline-flex; align-items: center; gap: 6px; }
.book-grid-control output { font-family: monospace; min-width: 3.5em; }
.book-grid-control input[type=range] { width: 160px; }
/* MathJax's hidden MathML copy (for screen readers) would otherwise ask for TeX web fonts that
   the site's MathJax does not ship (it typesets with STIX-Web): blackboard bold, script letters. */
.MJX_Assistive_MathML [mathvariant] { font-family: inherit !important; }
"""

# matplotlib's animation player (``to_jshtml``) links Font Awesome from a CDN for its button
# icons; the site draws them with plain characters instead.
FONT_AWESOME_LINK = re.compile(r'<link\b[^>]*\bhref="https://[^"]*font-awesome[^"]*"[^>]*>')
PLAYER_CSS = """
.fa { font-style: normal; font-family: system-ui, sans-serif; }
.fa-minus:before { content: "\\2212"; } .fa-plus:before { content: "+"; }
.fa-fast-backward:before { content: "|\\25C0\\25C0"; } .fa-step-backward:before { content: "|\\25C0"; }
.fa-play:before { content: "\\25B6"; } .fa-pause:before { content: "\\275A\\275A"; }
.fa-step-forward:before { content: "\\25B6|"; } .fa-fast-forward:before { content: "\\25B6\\25B6|"; }
.fa-flip-horizontal { display: inline-block; transform: scaleX(-1); }
"""

# Swaps a grid widget's frame when a control moves: the next frame is decoded off-screen and
# then shown, so the picture never blanks; ``data-frame`` and ``data-response-ms`` (input event
# to decoded frame) are what tests/browser/test_site.py reads. Frames along a control a reader
# points at are fetched ahead, so dragging it finds them in the cache.
BOOK_JS = """
(() => {
  for (const w of document.querySelectorAll('.book-grid')) {
    const data = JSON.parse(w.querySelector('script.book-grid-data').textContent);
    const inputs = Array.from(w.querySelectorAll('[data-axis]'));
    const img = w.querySelector('img.book-widget-image');
    const status = w.querySelector('.book-grid-status');
    const sizes = data.labels.map((l) => l.length);
    const strides = sizes.map((_, i) => sizes.slice(i + 1).reduce((a, b) => a * b, 1));
    const position = (el) => el.type === 'checkbox' ? (el.checked ? 1 : 0)
      : el.type === 'range' ? el.valueAsNumber : el.selectedIndex;
    const frameOf = (pos) => pos.reduce((sum, p, i) => sum + p * strides[i], 0);
    const positions = () => { const pos = sizes.map(() => 0); inputs.forEach((el) => { pos[+el.dataset.axis] = position(el); }); return pos; };
    const url = (i) => data.base + data.frames[i];
    let latest = 0;
    const show = (event) => {
      const t0 = event ? event.timeStamp : performance.now();
      for (const el of inputs) {
        const out = el.parentElement.querySelector('output');
        if (out) out.textContent = data.labels[+el.dataset.axis][position(el)];
      }
      const i = frameOf(positions());
      const token = ++latest;
      const next = new Image();
      next.src = url(i);
      next.decode().catch(() => {}).then(() => {
        if (token !== latest) return;
        img.src = next.src;
        status.innerHTML = data.status[data.status_of[i]];
        w.dataset.frame = String(i);
        w.dataset.responseMs = (performance.now() - t0).toFixed(1);
      });
    };
    const warm = (el) => {
      const axis = +el.dataset.axis, pos = positions();
      for (let p = 0; p < sizes[axis]; p++) { pos[axis] = p; new Image().src = url(frameOf(pos)); }
    };
    for (const el of inputs) {
      el.addEventListener('input', show);
      el.addEventListener('pointerenter', () => warm(el));
      el.addEventListener('focus', () => warm(el));
    }
    w.dataset.frame = String(frameOf(positions()));
  }
})();
"""

# MathJax 2 from the jupyter-server-mathjax package (its fonts are STIX-Web), configured as
# nbconvert's lab template does, plus: no menu (it would offer renderers the copy leaves out)
# and ``data-mathjax="done"`` on <html> once every formula is typeset.
MATHJAX = """
<script type="text/x-mathjax-config">
MathJax.Hub.Config({
  TeX: { equationNumbers: { autoNumber: "AMS", useLabelIds: true } },
  tex2jax: { inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]], displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
             processEscapes: true, processEnvironments: true },
  "HTML-CSS": { availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null,
                linebreaks: { automatic: true } },
  displayAlign: "center", messageStyle: "none", showMathMenu: false,
});
MathJax.Hub.Queue(function () { document.documentElement.dataset.mathjax = "done"; });
</script>
<script src="{url}"></script>
"""

# The lab template, less require.js (only widgets' JavaScript needed it) and mermaid (a CDN
# import), with the local MathJax and the grid script.
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}{{ resources.book_mathjax }}{%- endblock html_head_js_mathjax -%}
"""

# What the site needs of the package's MathJax: the TeX input, the HTML-CSS output and its
# STIX-Web fonts; not the accessibility extensions, the SVG output or other UI languages.
MATHJAX_SKIP = ("extensions/a11y", "jax/output/SVG")


def mathjax_source() -> Path:
    import jupyter_server_mathjax

    return Path(jupyter_server_mathjax.__file__).parent / "static"


def copy_mathjax(site: Path) -> int:
    """Copy the needed part of MathJax into ``site/mathjax/``; return its size in bytes."""
    src, dest = mathjax_source(), site / "mathjax"
    size = 0
    for path in sorted(src.rglob("*")):
        rel = path.relative_to(src).as_posix()
        if not path.is_file() or rel.startswith(MATHJAX_SKIP):
            continue
        if rel.startswith("localization/") and not rel.startswith("localization/en/"):
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest / rel)
        size += path.stat().st_size
    return size


def title_of(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, flags=re.M)
            if m:
                return m.group(1).strip()
    return fallback


def page_path(language: str, languages: list[str], file: str) -> str:
    """Where a page lives, relative to the site root: the first language at the root, each
    other one in its own folder."""
    return file if language == languages[0] else f"{language}/{file}"


def language_switch(languages: list[str], language: str, file: str, available: dict) -> str:
    """Links to ``file`` in every other language (to that language's contents page where it
    lacks the chapter); empty for a one-language site."""
    if len(languages) < 2:
        return ""
    up = "" if language == languages[0] else "../"
    items = []
    for other in languages:
        name = html.escape(LANGUAGE_NAMES.get(other, other))
        if other == language:
            items.append(f'<span lang="{other}"><b>{name}</b></span>')
            continue
        target = file if file in available.get(other, ()) else "index.html"
        href = up + page_path(other, languages, target)
        items.append(f'<a href="{href}" hreflang="{other}" lang="{other}">{name}</a>')
    return '<span class="book-lang">' + " · ".join(items) + "</span>"


def nav_html(
    chapters: list[tuple[str, str]],
    i: int,
    languages: list[str] | None = None,
    language: str = "en",
    available: dict | None = None,
) -> str:
    prev = (
        f'<a href="{chapters[i - 1][0]}">← {html.escape(chapters[i - 1][1])}</a>'
        if i > 0
        else "<span></span>"
    )
    nxt = (
        f'<a href="{chapters[i + 1][0]}">{html.escape(chapters[i + 1][1])} →</a>'
        if i + 1 < len(chapters)
        else "<span></span>"
    )
    switch = language_switch(languages or [language], language, chapters[i][0], available or {})
    contents = site_text(language)["contents"]
    return f'<nav class="book-nav">{prev}<a href="index.html">{contents}</a>{switch}{nxt}</nav>'


# What every page would otherwise repeat, moved into files at the site root that every page and
# language shares, named by their content: JupyterLab's theme (240 KB in each page) and the
# other long style blocks, and the plots' PNGs, re-encoded as lossless WebP (a third of the
# bytes, the same pixels) where that is smaller, and no longer base64-inflated by a third.
STYLE_BLOCK = re.compile(r"<style([^>]*)>(.*?)</style>", flags=re.S)
INLINE_IMAGE = re.compile(r'src="data:image/png;base64,([A-Za-z0-9+/=\s]+)"')
SHARED_STYLE_BYTES = 4096  # shorter style blocks (the site's own CSS) stay in the page


def _content_file(folder: Path, data: bytes, suffix: str) -> str:
    """Write ``data`` once into ``folder`` under its content's hash; return the file name."""
    import hashlib

    name = hashlib.sha256(data).hexdigest()[:20] + suffix
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / name).exists():
        (folder / name).write_bytes(data)
    return name


def _image_file(folder: Path, png: bytes) -> str:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        out = io.BytesIO()
        image.save(out, "WEBP", lossless=True, method=1, quality=50)
    webp = out.getvalue()
    return (
        _content_file(folder, webp, ".webp")
        if len(webp) < len(png)
        else _content_file(folder, png, ".png")
    )


def share_assets(body: str, root: Path, depth: str) -> tuple[str, set[str]]:
    """Move the long style blocks and the inline PNGs of ``body`` into ``root/assets/`` and
    ``root/images/`` (``depth`` leads from the page to ``root``); return the new body and the
    image files it shows."""
    import base64

    images = set()

    def style(m: re.Match) -> str:
        if len(m.group(2)) < SHARED_STYLE_BYTES:
            return m.group(0)
        name = _content_file(root / "assets", m.group(2).encode(), ".css")
        return f'<link rel="stylesheet" href="{depth}assets/{name}">'

    def image(m: re.Match) -> str:
        name = _image_file(root / "images", base64.b64decode(m.group(1)))
        images.add(name)
        return f'src="{depth}images/{name}"'

    return INLINE_IMAGE.sub(image, STYLE_BLOCK.sub(style, body)), images


def render(
    executed: list[Path],
    site: Path,
    *,
    frames: Path | None = None,
    language: str = "en",
    languages: list[str] | None = None,
    available: dict | None = None,
) -> list[dict]:
    """Write one HTML page per executed chapter and the contents page of ``language`` into
    ``site`` (the language's folder); return, per chapter, its file, title, page size, grids
    and frame files."""
    import jinja2
    from nbconvert import HTMLExporter

    languages = languages or [language]
    depth = "" if language == languages[0] else "../"
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"book.html.j2": TEMPLATE})],
        template_file="book.html.j2",
        language_code=language,
    )
    site.mkdir(parents=True, exist_ok=True)
    root = site if not depth else site.parent
    notebooks = [(p, nbformat.read(p, as_version=4)) for p in executed]
    chapters = [(p.stem + ".html", title_of(nb, p.stem)) for p, nb in notebooks]
    mathjax = MATHJAX.replace(
        "{url}", f"{depth}mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
    )
    pages = []
    for i, (_, nb) in enumerate(notebooks):
        done = staticize_widgets(nb, frames, root, frames_url=f"{depth}frames/", language=language)
        body, _ = exporter.from_notebook_node(
            nb,
            resources={
                "metadata": {"name": chapters[i][1]},
                "book_mathjax": mathjax,
            },
        )
        body = body.replace("</head>", f"<style>{BOOK_CSS}</style>\n</head>", 1)
        if FONT_AWESOME_LINK.search(body):
            body = FONT_AWESOME_LINK.sub("", body)
            body = body.replace("</head>", f"<style>{PLAYER_CSS}</style>\n</head>", 1)
        nav = nav_html(chapters, i, languages, language, available)
        body = re.sub(r"(<body[^>]*>)", lambda m, nav=nav: m.group(1) + nav, body, count=1)
        body, images = share_assets(body, root, depth)
        if done["grids"]:
            body = body.replace("</body>", f"<script>{BOOK_JS}</script>\n</body>", 1)
        (site / chapters[i][0]).write_text(body, encoding="utf-8")
        pages.append(
            {
                "file": chapters[i][0],
                "title": chapters[i][1],
                "page_bytes": len(body.encode()),
                "grids": done["grids"],
                "frame_files": done["frame_files"],
                "image_files": images,
            }
        )
    text = site_text(language)
    items = "\n".join(
        f'<li><a href="{f}">{html.escape(t)}</a> <span class="file">({html.escape(Path(f).stem)}.ipynb)</span></li>'
        for f, t in chapters
    )
    switch = language_switch(languages, language, "index.html", available or {})
    index = f"""<!DOCTYPE html>
<html lang="{language}"><head><meta charset="utf-8"><title>{text["site_title"]}</title>
<style>body {{ font: 16px/1.6 system-ui, sans-serif; max-width: 760px; margin: 40px auto; padding: 0 16px; }}
.file {{ color: #78909c; font-size: 13px; }} .book-lang {{ float: right; font-size: 14px; }}</style></head>
<body>{switch}<h1>{text["heading"]}</h1>
<p>{text["intro"]}</p>
<ol class="toc">
{items}
</ol></body></html>
"""
    (site / "index.html").write_text(index, encoding="utf-8")
    return pages


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB"


def _sizes(folder: Path) -> dict[str, int]:
    return {f.name: f.stat().st_size for f in folder.glob("*")} if folder.exists() else {}


def report_sizes(site: Path, built: dict[str, list[dict]]) -> dict:
    """Print the size of each chapter in each language (its page, its frames and its images)
    and of the whole site; return the figures (also written into grids.json). A frame or image
    that two pages show (the same picture in both languages: one with no text on it) is one
    file, counted in each chapter that shows it and once in the total."""
    frame_size, image_size = _sizes(site / "frames"), _sizes(site / "images")
    rows = []
    print("[book] size per chapter and language (page + its frames + its images):")
    for language, pages in built.items():
        for page in pages:
            frames_bytes = sum(frame_size.get(f, 0) for f in page["frame_files"])
            images_bytes = sum(image_size.get(f, 0) for f in page["image_files"])
            counts = [len(m["frames"]) for m in page["grids"]]
            row = {
                "language": language,
                "chapter": Path(page["file"]).stem,
                "page_bytes": page["page_bytes"],
                "frames_bytes": frames_bytes,
                "images_bytes": images_bytes,
                "frames": sum(counts),
                "frame_files": len(page["frame_files"]),
                "grids": counts,
            }
            row["bytes"] = row["page_bytes"] + frames_bytes + images_bytes
            rows.append(row)
            print(
                f"  {language} {row['chapter']:28s} {_mb(row['bytes']):>8s}  (page "
                f"{_mb(row['page_bytes'])}, images {_mb(images_bytes)}, {sum(counts)} frames in "
                f"{len(counts)} widgets: {'+'.join(map(str, counts)) or '-'}, {_mb(frames_bytes)})"
            )
    total = sum(f.stat().st_size for f in site.rglob("*") if f.is_file())
    mathjax = sum(f.stat().st_size for f in (site / "mathjax").rglob("*") if f.is_file())
    styles = sum(_sizes(site / "assets").values())
    per_language = {lang: sum(r["bytes"] for r in rows if r["language"] == lang) for lang in built}
    shared = [
        f
        for f in frame_size
        if all(any(f in p["frame_files"] for p in pages) for pages in built.values())
    ]
    print(
        f"[book] site {_mb(total)} in all (budget {SITE_BUDGET_MB} MB): "
        + ", ".join(f"{lang} pages {_mb(n)}" for lang, n in per_language.items())
        + f"; MathJax {_mb(mathjax)}, shared styles {_mb(styles)}; "
        f"{sum(r['frames'] for r in rows)} frames ({len(frame_size)} files, "
        f"{_mb(sum(frame_size.values()))}; {len(shared)} files shown in every language)"
    )
    return {
        "chapters": rows,
        "total_bytes": total,
        "mathjax_bytes": mathjax,
        "styles_bytes": styles,
        "language_bytes": per_language,
        "frame_files_in_every_language": len(shared),
    }


def prune_cache(frames: Path, used: set[str]) -> None:
    """Delete cached grids not used by this build and untouched for ``CACHE_DAYS`` days."""
    cutoff = time.time() - CACHE_DAYS * 86400
    for folder in frames.iterdir() if frames.exists() else ():
        manifest = folder / "manifest.json"
        if folder.is_dir() and folder.name not in used and manifest.exists():
            if manifest.stat().st_mtime < cutoff:
                shutil.rmtree(folder)


def _language_sources(args, parser) -> dict[str, Path]:
    sources = {args.languages[0]: args.src}
    for item in args.lang_src:
        lang, sep, folder = item.partition("=")
        if not sep or not lang or not folder:
            parser.error(f"--lang-src takes LANG=DIR, got {item!r}")
        sources[lang] = Path(folder)
    for lang in args.languages:
        if lang not in sources:
            parser.error(f"--languages {lang}: give its notebooks with --lang-src {lang}=DIR")
        if not sources[lang].is_dir():
            parser.error(f"the {lang} notebooks folder {sources[lang]} is not a folder")
    return {lang: sources[lang] for lang in args.languages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=Path("notebooks"))
    parser.add_argument("--out", type=Path, default=Path("_build"))
    parser.add_argument("--executed-dir", type=Path, default=None,
                        help="take chapters already executed there (with outputs) instead of running them")  # fmt: skip
    parser.add_argument("--frames", type=Path, default=ROOT / ".cache" / "site-frames",
                        help="the widgets' frame cache (default .cache/site-frames)")  # fmt: skip
    parser.add_argument("--languages", nargs="+", default=["en"],
                        help="the site's languages, the first at the root (default: en)")  # fmt: skip
    parser.add_argument("--lang-src", action="append", default=[], metavar="LANG=DIR",
                        help="the notebooks of a further language")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=2, help="kernels at once (default 2)")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    if not args.src.is_dir():
        parser.error(f"--src {args.src} is not a folder")
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    if args.executed_dir is not None and not args.executed_dir.is_dir():
        parser.error(f"--executed-dir {args.executed_dir} is not a folder")
    if len(set(args.languages)) != len(args.languages):
        parser.error(f"--languages lists a language twice: {args.languages}")
    sources = _language_sources(args, parser)
    chapters_of = {
        lang: sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
        for lang, folder in sources.items()
    }
    if not chapters_of[args.languages[0]]:
        parser.error(f"no notebooks in {args.src}")
    args.frames.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    todo, executed = [], {}
    for lang, paths in chapters_of.items():
        out = args.out / "executed" / ("" if lang == args.languages[0] else lang)
        out.mkdir(parents=True, exist_ok=True)
        executed[lang] = [out / p.name for p in paths]
        reuse_dir = args.executed_dir
        if reuse_dir is not None and lang != args.languages[0]:
            reuse_dir = reuse_dir / lang
        for p in paths:
            reuse = reuse_dir / p.name if reuse_dir else None
            if reuse is not None and reuse.exists() and executed_copy_of(reuse, p, args.frames):
                nbformat.write(nbformat.read(reuse, as_version=4), out / p.name)
                print(f"[book] {lang} {p.name}: taken from {reuse_dir}")
            else:
                todo.append((p, out))
                if reuse is not None:
                    print(
                        f"[book] {lang} {p.name}: no up-to-date executed copy (with its widgets' "
                        f"frames) in {reuse_dir}: executing it"
                    )
    with ProcessPoolExecutor(max_workers=min(args.jobs, max(1, len(todo)))) as pool:
        futures = [pool.submit(execute, p, out, args.timeout, args.frames) for p, out in todo]
        for f in futures:
            name, wall, cpu = f.result()
            print(f"[book] {name}: executed in {wall:.1f} s wall, {cpu:.1f} s kernel CPU")

    t1, c1 = time.perf_counter(), time.process_time() + _children_cpu()
    made = prepare_frames([p for paths in executed.values() for p in paths], args.frames, args.jobs)
    print(
        f"[book] {made} site frames made (SITE_COLOURS) in {time.perf_counter() - t1:.1f} s wall, "
        f"{time.process_time() + _children_cpu() - c1:.1f} s CPU; the others were cached"
    )
    site = args.out / "site"
    site.mkdir(parents=True, exist_ok=True)
    available = {lang: {p.stem + ".html" for p in paths} for lang, paths in chapters_of.items()}
    built = {}
    for lang in args.languages:
        folder = site if lang == args.languages[0] else site / lang
        built[lang] = render(
            executed[lang],
            folder,
            frames=args.frames,
            language=lang,
            languages=args.languages,
            available=available,
        )
    copy_mathjax(site)
    grids = {m["key"]: m for pages in built.values() for page in pages for m in page["grids"]}
    print(
        f"[book] {len(grids)} widget grids, {sum(len(m['frames']) for m in grids.values())} "
        f"frames; drawing them took {sum(m['cpu_seconds'] for m in grids.values()):.1f} s of "
        f"kernel CPU ({sum(m['seconds'] for m in grids.values()):.1f} s wall) when they were "
        "rendered (cached grids count the run that drew them)"
    )
    sizes = report_sizes(site, built)
    pages = {
        lang: [
            {k: v for k, v in p.items() if k not in ("grids", "frame_files", "image_files")}
            | {"grids": [m["key"] for m in p["grids"]]}
            for p in pages
        ]
        for lang, pages in built.items()
    }
    (args.out / "grids.json").write_text(
        json.dumps(
            {"grids": grids, "pages": pages, "sizes": sizes}, default=str, ensure_ascii=False
        ),
        encoding="utf-8",
    )
    prune_cache(args.frames, set(grids))
    print(
        f"[book] {sum(len(p) for p in built.values())} chapters -> {site / 'index.html'} "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
