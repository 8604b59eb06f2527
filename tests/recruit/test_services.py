"""The core services called directly, without a request, as admin actions, Celery tasks and
management commands call them: each one's main effect and its domain error."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from chatbot.types import FINISH, NEED_CONTACT, Contacts
from hunter_robot.errors import Conflict, NotFound, UploadRejected, UploadTooLarge
from recruit import selectors
from recruit.jobconfig import DEFAULT_CLOSING, DEFAULT_CONTACT_ASK, DEFAULT_RECALL_STEPS
from recruit.models import (
    AccountJob,
    Candidate,
    ContactRecord,
    Conversation,
    Greeting,
    Job,
    Message,
    Reservation,
    ScreeningDecision,
)
from recruit.services.chat import IncomingLine, candidate_chat
from recruit.services.greetings import greetings_report
from recruit.services.recall import recall_list, recall_result
from recruit.services.registration import account_register, job_register
from recruit.services.results import candidate_result
from recruit.services.screening import candidate_filter, candidate_prefilter
from tests.factories import AccountFactory, ApiKeyFactory, JobFactory, TeamFactory, link
from tests.recruit.fixtures import boss_card

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(db):
    """An account with two listed jobs (j1 first) and a job of the same team it never had."""
    team = TeamFactory()
    account = AccountFactory(team=team, platform_id="a")
    j1, j2, other = (JobFactory(team=team, platform_id=key) for key in ("j1", "j2", "other"))
    link(account, j1, position=0)
    link(account, j2, position=1)
    return account, j1, j2, other


# --- registration ---------------------------------------------------------------------------------


def test_job_register_creates_in_the_team_and_applies_the_config(db):
    team = TeamFactory()
    config = {
        "contact_ask": ["方便留个微信吗？", "留个电话也行"],
        "faq": {"salary": "8K"},
        "criteria": {"age": (20, 35), "cities": ["上海"]},
        "recall_steps": [{"after_hours": 12, "msg": "{name}在吗"}],
    }
    job = job_register(team=team, platform="Boss", platform_id="1", name="客服", config=config)
    job.refresh_from_db()
    assert (job.team, job.name, job.contact_ask, job.faq_salary) == (
        team,
        "客服",
        "方便留个微信吗？\n留个电话也行",
        "8K",
    )
    assert (job.age_min, job.age_max, job.cities) == (20, 35, "上海")
    assert [(s.after_hours, s.msg) for s in job.recall_steps.all()] == [(12, "{name}在吗")]
    # Idempotent, and only what is sent changes: the team and the other fields stay.
    again = job_register(team=TeamFactory(), platform="Boss", platform_id="1", name="客服专员", config={})
    again.refresh_from_db()
    assert (again.pk, again.team, again.name, again.faq_salary, again.age_max) == (job.pk, team, "客服专员", "8K", 35)


def test_job_register_refuses_an_inverted_range_and_keeps_the_job(db):
    team = TeamFactory()
    job_register(team=team, platform="Boss", platform_id="1", name="客服", config={"criteria": {"age": (20, 35)}})
    with pytest.raises(ValidationError, match="age_max"):
        job_register(team=team, platform="Boss", platform_id="1", name="客服", config={"criteria": {"age": (40, 30)}})
    assert (Job.objects.get().age_min, Job.objects.get().age_max) == (20, 35)


def test_account_register_links_jobs_in_order_with_the_default_task_and_binds_the_key(world, settings):
    _account, j1, j2, _other = world
    key = ApiKeyFactory(team=j1.team)
    account = account_register(team=j1.team, api_key=key, platform="Boss", platform_id="new", jobs=[j2, j1])
    links = list(AccountJob.objects.filter(account=account).order_by("position"))
    assert [(link.job, link.linked, link.hello_sum) for link in links] == [
        (j2, True, settings.DEFAULT_HELLO_SUM),
        (j1, True, settings.DEFAULT_HELLO_SUM),
    ]
    assert [(s.time, s.mount) for s in links[0].slots.all()] == [(time(9), 25), (time(16), 25)]
    assert list(account.api_keys.all()) == [key] and account.team == j1.team
    # Re-registering sets the list: a job that leaves it is unlinked, its task kept.
    account_register(team=j1.team, platform="Boss", platform_id="new", jobs=[j1])
    assert list(AccountJob.objects.filter(account=account, linked=True).values_list("job", flat=True)) == [j1.pk]
    assert AccountJob.objects.filter(account=account).count() == 2


# --- screening ------------------------------------------------------------------------------------


def test_candidate_filter_decides_reserves_and_records(world):
    account, j1, _j2, _other = world
    decision = candidate_filter(account=account, job=None, info=boss_card(geekId=7), cid="7")
    assert (decision.touch, decision.reasons) == (True, [])
    assert Reservation.objects.get().job == j1  # the §3 fallback: the first listed job
    assert ScreeningDecision.objects.get().touch is True
    # Another account of the same job cannot take the candidate meanwhile.
    rival = AccountFactory(team=account.team, platform_id="b")
    link(rival, j1)
    refused = candidate_filter(account=rival, job=j1, info=boss_card(geekId=7), cid="7")
    assert (refused.touch, refused.reasons) == (False, ["reserved: held by another account"])


def test_candidate_filter_refuses_a_job_the_account_does_not_have(world):
    account, _j1, _j2, other = world
    with pytest.raises(Conflict, match="jobID"):
        candidate_filter(account=account, job=other, info=boss_card(geekId=7), cid="7")
    with pytest.raises(Conflict, match="jobID"):
        candidate_prefilter(account=account, job=other, cid="7")


def test_candidate_prefilter_reevaluates_the_stored_profile(world):
    account, _j1, j2, _other = world
    assert candidate_prefilter(account=account, job=j2, cid="7") is None  # not stored yet
    candidate_filter(account=account, job=j2, info=boss_card(geekId=7), cid="7")
    decision = candidate_prefilter(account=account, job=j2, cid="7")
    assert decision.touch is True  # re-entrant for the holder of the reservation
    assert list(ScreeningDecision.objects.values_list("source", flat=True).order_by("id")) == ["filter", "prefilter"]


# --- greetings ------------------------------------------------------------------------------------


def test_greetings_report_records_once_and_opens_the_conversation_with_the_greeting(world):
    account, j1, _j2, _other = world
    job = selectors.resolve_job(account, None)
    result = greetings_report(account=account, job=job, cids=["c1", "c2"])
    assert (result.accepted, result.duplicates, result.remaining) == (2, 0, 48)
    again = greetings_report(account=account, job=job, cids=["c1"])
    assert (again.accepted, again.duplicates, again.remaining) == (0, 1, 48)
    assert Greeting.objects.count() == 2
    first = Message.objects.filter(conversation__candidate__platform_cid="c1").get()
    assert (first.speaker, first.text) == (
        "robot",
        f"您好，我们正在招聘「{j1.name}」，看了您的经历觉得很合适，方便聊聊吗？",
    )


def test_the_report_job_must_be_one_of_the_account(world):
    account, _j1, _j2, other = world
    with pytest.raises(Conflict, match="jobID"):
        selectors.resolve_job(account, other)
    AccountJob.objects.filter(account=account).update(linked=False)
    with pytest.raises(Conflict, match="has no job"):
        selectors.resolve_job(account, None)


# --- chat -----------------------------------------------------------------------------------------


def chat(account, text: str, job=None, cid="c1"):
    incoming = [IncomingLine("robot", "您好"), IncomingLine("user", text)]
    return candidate_chat(account=account, job=job, cid=cid, name="张三", incoming=incoming)


def test_candidate_chat_answers_with_the_lines_in_effect_and_saves_the_contact(world):
    account, j1, _j2, _other = world  # j1 has no ask or closing line of its own
    answer = chat(account, "好的")
    assert (answer.next_step, answer.content) == (NEED_CONTACT, DEFAULT_CONTACT_ASK)
    conversation = Conversation.objects.get()
    assert (conversation.job, conversation.contact_asks, conversation.message_count) == (j1, 1, 3)
    answer = candidate_chat(
        account=account,
        job=None,
        cid="c1",
        name="张三",
        incoming=[
            IncomingLine("robot", "您好"),
            IncomingLine("user", "好的"),
            IncomingLine("robot", DEFAULT_CONTACT_ASK),
            IncomingLine("user", "我的电话 13800138000"),
        ],
    )
    assert (answer.next_step, answer.content) == (FINISH, DEFAULT_CLOSING)
    assert ContactRecord.objects.get().phone == "13800138000"


def test_candidate_chat_refuses_a_job_the_account_does_not_have(world):
    account, _j1, _j2, other = world
    with pytest.raises(Conflict, match="jobID"):
        chat(account, "你好，我微信是 zhang_san88", job=other)
    assert not Conversation.objects.exists() and not ContactRecord.objects.exists()


# --- results --------------------------------------------------------------------------------------


def test_candidate_result_merges_contacts_and_stores_the_cv(world, private_media):
    account, _j1, j2, _other = world
    cv = SimpleUploadedFile("resume.pdf", PDF)
    conversation = candidate_result(
        account=account, job=j2, cid="c1", name="张三", contacts=Contacts(wechat="zhang_san88"), cv=cv
    )
    record = ContactRecord.objects.get()
    assert (conversation.job, conversation.source) == (j2, "user_ask")
    assert (record.wechat, record.cv_type, record.cv_name, record.cv_received) == (
        "zhang_san88",
        "pdf",
        "resume.pdf",
        True,
    )
    # An empty value never erases a stored one.
    candidate_result(account=account, job=j2, cid="c1", name="张三", contacts=Contacts(phone="13800138000"))
    record.refresh_from_db()
    assert (record.phone, record.wechat) == ("13800138000", "zhang_san88")


@pytest.mark.parametrize(
    ("content", "max_bytes", "error", "kind"),
    [(b"MZ not a cv", 1000, "file type not allowed", UploadRejected), (PDF, 10, "larger than", UploadTooLarge)],
    ids=["type", "size"],
)
def test_candidate_result_rejects_an_upload_and_stores_nothing(
    world, private_media, settings, content, max_bytes, error, kind
):
    account, _j1, _j2, _other = world
    settings.CV_MAX_BYTES = max_bytes
    cv = SimpleUploadedFile("resume.pdf", content)
    with pytest.raises(kind, match=error) as raised:
        candidate_result(account=account, job=None, cid="c1", name="张三", contacts=Contacts(), cv=cv)
    assert isinstance(raised.value, UploadTooLarge) == (kind is UploadTooLarge)
    assert not Conversation.objects.exists() and not Candidate.objects.exists()
    assert not private_media.exists() or not any(p.is_file() for p in private_media.rglob("*"))


def test_candidate_result_refuses_a_job_the_account_does_not_have(world):
    account, _j1, _j2, other = world
    with pytest.raises(Conflict, match="jobID"):
        candidate_result(account=account, job=other, cid="c1", name="张三", contacts=Contacts(wechat="zhang_san88"))
    assert not ContactRecord.objects.exists()


# --- recall ---------------------------------------------------------------------------------------


def test_recall_offers_the_default_step_and_counts_it_once(world):
    account, j1, _j2, _other = world  # j1 has no recall steps of its own
    start = timezone.now() - timedelta(hours=DEFAULT_RECALL_STEPS[0][0] + 1)
    greetings_report(account=account, job=j1, cids=["c1"], now=start)
    Candidate.objects.filter(platform_cid="c1").update(name="张三")
    [item] = recall_list(account=account, cids=["c1"], read_cids=set())
    expected = DEFAULT_RECALL_STEPS[0][1].format(name="张三", job_name=j1.name)
    assert (item["candidate_id"], item["job_id"], item["recall_msg"]) == ("c1", j1.job_id, expected)
    assert recall_result(account=account, cid="c1") == 1
    assert recall_result(account=account, cid="c1") == 1  # a repeated call advances nothing
    assert Message.objects.filter(is_recall=True).get().text == expected
    assert recall_list(account=account, cids=["c1"], read_cids=set()) == []  # the next step is not due yet


def test_recall_result_without_a_conversation_is_not_found(world):
    account, _j1, _j2, _other = world
    with pytest.raises(NotFound, match="candidateID"):
        recall_result(account=account, cid="nobody")
