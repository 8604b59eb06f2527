"""Masking everywhere outside a permitted view (CONTRACT §8, issue 11): what each peer receives, tested
through the API against real local servers that capture it (webhooks in every format, the LLM, the
external engine, the LLM's recall nudges, the WeChat channel), and what a console user without
`recruit.view_contact_pii` gets (the export of contact results, the dashboard). The WeChat bot is the
exception: it gets the WeChat id it has to search for.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from chatbot.contacts import mask_name, mask_text, unmask_name
from devtools.fakes import FakeAlgo, FakeOpenAI, FakeServer, algo_answer
from recruit.models import Conversation, Job, Notification, RecallStep, RecruitAccount
from recruit.services.notify import notifications_deliver
from tests.factories import (
    AccountFactory,
    ContactRecordFactory,
    ConversationFactory,
    JobFactory,
    WechatAccountFactory,
    WechatAccountLinkFactory,
    link,
)
from tests.test_admin import logged_in, make_staff
from tests.test_pii_logs import EMAIL, NAME, PHONE, VALUES, WECHAT  # one person for every PII test

MASKED = ("林**", "139****5678", "li****", "li****@example.com")
# The page shows our greeting with the candidate's name filled in: a history line naming them.
GREETING = f"{NAME}您好，看看客服岗？"
ANSWER = {
    "intent": "ask_salary",
    "reply": "林**您好，底薪六千。\n方便留个微信吗？",
    "next_step": "need_contact",
    "contact": {},
}
CID = "c1"


def leaked(payload) -> list[str]:
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return [value for value in VALUES if value.lower() in text.lower()]


def chat(api, *lines: str, name: str = NAME) -> dict:
    history = [{"speaker": "robot", "msg": GREETING}, *({"speaker": "user", "msg": line} for line in lines)]
    body = {"accountID": "account_Boss_a", "candidateID": CID, "candidateName": name, "historyMsg": history}
    return api.ok("/recruit/candidate/chat", body)


# --- primitives -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"), [("林晓彤", "林**"), ("欧阳娜娜", "欧**"), ("张三", "张**"), (" John Smith ", "J**"), ("", "")]
)
def test_a_name_keeps_its_first_character_only(name, masked):
    assert mask_name(name) == masked


def test_names_in_text_are_masked_and_a_reply_gets_them_back():
    text = f"{NAME}您好，您的电话 {PHONE}，邮箱 {EMAIL}，微信 {WECHAT}"
    masked = mask_text(text, names=(NAME,))
    assert masked == "林**您好，您的电话 139****5678，邮箱 li****@example.com，微信 li****"
    assert mask_text(masked, names=(NAME,)) == masked  # masking twice changes nothing
    assert mask_text("John SMITH here", names=("john smith",)) == "j** here"
    assert mask_text("李先生", names=("李",)) == "李先生"  # a one-character name is not searched for
    assert unmask_name("林**您好", NAME) == f"{NAME}您好" and unmask_name("您好", "") == "您好"


# --- webhooks -----------------------------------------------------------------------------------------


@pytest.fixture
def receiver() -> Iterator[FakeServer]:
    with FakeServer({"errcode": 0, "code": 0}) as server:
        yield server


@pytest.mark.parametrize("notify_format", ["json", "wecom", "dingtalk", "feishu"])
def test_webhooks_get_masked_contacts_and_no_full_name(api, db, receiver, notify_format):
    job = JobFactory(platform_id="j", notify_webhook=receiver.url + "/hook", notify_format=notify_format)
    link(AccountFactory(platform_id="a", team=job.team), job)
    body = {"accountID": "account_Boss_a", "candidateID": CID, "candidateName": NAME}
    api.ok("/recruit/candidate/result", {**body, "phone": PHONE, "wechat": WECHAT, "email": EMAIL})

    [notification] = Notification.objects.filter(kind="contact")
    assert notification.payload["candidate"] == "林**"
    assert notification.payload["contact"] == {
        "phone": "139****5678",
        "wechat": "li****",
        "email": "li****@example.com",
    }
    assert not leaked(notification.payload)
    assert notifications_deliver() == 1
    [delivered] = receiver.requests
    assert not leaked(delivered)
    assert "林**" in json.dumps(delivered, ensure_ascii=False).replace("＊", "*")  # markdown shows ＊ for *


def test_a_need_human_notification_masks_what_the_engine_said(api, db, settings):
    """The reason of a "needs a human" notification is the engine's intent, free text: masked too."""
    settings.CHAT_DEADLINE = 2.0
    settings.LLM_MAX_RETRIES = 0
    job = JobFactory(platform_id="j", robot_api="llm")
    link(AccountFactory(platform_id="a", team=job.team), job)
    intent = f"{NAME}要电话{PHONE}"
    with FakeOpenAI({"intent": intent, "reply": "我确认一下再回复您", "next_step": "need_ensure"}) as llm:
        settings.OPENAI_BASE_URL = llm.base_url
        chat(api, "你们老板电话多少？")
    [notification] = Notification.objects.filter(kind="need_human")
    assert notification.payload["detail"] == "林**要电话139****5678"
    assert not leaked(notification.payload)


# --- engines ------------------------------------------------------------------------------------------


@dataclass
class LLMWorld:
    job: Job
    account: RecruitAccount
    server: FakeOpenAI


@pytest.fixture
def llm_job(db, settings) -> Iterator[LLMWorld]:
    settings.CHAT_DEADLINE = 2.0
    settings.LLM_MAX_RETRIES = 0
    job = JobFactory(platform_id="j", touch_msg="您好，看看客服岗？", faq_salary="底薪 6000", robot_api="llm")
    account = AccountFactory(platform_id="a", team=job.team)
    link(account, job)
    with FakeOpenAI(ANSWER) as server:
        settings.OPENAI_BASE_URL = server.base_url
        yield LLMWorld(job, account, server)


def test_the_llm_gets_no_contact_and_no_name(api, llm_job):
    answer = chat(api, "你好", f"我是{NAME}，电话 {PHONE}", f"微信 {WECHAT}，邮箱 {EMAIL}")
    assert answer["nextStepContent"] == f"{NAME}您好，底薪六千。\n方便留个微信吗？"  # the name back for the candidate
    [request] = llm_job.server.requests
    assert not leaked(request)
    system, *lines = request["messages"]
    assert "候选人「林**」" in system["content"]
    assert [line["content"] for line in lines] == [
        "林**您好，看看客服岗？",
        "你好",
        "我是林**，电话 139****5678",
        "微信 li****，邮箱 li****@example.com",
    ]


def test_the_external_engine_gets_no_contact_and_no_name(api, db, settings):
    settings.CHAT_DEADLINE = 2.0
    with FakeAlgo(algo_answer("林**您好，底薪六千", "询问薪资")) as server:
        job = JobFactory(platform_id="j", touch_msg="您好，看看客服岗？", robot_api=server.url + "/chat")
        link(AccountFactory(platform_id="a", team=job.team), job)
        answer = chat(api, f"我是{NAME}，电话 {PHONE}\n微信 {WECHAT}，邮箱 {EMAIL}")
    assert answer["nextStepContent"] == f"{NAME}您好，底薪六千"
    [request] = server.requests
    assert not leaked(request)
    assert request["message"] == "我是林**，电话 139****5678\n微信 li****，邮箱 li****@example.com"
    assert request["conversation_id"] == f"account_Boss_a_job_Boss_j_{CID}"  # the contract's key, as before


def test_the_llm_personalising_a_nudge_gets_no_name(api, llm_job):
    chat(api, "你好")  # our answer is the last line: the candidate went silent after it
    Conversation.objects.update(last_robot_at=timezone.now() - timedelta(hours=25))
    RecallStep.objects.create(job=llm_job.job, position=0, after_hours=24, msg="{name}您好，{job_name}还在招")
    llm_job.server.behaviour = {"msg": "林**您好，客服岗还在招，您考虑一下？"}
    [item] = api.ok("/recruit/candidate/recallList", {"accountID": "account_Boss_a", "candidateIDs": [CID]})
    assert item["recall_msg"] == f"{NAME}您好，客服岗还在招，您考虑一下？"  # the name back in the nudge
    _chat, request = llm_job.server.requests
    assert not leaked(request)
    user = json.loads(request["messages"][1]["content"])
    assert user["候选人称呼"] == "林**" and user["模板消息"].startswith("林**您好")


def test_the_wechat_bot_gets_the_id_it_searches_for_and_the_llm_on_wechat_gets_nothing(api, llm_job):
    wechat = WechatAccountFactory(account_id="wx-1", team=llm_job.job.team)
    WechatAccountLinkFactory(wechat_account=wechat, recruit_account=llm_job.account)
    body = {"accountID": "account_Boss_a", "candidateID": CID, "candidateName": NAME, "wechat": WECHAT}
    api.ok("/recruit/candidate/result", body)

    [group] = api.ok("/wechat/candidate/taskToDo", {"account_id": "wx-1"})["task_list"]
    [add] = group["content"]
    assert add["search_id"] == WECHAT  # the exception: the bot's job needs the value
    api.ok(
        "/wechat/candidate/addFriendReport", {"account_id": "wx-1", "alias_id": add["alias_id"], "search_id": WECHAT}
    )
    message = {"account_id": "wx-1", "alias_id": add["alias_id"], "msg_receive": f"我是{NAME}，电话{PHONE}，{EMAIL}"}
    assert api.ok("/wechat/candidate/userMsguser", message)["msg"].startswith(f"{NAME}您好")
    [request] = llm_job.server.requests
    assert not leaked(request)
    assert "我是林**，电话139****5678，li****@example.com" in json.dumps(request, ensure_ascii=False)


# --- the console without the personal-data permission -----------------------------------------------


@pytest.fixture
def obtained(db):
    """A conversation of team A with every contact, a CV and an agreed slot naming a phone."""
    job = JobFactory(name="客服专员")
    conversation = ConversationFactory(
        job=job,
        account=AccountFactory(team=job.team),
        candidate__name=NAME,
        status="finished",
        needs_human=True,
        last_message_at=timezone.now(),
    )
    ContactRecordFactory(conversation=conversation, phone=PHONE, wechat=WECHAT, email=EMAIL)
    return conversation


EXPORT = reverse("admin:recruit_conversation_export")


def exported(client) -> str:
    response = client.post(EXPORT, {"format": "0", "resource": "0"})
    assert response.status_code == 200, response.content[:300]
    return response.content.decode("utf-8-sig")


def test_the_export_has_no_contact_without_the_permission(obtained):
    team = obtained.job.team
    masked = exported(logged_in(make_staff(team, "recruit.view_conversation", "recruit.export_results")))
    rows = list(csv.reader(io.StringIO(masked)))
    assert len(rows) == 2 and rows[1][0] == NAME  # recruiters work by name: the list shows it too
    assert not [value for value in (PHONE, WECHAT, EMAIL) if value in masked]
    assert {"139****5678", "li****", "li****@example.com"} <= set(rows[1])

    full = exported(
        logged_in(make_staff(team, "recruit.view_conversation", "recruit.export_results", "recruit.view_contact_pii"))
    )
    assert all(value in full for value in (PHONE, WECHAT, EMAIL))


def test_the_commands_masked_export_has_no_contact(obtained, tmp_path):
    output = tmp_path / "out.csv"
    call_command("export_results", "--masked", f"--output={output}", stdout=io.StringIO(), stderr=io.StringIO())
    text = output.read_text(encoding="utf-8-sig")
    assert "139****5678" in text and not [value for value in (PHONE, WECHAT, EMAIL) if value in text]


@pytest.mark.parametrize("pii", [False, True], ids=["without-permission", "with-permission"])
def test_the_dashboard_shows_no_contact(obtained, pii):
    perms = ["recruit.view_conversation", *(["recruit.view_contact_pii"] if pii else [])]
    page = logged_in(make_staff(obtained.job.team, *perms)).get("/admin/").content.decode()
    assert "waiting-for-human" in page and NAME in page  # the conversation waiting for a human is listed
    assert not [value for value in (PHONE, WECHAT, EMAIL) if value in page]
    assert "139****" not in page  # not even masked: the dashboard is counts and names
