"""One glossary: every "English (中文)" pair the notebooks write agrees with course_lib.glossary."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from course_lib.chapters import CHAPTERS
from course_lib.glossary import TERMS, chinese, find, glossary_table

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))

CJK = r"\u4e00-\u9fff"
# "English words (…中文…)" and "中文 (english words)".
ENGLISH_THEN_CHINESE = re.compile(
    rf"([^()（）\n]{{0,80}}?)\s*[（(]([^()（）\n]*[{CJK}][^()（）\n]*)[)）]"
)
CHINESE_THEN_ENGLISH = re.compile(
    rf"([{CJK}][{CJK} A-Za-z]*[{CJK}]|[{CJK}])\s*[（(]([A-Za-z][^()（）\n{CJK}]*)[)）]"
)


def _drop_quotations(markdown: str) -> str:
    """Remove quotations of the notes: “…”/「…」 spans, and "the notes …" up to the end of
    the parenthesis it sits in (e.g. "(试验; the notes write 内循环（trial）)")."""
    markdown = re.sub(r"“[^”]*”|「[^」]*」", "", markdown)
    out, depth, skipping_from = [], 0, None
    i = 0
    while i < len(markdown):
        char = markdown[i]
        if char in "(（":
            depth += 1
        elif char in ")）":
            if skipping_from is not None and depth == skipping_from:
                skipping_from = None
            depth -= 1
        elif skipping_from is None and depth > 0 and markdown.startswith("notes", i):
            skipping_from = depth
        if skipping_from is None or char in ")）" and depth < skipping_from:
            out.append(char)
        i += 1
    return "".join(out)


def _words(text: str) -> list[str]:
    words = re.sub(r"[*`_$]", " ", text).replace("’", "'").split()
    return [w.strip(".,;:!?\"'") for w in words]


def _english_term(text: str):
    """The longest glossary term that ``text`` ends with (bold/code marks ignored)."""
    words = _words(text)
    for size in range(min(6, len(words)), 0, -1):
        term = find(" ".join(words[-size:]))
        if term is not None:
            return term
    return None


def _whole_term(text: str):
    """The glossary term ``text`` is, as a whole (a leading article allowed)."""
    words = _words(text)
    if words and words[0].lower() in {"the", "a", "an"}:
        words = words[1:]
    return find(" ".join(words)) if words else None


def _chinese(piece: str) -> list[str]:
    """The ways to read a piece as a Chinese term: as written, and its CJK span alone."""
    span = re.search(f"[{CJK}].*[{CJK}]|[{CJK}]", piece).group(0)
    return [piece, span]


def _pairs(markdown: str):
    """(English context, Chinese readings, match) for each "English (中文)" in markdown."""
    markdown = _drop_quotations(markdown)
    for match in ENGLISH_THEN_CHINESE.finditer(markdown):
        before, inside = match.group(1), match.group(2)
        if re.search(r"notes\W*$", before, re.IGNORECASE):
            continue  # "the notes (优化逻辑)": a reference to the notes, not a term
        pieces = [p.strip() for p in re.split(r"[,，、;；]", inside)]
        zh = next(p for p in pieces if re.search(f"[{CJK}]", p))
        english = next((p for p in pieces if _whole_term(p) is not None), before)
        yield english, _chinese(zh), match.group(0).strip()
    for match in CHINESE_THEN_ENGLISH.finditer(markdown):
        yield match.group(2), _chinese(match.group(1)), match.group(0).strip()


def _markdown_cells():
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for index, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                yield f"{path.name} cell {index}", "".join(cell["source"])


def test_terms_are_unique_both_ways():
    english = [t.english.lower() for t in TERMS]
    zh = [t.chinese for t in TERMS]
    assert len(set(english)) == len(english), "an English term is listed twice"
    assert len(set(zh)) == len(zh), "two English terms share one Chinese name"
    assert all(0 <= t.chapter <= max(c.number for c in CHAPTERS) for t in TERMS)


def test_the_agreed_translations():
    assert chinese("episode") == "回合"
    assert chinese("component") == "组件"
    assert chinese("Episodes") == "回合"  # plural and case
    assert chinese("PPO") == "近端策略优化"
    assert chinese("Policy-Gradient") == chinese("policy gradient")
    with pytest.raises(KeyError, match="add a line"):
        chinese("warp drive")
    # an unknown term is also a ValueError naming the argument and what was given (issue #28)
    with pytest.raises(ValueError, match=r"^english must be a term .* got 'warp drive'$"):
        chinese("warp drive")


def test_every_notebook_pair_agrees_with_the_glossary():
    problems = []
    for where, markdown in _markdown_cells():
        for english, readings, text in _pairs(markdown):
            term = _english_term(english)
            if term is not None:
                if term.chinese not in readings:
                    problems.append(
                        f"{where}: {text!r} — the glossary gives {term.english!r} = {term.chinese}"
                    )
                continue
            zh = readings[0]
            owner = next((t for t in TERMS if t.chinese in readings), None)
            if owner is not None:
                problems.append(
                    f"{where}: {text!r} — {zh} is the glossary's {owner.english!r}; "
                    "use that English term"
                )
            else:
                problems.append(
                    f"{where}: {text!r} is not in course_lib/glossary.py: add one line to TERMS "
                    "(or quote the notes as (the notes: “…”))"
                )
    assert not problems, "\n".join(problems)


def test_pair_extraction():
    text = "a **random permutation** (随机排列) and PPO (近端策略优化, PPO), then 试验 (trial)"
    pairs = [(e, z[0]) for e, z, _ in _pairs(text)]
    assert pairs == [
        ("a **random permutation**", "随机排列"),
        ("PPO", "近端策略优化"),
        ("trial", "试验"),
    ]
    assert list(_pairs("in random order (the notes: 生成随机排列数组)")) == []
    assert list(_pairs("The notes (RL² section, 优化逻辑) say")) == []
    quoted = "a **trial** (试验; the notes write 内循环（trial）) and the **outer loop** (外循环, learning across tasks)"
    assert [(_english_term(e).english, z[0]) for e, z, _ in _pairs(quoted)] == [
        ("trial", "试验"),
        ("outer loop", "外循环"),
    ]
    assert [z for _, z, _ in _pairs("the **hidden state** (隐藏状态 h)")] == [
        ["隐藏状态 h", "隐藏状态"]
    ]


def test_table_renders_every_term():
    table = glossary_table().data
    assert table.count("\n") == len(TERMS) + 1
    assert "| episode — the notes say 一局 | 回合 | Ch 1 |" in table
    chapter_table = glossary_table(chapter=2).data
    assert "随机排列" in chapter_table and "回合" not in chapter_table


#: Generated previews of other chapters: a term named there is not yet taught.
PREVIEW_TAGS = {"roadmap", "next-chapter"}
#: From a "Further reading" heading to the end of its cell: paper titles, not the chapter's prose.
FURTHER_READING = re.compile(r"^(?:#+ |\*\*)Further reading.*", re.MULTILINE | re.DOTALL)


def _chapter_markdown() -> list[str]:
    """Each chapter's own prose, in reading order: no generated previews, no reading lists."""
    texts = []
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        texts.append(
            "\n".join(
                FURTHER_READING.sub("", "".join(c["source"]))
                for c in cells
                if c["cell_type"] == "markdown"
                and not PREVIEW_TAGS & set(c["metadata"].get("tags", []))
            )
        )
    return texts


def _uses(term, text: str) -> bool:
    spellings = "|".join(
        re.escape(s).replace(r"\-", "[- ]").replace(r"\ ", "[- ]")
        for s in (term.english, *term.also)
    )
    return (
        re.search(rf"(?<![\w-])(?:{spellings})(?:e?s)?(?![\w-])", text, re.IGNORECASE) is not None
    )


def test_first_in_is_where_the_course_first_uses_the_term_and_names_it_in_chinese():
    # Chapter 0 previews the whole course, so "first in" is the first chapter after it that uses
    # the term (Chapter 0 itself only for the course's own name); that chapter gives its Chinese.
    texts = _chapter_markdown()
    problems = []
    for term in TERMS:
        first = next((i for i, text in enumerate(texts) if i >= 1 and _uses(term, text)), None)
        if term.chapter == 0:
            first = 0 if _uses(term, texts[0]) else first
        if first is None:
            problems.append(f"{term.english!r} ({term.chinese}) is used by no chapter: drop it")
        elif first != term.chapter:
            problems.append(
                f"{term.english!r}: first used in Ch {first}, the glossary says Ch {term.chapter}"
            )
        elif term.chinese not in texts[first]:
            problems.append(
                f"{term.english!r}: Ch {first} uses it first but never writes {term.chinese}"
            )
    assert not problems, "\n".join(problems)


def test_the_chinese_edition_gets_a_chinese_table():
    from course_lib.i18n import set_language

    set_language("zh")
    try:
        table = glossary_table().data
        chapter_table = glossary_table(chapter=0).data
    finally:
        set_language("en")
    assert table.startswith("| 中文 | 英文 | 首次出现 |\n|---|---|---|\n")
    assert "| 回合 — 笔记中称为一局 | episode | 第 1 章 |" in table
    assert "| 强化学习 | reinforcement learning | 全部 |" in chapter_table
    assert table.count("\n") == len(TERMS) + 1


def test_every_note_in_words_has_its_chinese():
    # Symbols and code (γ, `torch.randperm`) read the same in both editions; words do not.
    worded = [t for t in TERMS if re.search(r"[A-Za-z]{4,}", re.sub(r"`[^`]*`", "", t.note))]
    assert worded and [t.english for t in worded if not t.note_zh] == []
