"""The WeChat channel's reading of a candidate's message (CONTRACT §6): whether it delivers a CV, and
which of the job's interview slots it picks. Pure Python: the rule engine uses both, and the WeChat
service records the CV milestone and the agreed slot whatever engine answered.

Slots are free text a recruiter types ("周二 14:00", "3月5日 下午2点", "明天上午10点"). A candidate
picks one by quoting it, by its position in the proposal ("第一个", "2", "后面那个"), or by what it
says about the time ("周二那个", "星期三上午", "下午两点", "明天"); "都可以" takes the first. A clause
that turns a reference down ("周二不行") excludes it ("周二不行，周三可以" picks Wednesday); turning
them all down ("都没空", "换个时间") asks for another time. An ambiguous reference picks nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

# --- CVs --------------------------------------------------------------------------------------------

# How a bot passes a file on: "[文件] 张三简历.pdf". On a recruiting chat a document is the CV.
_FILE = re.compile(r"\[(?:文件|file)\]|\.(?:pdf|docx?)(?![a-z0-9])", re.I)
_CV_WORD = re.compile(r"简历|履历|resume|(?<![a-z])cv(?![a-z])", re.I)
# Done, not promised: "简历发你了", "已发简历", "发了简历", "sent my resume"; "我晚点发简历" is not.
_SENT = re.compile(
    r"已经?(?:发|传|投)|(?:发|传|投)[^,，。.!！?？]{0,6}(?:了|啦)|(?<![a-z])(?:sent|attached)(?![a-z])", re.I
)
_ASKING = re.compile(r"[?？吗么嘛]|哪|怎么|要不要|是否|需不需要")


def cv_mentioned(text: str) -> bool:
    """The message carries a CV (a document) or says one was sent."""
    text = text or ""
    if _FILE.search(text):
        return True
    return bool(_CV_WORD.search(text) and _SENT.search(text) and not _ASKING.search(text))


# --- Interview slots ------------------------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"[0-9零〇一二两三四五六七八九十]{1,3}"
_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天1-7])")
_WEEKDAYS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7}
_RELATIVE = {"大后天": 3, "后天": 2, "明天": 1, "明日": 1, "今天": 0, "今日": 0}
_RELATIVE_RE = re.compile("|".join(_RELATIVE))
_DATE = re.compile(
    r"(\d{1,2})月(\d{1,2})[日号]?|(?<![\d:])(\d{1,2})/(\d{1,2})(?![\d:])|(?<![\d月/])(\d{1,2})[日号](?!\d)"
)
_CLOCK = re.compile(r"(?<!\d)(\d{1,2})[:：](\d{2})(?!\d)")
# "快一点" / "晚一点" are not one o'clock.
_HOUR = re.compile(rf"(?<![快晚早慢多少好有差])({_NUM})点(?:钟)?(半|一刻|({_NUM})分?)?")
_PERIODS = (
    (re.compile(r"上午|早上|早晨"), "am"),
    (re.compile(r"中午"), "noon"),
    (re.compile(r"下午|晚上|傍晚"), "pm"),
)
# "第一个" is a position; "第一次", "第二轮", "第一个月" are not.
_ORDINAL = re.compile(rf"第({_NUM})(?!个?(?:次|轮|天|周|年|期|月|星期|季度|阶段|名))")
_BARE_NUMBER = re.compile(
    r"^(?:我?选|就|要)?(?:第)?([1-9一二三四五六七八九])(?:个|号)?(?:吧|呀|啊|哈|的)?(?:可以|行|没问题|ok)?$"
)
_FIRST = re.compile(r"前面(?:那|的)*个|前一个|上面(?:那|的)*个|前者")
_LAST = re.compile(r"后面(?:那|的)*个|后一个|下面(?:那|的)*个|最后(?:那|的)*一?个|后者")
_ANY = re.compile(r"都(?:可以|行|ok|没问题|方便)|随便|哪个都|哪天都|什么时间都|任意")
_NEGATIVE = re.compile(
    r"不行|不可以|不方便|没空|没有空|没时间|没有时间|不太行|来不了|去不了|赶不上|不合适|有事|不太方便|换个|其他时间|别的时间|改天"
)
_CLAUSE_SPLIT = re.compile(r"[,，。;；!！?？\n]|但是|不过|可是")
_FILLER = re.compile(r"[\s~～…、.。!！?？,，]+")


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
    if len(text) == 1:
        return _DIGITS.get(text)
    return None


def _prepare(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


@dataclass(frozen=True)
class _When:
    """What a slot, or a candidate's reference to one, says about the time. None: not said."""

    weekday: int | None = None  # 1 = Monday … 7 = Sunday
    day: tuple[int | None, int] | None = None  # (month or None, day of month)
    hour: int | None = None  # 0-23 once a period said which half of the day
    hour_ambiguous: bool = False  # "2点" without a period: 2 or 14
    minute: int | None = None
    period: str | None = None  # am | noon | pm

    def said(self) -> bool:
        return any(v is not None for v in (self.weekday, self.day, self.hour, self.period))


def _when(text: str, today: date | None) -> _When:
    weekday = day = hour = minute = period = None
    if found := _WEEKDAY.search(text):
        weekday = int(found.group(1)) if found.group(1).isdigit() else _WEEKDAYS[found.group(1)]
    if (found := _RELATIVE_RE.search(text)) and today is not None:
        target = today + timedelta(days=_RELATIVE[found.group()])
        weekday, day = target.isoweekday(), (target.month, target.day)
    if found := _DATE.search(text):
        if found.group(1):
            day = (int(found.group(1)), int(found.group(2)))
        elif found.group(3):
            day = (int(found.group(3)), int(found.group(4)))
        else:
            day = (None, int(found.group(5)))
    for pattern, name in _PERIODS:
        if pattern.search(text):
            period = name
            break
    clock = False
    if found := _CLOCK.search(text):
        hour, minute, clock = int(found.group(1)), int(found.group(2)), True
    elif found := _HOUR.search(text):
        hour = _number(found.group(1))
        extra = found.group(2)
        minute = 30 if extra == "半" else 15 if extra == "一刻" else _number(found.group(3)) if found.group(3) else 0
    ambiguous = False
    if hour is not None:
        if hour > 24 or minute is None or minute > 59:
            hour = minute = None
        elif period == "pm" and hour < 12 or period == "noon" and hour < 6:
            hour += 12
        elif period is None and not clock and 1 <= hour < 12:
            ambiguous = True  # "两点" is 2 or 14; "14:00" and "下午两点" are not
    return _When(weekday=weekday, day=day, hour=hour, hour_ambiguous=ambiguous, minute=minute, period=period)


def _half(when: _When) -> str | None:
    if when.hour is not None and not when.hour_ambiguous:
        return "am" if when.hour < 12 else "pm"
    return {"noon": "pm"}.get(when.period or "", when.period)


def _same_day(a: _When, b: _When) -> bool:
    (month_a, day_a), (month_b, day_b) = a.day, b.day
    return day_a == day_b and (month_a is None or month_b is None or month_a == month_b)


def _day_fits(ref: _When, slot: _When) -> bool:
    if ref.weekday is None and ref.day is None:
        return True
    if ref.day is not None and slot.day is not None:
        return _same_day(ref, slot)
    return ref.weekday is not None and ref.weekday == slot.weekday


def _hours(when: _When) -> set[int]:
    return {when.hour, when.hour + 12} if when.hour_ambiguous else {when.hour}


def _fits(ref: _When, slot: _When) -> bool:
    """Everything the reference says, the slot says too."""
    if not ref.said() or not _day_fits(ref, slot):
        return False
    if ref.hour is not None:
        if slot.hour is None or not _hours(ref) & _hours(slot):
            return False
        if ref.minute and slot.minute is not None and ref.minute != slot.minute:
            return False
    elif ref.period is not None and (_half(slot) is None or _half(slot) != _half(ref)):
        return False
    return True


def _referenced(clause: str, keys: list[str], whens: list[_When], today: date | None) -> tuple[set[int], bool]:
    """The slots one clause refers to, and whether it names a time at all (one no slot fits asks for
    another time)."""
    squeezed = _FILLER.sub("", clause)
    quoted = {i for i, key in enumerate(keys) if key and key in squeezed}
    if quoted:
        return quoted, True
    count = len(keys)
    position = None
    if found := _ORDINAL.search(clause):
        position = _number(found.group(1))
    elif (found := _BARE_NUMBER.match(squeezed)) and 0 < (_number(found.group(1)) or 0) <= count:
        position = _number(found.group(1))  # "2", "选1", "1号"; "6号" of two slots is a date
    elif _FIRST.search(clause):
        position = 1
    elif _LAST.search(clause):
        position = count
    if position is not None:
        return ({position - 1} if 0 < position <= count else set()), False
    ref = _when(clause, today)
    return {i for i, when in enumerate(whens) if _fits(ref, when)}, ref.said()


@dataclass(frozen=True)
class SlotPick:
    slot: str = ""  # the slot picked, as the recruiter wrote it
    other_time: bool = False  # every slot turned down, or another time asked for


def pick_slot(text: str, slots: list[str], *, today: date | None = None) -> SlotPick:
    """Which of `slots` the candidate's message picks; `today` (the candidate's local date) resolves
    "明天"-style references."""
    slots = [s.strip() for s in slots if s and s.strip()]
    if not slots:
        return SlotPick()
    keys = [_FILLER.sub("", _prepare(slot)) for slot in slots]
    whens = [_when(_prepare(slot), today) for slot in slots]
    chosen: set[int] = set()
    excluded: set[int] = set()
    refused = anything = False
    for clause in _CLAUSE_SPLIT.split(_prepare(text)):
        if not clause.strip():
            continue
        found, timed = _referenced(clause, keys, whens, today)
        if _NEGATIVE.search(clause):
            excluded |= found
            refused = refused or not found
        elif found:
            chosen |= found
        elif timed:
            refused = True  # a time of their own ("周四可以吗")
        elif _ANY.search(clause):
            anything = True
    chosen -= excluded
    if len(chosen) == 1:
        return SlotPick(slot=slots[chosen.pop()])
    if not chosen and anything and not refused:
        left = [i for i in range(len(slots)) if i not in excluded]
        if left:
            return SlotPick(slot=slots[left[0]])
    if not chosen and (refused or (excluded and len(excluded) == len(slots))):
        return SlotPick(other_time=True)
    return SlotPick()
