"""The Chinese edition (中文版) never drifts from the English.

Every chapter's prose lives once in English (``notebooks/``) and once in its catalog
(``notebooks/locale/zh/NN_name.po``, keyed by cell id, each entry holding the exact English it
was translated from). These tests fail when an English cell has no translation, when its
English changed after it was translated (the entry is stale), when the built Chinese notebook
differs from the English in anything but prose and its ``LANGUAGE``, when a glossary term the
English names is missing from its Chinese cell, and when English sentences are left in Chinese
prose. ``python scripts/translate.py status`` lists what to do; ``update`` marks what changed.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

from course_lib.glossary import TERMS

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("translate", ROOT / "scripts" / "translate.py")
translate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(translate)

CHAPTERS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
IDS = [p.stem for p in CHAPTERS]


def _catalog(path: Path) -> Path:
    return ROOT / "notebooks" / "locale" / "zh" / f"{path.stem}.po"


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_every_prose_cell_has_a_fresh_translation(path):
    prose = [(c, en) for c, en in translate.notebook_messages(path) if c is not None]
    done = translate.translations(_catalog(path))
    todo = [c for c, en in prose if (c, en) not in done]
    assert not todo, (
        f"{path.name}: {len(todo)} of {len(prose)} prose entries untranslated or stale (their "
        f"English changed): {todo[:8]}. Run `python scripts/translate.py update`, then translate "
        f"the entries of {_catalog(path).relative_to(ROOT)} marked fuzzy or empty."
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_the_chinese_chapter_has_the_same_code(path):
    english = nbformat.read(path, as_version=4)
    chinese, missing = translate.build_notebook(path, "zh")
    assert missing == 0
    assert [c.cell_type for c in chinese.cells] == [c.cell_type for c in english.cells]
    assert [c.id for c in chinese.cells] == [c.id for c in english.cells]
    for en, zh in zip(english.cells, chinese.cells, strict=True):
        if en.cell_type != "code":
            continue
        if "parameters" in en.metadata.get("tags", []):
            assert 'LANGUAGE = "en"' in en.source and 'LANGUAGE = "zh"' in zh.source
            assert zh.source == en.source.replace('LANGUAGE = "en"', 'LANGUAGE = "zh"')
        else:
            assert zh.source == en.source, f"{path.name} cell {en.id}: code differs"
        assert en.metadata.get("tags") == zh.metadata.get("tags")
    assert chinese.metadata["language"] == "zh"


def _pairs(english: str) -> set[str]:
    """The Chinese glossary terms an English cell names in parentheses, "policy (策略)"."""
    chinese = {t.chinese for t in TERMS}
    named = set()
    for group in re.findall(r"[(（]([^()（）]*)[)）]", english):
        for part in re.split(r"[;,，、]", group):
            if part.strip() in chinese:
                named.add(part.strip())
    return named


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_each_chinese_cell_uses_the_glossary_terms_its_english_names(path):
    problems = [
        f"{context}: the English names {term}, the Chinese does not use it"
        for (context, english), chinese in translate.translations(_catalog(path)).items()
        if context is not None
        for term in sorted(_pairs(english))
        if term not in chinese
    ]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


#: Algorithm names and other acronyms (PPO, GAE, MDP, UCB1, MSE): the Chinese edition writes them
#: as the English does, so an English cell naming only the acronym does not ask for the long name.
_ACRONYM = re.compile(r"[A-Z][A-Z0-9²]+")
#: Where a glossary word is not the term: "returns" the verb ("`f(x)` returns a tensor"), "state"
#: the verb ("the paper states", "* state Reptile's update"), "prior" the adjective ("prior
#: algorithms"). A code span reads as CODE here, so "`f` returns" is a subject and a verb.
_NOT_THE_TERM = {
    "return": re.compile(
        r"(?:\b(?:CODE|that|which|it|they|and|or|to|then|also|function)\s+|[;,(]\s*(?:or\s+)?)"
        r"returns?\)?\s+(?:(?:a|an|the|its|their|one|lists?|CODE|θ)\b|\()",
        re.IGNORECASE,
    ),
    "state": re.compile(
        r"\b(?:we|paper|papers|notes|to|they|it)\s+states?\b(?!\s+(?:of|value|s|space))|^\s*[*-]\s+state\b",
        re.IGNORECASE | re.MULTILINE,
    ),
    "prior": re.compile(r"\bprior\s+(?:work|algorithms?|methods?|results?|approaches)\b", re.I),
}
_CODE_SPAN = re.compile(r"`[^`]*`")


def _spellings() -> list[tuple[re.Pattern, object]]:
    """Every spelling of every glossary term as a pattern, longest first: "Gittins index" and
    "posterior sampling" are read before "index" and "posterior", "inductive bias" before
    "bias", so a longer term's words do not also count as the shorter one."""
    pairs = [(s, t) for t in TERMS for s in (t.english, *t.also) if not _ACRONYM.fullmatch(s)]
    pairs.sort(key=lambda pair: -len(pair[0]))
    return [(re.compile(_spelling(s), re.IGNORECASE), t) for s, t in pairs]


def _spelling(term: str) -> str:
    """A term as a whole word; a hyphen and a space match each other; a plural 's' allowed."""
    word = re.escape(term).replace(r"\-", "[- ]").replace(r"\ ", "[- ]")
    return rf"(?<![\w-]){word}(?:e?s)?(?![\w-])"


def terms_used(english: str) -> list:
    """The glossary terms an English cell uses in its prose (not in code, maths, links or its
    reading list), each once."""
    text = _READING_LIST.sub("", _NOT_PROSE.sub(" ", _CODE_SPAN.sub(" CODE ", english)))
    for pattern in _NOT_THE_TERM.values():
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    used = []
    for pattern, term in _spellings():
        if pattern.search(text):
            text = pattern.sub(" ", text)
            if term not in used:
                used.append(term)
    return used


def test_terms_used_reads_terms_not_their_homonyms():
    used = lambda text: [t.english for t in terms_used(text)]  # noqa: E731
    assert used("`f(x)` returns a tensor, and (or returns) lists") == []
    assert used("`f(x)` returns a tensor; the returns of each run") == ["return"]
    assert used("the loop, returns and values") == ["return"]
    assert used("The paper states it; the state of the chain") == ["state"]
    assert used("PEARL outperforms prior algorithms") == []
    assert used("the Gittins index") == ["Gittins index"]
    assert used("the inductive bias of a model") == ["inductive bias"]
    assert used("posterior sampling") == ["posterior sampling"]
    assert used("PPO with GAE") == []  # acronyms only: no long Chinese name is asked for
    assert used("Proximal Policy Optimization") == ["Proximal Policy Optimization"]


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_each_chinese_cell_uses_the_glossary_terms_its_english_uses(path):
    problems = [
        f"{context}: the English uses {term.english!r}, the Chinese lacks {term.chinese}"
        for (context, english), chinese in translate.translations(_catalog(path)).items()
        if context is not None
        for term in terms_used(english)
        if term.chinese not in chinese
    ]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


#: What may stay English in Chinese prose (code, maths, links and URLs are removed first, and
#: the reading list, whose entries keep their original titles): JupyterLab's own menu items,
#: which the reader clicks as written, and paper titles quoted where a chapter names its source.
ALLOWED = (
    "Run All Cells",
    "Restart Kernel and Run All Cells",
    "Fast Reinforcement Learning via Slow Reinforcement Learning",
    "Efficient Off-Policy Meta-Reinforcement Learning via Probabilistic Context Variables",
    "learning to learn by gradient descent by gradient descent",
    "Rapid learning or feature reuse",
)
_NOT_PROSE = re.compile(
    r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$\n]*\$|\]\([^)]*\)|https?://\S+|<[^>]+>", re.DOTALL
)
_READING_LIST = re.compile(r"^(?:#+ |\*\*)(?:Further reading|延伸阅读).*", re.MULTILINE | re.DOTALL)
#: Four English words in a row: a phrase or a sentence, not a name (PPO, Adam, CartPole-v1).
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,:;]+[A-Za-z][A-Za-z'’-]*){3,}")


def english_left(chinese: str) -> list[str]:
    text = _READING_LIST.sub("", _NOT_PROSE.sub(" ", chinese))
    for phrase in ALLOWED:
        text = text.replace(phrase, " ")
    return _ENGLISH_RUN.findall(text)


def test_english_left_finds_a_sentence_and_spares_names_and_code():
    assert english_left("这是 PPO 和 `torch.randperm(n)` 的例子，$\\text{old}$。") == []
    assert english_left("我们 train the agent for longer 之后。") == ["train the agent for longer"]
    assert english_left("## 延伸阅读\n* Y. Duan et al., *Fast Reinforcement Learning*") == []


@pytest.mark.parametrize("path", CHAPTERS, ids=IDS)
def test_no_english_sentence_is_left_in_chinese_prose(path):
    left = {
        context: english_left(chinese)
        for (context, _), chinese in translate.translations(_catalog(path)).items()
        if context is not None
    }
    left = {c: words for c, words in left.items() if words}
    assert not left, f"{path.name}: English left in the Chinese prose: {left}"
