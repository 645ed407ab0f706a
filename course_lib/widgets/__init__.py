"""Interactive views over the library, one module per chapter; each returns an ipywidgets VBox."""

from course_lib.widgets.sampling import sampling_explorer

__all__ = ["sampling_explorer"]
