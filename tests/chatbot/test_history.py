"""Merging the page's history into the stored transcript (pure, no database)."""

from __future__ import annotations

import pytest

from chatbot.history import merge, normalise, user_lines_after_last_robot
from chatbot.types import RECRUITER, ROBOT, SYSTEM, USER, Turn


def r(text: str) -> Turn:
    return Turn(ROBOT, text)


def u(text: str) -> Turn:
    return Turn(USER, text)


def h(text: str) -> Turn:
    return Turn(RECRUITER, text)


def s(text: str) -> Turn:
    return Turn(SYSTEM, text)


GREETING = "您好，我们在招客服专员，五险一金，月薪6-8K，有兴趣聊聊吗？"
STORED = [r(GREETING), u("你好，工资多少"), r("月薪6-8K，有提成"), r("方便留个微信吗？"), u("好的")]


@pytest.mark.parametrize(
    "a, b",
    [
        ("你好 ，张三", "你好，张三"),
        ("  你好\n张三 ", "你好张三"),
        ("ｈｅｌｌｏ　ｗｏｒｌｄ", "hello world"),
        ("hello\n\n  world", "hello world"),
        ("好的\u200b", "好的"),
        ("\ufeff在吗？", "在吗?"),
    ],
)
def test_normalise_makes_renderings_equal(a, b):
    assert normalise(a) == normalise(b)


def test_normalise_keeps_ascii_words_apart():
    assert normalise("hello world") != normalise("helloworld")
    assert normalise("  a \t b  ") == "a b"


def test_identical_resend_adds_nothing():
    assert merge(STORED, list(STORED)) == []


def test_resend_rendered_differently_adds_nothing():
    incoming = [
        r(GREETING.replace("，", " ，")),
        u("你好， 工资多少"),
        r("月薪6-8K，有提成"),
        r("方便留个微信吗？"),
        u(" 好的 "),
    ]
    assert merge(STORED, incoming) == []


def test_full_history_with_new_user_line():
    assert merge(STORED, [*STORED, u("我在上海")]) == [u("我在上海")]


def test_window_with_one_new_user_line():
    window = [r("方便留个微信吗？"), u("好的"), u("我的微信是 abc_123")]
    assert merge(STORED, window) == [u("我的微信是 abc_123")]


def test_robot_line_the_server_did_not_produce_is_a_recruiter_line():
    window = [u("好的"), r("我是HR小王，稍后打给您"), u("好的谢谢")]
    assert merge(STORED, window) == [h("我是HR小王，稍后打给您"), u("好的谢谢")]


def test_stored_recruiter_lines_align_with_robot_lines_on_the_page():
    stored = [*STORED, h("我是HR小王"), u("嗯")]
    assert merge(stored, [r("我是HR小王"), u("嗯")]) == []
    assert merge(stored, [r("我是HR小王"), u("嗯"), u("在吗")]) == [u("在吗")]


def test_no_overlap_everything_is_new():
    incoming = [r("另一个话题"), u("什么时候面试"), s("对方已发送简历")]
    assert merge(STORED, incoming) == [h("另一个话题"), u("什么时候面试"), s("对方已发送简历")]


def test_empty_stored_everything_is_new():
    incoming = [r(GREETING), u("你好")]
    assert merge([], incoming) == [h(GREETING), u("你好")]


def test_empty_incoming():
    assert merge(STORED, []) == []
    assert merge(STORED, [u("  "), u("")]) == []


def test_repeated_identical_texts_align_on_the_longest_run():
    stored = [r("在吗"), u("好的"), r("方便留个微信吗？"), u("好的")]
    # The user said 好的 a third time: the longest overlap ends at the second 好的.
    incoming = [r("在吗"), u("好的"), r("方便留个微信吗？"), u("好的"), u("好的")]
    assert merge(stored, incoming) == [u("好的")]
    assert merge(stored, incoming[:4]) == []
    # A window starting in the middle.
    assert merge(stored, [u("好的"), r("方便留个微信吗？"), u("好的"), u("好的")]) == [u("好的")]


def test_repeated_short_line_prefers_the_latest_match():
    stored = [r("hi"), u("好的")]
    # A lone 好的 at the end matches the newest occurrence: nothing is answered twice.
    assert merge(stored, [u("好的"), u("好的")]) == []


def test_repeated_lines_with_recruiter_in_between():
    stored = [r("在吗"), u("好的")]
    incoming = [r("在吗"), u("好的"), r("HR 已加您微信"), u("好的")]
    assert merge(stored, incoming) == [h("HR 已加您微信"), u("好的")]


def test_system_lines():
    stored = [r(GREETING), u("好的"), s("你们已交换微信")]
    incoming = [r(GREETING), u("好的"), s("你们已交换微信"), s("对方向您发送了附件简历"), u("发您了")]
    assert merge(stored, incoming) == [s("对方向您发送了附件简历"), u("发您了")]
    assert merge(stored, incoming[:3]) == []


def test_multi_line_reply_shown_as_separate_bubbles():
    stored = [r(GREETING), u("工资多少"), r("月薪6-8K\n方便留个微信吗？")]
    incoming = [r(GREETING), u("工资多少"), r("月薪6-8K"), r("方便留个微信吗？"), u("好")]
    assert merge(stored, incoming) == [u("好")]


def test_bubbles_joined_by_the_page():
    stored = [r(GREETING), u("工资多少"), r("月薪6-8K"), r("方便留个微信吗？")]
    incoming = [r(GREETING), u("工资多少"), r("月薪6-8K\n方便留个微信吗？"), u("好")]
    assert merge(stored, incoming) == [u("好")]


def test_reply_not_shown_yet_is_not_a_reason_to_duplicate():
    # The server answered, but the retry (or a slow page) does not show the answer yet.
    stored = [r(GREETING), u("工资多少"), r("月薪6-8K"), r("方便留个微信吗？")]
    assert merge(stored, [r(GREETING), u("工资多少")]) == []
    assert merge(stored, [r(GREETING), u("工资多少"), u("在吗")]) == [u("在吗")]
    # Part of the answer shown.
    assert merge(stored, [u("工资多少"), r("月薪6-8K"), u("嗯")]) == [u("嗯")]


def test_unknown_incoming_speaker_passes_through():
    assert merge([], [Turn("recruiter", "x")]) == [h("x")]


def test_large_histories_are_fast():
    stored = [Turn(ROBOT if i % 2 else USER, f"第{i}句") for i in range(500)]
    incoming = [*stored[-300:], u("新的一句")]
    assert merge(stored, incoming) == [u("新的一句")]


def test_user_lines_after_last_robot():
    turns = [r("a"), u("b"), h("c"), u("d"), s("notice"), u("e")]
    assert user_lines_after_last_robot(turns) == [u("d"), u("e")]
    assert user_lines_after_last_robot([u("x"), u("y")]) == [u("x"), u("y")]
    assert user_lines_after_last_robot([u("x"), r("y")]) == []
