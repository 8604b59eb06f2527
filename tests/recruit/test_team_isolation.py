"""Candidate data belongs to the team whose bots sent it (CONTRACT §8): another team's bots and recruiters
never read it. Two teams with their own API keys, jobs, accounts and recruiters meet the same person.

- preFilter from team B for a candidate only team A's bots have sent answers `candidate_in_db: false`
  (and stores nothing); once B's own bot has sent the card, B re-evaluates B's card, never A's (nor
  the last card any team sent), and so does A;
- filter decides on the card it was given; nudges are personalised from the team's own profile;
- do-not-contact stays global: a candidate who declined to team A is refused by team B;
- the console's candidate pages show each recruiter only their team's candidates, decisions,
  conversations and contacts (superusers: all).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from devtools.fakes import FakeOpenAI
from hunter_robot.models import ApiKey
from recruit import jobconfig
from recruit.models import Candidate, ContactRecord, Conversation, Job, RecruitAccount, ScreeningDecision
from tests.conftest import Api
from tests.factories import TeamFactory, staff_client
from tests.recruit.fixtures import load_card

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 2, 10, tzinfo=SH)
REMOTE_ADDR = "203.0.113.7"  # outside the anonymous networks: each bot uses its team's key
CID = "100000001"
PERMS = ("recruit.view_candidate", "recruit.view_screeningdecision", "recruit.view_conversation")


@dataclass
class Side:
    """One team: its bot (API key), job, account and a recruiter's console client."""

    tag: str
    bot: Api
    key: str
    account: RecruitAccount
    job: Job
    console: Client

    def ok(self, path: str, body: dict) -> dict:
        return self.bot.ok(path, body, HTTP_X_API_KEY=self.key)

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        return self.bot.post(path, body, HTTP_X_API_KEY=self.key)

    def screen(self, card: dict) -> dict:
        return self.ok("/recruit/candidate/filter", {"accountID": self.account.account_id, "candidateInfo": card})

    def prefilter(self, cid: str = CID, **extra) -> dict:
        body = {"accountID": self.account.account_id, "candidate_id": cid, **extra}
        return self.ok("/recruit/candidate/preFilter/v2", body)


def side(tag: str) -> Side:
    team = TeamFactory(name=f"{tag}-团队")
    key = ApiKey(team=team, name=f"{tag}-bot", manage=True)
    plain = key.issue()
    key.save()
    bot = Api(Client(REMOTE_ADDR=REMOTE_ADDR))
    config = {
        "criteria": {"age": [18, 35]},
        "recall_steps": [{"after_hours": 24, "msg": "{name}您好，岗位还在招"}],
    }
    job_body = {"platformType": "boss", "platformID": f"{tag}-job", "jobName": f"{tag}客服", "jobConfig": config}
    job_id = bot.ok("/recruit/job/register", job_body, HTTP_X_API_KEY=plain)["jobID"]
    account_body = {"platformType": "boss", "platformID": f"{tag}-acct", "jobs": [job_id]}
    bot.ok("/recruit/account/register", account_body, HTTP_X_API_KEY=plain)
    return Side(
        tag=tag,
        bot=bot,
        key=plain,
        account=RecruitAccount.objects.get(platform_id=f"{tag}-acct"),
        job=Job.objects.get(platform_id=f"{tag}-job"),
        console=staff_client(team, *PERMS),
    )


def card(*, age: int, position: str, cid: str = CID, name: str = "测试候选人") -> dict:
    """The synthetic BOSS card as one team's bot saw it: its age and expected position differ by team."""
    info = load_card("Boss")
    info["geekCard"].update(geekId=cid, geekName=name, ageDesc=f"{age}岁", expectPositionName=position)
    info["geekCard"]["ageLight"] = {"content": f"{age}岁", "highlight": False}
    return info


@pytest.fixture
def teams(db) -> tuple[Side, Side]:
    return side("teama"), side("teamb")


def decisions_of(s: Side) -> int:
    return ScreeningDecision.objects.filter(account__team=s.account.team).count()


# --- preFilter and filter through the API ------------------------------------------------------------


def test_prefilter_from_another_team_answers_not_in_db_and_stores_nothing(teams):
    a, b = teams
    assert a.screen(card(age=26, position="客服专员"))["touch"] is True

    assert b.prefilter() == {"candidate_in_db": False}
    assert b.prefilter(jobID=b.job.job_id) == {"candidate_in_db": False}
    assert decisions_of(b) == 0

    same_team = a.prefilter()
    assert same_team == {"candidate_in_db": True, "touch": True, "reasons": []}
    assert ScreeningDecision.objects.filter(account=a.account, source="prefilter").count() == 1


def test_another_teams_job_id_is_refused_as_before(teams):
    a, b = teams
    a.screen(card(age=26, position="客服专员"))
    status, body = b.post(
        "/recruit/candidate/preFilter/v2",
        {"accountID": b.account.account_id, "candidate_id": CID, "jobID": a.job.job_id},
    )
    assert (status, body["ret"], body["data"]) == (403, 1403, {"candidate_in_db": False})


def test_each_team_screens_and_prefilters_on_its_own_card(teams):
    """A's bot saw a 26-year-old, B's bot a 40-year-old (the platform shows each client a different card).
    Both jobs want 18–35. The stored Candidate profile is whichever card came last; neither team's
    decision may depend on the other's card."""
    a, b = teams
    assert a.screen(card(age=26, position="客服专员"))["touch"] is True
    b_filter = b.screen(card(age=40, position="客服主管"))
    assert b_filter["touch"] is False and b_filter["reasons"][0].startswith("age")
    assert Candidate.objects.get().profile["age"] == 40  # the last card any team sent

    a_again = a.prefilter()
    assert a_again == {"candidate_in_db": True, "touch": True, "reasons": []}  # A's card: 26

    a.screen(card(age=26, position="客服专员"))  # A's card is now the last one stored
    assert Candidate.objects.get().profile["age"] == 26
    b_again = b.prefilter()
    assert b_again["candidate_in_db"] is True and b_again["touch"] is False  # B's card: 40
    assert b_again["reasons"][0].startswith("age")
    assert ScreeningDecision.objects.filter(account=b.account, source="prefilter").get().profile["age"] == 40


def test_do_not_contact_stays_global(teams):
    a, b = teams
    a.screen(card(age=26, position="客服专员"))
    a.ok(
        "/recruit/account/task/report",
        {
            "accountID": a.account.account_id,
            "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [CID]}}],
        },
    )
    history = [{"speaker": "robot", "msg": jobconfig.greeting(a.job)}, {"speaker": "user", "msg": "不考虑了，谢谢"}]
    a.ok(
        "/recruit/candidate/chat",
        {"accountID": a.account.account_id, "candidateID": CID, "candidateName": "测试候选人", "historyMsg": history},
    )
    assert Conversation.objects.get().status == "declined"

    refused = b.screen(card(age=26, position="客服专员"))
    assert refused["touch"] is False and refused["reasons"][0].startswith("do_not_contact")
    again = b.prefilter()
    assert again["candidate_in_db"] is True and again["reasons"][0].startswith("do_not_contact")


def test_nudges_are_personalised_from_the_teams_own_card(teams, settings):
    a, b = teams
    Job.objects.filter(pk=b.job.pk).update(robot_api="llm")
    a.screen(card(age=26, position="AAA独家岗位"))
    with time_machine.travel(T0, tick=False):
        b.screen(card(age=30, position="BBB独家岗位"))
        b.ok(
            "/recruit/account/task/report",
            {
                "accountID": b.account.account_id,
                "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [CID]}}],
            },
        )
    a.screen(card(age=26, position="AAA独家岗位"))  # the last card stored is A's again
    with FakeOpenAI({"msg": "您好，岗位还在招，方便聊聊吗？"}) as server:
        settings.OPENAI_BASE_URL = server.base_url
        with time_machine.travel(T0 + timedelta(hours=25), tick=False):
            [item] = b.ok("/recruit/candidate/recallList", {"accountID": b.account.account_id, "candidateIDs": [CID]})
    assert item["recall_msg"] == "您好，岗位还在招，方便聊聊吗？"
    [request] = server.requests
    sent = request["messages"][-1]["content"]
    assert "BBB独家岗位" in sent and "AAA独家岗位" not in sent


# --- The console --------------------------------------------------------------------------------------


@pytest.fixture
def met(teams) -> tuple[Side, Side]:
    """Both teams meet the shared candidate (A: with a contact); each also has a candidate of its own."""
    a, b = teams
    a.screen(card(age=26, position="AAA独家岗位"))
    b.screen(card(age=40, position="BBB独家岗位"))
    a.screen(card(age=27, position="AAA独家岗位", cid="200000001", name="甲方候选人"))
    b.screen(card(age=28, position="BBB独家岗位", cid="300000001", name="乙方候选人"))
    for s, phone in ((a, "13800138000"), (b, "13900139000")):
        report = {"taskType": "batchTouch", "details": {"candidateList": [CID]}}
        s.ok("/recruit/account/task/report", {"accountID": s.account.account_id, "taskStatus": [report]})
        conversation = Conversation.objects.get(account=s.account)
        ContactRecord.objects.create(conversation=conversation, phone=phone)
    return a, b


def shared() -> Candidate:
    return Candidate.objects.get(platform_cid=CID)


def test_each_recruiter_lists_only_the_candidates_their_team_met(met):
    a, b = met
    url = reverse("admin:recruit_candidate_changelist")
    for s, own, other in ((a, "200000001", "300000001"), (b, "300000001", "200000001")):
        listed = {c.platform_cid for c in s.console.get(url).context["cl"].result_list}
        assert listed == {CID, own}, s.tag
        hidden = Candidate.objects.get(platform_cid=other)
        assert s.console.get(reverse("admin:recruit_candidate_change", args=[hidden.pk])).status_code in (302, 404)
        assert not s.console.get(url + f"?q={other}").context["cl"].result_list  # nor found by searching

    root = Client()
    root.force_login(get_user_model().objects.create_superuser("iso-root", "root@example.com", None))
    listed = {c.platform_cid for c in root.get(url).context["cl"].result_list}
    assert listed == {CID, "200000001", "300000001"}


def test_the_shared_candidates_page_shows_each_team_only_its_own_data(met):
    a, b = met
    url = reverse("admin:recruit_candidate_change", args=[shared().pk])
    for s, other, own_phone, other_phone in (
        (a, b, "138****8000", "139****9000"),
        (b, a, "139****9000", "138****8000"),
    ):
        page = s.console.get(url).content.decode()
        own_job, other_job = f"{s.tag}客服", f"{other.tag}客服"
        assert own_job in page and other_job not in page, s.tag  # decisions and conversations inlines
        assert own_phone in page and other_phone not in page  # masked contacts
        assert "13800138000" not in page and "13900139000" not in page  # never in full here
        own_position = "AAA独家岗位" if s is a else "BBB独家岗位"
        other_position = "BBB独家岗位" if s is a else "AAA独家岗位"
        assert own_position in page and other_position not in page  # the profile card: its own team's card
        # Exactly one decision and one conversation row: the team's own.
        decision = ScreeningDecision.objects.get(account=s.account, candidate=shared())
        foreign = ScreeningDecision.objects.get(account=other.account, candidate=shared())
        conversation = Conversation.objects.get(account=s.account)
        foreign_conversation = Conversation.objects.get(account=other.account)
        assert reverse("admin:recruit_screeningdecision_change", args=[decision.pk]) in page
        assert reverse("admin:recruit_screeningdecision_change", args=[foreign.pk]) not in page
        assert reverse("admin:recruit_conversation_change", args=[conversation.pk]) in page
        assert reverse("admin:recruit_conversation_change", args=[foreign_conversation.pk]) not in page

    root = Client()
    root.force_login(get_user_model().objects.create_superuser("iso-root2", "root@example.com", None))
    page = root.get(url).content.decode()
    assert "teama客服" in page and "teamb客服" in page and "138****8000" in page and "139****9000" in page
