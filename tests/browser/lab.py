"""Drive the course in a real JupyterLab, in headless Chromium, the way a student does.

Two pieces, both used by ``conftest.py``:

* :class:`LabServer` starts ``jupyter lab`` on 127.0.0.1 with a random token, serving a
  *copy* of the notebooks (a File → Save must never touch the committed files), with its
  own config/data/runtime/settings directories inside a temporary folder. The token is
  written to that folder's server config, never put on the command line (which any user
  can read in ``ps``); port retries are off, so the server listens on exactly the port
  chosen or exits. It is stopped by its own process id, and
  :meth:`LabServer.remove` deletes the folder (cookie secret, logs, notebook copies).
* :class:`Chapter` opens one notebook in a browser tab with ``?reset`` (JupyterLab would
  otherwise restore the tabs of an earlier session and "Run All Cells" could run another
  notebook), runs every cell through the menus, waits for the kernel to go idle, and reads
  what the student would see: error outputs, the widgets, the "✓" checkpoint lines.

The waits and work-arounds below were each measured on the course machines under load;
selectors are JupyterLab 4 / ipywidgets 8 class names.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# User settings written into the server's private settings directory: keep every cell in
# the DOM (no virtual scrolling, so widgets far down a chapter exist to be found), no
# news/update pop-ups covering the page, and widget state saved with the notebook (the
# course site renders the widgets of the saved copies as static images).
LAB_SETTINGS = {
    "@jupyter-widgets/jupyterlab-manager/plugin.jupyterlab-settings": {"saveState": True},
    # autoStartDefaultKernel: while another chapter's kernel keeps the server busy, JupyterLab
    # sometimes asks "Select Kernel" for a notebook whose kernelspec is python3; this setting
    # (the dialog's "Always start the preferred kernel") starts the python3 kernel instead.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "autoStartDefaultKernel": True,
    },
    # No autosave: the harness saves once, explicitly (``Chapter.save_copy``). A chapter whose
    # run ends near JupyterLab's 120 s autosave had two saves racing; the loser found the file
    # newer than its model, opened "File Changed" and its promise never settled (CI, stop 18:
    # Chapter 7, open 7 s + run 116 s).
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

# MIME types of outputs in the rendered page.
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_server(port: int, token: str, timeout: float, proc: subprocess.Popen) -> None:
    """Block until *our* server answers on ``port``: ``/api/status`` with our token gives 200.

    A bare TCP connect would also succeed against whatever else listens there; a Jupyter that
    knows our token is the one we started. Raises RuntimeError if ``proc`` exits first (a
    taken port, with retries off), TimeoutError after ``timeout`` seconds."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/status", headers={"Authorization": f"token {token}"}
    )
    # No proxy: an HTTP(S)_PROXY in the environment must not carry a 127.0.0.1 request away.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before serving")
        try:
            with opener.open(request, timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, http.client.HTTPException) as err:  # refused, 403, no HTTP reply, ...
            last = err
        time.sleep(0.2)
    raise TimeoutError(f"no server answered on 127.0.0.1:{port} within {timeout:.0f} s: {last}")


def stop_process(proc: subprocess.Popen, timeout: float = 15.0) -> None:
    """SIGTERM the process by its pid (JupyterLab then shuts down its kernels), SIGKILL if it hangs."""
    if proc.poll() is not None:
        return
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(5)


# The server's private folders, each named by the environment variable that points Jupyter,
# IPython or matplotlib at it: nothing of the user's own set-up is read or written.
PRIVATE_DIRS = {
    "JUPYTER_CONFIG_DIR": "config",
    "JUPYTER_DATA_DIR": "data",
    "JUPYTER_RUNTIME_DIR": "runtime",
    "JUPYTERLAB_SETTINGS_DIR": "settings",
    "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
    "IPYTHONDIR": "ipython",
    "MPLCONFIGDIR": "matplotlib",
}


@dataclass
class LabServer:
    """A private JupyterLab serving a copy of ``notebooks`` from ``workdir`` (a new temporary
    folder unless given); :meth:`stop` ends it, :meth:`remove` deletes ``workdir``.

    ``notebooks`` is a list of files (served by their names) or a mapping {path in the server:
    file}, e.g. ``{"zh/01_rl_from_zero.ipynb": ...}`` for the Chinese edition in a folder of its
    own beside the English chapters."""

    notebooks: list[Path] | dict[str, Path]
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="course-lab-")))
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(16))
    proc: subprocess.Popen | None = None

    @property
    def root(self) -> Path:
        return self.workdir / "notebooks"

    @property
    def log_path(self) -> Path:
        return self.workdir / "jupyterlab.log"

    def url(self, notebook: str) -> str:
        """The notebook in a workspace of its own (two tabs may run at once), reset on load."""
        workspace = notebook.removesuffix(".ipynb").replace("/", "-").replace(".", "-")
        return f"http://127.0.0.1:{self.port}/lab/workspaces/{workspace}/tree/{notebook}?reset&token={self.token}"

    def command(self) -> list[str]:
        """The ``jupyter lab`` command line: no secret in it, and no port but ``self.port``."""
        jupyter = Path(sys.executable).with_name("jupyter")
        return [
            str(jupyter), "lab", "--no-browser", "--ip", "127.0.0.1", "--port", str(self.port),
            # Jupyter would otherwise move to the next free port, unseen, if ours were taken.
            "--ServerApp.port_retries=0",
            "--allow-root", f"--ServerApp.root_dir={self.root}",
            "--LabApp.expose_app_in_browser=True",
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        """The server's environment: ours, with Jupyter's folders moved into ``workdir``."""
        env = dict(os.environ)
        env.update({var: str(self.workdir / sub) for var, sub in PRIVATE_DIRS.items()})
        # One torch/BLAS thread per kernel: two kernels share the two CI cores.
        env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        return env

    def _write_config(self) -> None:
        """Private folders, the token in the server's config file (readable by us only: the
        folder is mkdtemp's, mode 0700) and the JupyterLab settings."""
        for sub in PRIVATE_DIRS.values():
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        config = {"IdentityProvider": {"token": self.token}}
        (self.workdir / "config" / "jupyter_server_config.json").write_text(json.dumps(config))
        for name, values in LAB_SETTINGS.items():
            path = self.workdir / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))

    def start(self, timeout: float = 60.0) -> LabServer:
        self.root.mkdir(parents=True)
        files = (
            self.notebooks
            if isinstance(self.notebooks, dict)
            else {nb.name: nb for nb in self.notebooks}
        )
        for name, nb in files.items():
            (self.root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(nb, self.root / name)
        self._write_config()
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            self.command(), env=self.environment(), stdout=self.log, stderr=subprocess.STDOUT
        )
        wait_for_server(self.port, self.token, timeout, self.proc)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
        if getattr(self, "log", None):
            self.log.close()

    def remove(self) -> None:
        """Delete ``workdir`` (after :meth:`stop`): the cookie secret, logs and notebook copies."""
        shutil.rmtree(self.workdir, ignore_errors=True)

    def log_tail(self, n: int = 40) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])


# JavaScript run in the page: what the notebook model holds (the same cells and outputs the
# student sees), through the app object that --LabApp.expose_app_in_browser exposes.
_JS_MODEL = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const cells = panel.content.model.cells;
  const out = [];
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    const outputs = [];
    if (c.type === 'code') {
      for (let j = 0; j < c.outputs.length; j++) { outputs.push(c.outputs.get(j).toJSON()); }
    }
    out.push({type: c.type, source: c.sharedModel.getSource(), tags: c.getMetadata('tags') || [], count: c.type === 'code' ? c.executionCount : null, outputs});
  }
  return {path: panel.context.path, cells: out};
}"""


_JS_STARTED = """() => {
  const ps = Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt'));
  return ps.some(p => p.textContent.includes('*')) || (ps.length > 0 && ps.every(p => /\\[\\d+\\]/.test(p.textContent)));
}"""
_JS_ANY_PROMPT_SET = """() => Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt')).some(p => /\\[(\\d+|\\*)\\]/.test(p.textContent))"""


_JS_KERNEL = """() => {
  const sc = window.jupyterapp.shell.currentWidget.sessionContext;
  const k = sc && sc.session && sc.session.kernel;
  return k ? [k.id, k.status, k.connectionStatus] : null;
}"""


def sha(data: str | None) -> str:
    return hashlib.sha256((data or "").encode()).hexdigest()[:12]


class Chapter:
    """One notebook open in one browser tab."""

    def __init__(self, page, server: LabServer, name: str):
        self.page = page
        self.server = server
        self.name = name
        self.started = self.finished = float("nan")

    # -- opening and running -------------------------------------------------------------
    def open(self, timeout_ms: int = 60_000) -> None:
        self.page.goto(self.server.url(self.name))
        self.page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=timeout_ms)
        # The kernel must be up before running: the toolbar indicator says idle. A dialog
        # instead (e.g. "Select Kernel") fails the test at once, with its text.
        self.page.wait_for_selector(
            ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle'], .jp-Dialog",
            timeout=timeout_ms,
        )
        if self.dialogs():
            raise AssertionError(
                f"JupyterLab opened a dialog instead of starting the kernel: {self.dialogs()}"
            )
        path = self.page.evaluate("() => window.jupyterapp.shell.currentWidget.context.path")
        if path != self.name:
            raise AssertionError(
                f"the active tab shows {path!r}, not {self.name!r} (was ?reset ignored?)"
            )
        self.kernel_id = self.wait_kernel_stable()

    def kernel(self) -> list | None:
        """[id, status, connection status] of the notebook's kernel, as JupyterLab knows it."""
        return self.page.evaluate(_JS_KERNEL)

    def wait_kernel_stable(self, quiet_s: float = 2.0, timeout_s: float = 60.0) -> str:
        """Wait until the same kernel has been idle and connected for ``quiet_s``.

        JupyterLab sometimes starts a kernel, shuts it down and starts another within the first
        second (seen under load); cells sent to the first one are lost. Run All waits for this."""
        deadline = time.monotonic() + timeout_s
        last, since = None, time.monotonic()
        while time.monotonic() < deadline:
            k = self.kernel()
            ok = k is not None and k[1] == "idle" and k[2] == "connected"
            if not ok or k[0] != last:
                last, since = (k[0] if ok else None), time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                return last
            self.page.wait_for_timeout(200)
        raise AssertionError(f"the kernel did not settle within {timeout_s:.0f} s: {self.kernel()}")

    def run_all(self, attempts: int = 3, timeout_ms: int = 10_000) -> None:
        """Click into the notebook, then Run → Run All Cells; confirm execution started.

        Started means a ``[*]`` prompt (a queued or running cell) or, for a fast chapter,
        every code cell already numbered. If neither shows (the menu click landed before the
        notebook had focus), the menu is used again: nothing has run yet, so nothing runs twice.
        """
        for attempt in range(1, attempts + 1):
            self.page.click(".jp-NotebookPanel .jp-Notebook .jp-Cell >> nth=0")
            self.page.click(".lm-MenuBar-itemLabel:text-is('Run')")
            self.page.click(".lm-Menu-itemLabel:text-is('Run All Cells')")
            self.started = time.monotonic()
            try:
                self.page.wait_for_function(_JS_STARTED, timeout=timeout_ms)
                return
            except Exception:
                if attempt == attempts or self.page.evaluate(_JS_ANY_PROMPT_SET):
                    raise
                self.page.keyboard.press("Escape")

    def wait_done(self, timeout_s: float) -> float:
        """Wait until no cell is queued or running and the kernel is idle; return the seconds taken."""
        self.page.wait_for_function(
            """() => {
              const ps = Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-CodeCell .jp-InputPrompt'));
              const busy = ps.some(p => p.textContent.includes('*'));
              const idle = document.querySelector(".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']");
              return !busy && idle !== null;
            }""",
            timeout=timeout_s * 1000,
            polling=250,
        )
        self.finished = time.monotonic()
        return self.finished - self.started

    def run_to_end(self, timeout_s: float) -> tuple[float, int]:
        """Wait for the Run All started by :meth:`run_all`; return (seconds, reruns).

        If code cells never ran, no cell failed, and the notebook's kernel is not the one
        :meth:`open` saw (JupyterLab replaced it under the run), Run All is repeated once on
        the new kernel; the count of such reruns is reported with the timings."""
        seconds = self.wait_done(timeout_s)
        model = self.model()
        kernel = self.kernel()
        if (
            self.unexecuted_code_cells(model)
            and not self.errors(model)
            and kernel
            and kernel[0] != self.kernel_id
        ):
            self.kernel_id = self.wait_kernel_stable()
            self.run_all()
            return seconds + self.wait_done(timeout_s), 1
        return seconds, 0

    # -- reading what the student sees ----------------------------------------------------
    def model(self) -> dict:
        return self.page.evaluate(_JS_MODEL)

    def unexecuted_code_cells(self, model: dict) -> list[int]:
        return [
            i for i, c in enumerate(model["cells"]) if c["type"] == "code" and c["count"] is None
        ]

    @staticmethod
    def errors(model: dict) -> list[str]:
        """Every error output (exception) in the notebook, as 'cell N: Name: message'."""
        found = []
        for i, cell in enumerate(model["cells"]):
            for out in cell["outputs"]:
                if out.get("output_type") == "error":
                    found.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
        return found

    @staticmethod
    def stream_text(model: dict) -> str:
        text = []
        for cell in model["cells"]:
            for out in cell["outputs"]:
                if out.get("output_type") == "stream":
                    t = out.get("text", "")
                    text.append("".join(t) if isinstance(t, list) else t)
                elif "data" in out and "text/plain" in out["data"]:
                    t = out["data"]["text/plain"]
                    text.append("".join(t) if isinstance(t, list) else t)
        return "\n".join(text)

    def rendered_tracebacks(self) -> list[str]:
        """Tracebacks and widget errors rendered in the page (what the student would see)."""
        return self.page.evaluate("""() => Array.from(document.querySelectorAll('.jp-NotebookPanel .jp-OutputArea-output'))
            .map(e => e.innerText)
            .filter(t => t.includes('Traceback (most recent call last)') || t.includes('Error displaying widget'))
            .map(t => t.slice(0, 500))""")

    def dialogs(self) -> list[str]:
        """Text of any modal dialog JupyterLab shows (none is expected)."""
        return self.page.locator(".jp-Dialog").all_inner_texts()

    def widget_outputs(self):
        """Locators of every rendered widget output area (one per displayed widget)."""
        loc = self.page.locator(".jp-NotebookPanel .jp-OutputArea-output:has(> .jupyter-widgets)")
        return [loc.nth(i) for i in range(loc.count())]

    def save_copy(self, dest: Path) -> None:
        """Save the notebook from the browser (File → Save, outputs and widget state included)
        and copy the saved file to ``dest``."""
        try:
            run_command(self.page, "docmanager:save")
        except Exception as err:  # a save that never settles is almost always behind a dialog
            raise AssertionError(f"{err}; dialogs open: {self.dialogs()}") from err
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.server.root / self.name, dest)

    def screenshot(self, path: Path, target=None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        (target or self.page).screenshot(path=str(path))

    def close(self) -> None:
        """Shut the chapter's kernel down (frees its memory for the next chapter), close the tab."""
        try:
            self.page.evaluate(
                """() => Promise.race([
                     window.jupyterapp.shell.currentWidget.sessionContext.shutdown(),
                     new Promise((resolve) => setTimeout(resolve, 30000)),
                   ])"""
            )  # the server stops leftover kernels at teardown anyway
        finally:
            self.page.close()


def run_command(page, command: str, timeout_ms: int = 60_000) -> None:
    """Execute a JupyterLab command and wait for its promise, at most ``timeout_ms``.

    ``page.evaluate`` itself has no time limit: a command whose promise never settles (a save
    behind a dialog, a kernel that does not answer) would hang the whole test run.
    """
    page.evaluate(
        """([command, ms]) => Promise.race([
             window.jupyterapp.commands.execute(command),
             new Promise((_, reject) => setTimeout(
               () => reject(new Error(command + ' did not finish within ' + ms + ' ms')), ms)),
           ])""",
        [command, timeout_ms],
    )


def view_hash(output) -> str:
    """What a widget shows, hashed: its plot images' ``src`` (data/blob URLs of the PNGs), or,
    for a widget without a plot, the text of its HTML outputs (never the controls' readouts)."""
    if output.locator("img").count():
        return sha("|".join(img.get_attribute("src") or "" for img in output.locator("img").all()))
    return sha("|".join(output.locator(".widget-html-content").all_inner_texts()))


def move_one_control(page, output) -> str:
    """Change one control of a widget like a student: a slider by keyboard, else a checkbox,
    dropdown or toggle button by mouse. Returns a description of what was changed."""
    handle = output.locator(".widget-slider .noUi-handle")
    if handle.count():
        h = handle.first
        before = h.get_attribute("aria-valuenow")
        h.focus()
        h.press("ArrowRight")
        after = h.get_attribute("aria-valuenow")
        if before == after:  # already at the maximum: go the other way
            h.press("ArrowLeft")
            h.press("ArrowLeft")
            after = h.get_attribute("aria-valuenow")
        label = output.locator(".widget-slider").first.locator(".widget-label").first.inner_text()
        return f"slider {label!r}: {before} -> {after}"
    checkbox = output.locator(".widget-checkbox input[type=checkbox]")
    if checkbox.count():
        checkbox.first.click()
        return "checkbox toggled"
    dropdown = output.locator(".widget-dropdown select")
    if dropdown.count():
        options = dropdown.first.locator("option").all_inner_texts()
        current = dropdown.first.input_value()
        choice = next((o for o in options if o != current), None)
        if choice is None:
            raise AssertionError("a dropdown with a single option cannot be moved")
        dropdown.first.select_option(label=choice)
        return f"dropdown -> {choice!r}"
    buttons = output.locator(".widget-toggle-buttons button:not(.mod-active)")
    if buttons.count():
        buttons.first.click()
        return "toggle button clicked"
    raise AssertionError(
        "this widget has a plot but no slider, checkbox, dropdown or toggle to move"
    )


def has_controls(output) -> bool:
    return (
        output.locator(
            ".widget-slider .noUi-handle, .widget-checkbox input, .widget-dropdown select, .widget-toggle-buttons button"
        ).count()
        > 0
    )
