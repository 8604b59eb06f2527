"""Which of the job's FAQ text answers a candidate's question. Pure Python.

Two kinds of question:
- a generic question for a topic ("待遇怎么样", "在哪上班", "做什么的") gets that topic's answer;
- a question naming a specific matter ("有宿舍吗", "有班车吗", "试用期多久") gets an answer only when
  the job's text mentions that matter (or a synonym): the FAQ entry that mentions it, else the JD
  sentence that does. Otherwise it is unanswered, and the caller holds it for a recruiter: answering
  "五险一金" to a question about a dormitory would read as an answer when it is not one.

Matters are found first and cut out of the clause, so the topic words inside them ("加班" in "加班费")
do not also count as a generic question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from chatbot.types import JobScript

TOPICS = ("salary", "location", "hours", "benefits", "company", "jd")
JD_SNIPPET_CHARS = 120

# Generic questions for each topic: answered by the topic's FAQ entry whatever it says.
_GENERIC: dict[str, re.Pattern[str]] = {
    "salary": re.compile(
        r"薪资|工资|待遇|多少钱|薪水|收入|月薪|年薪|薪酬|到手|工钱|挣多少|赚多少|给多少|开多少|salary|(?<![a-z])pay(?![a-z])"
    ),
    "location": re.compile(
        r"地址|在哪|位置|哪里上班|远吗|远不远|哪个区|地点|办公地|哪儿上班|什么地方|哪个城市|哪里办公|通勤|location"
    ),
    "hours": re.compile(r"上班时间|几点|休息|工作时间|作息|上几天|工时|下班|working hours"),
    "benefits": re.compile(r"福利|保障|补贴|benefit"),
    "company": re.compile(
        r"什么公司|哪家|哪个公司|公司名|公司叫|贵公司|公司(?:怎么样|规模|介绍|简介|情况|背景)"
        r"|什么企业|哪个企业|什么单位|哪个单位|公司|company"
    ),
    "jd": re.compile(
        r"做什么|工作内容|职责|岗位要求|干什么|干嘛|干啥|做啥|具体做|任职要求|什么要求|有什么要求|要求是"
        r"|岗位介绍|职位介绍|什么岗位|什么职位|什么工作|招什么|需要做|主要做|要求"
    ),
}


@dataclass(frozen=True)
class Matter:
    """A specific thing a candidate may ask about, how it is asked, and how a job's text mentions it."""

    name: str
    topic: str  # where its answer usually lives; looked at first
    asked: re.Pattern[str]
    mentioned: re.Pattern[str]


def _matter(name: str, topic: str, asked: str, mentioned: str) -> Matter:
    return Matter(name, topic, re.compile(asked), re.compile(mentioned))


MATTERS: tuple[Matter, ...] = (
    # salary
    _matter("base_pay", "salary", r"底薪|无责底薪|保底|基本工资|固定工资", r"底薪|保底|基本工资|固定工资|无责"),
    _matter("commission", "salary", r"提成|佣金|抽成", r"提成|佣金|抽成"),
    _matter(
        "bonus",
        "salary",
        r"年终奖?|奖金|十三薪|13薪|14薪|十四薪|分红",
        r"年终|奖金|十三薪|1[3-6]薪|十[三四五六]薪|分红",
    ),
    _matter("performance", "salary", r"绩效|考核|kpi|业绩|指标|任务量", r"绩效|考核|kpi|业绩|指标|任务"),
    _matter(
        "payday", "salary", r"发薪|几号发|发工资|日结|周结|月结|押工资|压工资", r"发薪|号发|发放|日结|周结|月结|押|压"
    ),
    _matter("raise", "salary", r"涨薪|调薪|加薪", r"涨薪|调薪|加薪"),
    _matter(
        "equity",
        "benefits",
        r"股票|期权|股权|(?<![a-z])rsu(?![a-z])|持股",
        r"股票|期权|股权|(?<![a-z])rsu(?![a-z])|持股",
    ),
    # hours
    _matter(
        "overtime_pay",
        "hours",
        r"加班费|加班工资|加班补贴|加班(?:有|给|算|怎么算)?(?:钱|补|工资)|调休",
        r"加班费|加班工资|加班补贴|调休|加班[^。；;\n]{0,8}(?:倍|补|算|费|钱)",
    ),
    _matter(
        "overtime", "hours", r"加班|准点下班|按时下班|996|(?<![a-z])ot(?![a-z])", r"加班|不加班|准点|按时下班|弹性|996"
    ),
    _matter(
        "weekends",
        "hours",
        r"双休|单休|大小周|周末|做五休二|做六休一|休几天|一周休|每周休|礼拜天",
        r"双休|单休|大小周|周末|休[一二两]|做[五六]|[五六]天|周休|月休",
    ),
    _matter(
        "shifts",
        "hours",
        r"夜班|倒班|白班|三班|轮班|排班|早班|晚班|通宵",
        r"夜班|倒班|白班|三班|轮班|排班|早班|晚班|班次|通宵",
    ),
    _matter(
        "leave", "hours", r"年假|带薪假|病假|婚假|产假|请假|休假", r"年假|带薪(?:年)?假|病假|婚假|产假|假期|请假|休假"
    ),
    # benefits
    _matter("insurance", "benefits", r"五险|六险|社保|公积金|保险|医保", r"五险|六险|社保|公积金|保险|医保"),
    _matter(
        "housing",
        "benefits",
        r"宿舍|住宿|包住|住的地方|员工公寓|住哪|房补|租房|住房",
        r"宿舍|住宿|包住|吃住|公寓|住房|房补|租房|提供住",
    ),
    _matter(
        "meals",
        "benefits",
        r"食堂|包吃|管[午晚三]?饭|餐补|饭补|工作餐|吃饭|[午晚]餐|[午晚]饭|伙食",
        r"食堂|包吃|吃住|餐补|饭补|工作餐|[午晚三]餐|[午晚]饭|管饭|餐费|伙食|用餐",
    ),
    _matter("transport", "benefits", r"交通补|车补|路费|油补", r"交通|车补|路费|油补"),
    _matter("checkup", "benefits", r"体检", r"体检"),
    _matter("training", "benefits", r"培训|带教|有人带|师傅带|老带新|教吗", r"培训|带教|师傅|带新|手把手"),
    _matter("promotion", "benefits", r"晋升|升职|发展空间|上升空间|职业发展|发展前景", r"晋升|升职|发展|上升|晋级"),
    _matter("outings", "benefits", r"团建|旅游|节日福利|下午茶", r"团建|旅游|节日|下午茶"),
    _matter("probation", "benefits", r"试用期|转正", r"试用期|转正"),
    _matter("contract", "benefits", r"合同|劳务派遣|外包|派遣", r"合同|派遣|外包|直签|劳务"),
    # location
    _matter("shuttle", "location", r"班车|通勤车|接送|通勤巴士", r"班车|通勤车|接送|巴士"),
    _matter("transit", "location", r"地铁|公交|几号线", r"地铁|公交|号线|站"),
    _matter("parking", "location", r"停车|车位", r"停车|车位"),
    _matter("remote", "location", r"远程|居家办公|在家办公|在家工作|线上办公|remote", r"远程|居家|在家|线上|remote"),
    _matter("travel", "location", r"出差|外派|驻场", r"出差|外派|驻场"),
    # the job itself
    _matter("education", "jd", r"学历|文凭|大专|本科|中专|高中|毕业证", r"学历|文凭|大专|本科|中专|高中|硕士|不限"),
    _matter("age", "jd", r"年龄|岁数|\d+岁|多少岁|几岁", r"年龄|岁|不限"),
    _matter("experience", "jd", r"经验|新手|小白|零基础|没做过|转行", r"经验|新手|小白|零基础|无经验|转行|培训"),
    _matter("gender", "jd", r"男生|女生|男的|女的|性别", r"男|女|性别"),
)

_SENTENCE = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")


@dataclass
class Lookup:
    """What one clause asks about and the answers the job's text gives."""

    answers: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)  # generic topics and matters' topics asked about
    missing: bool = False  # asked about something the job's text does not address


def jd_snippet(jd: str) -> str:
    text = " ".join(jd.split())
    if len(text) <= JD_SNIPPET_CHARS:
        return text
    head = text[:JD_SNIPPET_CHARS]
    # Cut after the last full sentence when that keeps a useful amount, else mark the cut.
    cut = max(head.rfind(mark) for mark in "。；;！!")
    return head[: cut + 1] if cut >= JD_SNIPPET_CHARS // 3 else head + "…"


def topic_answer(job: JobScript, topic: str) -> str:
    """The job's answer for a FAQ topic, "" when the recruiter left it empty."""
    if topic == "jd":
        return jd_snippet((job.faq.get("jd") or job.jd or "").strip())
    return (job.faq.get(topic) or "").strip()


def _matter_answer(job: JobScript, matter: Matter) -> str:
    """The FAQ entry that mentions the matter (its own topic first), else the JD sentence that does."""
    order = [matter.topic, *(t for t in TOPICS if t != matter.topic and t != "jd")]
    for topic in order:
        text = (job.faq.get(topic) or "").strip()
        if text and matter.mentioned.search(text.lower()):
            return text
    jd = (job.faq.get("jd") or job.jd or "").strip()
    for sentence in _SENTENCE.findall(jd):
        if matter.mentioned.search(sentence.lower()):
            return jd_snippet(sentence.strip())
    return ""


# Words that only frame another question: "公司有宿舍吗" asks about housing, "学历有要求吗" about
# education.
_FRAMING = {"company": "公司", "jd": "要求", "benefits": "补贴"}
# What a statement may hold besides a matter and still ask about it ("包住", "有宿舍的吧").
_BARE = re.compile(r"[□\s有没的啊呀吧呢哈要,.!~。…]*")


def _generic_topics(clause: str, *, framed: bool) -> list[str]:
    """Generic topics of a clause in the order they appear. A framing word beside another question
    (a matter when `framed`, or another topic) is part of that question ("公司在哪" asks for the
    location)."""
    found = {}
    for topic, pattern in _GENERIC.items():
        match = pattern.search(clause)
        if match:
            found[topic] = match
    framing = {topic for topic, match in found.items() if _FRAMING.get(topic) == match.group(0)}
    if framed or len(found) > len(framing):
        found = {topic: match for topic, match in found.items() if topic not in framing}
    return sorted(found, key=lambda topic: found[topic].start())


def lookup(job: JobScript, clause: str, *, question: bool, seen: set[str] | None = None) -> Lookup:
    """Answers for one prepared (NFKC, lower-case) clause. A matter counts in a question, beside a
    generic topic ("薪资和宿舍情况"), or in a statement that is nothing but the matter ("包住"). `seen` collects
    answers already given in this reply so a text answering two questions is said once."""
    seen = set() if seen is None else seen
    result = Lookup()
    rest = clause
    asked: list[tuple[int, str, str]] = []  # (position, topic, answer or "")
    for matter in MATTERS:
        match = matter.asked.search(rest)
        if not match:
            continue
        asked.append((match.start(), matter.topic, _matter_answer(job, matter)))
        rest = matter.asked.sub(lambda m: "□" * len(m.group(0)), rest)
    generic = _generic_topics(rest, framed=bool(asked))
    if asked and not (question or generic or _BARE.fullmatch(rest)):
        asked = []  # a statement that mentions a matter ("我之前做过夜班") asks nothing
    for topic in generic:
        asked.append((_GENERIC[topic].search(rest).start(), topic, topic_answer(job, topic)))
    for _position, topic, answer in sorted(asked, key=lambda item: item[0]):
        if topic not in result.topics:
            result.topics.append(topic)
        if not answer:
            result.missing = True
        elif answer not in seen:
            seen.add(answer)
            result.answers.append(answer)
    return result
