"""The student edition (`make student`, scripts/make_student.py): every solution is gone, every
signature stays, the prose around the stubs speaks to the student, nothing else changes.

Two kinds of proof. In the *sources*: no line of an answer appears anywhere in a student copy.
In the *outputs*: each chapter's exercise part (its ``parameters`` and setup cells, then every
cell tagged ``exercise``, ``check`` or ``compare``; exercise cells are self-contained for this
reason) is executed from the student copy, and no output shows an answer: no line of a
solution, no "✓" (nothing is answered yet, so no check may pass), no library source from a
"compare with ours" cell. The same cells executed from the instructor notebook must pass every
check, which proves the exercise part runs on its own. A check that grades a prediction against
the chapter's own run is tagged ``needs-run`` and left to the full runs. nbval over `student/`
(CI) proves the whole copies still run."""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))

_spec = importlib.util.spec_from_file_location("make_student", ROOT / "scripts" / "make_student.py")
make_student = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_student)


def _strings(obj) -> list[str]:
    """Every string anywhere in a JSON-like object (sources, outputs, metadata)."""
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in [k, *_strings(v)]]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


def _defs(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {
        n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def _body_is_stub(fn: ast.FunctionDef) -> bool:
    """The body is an optional docstring, then only `raise NotImplementedError("Exercise: …")`."""
    body = fn.body[1:] if ast.get_docstring(fn, clean=False) is not None else fn.body
    if len(body) != 1 or not isinstance(body[0], ast.Raise):
        return False
    call = body[0].exc
    return (
        isinstance(call, ast.Call)
        and getattr(call.func, "id", None) == "NotImplementedError"
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value.startswith("Exercise: ")
    )


def _solution_lines(source: str) -> set[str]:
    """The answer's own lines: function bodies without their docstrings (comments included)."""
    tree = ast.parse(source)
    src = source.splitlines()
    lines = set()
    for fn in _defs(tree).values():
        body = fn.body[1:] if ast.get_docstring(fn, clean=False) is not None else fn.body
        if body:
            # the line after the signature's colon, or after the docstring (which the stub keeps)
            start = (
                body[0].lineno - 1
                if body is not fn.body
                else make_student._signature_end(source, fn)[0]
            )
            lines |= {line.strip() for line in src[start : body[-1].end_lineno]}
    for node in tree.body:  # top-level statements that are not defs, imports or strings
        if not isinstance(
            node,
            ast.FunctionDef
            | ast.AsyncFunctionDef
            | ast.ClassDef
            | ast.Import
            | ast.ImportFrom
            | ast.Expr,
        ):
            lines |= {line.strip() for line in src[node.lineno - 1 : node.end_lineno]}
    return {
        line for line in lines if len(line) >= 8
    }  # "return x", ")" and the like are no evidence


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("student")
    assert make_student.main(["--src", str(ROOT / "notebooks"), "--out", str(out)]) == 0
    return out


def test_every_chapter_has_a_student_copy(edition):
    assert CHAPTERS, "no notebooks in notebooks/"
    assert sorted(p.name for p in edition.glob("*.ipynb")) == [p.name for p in CHAPTERS]


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_no_solution_leaks_and_signatures_stay(path, edition):
    teacher = nbformat.read(path, as_version=4)
    student_text = (edition / path.name).read_text(encoding="utf-8")
    student = nbformat.reads(student_text, as_version=4)
    assert len(student.cells) == len(teacher.cells)
    everything = student_text + "\n".join(_strings(json.loads(student_text)))
    solutions = [
        i
        for i, c in enumerate(teacher.cells)
        if c.cell_type == "code" and "solution" in c.metadata.get("tags", [])
    ]
    elsewhere = "\n".join(c.source for i, c in enumerate(teacher.cells) if i not in solutions)

    for i, (t, s) in enumerate(zip(teacher.cells, student.cells)):
        assert s.cell_type == t.cell_type
        if s.cell_type == "code":
            assert s.outputs == [] and s.execution_count is None, f"cell {i} keeps outputs"
        if "solution-prose" in t.metadata.get("tags", []):
            assert s.source == t.metadata["student_source"], f"cell {i}: not the student wording"
            continue
        if i not in solutions:
            assert s.source == t.source, f"cell {i} is not a solution but changed"
            continue
        tags = s.metadata.get("tags", [])
        assert "solution" not in tags and "raises-exception" in tags and "exercise" in tags
        # Same functions with the same signatures, each body only a NotImplementedError stub.
        for node in ast.parse(s.source).body:  # a question's answer becomes None
            if isinstance(node, ast.Assign):
                assert isinstance(node.value, ast.Constant) and node.value.value is None, (
                    f"cell {i}: {ast.unparse(node)} keeps an answer"
                )
        t_defs, s_defs = _defs(ast.parse(t.source)), _defs(ast.parse(s.source))
        assert set(s_defs) == set(t_defs), f"cell {i}: functions {set(t_defs)} became {set(s_defs)}"
        for name, fn in s_defs.items():
            assert ast.dump(fn.args) == ast.dump(t_defs[name].args), (
                f"{name}: the signature changed"
            )
            assert ast.dump(fn.returns or ast.Constant(None)) == ast.dump(
                t_defs[name].returns or ast.Constant(None)
            )
            assert ast.get_docstring(fn) == ast.get_docstring(t_defs[name]), (
                f"{name}: the docstring changed"
            )
            assert _body_is_stub(fn), (
                f"{name}: the stub's body is not just raise NotImplementedError"
            )
        # No line of the answer anywhere in the student file (sources, outputs, metadata),
        # unless the instructor notebook shows that same line outside its solutions too.
        for line in _solution_lines(t.source):
            if line not in elsewhere:
                assert line not in everything, f"solution text leaked into {path.name}: {line!r}"
    if solutions:
        assert 'NotImplementedError("Exercise: ' in "\n".join(c.source for c in student.cells)


STUDENT_UNFIT = ("working answer", "Try breaking", "holds the answer", "solution cell")


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_prose_around_the_stubs_speaks_to_the_student(path, edition):
    for i, cell in enumerate(nbformat.read(edition / path.name, as_version=4).cells):
        if cell.cell_type == "markdown":
            for phrase in STUDENT_UNFIT:
                assert phrase not in cell.source, (
                    f"{path.name} cell {i} says {phrase!r} in the student edition: tag the cell "
                    "`solution-prose` and give it metadata.student_source"
                )


def test_a_chinese_notebook_gets_chinese_stubs():
    stub = make_student.stub_source("def f(x):\n    return x + 1\n", "zh")
    assert 'raise NotImplementedError("练习：写出 f()——见上面的说明")' in stub
    stub = make_student.stub_source("answer = math.sqrt(7)\n", "zh")
    assert 'raise NotImplementedError("练习：完成这个单元格——见上面的说明")' in stub
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("def g():\n    return 1\n", metadata={"tags": ["solution"]})
        ],
        metadata={"language": "zh"},
    )
    assert "练习：写出 g()" in make_student.student_notebook(nb)[0].cells[0].source


def test_question_answers_become_none():
    stub = make_student.stub_source('# Your prediction\nanswer = "c"  # a, b, c or d\n')
    assert stub == "# Your prediction\nanswer = None  # a, b, c or d\n"
    # A number written as arithmetic on literals is still the answer itself.
    assert make_student.stub_source("answer = 1 / 7\n") == "answer = None\n"
    assert make_student.stub_source("answer = -2 ** -3  # σ²\n") == "answer = None  # σ²\n"


def test_solution_prose_is_replaced():
    cells = [
        nbformat.v4.new_markdown_cell(
            "The cell below holds a working answer.",
            metadata={"tags": ["solution-prose"], "student_source": "Write your answer below."},
        )
    ]
    nb, _ = make_student.student_notebook(nbformat.v4.new_notebook(cells=cells))
    assert nb.cells[0].source == "Write your answer below."
    assert "student_source" not in nb.cells[0].metadata
    assert "solution-prose" not in nb.cells[0].metadata["tags"]


EXERCISE_TAGS = {"exercise", "check", "compare", "solution"}
# A check that grades a prediction against this run's own numbers cannot run without the
# chapter's training: tag it `needs-run` (nbval runs it in the full student edition).
NEEDS_RUN = "needs-run"


def _exercise_part(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The parameters and setup cells, then every exercise/check/compare cell, in order."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    params = [i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", [])]
    setup = [c for c in code if "setup" in c.metadata.get("tags", [])]
    if not setup and params and params[0] + 1 < len(code):
        setup = [code[params[0] + 1]]  # the chapter's setup cell follows its parameters
    keep = [code[i] for i in params[:1]] + setup
    keep += [
        c
        for c in code
        if EXERCISE_TAGS & set(c.metadata.get("tags", []))
        and NEEDS_RUN not in c.metadata.get("tags", [])
        and c not in keep
    ]
    part = nbformat.v4.new_notebook(cells=[nbformat.from_dict(c) for c in keep])
    part.metadata = nb.metadata
    return part


def _run(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    client = NotebookClient(
        nb,
        timeout=120,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return nb


def _output_text(cell) -> str:
    texts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            texts.append(out["text"])
        for value in out.get("data", {}).values():
            texts.append(value if isinstance(value, str) else json.dumps(value))
        texts += out.get("traceback", [])
    return "\n".join(texts)


EXERCISE_CHAPTERS = [
    p
    for p in CHAPTERS
    if any("check" in c.metadata.get("tags", []) for c in nbformat.read(p, as_version=4).cells)
]


@pytest.mark.parametrize("path", EXERCISE_CHAPTERS, ids=[p.stem for p in EXERCISE_CHAPTERS])
def test_executed_exercises_leak_no_answer(path, edition, monkeypatch):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    teacher = nbformat.read(path, as_version=4)
    solution_lines = {
        line
        for c in teacher.cells
        if c.cell_type == "code" and "solution" in c.metadata.get("tags", [])
        for line in _solution_lines(c.source)
    }
    shown_elsewhere = "\n".join(
        c.source for c in teacher.cells if "solution" not in c.metadata.get("tags", [])
    )
    leaks = {line for line in solution_lines if line not in shown_elsewhere}

    student = _run(_exercise_part(nbformat.read(edition / path.name, as_version=4)), path.parent)
    for cell in student.cells:
        tags = cell.metadata.get("tags", [])
        text = _output_text(cell)
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        assert not errors or "raises-exception" in tags, (
            f"{path.name}: this exercise cell does not run on its own (import what it uses, or "
            f"tag it `{NEEDS_RUN}` if it grades against the chapter's run):\n{cell.source[:200]}\n{text}"
        )
        assert not any(line.startswith("✓") for line in text.splitlines()), (
            f"{path.name}: a check passed in the student edition:\n{cell.source}\n{text}"
        )
        for line in leaks:
            assert line not in text, f"{path.name}: the answer line {line!r} is in an output"
        if "compare" in tags:
            assert "def " not in text, f"{path.name}: a compare cell shows code before a pass"
        if "check" in tags:
            assert "✗" in text, f"{path.name}: a check cell printed no ✗ for an unanswered exercise"

    instructor = _run(_exercise_part(teacher), path.parent)
    for cell in instructor.cells:
        text = _output_text(cell)
        assert not [o for o in cell.outputs if o.get("output_type") == "error"], (
            f"{path.name}: the exercise part does not run on its own:\n{cell.source}\n{text}"
        )
        if "check" in cell.metadata.get("tags", []):
            assert "✓" in text and "✗" not in text, f"{path.name}: {cell.source}\n{text}"


def test_stub_keeps_signature_docstring_and_drops_answer():
    source = '''import torch
# Exercise: return twice the input.
@torch.no_grad()
def double(x: torch.Tensor,
           scale: float = 2.0,  # keep this default
           ) -> torch.Tensor:
    """Return ``scale * x``."""
    # the trick: multiply
    y = x * scale
    return y
'''
    stub = make_student.stub_source(source)
    assert "y = x * scale" not in stub and "the trick" not in stub and "return y" not in stub
    assert "# Exercise: return twice the input." in stub and "@torch.no_grad()" in stub
    assert (
        '"""Return ``scale * x``."""' in stub and "scale: float = 2.0,  # keep this default" in stub
    )
    fn = _defs(ast.parse(stub))["double"]
    assert ast.dump(fn.args) == ast.dump(_defs(ast.parse(source))["double"].args)
    assert _body_is_stub(fn)


def test_stub_one_line_def_class_and_bare_statements():
    stub = make_student.stub_source("def f(x): return x + 1\n")
    assert "x + 1" not in stub and _body_is_stub(_defs(ast.parse(stub))["f"])
    ns: dict = {}
    exec(compile(stub, "<stub>", "exec"), ns)  # defining the stub works; calling it says what to do
    with pytest.raises(NotImplementedError, match="Exercise: write f"):
        ns["f"](1)

    stub = make_student.stub_source(
        'class Agent:\n    """An agent."""\n    def act(self, obs):\n        return obs * 3\n'
    )
    assert "obs * 3" not in stub and '"""An agent."""' in stub
    assert _body_is_stub(_defs(ast.parse(stub))["act"])

    stub = make_student.stub_source("answer = math.sqrt(7)\n")
    assert "sqrt" not in stub
    with pytest.raises(NotImplementedError, match="Exercise: complete this cell"):
        exec(compile(stub, "<stub>", "exec"), {})


def test_assert_check_cell_is_tagged_and_call_check_cell_is_not():
    cells = [
        nbformat.v4.new_code_cell("def f(x):\n    return x\n", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("assert check_f(f)"),
        nbformat.v4.new_code_cell("def g(x):\n    return x\n", metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell("check_g(g)"),
    ]
    nb, count = make_student.student_notebook(nbformat.v4.new_notebook(cells=cells))
    assert count == 2
    assert "raises-exception" in nb.cells[1].metadata["tags"]
    assert "raises-exception" not in nb.cells[3].metadata.get("tags", [])


def test_refuses_to_overwrite_the_sources(tmp_path):
    with pytest.raises(SystemExit):
        make_student.main(["--src", str(tmp_path), "--out", str(tmp_path)])
    with pytest.raises(SystemExit):
        make_student.main(["--src", str(tmp_path / "missing"), "--out", str(tmp_path / "out")])
