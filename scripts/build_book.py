"""Build the course site: every chapter executed (quick settings) and rendered to static HTML.

Usage:
    python scripts/build_book.py [--src notebooks] [--out _build] [--jobs 2]
                                 [--executed-dir DIR] [--timeout 1200]

Steps (``make book``):
1. Execute each chapter with nbclient, ``--jobs`` kernels at a time, in the chapter's own
   folder, and keep the executed copy in ``OUT/executed/`` (a failing cell fails the build;
   cells tagged ``raises-exception`` may raise). With ``--executed-dir DIR`` a chapter already
   executed there (e.g. by the browser tests of the same CI run) is taken as it is instead.
2. Render each executed notebook with nbconvert's ``lab`` template into ``OUT/site/NN_x.html``
   with a navigation bar (previous · contents · next). A widget cannot move in a static page:
   each one is shown as the images of its initial state (its ``ipywidgets.Image`` PNG values,
   from the widget state the execution saved), its text, and a note that it is live in
   JupyterLab. Progress bars become their final text line.
3. Write ``OUT/site/index.html``: the chapters in course order, with their titles.

Everything is local: no template, script or font is fetched at build time. (The pages load
MathJax from its CDN to typeset formulas, when the reader is online; offline they show TeX.)
"""

from __future__ import annotations

import argparse
import html
import re
import resource
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
CONTROL_MODELS = {
    "IntSliderModel", "FloatSliderModel", "FloatLogSliderModel", "IntRangeSliderModel",
    "FloatRangeSliderModel", "SelectionSliderModel", "CheckboxModel", "DropdownModel",
    "ToggleButtonsModel", "ToggleButtonModel", "RadioButtonsModel", "IntTextModel",
    "FloatTextModel", "BoundedIntTextModel", "BoundedFloatTextModel", "TextModel", "ButtonModel",
}  # fmt: skip
LIVE_NOTE = (
    "This widget is live in JupyterLab: open the chapter there and move its controls to redraw "
    "the plot. Shown here: its initial state."
)


# -- 1. execute ---------------------------------------------------------------------------
def execute(path: Path, out_dir: Path, timeout: int) -> tuple[str, float, float]:
    """Run every cell of ``path`` (kernel ``python3``, cwd = its folder); save to ``out_dir``.

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
    client.execute()
    nbformat.write(nb, out_dir / path.name)
    return path.name, time.perf_counter() - t0, _children_cpu() - c0


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def executed_copy_of(executed: Path, source: Path) -> bool:
    """True when ``executed`` is ``source`` run to the end: the same cells, every code cell run."""
    run = nbformat.read(executed, as_version=4)
    src = nbformat.read(source, as_version=4)
    if [(c.cell_type, c.source) for c in run.cells] != [(c.cell_type, c.source) for c in src.cells]:
        return False
    code = [c for c in run.cells if c.cell_type == "code" and c.source.strip()]
    return bool(code) and all(c.execution_count is not None for c in code)


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


def widget_html(state: dict, model_id: str) -> str:
    """Static HTML for one displayed widget: images, texts, controls' values, and the note."""
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
        parts.append(f'<div class="book-widget-note">{LIVE_NOTE}</div>')
        cls = "book-widget book-widget-live"
    else:
        cls = "book-widget"
    if not parts:
        parts.append(
            '<div class="book-widget-note">(an interactive widget: run the chapter in JupyterLab to see it)</div>'
        )
    return f'<div class="{cls}" data-images="{images}">' + "\n".join(parts) + "</div>"


def staticize_widgets(nb: nbformat.NotebookNode) -> int:
    """Replace every widget output by static HTML of its saved state; drop the widget state
    (so the page loads no widget JavaScript). Returns the number of widgets replaced."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    count = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.outputs:
            data = out.get("data", {})
            if WIDGET_VIEW in data:
                model_id = data[WIDGET_VIEW].get("model_id", "")
                out["data"] = {"text/html": widget_html(state, model_id)}
                count += 1
    nb.metadata.pop("widgets", None)
    return count


# -- 3. pages -------------------------------------------------------------------------------
BOOK_CSS = """
.book-nav { font: 14px/1.5 system-ui, sans-serif; padding: 8px 16px; border-bottom: 1px solid #ddd;
  display: flex; justify-content: space-between; background: #fafafa; }
.book-nav a { text-decoration: none; }
.book-widget { border: 1px solid #cfd8dc; border-radius: 4px; padding: 8px; margin: 4px 0; }
.book-widget-live { border-left: 4px solid #0072B2; }
.book-widget-image { max-width: 100%; display: block; margin: 4px 0; }
.book-widget-controls { font-family: monospace; font-size: 12px; color: #37474f; margin-bottom: 4px; }
.book-widget-note { font-size: 12px; color: #546e7a; font-style: italic; margin-top: 4px; }
"""

# The lab template, less require.js (only widgets' JavaScript needed it, and it is a CDN load).
TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
"""


def title_of(nb: nbformat.NotebookNode, fallback: str) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, flags=re.M)
            if m:
                return m.group(1).strip()
    return fallback


def nav_html(chapters: list[tuple[str, str]], i: int) -> str:
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
    return f'<nav class="book-nav">{prev}<a href="index.html">Contents</a>{nxt}</nav>'


def render(executed: list[Path], site: Path) -> list[tuple[str, str]]:
    """Write one HTML page per executed chapter and the index; return [(file, title)]."""
    import jinja2
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"book.html.j2": TEMPLATE})],
        template_file="book.html.j2",
    )
    site.mkdir(parents=True, exist_ok=True)
    notebooks = [(p, nbformat.read(p, as_version=4)) for p in executed]
    chapters = [(p.stem + ".html", title_of(nb, p.stem)) for p, nb in notebooks]
    for i, (_, nb) in enumerate(notebooks):
        staticize_widgets(nb)
        body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": chapters[i][1]}})
        body = body.replace("</head>", f"<style>{BOOK_CSS}</style>\n</head>", 1)
        nav = nav_html(chapters, i)
        body = re.sub(r"(<body[^>]*>)", lambda m, nav=nav: m.group(1) + nav, body, count=1)
        (site / chapters[i][0]).write_text(body, encoding="utf-8")
    items = "\n".join(
        f'<li><a href="{f}">{html.escape(t)}</a> <span class="file">({html.escape(Path(f).stem)}.ipynb)</span></li>'
        for f, t in chapters
    )
    index = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Meta-RL course</title>
<style>body {{ font: 16px/1.6 system-ui, sans-serif; max-width: 760px; margin: 40px auto; padding: 0 16px; }}
.file {{ color: #78909c; font-size: 13px; }}</style></head>
<body><h1>Reinforcement learning and meta-RL: the course</h1>
<p>Each chapter below was executed with its quick settings (<code>SCALE = "quick"</code>) when this
site was built. Widgets are shown as images of their initial state: they are live in JupyterLab
(<code>make lab</code>).</p>
<ol class="toc">
{items}
</ol></body></html>
"""
    (site / "index.html").write_text(index, encoding="utf-8")
    return chapters


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=Path("notebooks"))
    parser.add_argument("--out", type=Path, default=Path("_build"))
    parser.add_argument("--executed-dir", type=Path, default=None,
                        help="take chapters already executed there (with outputs) instead of running them")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=2, help="kernels at once (default 2)")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    if not args.src.is_dir():
        parser.error(f"--src {args.src} is not a folder")
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    if args.executed_dir is not None and not args.executed_dir.is_dir():
        parser.error(f"--executed-dir {args.executed_dir} is not a folder")
    paths = sorted(p for p in args.src.glob("*.ipynb") if not p.name.startswith("."))
    if not paths:
        parser.error(f"no notebooks in {args.src}")
    executed_dir = args.out / "executed"
    executed_dir.mkdir(parents=True, exist_ok=True)

    t0 = time.perf_counter()
    todo = []
    for p in paths:
        reuse = args.executed_dir / p.name if args.executed_dir else None
        if reuse is not None and reuse.exists() and executed_copy_of(reuse, p):
            nbformat.write(nbformat.read(reuse, as_version=4), executed_dir / p.name)
            print(f"[book] {p.name}: taken from {args.executed_dir}")
        else:
            todo.append(p)
            if reuse is not None:
                print(
                    f"[book] {p.name}: no up-to-date executed copy in {args.executed_dir}: executing it"
                )
    with ProcessPoolExecutor(max_workers=min(args.jobs, max(1, len(todo)))) as pool:
        futures = [pool.submit(execute, p, executed_dir, args.timeout) for p in todo]
        for f in futures:
            name, wall, cpu = f.result()
            print(f"[book] {name}: executed in {wall:.1f} s wall, {cpu:.1f} s kernel CPU")
    chapters = render([executed_dir / p.name for p in paths], args.out / "site")
    print(
        f"[book] {len(chapters)} chapters -> {args.out / 'site' / 'index.html'} ({time.perf_counter() - t0:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
