"""The Chinese edition's feedback: under ``set_language("zh")`` the same wrong answer gets its
diagnosis in Chinese, from the catalogs course_lib/locale/zh/ (one test per checker module, plus
the checkpoint lines). The English wording is asserted by each module's own tests."""

from __future__ import annotations

import math

import pytest
import torch
from torch.func import functional_call, grad, jvp

from course_lib.claims import at_least, checkpoint, paired_above
from course_lib.exercises import (
    check_clipped_surrogate,
    check_dice_objective,
    check_episodes_needed,
    check_inner_step,
    check_minibatches,
    check_reward_to_go,
    check_trial_input,
)
from course_lib.exercises.components import check_shift_question
from course_lib.exercises.maml import check_second_order_term
from course_lib.exercises.start import check_seeded_noise
from course_lib.i18n import language, set_language
from course_lib.stats import Interval


@pytest.fixture
def chinese():
    set_language("zh")
    yield
    set_language("en")


def _feedback(capsys, checker, *args, **kwargs) -> str:
    assert checker(*args, **kwargs) is False
    return capsys.readouterr().out


def test_the_fixture_leaves_english_behind():
    assert language() == "en"


def test_start_uniform_numbers(chinese, capsys):
    def uniform(seed, n):
        return torch.rand(n, generator=torch.Generator().manual_seed(seed))

    out = _feedback(capsys, check_seeded_noise, uniform)
    assert "所有数都落在 [0, 1) 内：这是 torch.rand，即均匀分布" in out


def test_components_the_period(chinese, capsys):
    out = _feedback(capsys, check_shift_question, 2 * math.pi)
    assert "2π 是周期：它保持 y 不变，而增强点是 −y。" in out


def test_pg_undiscounted_returns(chinese, capsys):
    def undiscounted(rewards, gamma):
        return rewards.flip(0).cumsum(0).flip(0)

    out = _feedback(capsys, check_reward_to_go, undiscounted)
    assert "奖励 [1, 2, 3]，γ = 0.5：得到 [6.0, 5.0, 3.0]…，应为 [2.75, 3.5, 3.0]…" in out
    assert "缺了 γ：每远一步，权重就再乘一个 γ" in out


def test_sampling_endless_generator_is_told_in_chinese_from_the_child(chinese, capsys):
    def endless(n, batch_size, generator):  # the message is made in the sandbox's child
        order = torch.randperm(n, generator=generator).tolist()
        while True:
            yield order[:batch_size]

    out = _feedback(capsys, check_minibatches, endless)
    assert (
        "n=12，batch_size=4：在 16 个批次后被停止（一个轮次只有 3 个）：你的生成器永不停止。" in out
    )


def test_ppo_wrong_sign(chinese, capsys):
    def objective(new, old, adv, eps):
        r = torch.exp(new - old)
        return torch.min(r * adv, torch.clamp(r, 1 - eps, 1 + eps) * adv).mean()

    out = _feedback(capsys, check_clipped_surrogate, objective)
    assert "A > 0，r 在裁剪范围内：应为" in out
    assert "符号不对：这是要*最小化*的损失。" in out


def test_meta_step_up_the_gradient(chinese, capsys):
    def ascent(model, params, x, y, inner_lr):
        loss = ((functional_call(model, params, (x,)) - y) ** 2).mean()
        grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
        return {n: p + inner_lr * g for (n, p), g in zip(params.items(), grads)}

    out = _feedback(capsys, check_inner_step, ascent)
    assert "在 1-40-40-1 网络上，α = 0.01：你沿梯度*上升*了：θ = φ − α·∇L，是减号。" in out


def test_maml_second_order_term_wrong_sign(chinese, capsys):
    def flipped(model, params, task, inner_lr):
        x_s, y_s, x_q, y_q = task

        def loss(p, x, y):
            return ((functional_call(model, p, (x,)) - y) ** 2).mean()

        phi = {n: p.detach() for n, p in params.items()}
        support = grad(lambda p: loss(p, x_s, y_s))
        theta = {n: phi[n] - inner_lr * g for n, g in support(phi).items()}
        v = grad(lambda p: loss(p, x_q, y_q))(theta)
        hv = jvp(support, (phi,), (v,))[1]
        return {n: inner_lr * hv[n] for n in hv}

    out = _feedback(capsys, check_second_order_term, flipped)
    assert "在 1-40-40-1 网络上，α = 0.01：你的项符号反了：∂θ/∂φ = I − α∇²l_s" in out


def test_rl2_first_step_is_told_in_chinese_from_the_child(chinese, capsys):
    def no_first_step(obs, action, reward, end, num_actions):
        one_hot = torch.nn.functional.one_hot(action, num_actions).float()
        return torch.cat([obs, one_hot, reward[:, None], end[:, None]], dim=1)

    out = _feedback(capsys, check_trial_input, no_first_step)
    assert "在试验的第一步上（prev_action = -1）：one_hot（或索引）收到了 prev_action = -1。" in out
    assert "记住：prev_action = -1 表示还没有动作" in out


def test_maml_rl_summed_trajectories_and_episode_count(chinese, capsys):
    def summed(logprob, rewards, gamma):
        w = logprob.cumsum(0)
        discount = gamma ** torch.arange(rewards.shape[0], dtype=rewards.dtype)[:, None]
        return (torch.exp(w - w.detach()) * discount * rewards).sum(0).sum()

    out = _feedback(capsys, check_dice_objective, summed)
    assert "✗ 值不对" in out and "你对 N 条轨迹求了和；应取平均" in out
    out = _feedback(capsys, check_episodes_needed, 2, steps=2, num_trajectories=20)
    assert "2 个回合 不对：这数的是梯度步；每一步都要用它自己的一批 20 个新回合来计算" in out


def test_a_failed_checkpoint_reads_in_chinese(chinese):
    claims = [
        at_least("MAML-RL reaches the bar", 0.5, 1.0),
        paired_above("RL² leads", Interval(0.1, 0.3, 10)),
    ]
    with pytest.raises(AssertionError) as failure:
        checkpoint("08", claims, "never printed")
    message = str(failure.value)
    assert message.startswith("第 08 章检查点：2 条断言中有 2 条不成立")
    assert "  ✗ MAML-RL reaches the bar：0.5，界限 1（余量 -0.5）" in message
    assert "配对差 0.1 ± 0.3（须大于 0）" in message


def test_harness_choice_wrong_answer(chinese, capsys):
    from course_lib.exercises.harness import check_choice

    out = _feedback(capsys, check_choice, "b", "a", {"b": "原因。"})
    assert out == "✗ 'b' 不对：原因。\n"


def test_harness_number_likely_cause(chinese, capsys):
    from course_lib.exercises.harness import check_number

    out = _feedback(capsys, check_number, -0.5, 0.5, 1e-3)
    assert out == "✗ -0.5 不对：符号反了：检查差值（或损失）是谁减谁。\n"


def test_harness_feedback_from_the_sandbox_child(chinese, capsys):
    from course_lib.exercises.fewshot import check_prototype_logits

    def unfinished(support, support_labels, query, n_way):
        raise NotImplementedError

    out = _feedback(capsys, check_prototype_logits, unfinished)
    assert "尚未实现：把 `raise NotImplementedError` 换成你的代码。" in out


def test_fewshot_chance_as_a_percentage(chinese, capsys):
    from course_lib.exercises.fewshot import check_chance_accuracy

    out = _feedback(capsys, check_chance_accuracy, 20)
    assert out == "✗ 20 不对：请写成 0 到 1 之间的小数（20% 即 0.2）。\n"


def test_pearl_posterior_variance_is_a_precision(chinese, capsys):
    from course_lib.exercises.pearl import check_posterior_variance

    out = _feedback(capsys, check_posterior_variance, 7)
    assert out == "✗ 7 不对：这是精度 1 + 3 × 2；方差是它的倒数\n"


def test_options_printed_by_chapters(chinese):
    from course_lib.exercises.components import more_steps_options
    from course_lib.exercises.pg import baseline_options

    assert baseline_options()["a"] == "平均值仍是精确梯度；方差增大"
    assert more_steps_options()["c"] == "查询集与支持集取自不同的任务"


def test_a_crash_in_the_sandbox_is_told_in_chinese(chinese, capsys):
    import os

    def exits(rewards, gamma):  # the message is made in the parent, from the child's status
        os._exit(3)

    out = _feedback(capsys, check_reward_to_go, exits)
    assert "你的代码在返回结果之前结束了进程（os._exit(3) 或崩溃）：请返回结果，不要退出。" in out


def test_a_replaced_library_is_told_in_chinese(chinese, capsys):
    import course_lib.stats

    def tampers(rewards, gamma):
        course_lib.stats.mean_ci = lambda *a, **k: None
        return rewards

    out = _feedback(capsys, check_reward_to_go, tampers)
    assert (
        "你的代码在运行时替换了课程库、检查函数或 torch 的一部分（course_lib.stats.mean_ci）" in out
    )


def test_a_wrong_typed_answer_is_named_in_chinese(chinese, capsys):
    from course_lib.exercises.harness import describe

    out = _feedback(capsys, check_reward_to_go, lambda rewards, gamma: rewards.tolist())
    assert "奖励 [1, 2, 3]，γ = 0.5：你的函数返回了 一个 list；" in out
    assert [describe(v) for v in (None, True, 1.5, "x", (1,), torch.zeros(1))] == [
        "None",
        "一个布尔值（True）",
        "一个 Python float",
        "一个字符串",
        "一个 tuple",
        "一个 torch 张量",
    ]


def test_a_hint_line_is_in_chinese(chinese, capsys):
    from course_lib.exercises.harness import Report

    assert Report().fail("不对。", hint="乘以 2") is False
    assert capsys.readouterr().out == "✗ 不对。\n  提示：乘以 2\n"


def test_chapter_6_names_its_families_and_layers_in_chinese(chinese, capsys):
    from course_lib.exercises.fewshot import check_most_changed_layer
    from course_lib.meta.characters import _split_descriptions
    from course_lib.meta.classifiers import layer_names

    assert _split_descriptions("typefaces")[2] == "元测试汉字（按字体划分）"
    names = ("body.0.weight", "body.2.weight", "body.4.weight", "head.weight")
    params = {name: torch.zeros(1) for name in names}
    assert list(layer_names(params).values()) == ["隐藏层 1", "隐藏层 2", "隐藏层 3", "输出头"]
    # The checker reads this run's measurement under its Chinese layer names.
    moves = {"隐藏层 1": 0.04, "隐藏层 2": 0.05, "输出头": 0.35}
    assert check_most_changed_layer("c", moves) is True
    out = _feedback(capsys, check_most_changed_layer, "a", moves)
    assert "隐藏层 1 4.0%" in out
