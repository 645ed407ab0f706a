"""The widgets in the Chinese edition: built after ``set_language("zh")``, each one draws and
labels in Chinese (its title, controls, status line and plot), with every glyph in the font.

Every public widget factory is built headless on small inputs (tests/site_widgets.py), plus the
two static diagrams; the English widgets are tested, unchanged, by tests/test_widgets_*.py.
"""

from __future__ import annotations

import re
import warnings

import matplotlib
import pytest
from site_widgets import BUILDERS

from course_lib import i18n
from course_lib.widgets._grid import site_axes
from course_lib.widgets.meta import two_loops_diagram
from course_lib.widgets.rl2 import trial_diagram

CJK = re.compile(r"[\u4e00-\u9fff]")

#: Each widget's title in the Chinese edition: the catalogs course_lib/locale/zh/*.po.
TITLES = {
    "return_value_explorer": "链上的回报与价值：拖动 γ 和 ε",
    "q_learning_explorer": "链上的 Q 学习：Q 与 Q* 对比",
    "sampling_explorer": "小批量采样浏览器",
    "clip_objective_explorer": "裁剪的替代目标 L^CLIP(r)",
    "gae_explorer": "广义优势估计：拖动 γ 和 λ",
    "component_explorer": "φ 可以是什么？选择要学习的组件",
    "param_space_explorer": "(a, b) 平面上的内循环与外循环",
    "adaptation_explorer": "适应新任务：MAML 与预训练",
    "fewshot_explorer": "一个新任务：谁标对了？",
    "bandit_trial_viewer": "老虎机试验中的 RL²：先探索，再锁定",
    "maze_replay": "迷宫中的 RL²：探索一次，然后径直走回",
    "maml_rl_explorer": "靠梯度步适应与靠记忆适应",
    "pearl_explorer": "PEARL：先推断任务，再依信念行动",
}


@pytest.fixture
def chinese():
    """The Chinese edition for one test; English, its fonts and its warning filters afterwards."""
    with matplotlib.rc_context(), warnings.catch_warnings():
        i18n.set_language("zh")  # also: a glyph missing from the font is an error
        try:
            yield
        finally:
            i18n.set_language("en")


def _figure_texts(fig) -> list[str]:
    """Every title, axis label, legend entry and free text drawn on ``fig``."""
    texts = []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        legend = ax.get_legend()
        if legend is not None:
            texts += [t.get_text() for t in legend.get_texts()]
        texts += [t.get_text() for t in ax.texts]
    return [t for t in texts if t]


def test_every_widget_factory_has_a_chinese_title():
    assert set(TITLES) == set(BUILDERS)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_each_widget_is_chinese_when_built_in_chinese(name, chinese):
    box = BUILDERS[name]()  # draws its opening frame: a missing glyph would raise here
    assert box.title == TITLES[name]
    assert CJK.search(box.status.value), box.status.value
    described = [c.description for c in box.controls.values()]
    assert any(CJK.search(d) for d in described), described
    drawn = _figure_texts(box.view.fig)
    assert any(CJK.search(t) for t in drawn), drawn
    box.show({})  # a redraw, as after a slider move, stays Chinese
    assert CJK.search(box.status.value)
    assert box.view.image.value  # and renders


def test_the_static_diagrams_are_chinese(chinese):
    for fig in (two_loops_diagram(), trial_diagram()):
        fig.canvas.draw()  # renders every glyph
        assert any(CJK.search(t) for t in _figure_texts(fig)), _figure_texts(fig)


def test_the_site_notes_are_chinese(chinese):
    axes = {a.name: a for a in site_axes(BUILDERS["sampling_explorer"]())}
    assert axes["seed"].note == "固定为 0：换一个种子只是把同一幅图重新打乱"
    assert axes["drop_last"].labels == ("关", "开")
    thinned = [a.note for a in axes.values() if a.note and a.name != "seed"]
    assert thinned and all(CJK.search(n) and "every" not in n for n in thinned), thinned


def test_english_is_back_after_the_chinese_edition(chinese):
    BUILDERS["gae_explorer"]()
    i18n.set_language("en")
    box = BUILDERS["gae_explorer"]()
    assert box.title == "Generalized advantage estimation: drag γ and λ"
    assert not CJK.search(box.status.value + "".join(_figure_texts(box.view.fig)))


def test_the_adaptation_explorer_hands_code_its_numbers_in_any_language(chinese):
    box = BUILDERS["adaptation_explorer"]()
    for controls in ({}, {"amplitude": 6.5}, {"k": 1, "steps": 3}):
        box.show(controls)
        assert set(box.errors) == {"MAML", "pre-trained"}
        status = box.status.value  # Chinese: "MAML <b>…</b>，预训练模型 <b>…</b>"
        assert "pre-trained" not in status
        assert f"MAML <b>{box.errors['MAML']:.3f}</b>" in status
        assert f"预训练模型 <b>{box.errors['pre-trained']:.3f}</b>" in status
