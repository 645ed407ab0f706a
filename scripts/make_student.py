"""Write the student edition: every chapter with its exercise solutions replaced by stubs.

Usage: python scripts/make_student.py [--src notebooks] [--out student]   (`make student`)

A solution is a code cell tagged ``solution``. In the student copy that cell keeps what the
student needs to start, and nothing of the answer:

* top-level comment lines (the exercise's instructions) and imports;
* each function's decorators, ``def`` line (the signature, so the check cell can call it) and
  docstring, with the body replaced by ``raise NotImplementedError("Exercise: …")``; classes
  keep their header and docstring and have each method stubbed the same way;
* an assignment of a literal (a question's answer, ``answer = "c"  # a, b, c or d``) keeps
  its name and trailing comment and gets ``None`` ("not answered yet" for the checker);
* any other top-level statement (an assignment, a call) is removed, and the cell ends with a
  top-level ``raise NotImplementedError("Exercise: …")`` so that running it says what to do.

A markdown cell that talks about the answer (tag ``solution-prose``) carries its student
wording in ``metadata["student_source"]``; the student copy shows that wording instead.

The stub cell is re-tagged ``exercise`` + ``raises-exception`` (nbval and JupyterLab's Run All
then carry on past it). The check cell after it needs no tag when it calls the checker
(checkers print "not implemented yet" and return False); when it *asserts* the checker's
result it fails by design, so it gets ``raises-exception`` too. Outputs, execution counts and
widget state are removed. Notebooks without solutions are copied unchanged (outputs stripped).
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
import tokenize
from pathlib import Path

import nbformat

#: What a stub says when it runs, in the notebook's language (``metadata.language``, set by
#: ``scripts/translate.py build``; English when absent).
STUB_MESSAGES = {
    "en": {
        "function": "Exercise: write {name}() — see the instructions above",
        "cell": "Exercise: complete {what} — see the instructions above",
        "this cell": "this cell",
    },
    "zh": {
        "function": "练习：写出 {name}()——见上面的说明",
        "cell": "练习：完成{what}——见上面的说明",
        "this cell": "这个单元格",
    },
}
SOLUTION_TAG = "solution"
PROSE_TAG = "solution-prose"
STUDENT_SOURCE = "student_source"
STUB_TAGS = ["exercise", "raises-exception"]


def _lines(source: str, node: ast.AST) -> list[str]:
    return source.splitlines()[node.lineno - 1 : node.end_lineno]


def _signature_end(source: str, node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int]:
    """(line, column) just after the colon that ends ``node``'s signature (found with tokenize,
    so annotations, defaults and comments inside a multi-line signature are handled)."""
    lines = source.splitlines(keepends=True)
    tokens = tokenize.generate_tokens(io.StringIO("".join(lines[node.lineno - 1 :])).readline)
    depth = 0
    for tok in tokens:
        if tok.type == tokenize.OP and tok.string in "([{":
            depth += 1
        elif tok.type == tokenize.OP and tok.string in ")]}":
            depth -= 1
        elif tok.type == tokenize.OP and tok.string == ":" and depth == 0:
            return node.lineno + tok.end[0] - 1, tok.end[1]
    raise ValueError(f"no end of signature found for {node.name}")


def _stub_function(
    source: str, node: ast.FunctionDef | ast.AsyncFunctionDef, indent: str = "", lang: str = "en"
) -> list[str]:
    """Decorators + signature + docstring of ``node``, then a NotImplementedError body."""
    src = source.splitlines()
    first = min([d.lineno for d in node.decorator_list] + [node.lineno])
    end_line, end_col = _signature_end(source, node)
    out = src[first - 1 : end_line - 1] + [src[end_line - 1][:end_col]]
    doc = ast.get_docstring(node, clean=False)
    if doc is not None:
        out += _lines(source, node.body[0])
    message = STUB_MESSAGES[lang]["function"].format(name=node.name)
    out.append(f'{indent}    raise NotImplementedError("{message}")')
    return out


def _is_literal(value: ast.expr) -> bool:
    """A literal, or arithmetic on literals (an answer written as ``1 / 7`` or ``2 ** -3``)."""
    if isinstance(value, ast.BinOp):
        return _is_literal(value.left) and _is_literal(value.right)
    if isinstance(value, ast.UnaryOp):
        return _is_literal(value.operand)
    try:
        ast.literal_eval(value)
    except ValueError:
        return False
    return True


def _literal_answer(source: str, node: ast.stmt) -> str | None:
    """``name = None  # comment`` for ``name = <literal>  # comment``; None otherwise."""
    if not isinstance(node, ast.Assign) or node.lineno != node.end_lineno:
        return None
    if not _is_literal(node.value):
        return None
    line = source.splitlines()[node.lineno - 1]
    targets = line[: node.value.col_offset].rstrip()  # "answer =" (or "a = b =")
    comment = line[node.end_col_offset :].strip()
    return f"{targets} None" + (f"  {comment}" if comment.startswith("#") else "")


def stub_source(source: str, lang: str = "en") -> str:
    """The student stub for one solution cell's source (see the module docstring)."""
    tree = ast.parse(source)
    src = source.splitlines()
    out: list[str] = []
    names, dropped, answers = [], False, 0
    done = 0  # lines of ``src`` already accounted for
    for node in tree.body:
        start = min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])
        # Top-level comment lines between statements: the exercise's instructions.
        out += [line for line in src[done : start - 1] if line.startswith("#")]
        done = node.end_lineno
        if isinstance(node, ast.Import | ast.ImportFrom):
            out += _lines(source, node)
        elif (answer := _literal_answer(source, node)) is not None:
            out.append(answer)
            answers += 1
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            if out and out[-1].strip():
                out.append("")
            out += _stub_function(source, node, lang=lang)
            names.append(node.name)
        elif isinstance(node, ast.ClassDef):
            if out and out[-1].strip():
                out.append("")
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            out += src[first - 1 : node.body[0].lineno - 1] or [
                src[node.lineno - 1].split(":")[0] + ":"
            ]
            members = node.body
            if ast.get_docstring(node, clean=False) is not None:
                out += _lines(source, node.body[0])
                members = node.body[1:]
            stubbed = 0
            for member in members:
                if isinstance(member, ast.FunctionDef | ast.AsyncFunctionDef):
                    out += _stub_function(source, member, indent=" " * member.col_offset, lang=lang)
                    stubbed += 1
            if not stubbed and ast.get_docstring(node, clean=False) is None:
                out.append("    pass")
            names.append(node.name)
        elif (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            out += _lines(source, node)  # a module-level string: instructions
        else:
            dropped = True
    out += [line for line in src[done:] if line.startswith("#")]
    if dropped or not (names or answers):
        what = ", ".join(names) if names else STUB_MESSAGES[lang]["this cell"]
        out += ["", f'raise NotImplementedError("{STUB_MESSAGES[lang]["cell"].format(what=what)}")']
    while out and not out[0].strip():
        out.pop(0)
    return "\n".join(out).rstrip() + "\n"


def student_notebook(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, int]:
    """A stripped copy of ``nb`` with every solution stubbed; returns it and the number of stubs."""
    nb = nbformat.from_dict(nb)  # a deep copy
    nb.metadata.pop("widgets", None)
    count = 0
    for i, cell in enumerate(nb.cells):
        tags = list(cell.metadata.get("tags", []))
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if cell.cell_type == "markdown" and PROSE_TAG in tags:
            cell.source = cell.metadata.pop(STUDENT_SOURCE)
            cell.metadata["tags"] = [t for t in tags if t != PROSE_TAG]
            continue
        if cell.cell_type != "code" or SOLUTION_TAG not in tags:
            continue
        cell.source = stub_source(cell.source, nb.metadata.get("language", "en"))
        cell.metadata["tags"] = [t for t in tags if t != SOLUTION_TAG] + [
            t for t in STUB_TAGS if t not in tags
        ]
        count += 1
        nxt = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
        if nxt is not None and nxt.cell_type == "code" and "assert" in nxt.source:
            nxt_tags = nxt.metadata.setdefault("tags", [])
            if "raises-exception" not in nxt_tags:
                nxt_tags.append("raises-exception")
    return nb, count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--src", type=Path, default=Path("notebooks"), help="folder of the instructor notebooks"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("student"), help="folder to write the student copies to"
    )
    args = parser.parse_args(argv)
    if not args.src.is_dir():
        parser.error(f"--src {args.src} is not a folder")
    if args.out.resolve() == args.src.resolve():
        parser.error("--out must differ from --src (the solutions would be overwritten)")
    paths = sorted(p for p in args.src.glob("*.ipynb") if not p.name.startswith("."))
    args.out.mkdir(parents=True, exist_ok=True)
    total = 0
    for path in paths:
        nb, count = student_notebook(nbformat.read(path, as_version=4))
        nbformat.write(nb, args.out / path.name)
        total += count
        print(f"{args.out / path.name}: {count} exercise stub{'s' if count != 1 else ''}")
    print(f"student edition: {len(paths)} notebooks, {total} stubs, in {args.out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
