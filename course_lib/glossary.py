"""The course's one glossary, English ↔ 中文, as data.

The study notes the course follows are in Chinese; the notebooks are in English and give a
term its Chinese name the first time it appears, written ``English (中文)`` (or
``**English** (中文)``). Every such pair in every notebook must agree with this table
(``tests/test_glossary.py`` scans the notebooks), so a term has one translation everywhere.

Adding a term is one line in ``TERMS``::

    Term("support set", "支持集", 4, in_notes=False),

``chapter`` is the chapter where the term first appears (0 = Start here, 2 = sampling, …);
``in_notes=False`` marks terms the notes do not use (their Chinese is the usual
translation); ``also`` lists other English spellings of the same term (plurals of a single
word are matched automatically). Chapter 0 renders the table with :func:`glossary_table`.
"""

from __future__ import annotations

from dataclasses import dataclass

from course_lib.i18n import language, tr
from course_lib.validation import check_bool, check_instance, check_int, check_sequence

__all__ = ["Term", "TERMS", "UnknownTerm", "chinese", "find", "glossary_table"]


@dataclass(frozen=True)
class Term:
    """One glossary entry: the English term, its Chinese name, the chapter that introduces it."""

    english: str
    chinese: str
    chapter: int
    in_notes: bool = True
    also: tuple[str, ...] = ()
    note: str = ""
    #: The note in Chinese, for the Chinese edition's table (a note of symbols only needs none).
    note_zh: str = ""

    def __post_init__(self) -> None:
        # A typo in the one list would show in every chapter's glossary table: refuse it here.
        for name in ("english", "chinese"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise TypeError(f"{name} must be a non-empty str, got {getattr(self, name)!r}")
        check_int("chapter", self.chapter, 0, 99)
        check_bool("in_notes", self.in_notes)
        object.__setattr__(self, "also", check_sequence("also", self.also, of=str))
        check_instance("note", self.note, str, "a str")
        check_instance("note_zh", self.note_zh, str, "a str")


# In the order the course meets them. One line per term.
TERMS: tuple[Term, ...] = (
    Term("reinforcement learning", "强化学习", 0),
    Term("meta-reinforcement learning", "元强化学习", 0, also=("meta-RL",)),
    Term("agent", "智能体", 1, in_notes=False),
    Term("environment", "环境", 1, in_notes=False),
    Term("state", "状态", 1, in_notes=False),
    Term("observation", "观测", 1, in_notes=False),
    Term("action", "动作", 1, in_notes=False),
    Term("discount factor", "折扣因子", 1, in_notes=False, note="γ"),
    Term("Markov decision process", "马尔可夫决策过程", 1, in_notes=False, also=("MDP",)),
    Term("action-value function", "动作价值函数", 1, in_notes=False, note="Q"),
    Term("Bellman equation", "贝尔曼方程", 1, in_notes=False),
    Term("policy evaluation", "策略评估", 1, in_notes=False),
    Term("Monte Carlo", "蒙特卡洛", 1, in_notes=False),
    Term("log-derivative trick", "对数导数技巧", 1, in_notes=False),
    Term("score function", "得分函数", 1, in_notes=False, note="∇log π"),
    Term("baseline", "基线", 1, in_notes=False),
    Term("variance", "方差", 1, in_notes=False),
    Term(
        "bias",
        "偏差",
        1,
        in_notes=False,
        note="E[estimate] − the true value",
        note_zh="E[估计值] − 真实值",
    ),
    Term("step size", "步长", 1, in_notes=False, note="α"),
    Term(
        "temporal-difference learning",
        "时序差分",
        1,
        in_notes=False,
        also=("TD learning", "temporal difference"),
    ),
    Term(
        "TD error",
        "时序差分误差",
        1,
        in_notes=False,
        also=("temporal-difference error",),
        note="δ_t; also written TD 误差",
        note_zh="δ_t；也写作 TD 误差",
    ),
    Term(
        "bootstrapping",
        "自举",
        1,
        in_notes=False,
        note="a target built on one's own estimate",
        note_zh="用自己的估计构造目标",
    ),
    Term("Bellman optimality equation", "贝尔曼最优方程", 1, in_notes=False),
    Term("value iteration", "价值迭代", 1, in_notes=False),
    Term("Q-learning", "Q 学习", 1, in_notes=False),
    Term("behaviour policy", "行为策略", 1, in_notes=False, also=("behavior policy",)),
    Term("ε-greedy", "ε-贪心", 1, in_notes=False, also=("epsilon-greedy",)),
    Term("off-policy", "离策略", 1, in_notes=False, also=("off-policy learning",)),
    Term("policy gradient theorem", "策略梯度定理", 1, in_notes=False),
    Term("sampling", "采样", 1),
    Term("random permutation", "随机排列", 2, note="`torch.randperm`"),
    Term("random sampling", "随机采样", 2, note="`SubsetRandomSampler`"),
    Term("index", "索引", 2, also=("indices",)),
    Term("minibatch", "小批量", 1, in_notes=False),
    Term(
        "epoch",
        "轮次",
        1,
        in_notes=False,
        note="one pass over the data",
        note_zh="把数据完整过一遍",
    ),
    Term("Proximal Policy Optimization", "近端策略优化", 1, in_notes=False, also=("PPO",)),
    Term("policy", "策略", 1, in_notes=False),
    Term("reward", "奖励", 1, in_notes=False),
    Term(
        "return",
        "回报",
        1,
        in_notes=False,
        note="the discounted sum of rewards",
        note_zh="奖励的折扣和",
    ),
    Term("policy gradient", "策略梯度", 1, in_notes=False),
    Term("actor-critic", "演员-评论家", 1, in_notes=False),
    Term("value function", "价值函数", 1, in_notes=False),
    Term("importance sampling", "重要性采样", 3, in_notes=False),
    Term("probability ratio", "概率比", 1, in_notes=False),
    Term("clip", "裁剪", 1, in_notes=False, also=("clipping",)),
    Term("advantage", "优势函数", 1, in_notes=False, also=("advantage function",)),
    Term("generalized advantage estimation", "广义优势估计", 1, in_notes=False, also=("GAE",)),
    Term("KL divergence", "KL 散度", 3, in_notes=False, also=("approximate KL divergence",)),
    Term("entropy", "熵", 3, in_notes=False),
    Term(
        "termination",
        "终止",
        1,
        in_notes=False,
        note="the episode ended in the task",
        note_zh="回合在任务中结束",
    ),
    Term(
        "truncation",
        "截断",
        1,
        in_notes=False,
        note="the episode was cut by a time limit",
        note_zh="回合被时间上限截断",
    ),
    Term("Gaussian policy", "高斯策略", 3, in_notes=False, also=("diagonal Gaussian",)),
    Term("meta-learning", "元学习", 3, also=("meta learning",)),
    Term("learning to learn", "学习如何学习", 4),
    Term("learning algorithm", "学习算法", 4, note="the function F", note_zh="函数 F"),
    Term("classifier", "分类器", 4),
    Term(
        "component",
        "组件",
        4,
        note="what meta-learning learns; the notes: 要学习的参数",
        note_zh="元学习所学的东西；笔记：要学习的参数",
    ),
    Term("loss function", "损失函数", 4),
    Term("task", "任务", 1),
    Term("support set", "支持集", 4, in_notes=False),
    Term("query set", "查询集", 4, in_notes=False),
    Term("inner loop", "内循环", 4),
    Term("outer loop", "外循环", 4),
    Term("genetic algorithm", "遗传算法", 4),
    Term("learning the optimizer", "学习优化器", 4),
    Term("network architecture", "网络架构", 4),
    Term("data augmentation", "数据增强", 4),
    Term("sample weights", "样本权重", 4, note="the notes: 采样权重", note_zh="笔记：采样权重"),
    Term("beyond gradient descent", "超越梯度下降方法", 4),
    Term("learning rate", "学习率", 3),
    Term("initialization parameters", "初始化参数", 4, also=("initialization",), note="φ"),
    Term("pre-training", "预训练", 4),
    Term("fine-tuning", "微调", 5),
    Term("future potential", "未来潜力", 5),
    Term("current best", "当前最优", 5),
    Term("few-shot learning", "少样本学习", 5),
    Term("second-order term", "二阶项", 5, in_notes=False),
    Term("Hessian-vector product", "海森向量积", 5, in_notes=False),
    Term(
        "N-way K-shot",
        "N 类 K 样本",
        6,
        in_notes=False,
        note="N classes, K images each",
        note_zh="N 个类别，每类 K 张图",
    ),
    Term("meta-training set", "元训练集", 6, in_notes=False),
    Term("meta-test set", "元测试集", 6, in_notes=False),
    Term("meta-validation set", "元验证集", 6, in_notes=False),
    Term(
        "typeface",
        "字体",
        6,
        in_notes=False,
        note="one design of every character: a 'hand'",
        note_zh="每个字符的一套设计：一种“笔迹”",
    ),
    Term("training from scratch", "从零训练", 6, in_notes=False),
    Term(
        "prototype",
        "原型",
        6,
        in_notes=False,
        note="the mean feature of a class",
        note_zh="一个类别的平均特征",
    ),
    Term("prototypical network", "原型网络", 6, in_notes=False),
    Term("feature reuse", "特征复用", 6, in_notes=False),
    Term("confidence interval", "置信区间", 6, in_notes=False),
    Term("trial", "试验", 3),
    Term("episode", "回合", 1, note="the notes say 一局", note_zh="笔记中称为一局"),
    Term("hidden state", "隐藏状态", 6, note="h"),
    Term("RNN agent", "RNN 智能体", 7),
    Term("general exploration strategy", "通用探索策略", 7),
    Term(
        "exploration and exploitation",
        "探索与利用",
        7,
        note="the notes: 探索 … 利用",
        note_zh="笔记：探索 … 利用",
    ),
    Term(
        "posterior",
        "后验分布",
        7,
        in_notes=False,
        also=("posterior distribution",),
        note="Beta(1 + s, 1 + f) for a Bernoulli arm",
        note_zh="伯努利臂的 Beta(1 + s, 1 + f)",
    ),
    Term("greedy", "贪心", 1, in_notes=False, also=("greedy player",)),
    Term("upper confidence bound", "置信上界", 7, in_notes=False, also=("UCB1",)),
    Term("Thompson sampling", "汤普森采样", 7, in_notes=False),
    Term("Bayes-optimal", "贝叶斯最优", 7, in_notes=False, also=("Bayes-optimal player",)),
    Term("Gittins index", "Gittins 指数", 7, in_notes=False),
    Term(
        "dead end",
        "死胡同",
        7,
        note="the notes: 记忆死胡同, remember dead ends",
        note_zh="笔记：记忆死胡同",
    ),
    Term(
        "frontier",
        "边界",
        7,
        note="the notes: 优先探索边界, explore the boundary first",
        note_zh="笔记：优先探索边界",
    ),
    Term(
        "trial return",
        "trial 的总收益",
        7,
        note="the notes: 整个 trial 的总收益",
        note_zh="笔记：整个 trial 的总收益",
    ),
    Term("meta-gradient", "元梯度", 4, in_notes=False),
    Term(
        "out-of-distribution", "分布外", 8, note="the notes: 分布外环境", note_zh="笔记：分布外环境"
    ),
    Term("task inference", "任务推断", 9, in_notes=False),
    Term(
        "latent variable",
        "隐变量",
        9,
        in_notes=False,
        also=("latent task variable",),
        note="z, the task variable (任务变量)",
        note_zh="z，即任务变量",
    ),  # fmt: skip
    Term("task variable", "任务变量", 9, in_notes=False, note="z"),
    Term(
        "context",
        "上下文",
        9,
        in_notes=False,
        note="the transitions seen in a task",
        note_zh="在一个任务中见到的转移",
    ),
    Term("prior", "先验", 7, in_notes=False, also=("prior distribution",)),
    Term("posterior sampling", "后验采样", 9, in_notes=False),
    Term("product of Gaussians", "高斯乘积", 9, in_notes=False),
    Term("precision", "精度", 9, in_notes=False, note="1 / variance", note_zh="1 / 方差"),
    Term("information bottleneck", "信息瓶颈", 9, in_notes=False),
    Term("on-policy", "同策略", 9, in_notes=False),
    Term("soft actor-critic", "软演员-评论家", 9, in_notes=False, also=("SAC",)),
    Term(
        "replay buffer",
        "回放缓冲区",
        9,
        in_notes=False,
        note="also 重放缓冲区",
        note_zh="也称重放缓冲区",
    ),
    Term("target network", "目标网络", 9, in_notes=False),
    Term(
        "temperature",
        "温度系数",
        9,
        in_notes=False,
        note="α, the weight of the entropy",
        note_zh="α，熵的权重",
    ),
    Term("sample efficiency", "样本效率", 9, in_notes=False),
    # The terms the Chinese edition's translators asked for, by chapter.
    Term("corridor", "走廊", 1, in_notes=False),
    Term(
        "horizon",
        "时域",
        1,
        in_notes=False,
        also=("finite horizon",),
        note="about 1/(1 − γ) steps for a discount γ",
        note_zh="折扣为 γ 时约 1/(1 − γ) 步",
    ),
    Term(
        "sweep",
        "遍历",
        1,
        in_notes=False,
        note="one pass over every state",
        note_zh="把每个状态都更新一次",
    ),
    Term(
        "logits",
        "对数几率",
        1,
        in_notes=False,
        also=("logit",),
        note="the unnormalised log-probabilities a softmax turns into π",
        note_zh="softmax 之前未归一化的对数概率",
    ),
    Term(
        "reward-to-go",
        "后续回报",
        1,
        in_notes=False,
        note="G_t, the return from step t on",
        note_zh="G_t，从第 t 步起的回报",
    ),
    Term("learned baseline", "学到的基线", 1, in_notes=False),
    Term("learner", "学习器", 1, in_notes=False),
    Term("critic", "评论家", 1, in_notes=False, note="the value network", note_zh="价值网络"),
    Term("actor", "演员", 1, in_notes=False, note="the policy network", note_zh="策略网络"),
    Term("estimator", "估计量", 1, in_notes=False),
    Term("unbiased", "无偏", 1, in_notes=False),
    Term(
        "surrogate loss",
        "替代损失",
        1,
        in_notes=False,
        note="a loss whose gradient is the estimate",
        note_zh="梯度即所求估计的损失",
    ),
    Term("surrogate objective", "替代目标", 3, in_notes=False),
    Term("trajectory", "轨迹", 1, in_notes=False),
    Term("dynamics", "动力学", 1, in_notes=False, note="p(s′, r | s, a)"),
    Term("standard error", "标准误差", 1, in_notes=False),
    Term("mean squared error", "均方误差", 1, in_notes=False, also=("MSE",)),
    Term("λ-return", "λ-回报", 1, in_notes=False, also=("lambda-return",)),
    Term("iterative policy evaluation", "迭代策略评估", 1, in_notes=False),
    Term("telescoping", "裂项相消", 1, in_notes=False),
    Term("every-visit", "每次访问", 1, in_notes=False, note="Monte Carlo", note_zh="蒙特卡洛"),
    Term("first-visit", "首次访问", 1, in_notes=False, note="Monte Carlo", note_zh="蒙特卡洛"),
    Term("transition", "转移", 1, in_notes=False, note="(s, a, r, s′)"),
    Term("vector environment", "向量化环境", 1, in_notes=False, also=("vectorized environment",)),
    Term("padding", "填充", 1, in_notes=False),
    Term("callback", "回调函数", 1, in_notes=False),
    Term("law of large numbers", "大数定律", 1, in_notes=False),
    Term("forward pass", "前向传播", 4, in_notes=False),
    Term("inductive bias", "归纳偏置", 4, in_notes=False),
    Term(
        "update rule",
        "更新规则",
        4,
        in_notes=False,
        note="the notes: 更新参数方法",
        note_zh="笔记：更新参数方法",
    ),
    Term(
        "adaptation",
        "适应",
        4,
        also=("adapt",),
        note="the notes: 快速适应新任务",
        note_zh="笔记：可快速适应新任务",
    ),
    Term(
        "meta-batch",
        "元批量",
        4,
        in_notes=False,
        note="the tasks of one outer step",
        note_zh="一次外循环更新所用的任务",
    ),
    Term("weighting network", "加权网络", 4, in_notes=False),
    Term("conditional neural process", "条件神经过程", 4, in_notes=False, note="CNP"),
    Term("outlier", "离群点", 4, in_notes=False),
    Term("held-out data", "留出数据", 4, in_notes=False),
    Term("decision boundary", "决策边界", 4, in_notes=False),
    Term("fitness", "适应度", 4, in_notes=False),
    Term("genome", "基因组", 4, in_notes=False),
    Term("population", "种群", 4, in_notes=False),
    Term("encoder", "编码器", 4, in_notes=False),
    Term("Hessian", "海森矩阵", 5, in_notes=False, note="∇²l"),
    Term(
        "one-hot",
        "独热",
        6,
        in_notes=False,
        note="a one-hot vector: 独热向量",
        note_zh="独热向量、独热编码",
    ),
    Term("bandit", "老虎机", 7, in_notes=False, also=("multi-armed bandit", "Bernoulli bandit")),
    Term(
        "arm",
        "臂",
        7,
        in_notes=False,
        note="one lever of a bandit; pulling it is 拉臂",
        note_zh="老虎机的一根拉杆；拉动它叫拉臂",
    ),
    Term("player", "玩家", 7, in_notes=False),
    Term("memoryless agent", "无记忆智能体", 7, in_notes=False),
    Term("episode-end flag", "回合结束标志", 7, in_notes=False, note="d"),
    Term("back-propagation", "反向传播", 7, also=("backpropagation",)),
    Term("maze", "迷宫", 7),
    Term("goal cell", "目标格", 7, in_notes=False),
    Term("uniform random spanning tree", "均匀随机生成树", 7, in_notes=False),
    Term("breadth-first search", "广度优先搜索", 7, in_notes=False),
    Term("recursive backtracker", "递归回溯", 7, in_notes=False),
    Term("dynamic programming", "动态规划", 7, in_notes=False),
    Term("value of information", "信息的价值", 7, in_notes=False),
    Term("heuristic", "启发式方法", 7, in_notes=False),
    Term("mask", "掩码", 8, in_notes=False),
    Term(
        "oracle",
        "先知策略",
        8,
        in_notes=False,
        note="a policy told the task",
        note_zh="预先知道任务的策略",
    ),
    Term("dense reward", "稠密奖励", 9, in_notes=False),
    Term("sparse reward", "稀疏奖励", 9, in_notes=False),
)


def _key(english: str) -> str:
    # case, bold/code marks and hyphens do not matter: "Policy-gradient" is "policy gradient"
    return " ".join(english.lower().replace("*", "").replace("`", "").replace("-", " ").split())


def _index() -> dict[str, Term]:
    index: dict[str, Term] = {}
    for term in TERMS:
        for spelling in (term.english, *term.also):
            index[_key(spelling)] = term
    return index


def find(english: str) -> Term | None:
    """The entry for an English term (any listed spelling, any case, a trailing plural 's')."""
    check_instance("english", english, str, "an English term (a str)")
    index = _index()
    key = _key(english)
    if key in index:
        return index[key]
    for plural in ("es", "s"):  # minibatches, tasks
        if key.endswith(plural) and key[: -len(plural)] in index:
            return index[key[: -len(plural)]]
    return None


class UnknownTerm(KeyError, ValueError):
    """A term the glossary does not list: a ``KeyError`` (a failed look-up, as a dict's) that
    is also a ``ValueError`` (a wrong value at the library's edge, the course's convention)."""

    def __str__(self) -> str:  # KeyError's own str() would quote the whole message
        return str(self.args[0])


def chinese(english: str) -> str:
    """The Chinese name of an English term; :class:`UnknownTerm` naming it if it is not listed."""
    term = find(english)
    if term is None:
        raise UnknownTerm(
            f"english must be a term of course_lib.glossary.TERMS (add a line for it), "
            f"got {english!r}"
        )
    return term.chinese


def _chapter(number: int) -> str:
    return tr("all") if number == 0 else tr("Ch {number}", number=number)


def _note(term: Term) -> str:
    """The term's note in the current language (a note of symbols reads the same in both)."""
    return term.note_zh or term.note if language() == "zh" else term.note


def glossary_table(chapter: int | None = None):
    """The glossary as a Markdown table (all terms, or those a chapter introduces).

    Terms marked † are not in the notes; their Chinese names are the usual translations. The
    Chinese edition puts the Chinese first and writes the notes and headings in Chinese.
    """
    from IPython.display import Markdown

    if chapter is not None:
        check_int("chapter", chapter, 0, max(t.chapter for t in TERMS))
    chinese_first = language() == "zh"
    header = tr("| English | 中文 | First in |")
    rows = [header, "|---|---|---|"]
    for term in TERMS:
        if chapter is not None and term.chapter != chapter:
            continue
        english = term.english + (" †" if not term.in_notes else "")
        if term.also:
            english += f" ({', '.join(term.also)})"
        note = _note(term)
        if chinese_first:
            zh = term.chinese + (f" — {note}" if note else "")
            rows.append(f"| {zh} | {english} | {_chapter(term.chapter)} |")
        else:
            english += f" — {note}" if note else ""
            rows.append(f"| {english} | {term.chinese} | {_chapter(term.chapter)} |")
    return Markdown("\n".join(rows))
