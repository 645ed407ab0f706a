"""The language switch (course_lib.i18n) and the translation tooling (scripts/translate.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest

from course_lib import i18n

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("translate", ROOT / "scripts" / "translate.py")
translate = importlib.util.module_from_spec(_spec)
sys.modules["translate"] = translate
_spec.loader.exec_module(translate)

PO = """msgid ""
msgstr ""

msgid "Reading this run:"
msgstr "本次运行的结果："

msgid "after {k} steps: {mean:.2f}"
msgstr "{k} 步之后：{mean:.2f}"

#, fuzzy
msgid "stale"
msgstr "过时"

msgctxt "cell abc"
msgid "# Prose"
msgstr "# 正文"
"""


@pytest.fixture
def zh(tmp_path, monkeypatch):
    (tmp_path / "zh").mkdir()
    (tmp_path / "zh" / "x.po").write_text(PO, encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIRS", (tmp_path,))
    i18n._catalog.cache_clear()
    i18n.set_language("zh")
    yield
    i18n.set_language("en")
    i18n._catalog.cache_clear()


def test_english_is_the_source_and_formats_its_placeholders():
    assert i18n.language() == "en"
    assert i18n.tr("after {k} steps: {mean:.2f}", k=3, mean=1.234) == "after 3 steps: 1.23"


def test_chinese_comes_from_the_catalogs_and_falls_back_to_english(zh):
    assert i18n.tr("Reading this run:") == "本次运行的结果："
    assert i18n.tr("after {k} steps: {mean:.2f}", k=3, mean=1.234) == "3 步之后：1.23"
    assert i18n.tr("stale") == "stale"  # fuzzy: not used
    assert i18n.tr("# Prose") == "# Prose"  # a chapter's prose is for the build, not for tr
    assert i18n.tr("never translated") == "never translated"


def test_chinese_pads_by_display_width_so_columns_line_up(zh):
    # A CJK character draws two columns wide: padding by len() would push the next column right.
    assert i18n.display_width("本次运行 ab") == 11
    label = i18n.tr("Reading this run:")  # 本次运行的结果： is 8 characters, 16 columns
    assert f"{label:<20}|" == label + "    |"
    assert f"{label:>18}|{label:^20}|" == "  " + label + "|  " + label + "  |"
    assert f"{label:.4}|{label:4}|" == "本次运行|" + label + "|"  # precision cuts; too wide: as is
    # A message's own placeholders pad by display width too, tr'd or not; numbers as usual.
    assert i18n.tr("{name:10s}|{x:5.1f}", name="回合", x=2.0) == "回合      |  2.0"
    assert i18n.tr("{name:>6}|", name=label) == label + "|"
    # English is untouched: plain str, padded by characters.
    i18n.set_language("en")
    assert type(i18n.tr("Reading this run:")) is str
    assert f"{i18n.tr('{name:6s}|', name='回合')}" == "回合    |"


def test_placeholders_and_bad_input():
    assert i18n.placeholders("after {k} steps: {mean:.2f}") == {"k", "mean"}
    with pytest.raises(ValueError, match="language must be one of"):
        i18n.set_language("fr")
    with pytest.raises(TypeError, match="message must be a str"):
        i18n.tr(3)


def test_a_placeholder_without_its_value_is_refused_but_literal_braces_print():
    # issue #28: tr("{n} steps") used to print "{n} steps"; with values, a missing one raised
    # a bare KeyError from str.format
    with pytest.raises(
        ValueError, match=r"placeholders \['n'\] need a value .* got values for \[\]"
    ):
        i18n.tr("{n} steps")
    with pytest.raises(ValueError, match=r"placeholders \['m'\] .* got values for \['n'\]"):
        i18n.tr("{n} of {m}", n=1)
    # without values a message prints as it is: a formula's braces are not placeholders
    assert i18n.tr("G_t = r_t + γ G_{t+1}") == "G_t = r_t + γ G_{t+1}"
    assert i18n.tr("{a.real:.1f} and {b[0]}", a=1.5, b=[2]) == "1.5 and 2"


def test_a_spec_that_is_not_a_string_spec_is_refused_naming_it():
    with pytest.raises(ValueError, match=r"spec must be a string format spec .* got 'zz'"):
        i18n.pad("x", "zz")
    assert i18n.pad("策略", ">6") == "  策略"


def test_catalog_checks_its_language():
    with pytest.raises(TypeError, match=r"language must be a str, got list"):
        i18n.catalog(["zh"])
    with pytest.raises(ValueError, match=r"language must be one of \('en', 'zh'\), got 'fr'"):
        i18n.catalog("fr")
    assert i18n.catalog("en") == {}


def _chapter(tmp_path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('SCALE = "quick"\nLANGUAGE = "en"')
    params.metadata["tags"] = ["parameters"]
    prose = nbformat.v4.new_markdown_cell("# Title\n\nSome prose.")
    code = nbformat.v4.new_code_cell('print(tr("Reading this run:"))\nprint(tr("mean {m}", m=1))')
    code.metadata["nbval_reference_zh"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]
    nb.cells = [prose, params, code]
    path = tmp_path / "05_demo.ipynb"
    nbformat.write(nb, path)
    return path


def test_update_keeps_translations_and_marks_changed_english_stale(tmp_path, monkeypatch):
    path = _chapter(tmp_path)
    po = tmp_path / "05_demo.po"
    messages = translate.notebook_messages(path)
    assert [m[1] for m in messages] == ["# Title\n\nSome prose.", "Reading this run:", "mean {m}"]
    assert translate.update_catalog(po, messages, "zh") == (3, 0)
    catalog = translate.read_catalog(po)
    for message in catalog:
        if message.id:
            message.string = "译文"
    translate.write_catalog(catalog, po)
    changed = [(messages[0][0], "# Title\n\nNew prose."), *messages[1:]]
    assert translate.update_catalog(po, changed, "zh") == (0, 1)
    fresh = translate.translations(po)
    assert (messages[0][0], "# Title\n\nNew prose.") not in fresh  # stale until re-translated
    assert fresh[(None, "Reading this run:")] == "译文"


def test_build_translates_prose_and_only_the_language_line_of_the_code(tmp_path, monkeypatch):
    path = _chapter(tmp_path)
    monkeypatch.setattr(translate, "NOTEBOOKS", tmp_path)
    po = tmp_path / "locale" / "zh" / "05_demo.po"
    translate.update_catalog(po, translate.notebook_messages(path), "zh")
    catalog = translate.read_catalog(po)
    for message in catalog:
        if message.id and message.context:
            message.string = "# 标题\n\n一些正文。"
    translate.write_catalog(catalog, po)
    nb, missing = translate.build_notebook(path, "zh")
    english = nbformat.read(path, as_version=4)
    assert missing == 0 and nb.cells[0].source == "# 标题\n\n一些正文。"
    assert nb.cells[1].source == 'SCALE = "quick"\nLANGUAGE = "zh"'
    assert nb.cells[2].source == english.cells[2].source
    assert nb.cells[2].metadata["nbval_reference"][0]["text"] == "x"
    assert "nbval_reference_zh" not in nb.cells[2].metadata


def test_a_printed_list_takes_each_languages_separator(zh):
    items = ["楷体 7", "宋体 5", 3]
    assert i18n.listing(items) == "楷体 7、宋体 5、3"
    assert f"{i18n.listing(['甲', '乙']):<7}|" == "甲、乙 |"  # pads by display width
    i18n.set_language("en")
    assert i18n.listing(iter(["serif 7", "sans 5"])) == "serif 7, sans 5"
    assert i18n.listing([]) == ""
