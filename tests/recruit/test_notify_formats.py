"""The message each webhook format receives (recruit/notify_formats.py), per notification kind, and its
delivery: the robot's shape, masked contacts, the admin link, Chinese text, never the transcript."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from devtools.fakes import FakeServer
from recruit import notify_formats
from recruit.models import Message, Notification
from recruit.services.notify import notification_enqueue, notifications_deliver
from tests.factories import ContactRecordFactory, ConversationFactory, JobFactory, MessageFactory
from tests.test_admin import change_url, logged_in, make_superuser

URL = "http://127.0.0.1:8000/admin/recruit/conversation/7/change/"
CONTACT = {
    "kind": "contact",
    "detail": "phone,wechat",
    "job": "客服专员",
    "jobID": "job_Boss_1",
    "accountID": "account_Boss_a",
    "candidate": "张三",
    "contact": {"phone": "138****8000", "wechat": "zh****", "email": ""},
    "url": URL,
}
NEED_HUMAN = {
    **CONTACT,
    "kind": "need_human",
    "detail": "ask_human",
    "contact": {"phone": "", "wechat": "", "email": ""},
}
TASK_FAILED = {**NEED_HUMAN, "kind": "task_failed", "detail": "add_friend"}
SUMMARY = {
    "kind": "summary",
    "detail": "",
    "day": "2026-12-01",
    "job": "客服专员",
    "jobID": "job_Boss_1",
    "counts": {
        "greeted": 40,
        "replied": 12,
        "contacts": 5,
        "phone": 3,
        "wechat": 2,
        "email": 0,
        "cv": 1,
        "wechat_added": 2,
        "interviews": 1,
    },
    "url": "http://127.0.0.1:8000/admin/recruit/conversation/?job__id__exact=1",
}
PAYLOADS = {"contact": CONTACT, "need_human": NEED_HUMAN, "task_failed": TASK_FAILED, "summary": SUMMARY}
TITLES = {"contact": "获得联系方式", "need_human": "需要人工", "task_failed": "任务失败", "summary": "每日汇总"}
# What each kind's message must say, beyond its title, the job and the link.
SAYS = {
    "contact": ["张三", "电话、微信", "138＊＊＊＊8000", "zh＊＊＊＊"],
    "need_human": ["张三", "ask＿human"],
    "task_failed": ["张三", "add＿friend"],
    "summary": [
        "2026-12-01",
        "打招呼：40",
        "回复：12",
        "获得联系方式：5（电话 3 / 微信 2 / 邮箱 0 / 简历 1）",
        "加微信：2",
        "约面试：1",
    ],
}


def test_json_is_the_outbox_payload_itself():
    for payload in PAYLOADS.values():
        assert notify_formats.render("json", payload) == payload


@pytest.mark.parametrize("kind", PAYLOADS)
def test_wecom_group_robot_markdown(kind):
    body = notify_formats.render("wecom", PAYLOADS[kind])
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"content"}
    content = body["markdown"]["content"]
    assert content.startswith(f"**{TITLES[kind]}**\n")
    assert "> 岗位：客服专员" in content
    assert all(text in content for text in SAYS[kind]), content
    assert content.endswith(f"]({PAYLOADS[kind]['url']})")


@pytest.mark.parametrize("kind", PAYLOADS)
def test_dingtalk_robot_markdown(kind):
    body = notify_formats.render("dingtalk", PAYLOADS[kind])
    assert set(body) == {"msgtype", "markdown"} and body["msgtype"] == "markdown"
    assert set(body["markdown"]) == {"title", "text"}
    assert body["markdown"]["title"] == f"{TITLES[kind]} · 客服专员"
    text = body["markdown"]["text"]
    assert text.startswith(f"### {TITLES[kind]} · 客服专员\n\n- ")
    assert "\n\n- 岗位：客服专员\n\n" in text  # a line break in DingTalk needs a blank line
    assert all(said in text for said in SAYS[kind]), text
    assert text.endswith(f"]({PAYLOADS[kind]['url']})")


@pytest.mark.parametrize("kind", PAYLOADS)
def test_feishu_robot_interactive_card(kind):
    body = notify_formats.render("feishu", PAYLOADS[kind])
    assert set(body) == {"msg_type", "card"} and body["msg_type"] == "interactive"
    card = body["card"]
    assert card["header"]["title"] == {"tag": "plain_text", "content": f"{TITLES[kind]} · 客服专员"}
    [text, action] = card["elements"]
    assert text["tag"] == "div" and text["text"]["tag"] == "plain_text"
    # Plain text: shown as written, nothing to escape.
    said = [s.replace("＊", "*").replace("＿", "_") for s in SAYS[kind]]
    assert all(s in text["text"]["content"] for s in said), text
    [button] = action["actions"]
    assert (button["tag"], button["url"]) == ("button", PAYLOADS[kind]["url"])
    assert button["text"]["content"] == ("查看岗位会话" if kind == "summary" else "查看会话")


def test_a_candidates_name_cannot_add_a_link_or_markup_to_a_markdown_message():
    payload = {**NEED_HUMAN, "candidate": "[点我](http://evil.example)**<font>"}
    for fmt in ("wecom", "dingtalk"):
        text = json.dumps(notify_formats.render(fmt, payload), ensure_ascii=False)
        assert "](http://evil" not in text and "**<font>" not in text
        assert "［点我］（http://evil.example）＊＊＜font＞" in text


@pytest.mark.parametrize(
    ("fmt", "answer", "error"),
    [
        ("wecom", {"errcode": 0, "errmsg": "ok"}, ""),
        ("wecom", {"errcode": 93000, "errmsg": "invalid webhook url"}, "errcode 93000"),
        ("dingtalk", {"errcode": 310000, "errmsg": "keywords not in content"}, "errcode 310000"),
        ("feishu", {"code": 0, "msg": "success"}, ""),
        ("feishu", {"code": 19021, "msg": "sign match fail"}, "code 19021"),
        ("feishu", {"StatusCode": 0, "StatusMessage": "success"}, ""),
        ("json", {"errcode": 1}, ""),  # a generic receiver's body means nothing to us
        ("wecom", None, ""),  # not JSON: the HTTP status decides
    ],
)
def test_a_robot_refusal_in_an_http_200_body_is_an_error(fmt, answer, error):
    assert notify_formats.rejection(fmt, answer) == error


# --- Delivery -------------------------------------------------------------------------------------


@pytest.fixture
def webhook():
    with FakeServer() as server:
        yield server


@pytest.mark.parametrize("fmt", ["json", "wecom", "dingtalk", "feishu"])
def test_each_format_is_delivered_in_its_shape_masked_without_the_transcript(db, webhook, fmt):
    job = JobFactory(name="客服专员", notify_webhook=webhook.url + "/hook", notify_format=fmt)
    conversation = ConversationFactory(job=job, account__team=job.team, candidate__name="张三")
    ContactRecordFactory(conversation=conversation, phone="13800138000", wechat="zhang_san88")
    MessageFactory(conversation=conversation, text="我微信 zhang_san88，电话 13800138000，谢谢")
    MessageFactory(conversation=conversation, channel=Message.Channel.WECHAT, text="周二下午两点可以")
    notification_enqueue(conversation=conversation, kind="contact", detail="phone,wechat")

    assert notifications_deliver() == 1
    [body] = webhook.requests
    row = Notification.objects.get()
    assert (row.status, row.notify_format) == (Notification.Status.SENT, fmt)
    assert body == notify_formats.render(fmt, row.payload)  # the stored, masked payload, in the job's shape
    text = json.dumps(body, ensure_ascii=False)
    assert "13800138000" not in text and "zhang_san88" not in text
    assert "谢谢" not in text and "周二下午两点" not in text  # never the transcript
    assert f"/admin/recruit/conversation/{conversation.pk}/change/" in text
    assert "获得联系方式" in text or fmt == "json"


def test_the_format_is_fixed_with_the_webhook_when_the_row_is_written(db, webhook):
    job = JobFactory(notify_webhook=webhook.url, notify_format="dingtalk")
    conversation = ConversationFactory(job=job, account__team=job.team)
    notification_enqueue(conversation=conversation, kind="need_human", detail="ask_human")
    job.notify_format, job.notify_webhook = "feishu", "http://other.example/hook"
    job.save()

    notifications_deliver()
    [body] = webhook.requests
    assert body["msgtype"] == "markdown" and "title" in body["markdown"]


def test_a_robot_refusal_is_retried_like_a_failed_post(db, webhook):
    webhook.behaviour = {"errcode": 310000, "errmsg": "keywords not in content"}
    job = JobFactory(notify_webhook=webhook.url, notify_format="dingtalk")
    notification_enqueue(conversation=ConversationFactory(job=job, account__team=job.team), kind="contact")

    assert notifications_deliver() == 0
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.last_error) == (Notification.Status.PENDING, 1, "errcode 310000")
    assert row.next_attempt_at > timezone.now()


def test_the_console_shows_a_notifications_format_read_only(db, webhook):
    job = JobFactory(notify_webhook=webhook.url, notify_format="dingtalk")
    notification = notification_enqueue(
        conversation=ConversationFactory(job=job, account__team=job.team), kind="contact"
    )
    html = logged_in(make_superuser()).get(change_url(notification)).content.decode()
    assert "钉钉机器人" in html and 'name="notify_format"' not in html
