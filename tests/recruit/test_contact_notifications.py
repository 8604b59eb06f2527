"""A recruiter is notified once per contact kind obtained (phone, wechat, email, cv), CONTRACT §4, §6.

The same kind again, even with a different value, notifies no more; a new kind does, whichever
way it arrives (candidate/result, a CV upload, or contact details the candidate writes in chat).
"""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client

from recruit.models import ContactRecord, Notification
from tests.factories import AccountFactory, JobFactory, link

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GREETING = "您好，我们在招客服专员，方便聊聊吗？"


@pytest.fixture
def job(db, private_media):
    job = JobFactory(platform_id="j", touch_msg=GREETING)
    link(AccountFactory(platform_id="a"), job)
    return job


def notified() -> list[str]:
    """The kinds each contact notification announced, oldest first."""
    return [n.payload["detail"] for n in Notification.objects.filter(kind="contact").order_by("created_at", "id")]


def result(api, **fields):
    return api.ok(
        "/recruit/candidate/result",
        {"accountID": "account_Boss_a", "candidateID": "c1", "candidateName": "张三", **fields},
    )


def upload_cv():
    handle = io.BytesIO(PDF)
    handle.name = "resume.pdf"
    body = {"accountID": "account_Boss_a", "candidateID": "c1", "candidateName": "张三", "cv": handle}
    response = Client(REMOTE_ADDR="127.0.0.1").post("/recruit/candidate/result", body)
    assert json.loads(response.content)["ret"] == 0


def test_each_new_kind_through_result_notifies_once(api, job):
    result(api, phone="13800138000")
    assert notified() == ["phone"]
    result(api, wechat="zhang_san88")  # WeChat after a phone: a new kind
    assert notified() == ["phone", "wechat"]
    result(api, email="zs@example.com")
    upload_cv()
    assert notified() == ["phone", "wechat", "email", "cv"]
    notification = Notification.objects.filter(kind="contact").order_by("id")[1]
    assert notification.payload["contact"]["wechat"] != "zhang_san88"  # masked, as every payload


def test_the_same_kind_again_does_not_notify_even_with_another_value(api, job):
    result(api, phone="13800138000", wechat="zhang_san88")
    assert notified() == ["phone,wechat"]  # one event, both kinds named
    result(api, phone="13900139000")
    result(api, wechat="li_si_2024")
    result(api, phone="13800138000", wechat="zhang_san88")
    upload_cv()
    upload_cv()
    record = ContactRecord.objects.get()
    assert (record.phone, record.wechat) == ("13800138000", "zhang_san88")  # the values still merge
    assert notified() == ["phone,wechat", "cv"]


def chat(api, *lines):
    body = {
        "accountID": "account_Boss_a",
        "candidateID": "c1",
        "candidateName": "张三",
        "historyMsg": [{"speaker": s, "msg": m} for s, m in lines],
    }
    return api.ok("/recruit/candidate/chat", body)


def test_chat_extraction_notifies_each_new_kind_once(api, job):
    history = [("robot", GREETING), ("user", "我电话 13800138000")]
    chat(api, *history)
    assert notified() == ["phone"]
    history += [("robot", "好的"), ("user", "我微信是 zhang_san88")]
    chat(api, *history)
    assert notified() == ["phone", "wechat"]
    history += [("robot", "收到"), ("user", "换个微信 li_si_2024，电话也可以打 13900139000")]
    chat(api, *history)
    assert notified() == ["phone", "wechat"]
    assert ContactRecord.objects.get().wechat == "li_si_2024"


def test_a_platform_notice_counts_as_its_kind(api, job):
    chat(api, ("robot", GREETING), ("user", "好的"), ("system", "对方已同意交换微信"))
    assert notified() == ["wechat"]
    result(api, wechat="zhang_san88")  # the id behind the exchange: the same kind
    assert notified() == ["wechat"]
