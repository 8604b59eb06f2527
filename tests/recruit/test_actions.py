"""A recruiter's actions as services (recruit.services.actions, hunter_robot.services) and the console
calling them: each writes an audit row in its own transaction, conversation actions bump the version
so a reply computed before them is neither saved nor sent, and repeats change nothing."""

from __future__ import annotations

import inspect

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chatbot.engines import run_turn
from chatbot.types import NOTHING, ROBOT, USER
from hunter_robot.api.auth import Caller
from hunter_robot.models import ApiKey, AuditLog
from hunter_robot.services import api_key_revoke
from recruit.models import Candidate, Conversation, Message, RecruitAccount
from recruit.services import chat
from recruit.services.actions import (
    account_pause,
    account_resume,
    conversation_flag_clear,
    conversation_hand_back,
    conversation_status_set,
    conversation_take_over,
)
from tests.conftest import Api
from tests.factories import AccountFactory, JobFactory, TeamFactory, link
from tests.test_admin import admin_url, change_url, form_values, logged_in, make_staff, perms_for, run_action

User = get_user_model()

GREETING = "您好，看看客服岗？"
SALARY = "底薪 6000，综合 7-9K。"


@pytest.fixture
def team(db):
    return TeamFactory(name="A")


@pytest.fixture
def account(team) -> RecruitAccount:
    account = AccountFactory(team=team, platform_id="a")
    link(account, JobFactory(team=team, platform_id="j", touch_msg=GREETING, faq_salary=SALARY))
    return account


@pytest.fixture
def conversation(account) -> Conversation:
    candidate = Candidate.objects.create(platform="Boss", platform_cid="c1", name="张三")
    return Conversation.objects.create(account=account, job=account.jobs.get(), candidate=candidate)


@pytest.fixture
def recruiter(team) -> User:
    return make_staff(team, *perms_for(Conversation, "view", "change"))


def audits(obj, action: str | None = None) -> list[AuditLog]:
    rows = AuditLog.objects.filter(object_type=obj._meta.model_name, object_id=str(obj.pk))
    return list(rows.filter(action=action) if action else rows)


def stored(conversation: Conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


# --- A reply computed while a recruiter took over is not saved or sent ------------------------------


def _claim_turn(account: RecruitAccount, text: str):
    """Commit a candidate's turn and claim the reply (`chat._record`), as `candidate_chat` does before
    it asks the engine. Keyword arguments follow `_record`'s signature: the caller (if it still takes
    one) is an anonymous bot, and an explicit job, by whatever name, is absent (the fallback)."""
    given = {
        "account": account,
        "cid": "c1",
        "name": "张三",
        "incoming": [chat.IncomingLine(ROBOT, GREETING), chat.IncomingLine(USER, text)],
        "now": timezone.now(),
    }
    for name, parameter in inspect.signature(chat._record).parameters.items():
        if name not in given and parameter.default is inspect.Parameter.empty:
            given[name] = Caller(key=None) if name == "caller" else None
    claim = chat._record(**given)
    assert isinstance(claim, chat._Claim), claim
    return claim


def robot_replies() -> list[str]:
    return list(Message.objects.filter(speaker=ROBOT).exclude(engine="").values_list("text", flat=True))


def test_a_reply_is_saved_when_nothing_happened_meanwhile(account):
    """The control for the tests below: the same steps without a recruiter's action save the reply."""
    claim = _claim_turn(account, "薪资多少？")
    answer = chat._save_reply(claim, run_turn(claim.robot_api, claim.ctx), timezone.now())
    assert answer.next_step != NOTHING and SALARY in answer.content
    assert robot_replies() and SALARY in "\n".join(robot_replies())


@pytest.mark.parametrize(
    "act",
    [
        lambda conversation, user: conversation_take_over(conversation=conversation, user=user),
        lambda conversation, user: conversation_status_set(conversation=conversation, user=user, status="finished"),
    ],
    ids=["take_over", "close"],
)
def test_a_reply_computed_before_a_recruiters_action_is_neither_saved_nor_sent(account, recruiter, act):
    claim = _claim_turn(account, "薪资多少？")
    assert act(Conversation.objects.get(), recruiter)  # while the engine thinks
    outcome = run_turn(claim.robot_api, claim.ctx)
    assert SALARY in outcome.reply.content  # the engine did answer

    answer = chat._save_reply(claim, outcome, timezone.now())

    assert (answer.next_step, answer.content) == (NOTHING, "")
    assert robot_replies() == []
    conversation = Conversation.objects.get()
    assert conversation.last_speaker == USER and conversation.contact_asks == 0


@pytest.mark.django_db(transaction=True)
def test_takeover_during_the_engine_call_silences_the_reply_end_to_end(settings, team):
    """Through the API: the LLM server takes the conversation over (a real commit from another
    connection) before it answers; the bot gets an empty answer and nothing is stored."""
    from devtools.fakes import FakeOpenAI, completion

    settings.CHAT_DEADLINE = 5.0
    settings.LLM_MAX_RETRIES = 0
    account = AccountFactory(team=team, platform_id="a")
    link(account, JobFactory(team=team, platform_id="j", touch_msg=GREETING, robot_api="llm"))
    recruiter = make_staff(team)

    def take_over_then_answer(_request) -> tuple[int, dict]:
        from django.db import connection

        try:
            conversation_take_over(conversation=Conversation.objects.get(), user=recruiter)
        finally:
            connection.close()
        reply = '{"intent": "ask_salary", "reply": "底薪六千。", "next_step": "normal_chat", "contact": {}}'
        return 200, completion(reply)

    body = {
        "accountID": account.account_id,
        "candidateID": "c1",
        "candidateName": "张三",
        "historyMsg": [{"speaker": "robot", "msg": GREETING}, {"speaker": "user", "msg": "薪资多少？"}],
    }
    with FakeOpenAI(take_over_then_answer) as server:
        settings.OPENAI_BASE_URL = server.base_url
        answer = Api(Client(REMOTE_ADDR="127.0.0.1")).ok("/recruit/candidate/chat", body)
    assert len(server.requests) == 1  # the engine was asked, and answered
    assert answer == {"nextStep": "", "nextStepContent": ""}
    assert robot_replies() == []
    assert Conversation.objects.get().taken_over_by == recruiter


# --- Conversation services --------------------------------------------------------------------------


def test_take_over_sets_the_recruiter_bumps_the_version_and_audits(conversation, recruiter):
    before = stored(conversation).version
    assert conversation_take_over(conversation=conversation, user=recruiter) is True
    row = stored(conversation)
    assert (row.taken_over_by, row.version) == (recruiter, before + 1)
    assert (conversation.taken_over_by_id, conversation.version) == (recruiter.pk, before + 1)  # caller's copy
    [audit] = audits(conversation)
    assert (audit.user, audit.action, audit.detail) == (recruiter, "take_over", "")


def test_take_over_again_by_the_same_recruiter_changes_nothing(conversation, recruiter):
    conversation_take_over(conversation=conversation, user=recruiter)
    version = stored(conversation).version
    assert conversation_take_over(conversation=conversation, user=recruiter) is False
    assert stored(conversation).version == version
    assert len(audits(conversation)) == 1


def test_take_over_from_another_recruiter_reassigns_and_records_from_whom(conversation, recruiter, team):
    other = make_staff(team)
    conversation_take_over(conversation=conversation, user=recruiter)
    assert conversation_take_over(conversation=conversation, user=other) is True
    assert stored(conversation).taken_over_by == other
    assert audits(conversation, "take_over")[0].detail == f"from {recruiter.username}"  # newest first


def test_hand_back_clears_the_takeover_bumps_and_audits(conversation, recruiter):
    conversation_take_over(conversation=conversation, user=recruiter)
    version = stored(conversation).version
    assert conversation_hand_back(conversation=conversation, user=recruiter) is True
    row = stored(conversation)
    assert (row.taken_over_by, row.version) == (None, version + 1)
    [audit] = audits(conversation, "hand_back")
    assert (audit.user, audit.detail) == (recruiter, f"from {recruiter.username}")
    assert conversation_hand_back(conversation=conversation, user=recruiter) is False  # nobody holds it now
    assert len(audits(conversation, "hand_back")) == 1 and stored(conversation).version == version + 1


def test_flag_clear_clears_needs_human_bumps_and_audits(conversation, recruiter):
    Conversation.objects.filter(pk=conversation.pk).update(needs_human=True)
    assert conversation_flag_clear(conversation=conversation, user=recruiter) is True
    row = stored(conversation)
    assert (row.needs_human, row.version) == (False, 1)
    assert [a.action for a in audits(conversation)] == ["clear_flag"]
    assert conversation_flag_clear(conversation=conversation, user=recruiter) is False
    assert len(audits(conversation)) == 1 and stored(conversation).version == 1


def test_status_set_writes_only_the_status_and_its_milestone(conversation, recruiter):
    stale = stored(conversation)  # loaded before a chat turn advanced the counters
    Conversation.objects.filter(pk=conversation.pk).update(message_count=3, contact_asks=1)
    assert conversation_status_set(conversation=stale, user=recruiter, status="finished") is True
    row = stored(conversation)
    assert (row.status, row.message_count, row.contact_asks, row.version) == ("finished", 3, 1, 1)
    assert row.finished_at is not None and row.declined_at is None
    [audit] = audits(conversation)
    assert (audit.action, audit.detail) == ("set_status", "open -> finished")


def test_status_set_keeps_the_first_milestone_and_ignores_a_repeat(conversation, recruiter):
    conversation_status_set(conversation=conversation, user=recruiter, status="finished")
    first = stored(conversation).finished_at
    assert conversation_status_set(conversation=conversation, user=recruiter, status="finished") is False
    conversation_status_set(conversation=conversation, user=recruiter, status="open")
    conversation_status_set(conversation=conversation, user=recruiter, status="finished")
    assert stored(conversation).finished_at == first
    assert len(audits(conversation)) == 3


def test_status_set_refuses_an_unknown_status(conversation, recruiter):
    with pytest.raises(ValueError):
        conversation_status_set(conversation=conversation, user=recruiter, status="closed")
    assert stored(conversation).status == "open" and not audits(conversation)


def test_the_change_and_its_audit_row_commit_together(conversation, recruiter):
    with pytest.raises(RuntimeError), transaction.atomic():
        conversation_take_over(conversation=conversation, user=recruiter)
        raise RuntimeError("the surrounding transaction fails")
    assert stored(conversation).taken_over_by is None
    assert not audits(conversation)


# --- Account and key services -----------------------------------------------------------------------


def test_pause_and_resume_an_account(account, recruiter):
    assert account_pause(account=account, user=recruiter) is True
    assert RecruitAccount.objects.get(pk=account.pk).active is False and account.active is False
    assert account_pause(account=account, user=recruiter) is False
    assert account_resume(account=account, user=recruiter) is True
    assert RecruitAccount.objects.get(pk=account.pk).active is True
    assert account_resume(account=account, user=recruiter) is False
    assert [(a.action, a.user) for a in reversed(audits(account))] == [("pause", recruiter), ("resume", recruiter)]


def test_pause_writes_only_active(account, recruiter):
    stale = RecruitAccount.objects.get(pk=account.pk)
    RecruitAccount.objects.filter(pk=account.pk).update(desc="edited meanwhile")
    account_pause(account=stale, user=recruiter)
    assert RecruitAccount.objects.get(pk=account.pk).desc == "edited meanwhile"


def test_api_key_revoke_revokes_once_and_audits(team, recruiter):
    key = ApiKey(team=team, name="bot")
    key.issue()
    key.save()
    assert api_key_revoke(key=key, user=recruiter) is True
    first = ApiKey.objects.get(pk=key.pk).revoked_at
    assert first is not None and key.revoked_at == first and not key.is_usable()
    assert api_key_revoke(key=key, user=recruiter) is False
    assert ApiKey.objects.get(pk=key.pk).revoked_at == first  # the first revocation time stays
    [audit] = audits(key)
    assert (audit.action, audit.user) == ("revoke", recruiter)


# --- The console calls them -------------------------------------------------------------------------


def test_list_actions_go_through_the_services(conversation, recruiter):
    Conversation.objects.filter(pk=conversation.pk).update(needs_human=True)
    client = logged_in(recruiter)
    for action, audit_action in [("take_over", "take_over"), ("clear_flag", "clear_flag"), ("release", "hand_back")]:
        version = stored(conversation).version
        run_action(client, Conversation, action, [conversation])
        assert stored(conversation).version == version + 1, action
        assert audits(conversation, audit_action)[0].user == recruiter
    row = stored(conversation)
    assert (row.taken_over_by, row.needs_human) == (None, False)


def test_account_actions_go_through_the_services(account, team):
    user = make_staff(team, *perms_for(RecruitAccount, "view", "change"))
    client = logged_in(user)
    run_action(client, RecruitAccount, "pause", [account])
    run_action(client, RecruitAccount, "pause", [account])  # already paused: nothing to record
    run_action(client, RecruitAccount, "resume", [account])
    assert [a.action for a in reversed(audits(account))] == ["pause", "resume"]


def test_key_action_goes_through_the_service(team):
    user = make_staff(team, *perms_for(ApiKey, "view", "change"))
    key = ApiKey(team=team, name="bot")
    key.issue()
    key.save()
    run_action(logged_in(user), ApiKey, "revoke", [key])
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    assert [a.action for a in audits(key)] == ["revoke"]


def button_url(obj, name: str) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_button", args=[obj.pk, name])


def test_conversation_page_offers_the_buttons_that_apply(conversation, recruiter):
    client = logged_in(recruiter)
    html = client.get(change_url(conversation)).content.decode()
    assert button_url(conversation, "take_over") in html
    assert button_url(conversation, "release") not in html and button_url(conversation, "clear_flag") not in html

    response = client.post(button_url(conversation, "take_over"))
    assert response.status_code == 302 and response["Location"] == change_url(conversation)
    assert stored(conversation).taken_over_by == recruiter and audits(conversation, "take_over")
    html = client.get(change_url(conversation)).content.decode()
    assert button_url(conversation, "release") in html and button_url(conversation, "take_over") not in html

    client.post(button_url(conversation, "release"))
    assert stored(conversation).taken_over_by is None and audits(conversation, "hand_back")

    Conversation.objects.filter(pk=conversation.pk).update(needs_human=True)
    assert button_url(conversation, "clear_flag") in client.get(change_url(conversation)).content.decode()
    client.post(button_url(conversation, "clear_flag"))
    assert stored(conversation).needs_human is False and audits(conversation, "clear_flag")


def test_buttons_need_a_post_the_change_permission_and_a_visible_row(conversation, team):
    viewer = logged_in(make_staff(team, *perms_for(Conversation, "view")))
    assert button_url(conversation, "take_over") not in viewer.get(change_url(conversation)).content.decode()
    assert viewer.post(button_url(conversation, "take_over")).status_code == 403

    other_team = logged_in(make_staff(TeamFactory(name="B"), *perms_for(Conversation, "view", "change")))
    assert other_team.post(button_url(conversation, "take_over")).status_code == 404

    editor = logged_in(make_staff(team, *perms_for(Conversation, "view", "change")))
    assert editor.get(button_url(conversation, "take_over")).status_code == 405
    assert editor.post(button_url(conversation, "no_such_button")).status_code == 404
    assert stored(conversation).taken_over_by is None and not audits(conversation)


def test_conversation_form_edits_the_status_through_the_service(conversation, recruiter):
    client = logged_in(recruiter)
    data = form_values(client.get(change_url(conversation)))
    assert set(data) >= {"status"} and not {"needs_human", "taken_over_by"} & set(data)  # read-only now
    Conversation.objects.filter(pk=conversation.pk).update(message_count=2)  # a chat turn meanwhile
    data["status"] = "finished"
    assert client.post(change_url(conversation), data).status_code == 302
    row = stored(conversation)
    assert (row.status, row.message_count, row.version) == ("finished", 2, 1)
    assert audits(conversation, "set_status")

    client.post(change_url(conversation), {**data, "status": "finished"})  # saved unchanged: nothing written
    assert stored(conversation).version == 1 and len(audits(conversation, "set_status")) == 1


def test_account_form_pauses_through_the_service(account, team):
    user = make_staff(team, *perms_for(RecruitAccount, "view", "change"))
    client = logged_in(user)
    data = form_values(client.get(change_url(account)))
    assert data["active"] == "on"
    del data["active"]  # untick 启用
    data["desc"] = "夜班"
    response = client.post(change_url(account), data)
    assert response.status_code == 302, response.content[:500]
    row = RecruitAccount.objects.get(pk=account.pk)
    assert (row.active, row.desc) == (False, "夜班")
    [audit] = audits(account)
    assert (audit.action, audit.user) == ("pause", user)


def test_key_page_revokes_with_a_button_not_a_date(team, root_client):
    key = ApiKey(team=team, name="bot")
    key.issue()
    key.save()
    data = form_values(root_client.get(change_url(key)))
    assert "revoked_at" not in data  # read-only: no typing a date in, no un-revoking
    assert button_url(key, "revoke") in root_client.get(change_url(key)).content.decode()
    root_client.post(button_url(key, "revoke"))
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None and [a.action for a in audits(key)] == ["revoke"]
    assert button_url(key, "revoke") not in root_client.get(change_url(key)).content.decode()
    assert root_client.get(admin_url(ApiKey)).status_code == 200


@pytest.fixture
def root_client(db):
    return logged_in(User.objects.create_superuser("root-actions", "root@example.com", None))


def test_staff_see_the_audit_rows_of_actions_on_their_teams_rows(conversation, recruiter):
    """The rows the services write carry the model name the audit log's scoping goes by."""
    conversation_take_over(conversation=conversation, user=recruiter)
    client = logged_in(make_staff(conversation.job.team, *perms_for(AuditLog, "view")))
    listing = client.get(admin_url(AuditLog))
    assert [row.action for row in listing.context["cl"].result_list] == ["take_over"]
