"""Save each chapter widget's current picture as a PNG under docs/img/ (for the README).

Usage: python scripts/widget_gallery.py
The images are exactly what the widget shows in JupyterLab: the widget's own PlotView PNG,
after moving one control so the picture shows the widget mid-interaction.
"""

from __future__ import annotations

from pathlib import Path

from course_lib.widgets import sampling_explorer

OUT = Path(__file__).resolve().parents[1] / "docs" / "img"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    w = sampling_explorer(n=64, batch_size=10)  # opens at the epochs sampling_default picks
    w.controls["drop_last"].value = True
    (OUT / "sampling_explorer.png").write_bytes(w.view.image.value)
    print(f"wrote {OUT / 'sampling_explorer.png'}")


if __name__ == "__main__":
    main()
