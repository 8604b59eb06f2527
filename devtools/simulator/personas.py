"""Scripted candidates. Each persona says its platform lines one per turn (stopping early when the
robot finishes), may give contact details the bot then reports with `candidate/result`, and the one
who gives a WeChat id carries on over WeChat until an interview time is agreed. Texts vary by the
run's seed, never by timing, so a seed replays the same conversations."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

INTERESTED = "interested"
ASKS_SALARY = "asks_salary"
GIVES_WECHAT = "gives_wechat"
REFUSES = "refuses"
SILENT = "silent"
PERSONAS = (INTERESTED, ASKS_SALARY, GIVES_WECHAT, REFUSES, SILENT)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = (
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "洋",
    "艳",
    "勇",
    "军",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
)


@dataclass
class Script:
    """What one simulated candidate will do."""

    persona: str
    name: str
    platform_lines: list[str]  # before any nudge (empty for the silent one)
    after_nudge: list[str] = field(default_factory=list)
    phone: str = ""
    wechat: str = ""
    email: str = ""
    cv: bool = False
    wechat_lines: list[str] = field(default_factory=list)


def name_for(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def script_for(persona: str, rng: random.Random, *, wechat_id: str, phone: str, email: str) -> Script:
    name = name_for(rng)
    pick = rng.choice
    if persona == INTERESTED:
        return Script(
            persona,
            name,
            [
                pick(("你好，这个岗位我挺感兴趣的", "您好，可以了解一下这个工作", "你好，我对这个职位有兴趣")),
                pick(
                    ("可以的，我电话 {phone}，方便的时候打给我", "我的手机号是 {phone}", "电话 {phone}，随时联系")
                ).format(phone=phone),
            ],
            phone=phone,
            cv=True,
        )
    if persona == ASKS_SALARY:
        return Script(
            persona,
            name,
            [
                pick(("你好，请问工资大概多少？", "薪资待遇怎么样？", "您好，这个岗位底薪多少？")),
                pick(("上班时间是怎样的？", "工作地点在哪里？")),
                f"好的，我邮箱是 {email}，麻烦把详细资料发我",
            ],
            email=email,
        )
    if persona == GIVES_WECHAT:
        slot_word = pick(("第一个时间可以", "周二下午那个可以", "就周二 14:00 吧"))
        return Script(
            persona,
            name,
            [pick(("您好，可以聊聊", "你好，想了解一下")), f"加我微信吧：{wechat_id}"],
            wechat=wechat_id,
            wechat_lines=[
                "我通过了你的朋友验证请求，现在我们可以开始聊天了",
                pick(("感兴趣，工资多少？", "感兴趣的，上班时间是？")),
                f"[文件] {name}-简历.pdf",
                slot_word,
            ],
        )
    if persona == REFUSES:
        return Script(
            persona,
            name,
            [pick(("不好意思，我暂时不考虑换工作，谢谢", "不用了，我不考虑，谢谢", "没兴趣，不要再联系我了"))],
        )
    if persona == SILENT:
        return Script(
            persona,
            name,
            [],
            after_nudge=[pick(("抱歉刚看到消息，可以聊聊", "不好意思才回复，还在招吗？")), f"我的电话是 {phone}"],
            phone=phone,
        )
    raise ValueError(f"unknown persona {persona!r}")


def persona_of(index: int, seed: int) -> str:
    """The persona of candidate `index`: each block of five holds every persona once, in an order the
    seed fixes, so a small run still meets them all and a soak run of any length keeps the mix."""
    block = list(PERSONAS)
    random.Random(f"{seed}:block:{index // len(PERSONAS)}").shuffle(block)
    return block[index % len(PERSONAS)]
