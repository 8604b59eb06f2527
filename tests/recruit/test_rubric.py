"""Second-stage screening (CONTRACT §9): a job's rubric scored by an OpenAI-compatible model on the
masked profile, against a real HTTP server on 127.0.0.1 (devtools.fakes.FakeOpenAI)."""

from __future__ import annotations

import json
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from devtools.fakes import Drop, FakeOpenAI, HttpError, RubricScores, Sleep, completion
from recruit import presenters
from recruit.models import Job, Reservation, RubricScore, ScreeningDecision
from recruit.services import rubric
from tests.factories import AccountFactory, JobFactory, link, staff_client
from tests.recruit.fixtures import load_card

RUBRIC = "3年以上客服经验\n熟悉工单系统\n本科优先"
ACCOUNT = "account_Boss_r"


@pytest.fixture
def job(db) -> Job:
    job = JobFactory(platform_id="r", rubric=RUBRIC, rubric_threshold=60)
    link(AccountFactory(platform_id="r", team=job.team), job)
    return job


@pytest.fixture
def model(settings):
    """The scoring model; tests set `model.behaviour`."""
    settings.RUBRIC_DEADLINE = 2.0
    settings.LLM_MAX_RETRIES = 0
    with FakeOpenAI(RubricScores(default=(80, "客服经验6年，熟悉工单系统"))) as server:
        settings.OPENAI_BASE_URL = server.base_url
        yield server


def card(cid: str = "100000001", **changes) -> dict:
    data = load_card("Boss")
    data["geekCard"]["geekId"] = cid
    data["geekCard"].update(changes)
    return data


def screen(api, data: dict) -> dict:
    return api.ok("/recruit/candidate/filter", {"accountID": ACCOUNT, "candidateInfo": data})


def test_a_score_at_or_above_the_threshold_touches_and_is_recorded(api, job, model):
    assert screen(api, card()) == {"touch": True, "reasons": []}
    decision = ScreeningDecision.objects.get()
    assert (decision.touch, decision.rubric_score, decision.rubric_reason) == (True, 80, "客服经验6年，熟悉工单系统")
    assert Reservation.objects.filter(job=job).count() == 1
    assert len(model.requests) == 1
    assert presenters.rubric_text(decision) == "80 分：客服经验6年，熟悉工单系统"
    assert presenters.decision_sentence(decision).endswith("：通过（评分 80）")


def test_a_score_below_the_threshold_does_not_touch_and_names_the_score(api, job, model):
    model.behaviour = RubricScores(default=(45, "无客服经验"))
    assert screen(api, card()) == {"touch": False, "reasons": ["rubric: score 45 < 60"]}
    decision = ScreeningDecision.objects.get()
    assert (decision.rubric_score, decision.rubric_reason) == (45, "无客服经验")
    assert not Reservation.objects.exists()  # no greeting held for a candidate the rubric refused
    assert presenters.reason_text("rubric: score 45 < 60") == "评分标准：评分 45，低于及格线 60"


def test_the_rubric_is_not_asked_when_the_rules_already_say_no(api, job, model):
    job.age_max = 20  # the card's candidate is 26
    job.save()
    decision = screen(api, card())
    assert decision["touch"] is False and decision["reasons"][0].startswith("age:")
    assert model.requests == []
    assert ScreeningDecision.objects.get().rubric_score is None


def test_a_hanging_model_leaves_the_rule_decision_within_the_deadline(api, job, model, settings):
    settings.RUBRIC_DEADLINE = 1.0
    model.behaviour = Sleep(30, {"score": 90, "reason": "太晚了"})
    started = time.monotonic()
    answer = screen(api, card())
    assert time.monotonic() - started < 6  # deadline 1 s, a wide margin for a loaded machine
    assert answer == {"touch": True, "reasons": ["rubric: unavailable"]}
    decision = ScreeningDecision.objects.get()
    assert decision.touch and decision.rubric_score is None and decision.rubric_reason.startswith("llm:")
    assert decision.reasons == ["rubric: unavailable"]
    assert Reservation.objects.count() == 1  # the rule decision stands, reservation included
    assert not RubricScore.objects.exists()  # a failure is not cached: the next filter asks again
    assert presenters.decision_sentence(decision).endswith("：通过（评分标准：模型评分不可用，按规则结果）")


@pytest.mark.parametrize(
    "behaviour",
    [
        HttpError(500),
        Drop(),
        "这不是 JSON",
        {"score": 150, "reason": "超出范围"},
        {"score": "高", "reason": "不是数字"},
        {"score": 70},
        {"score": True, "reason": "布尔值"},
        {"verdict": "good"},
    ],
    ids=["500", "drop", "not-json", "out-of-range", "not-a-number", "no-reason", "bool", "wrong-keys"],
)
def test_garbage_or_errors_leave_the_rule_decision(api, job, model, behaviour):
    model.behaviour = behaviour
    assert screen(api, card()) == {"touch": True, "reasons": ["rubric: unavailable"]}
    assert ScreeningDecision.objects.get().rubric_score is None
    assert not RubricScore.objects.exists()
    assert len(model.requests) == 1


def test_scores_are_cached_per_profile_content_and_rubric_version(api, job, model):
    screen(api, card("1"))
    assert len(model.requests) == 1
    # Another candidate with the same profile content (the id and name are not shown to the model).
    assert screen(api, card("2", geekName="另一个人")) == {"touch": True, "reasons": []}
    assert len(model.requests) == 1
    assert RubricScore.objects.count() == 1
    assert ScreeningDecision.objects.filter(rubric_score=80).count() == 2
    # A different profile is scored on its own.
    screen(api, card("3", geekWorkYear="2年"))
    assert len(model.requests) == 2
    # A new threshold is not a new rubric: the cached score is judged against it.
    job.rubric_threshold = 90
    job.save()
    assert screen(api, card("4")) == {"touch": False, "reasons": ["rubric: score 80 < 90"]}
    assert len(model.requests) == 2
    # A changed rubric is a new version: scored again.
    job.rubric = RUBRIC + "\n普通话标准"
    job.save()
    model.behaviour = RubricScores(default=(95, "全部符合"))
    assert screen(api, card("5")) == {"touch": True, "reasons": []}
    assert len(model.requests) == 3
    assert RubricScore.objects.count() == 3


def test_prefilter_applies_the_rubric_from_the_cache(api, job, model):
    screen(api, card("7"))
    answer = api.ok("/recruit/candidate/preFilter/v2", {"accountID": ACCOUNT, "jobID": job.job_id, "candidate_id": "7"})
    assert answer == {"candidate_in_db": True, "touch": True, "reasons": []}
    assert len(model.requests) == 1
    assert ScreeningDecision.objects.get(source="prefilter").rubric_score == 80


def test_the_model_sees_the_masked_profile_and_the_rubric(api, job, model, settings):
    duties = "（虚构示例）王小明负责客服，手机 13812345678，微信 wxid_wangxm88，邮箱 wxm@example.com"
    data = card("100000009", geekName="王小明")
    data["geekCard"]["geekWorks"][0]["responsibility"] = duties
    screen(api, data)
    [request] = model.requests
    prompt = json.dumps(request["messages"], ensure_ascii=False)
    for secret in ("王小明", "13812345678", "wxid_wangxm88", "wxm@example.com", "100000009", "SYNTHETIC"):
        assert secret not in prompt
    assert "王**" in prompt and "客服专员" in prompt  # masked, and the profile is there
    assert "熟悉工单系统" in request["messages"][0]["content"]
    assert request["model"] == settings.LLM_MODEL


def test_a_job_without_rubric_costs_no_statement_and_a_cached_score_one(api, job, model):
    job.rubric = ""
    job.save()

    def statements(data: dict) -> int:
        with CaptureQueriesContext(connection) as ctx:
            screen(api, data)
        return sum(1 for q in ctx.captured_queries if q["sql"].split()[0].upper() not in ("BEGIN", "COMMIT"))

    plain = statements(card("11"))
    assert model.requests == []
    job.rubric = RUBRIC
    job.save()
    screen(api, card("12"))  # scores and caches this content
    assert statements(card("13")) == plain + 1
    assert len(model.requests) == 1
    assert ScreeningDecision.objects.get(candidate__platform_cid="13").rubric_score == 80


def test_a_deleted_rubric_goes_back_to_the_rules(api, job, model):
    job.rubric = "   \n "
    job.save()
    assert screen(api, card()) == {"touch": True, "reasons": []}
    assert model.requests == []


def test_rubric_versions():
    job = Job(rubric="要点一\n要点二", robot_api="")
    same = Job(rubric="  要点一 \n\n要点二", robot_api="rule", rubric_threshold=10)
    other_model = Job(rubric="要点一\n要点二", robot_api="llm:qwen-max")
    assert rubric.rubric_version(job) == rubric.rubric_version(same)
    assert rubric.rubric_version(job) != rubric.rubric_version(other_model)
    assert rubric.rubric_version(job) != rubric.rubric_version(Job(rubric="要点一"))


@pytest.mark.django_db(transaction=True)
def test_no_database_connection_is_held_while_the_model_thinks(other_connections, settings):
    job = JobFactory(platform_id="r", rubric=RUBRIC)
    link(AccountFactory(platform_id="r", team=job.team), job)
    seen: list[int] = []

    def scorer(payload):
        seen.append(other_connections.settled())
        return 200, completion(json.dumps({"score": 75, "reason": "符合"}), model=payload.get("model", ""))

    settings.RUBRIC_DEADLINE = 4.0
    with FakeOpenAI(scorer) as server:
        settings.OPENAI_BASE_URL = server.base_url
        from django.test import Client

        from tests.conftest import Api

        api = Api(Client(REMOTE_ADDR="127.0.0.1"))
        connection.ensure_connection()
        assert other_connections.count() >= 1
        assert screen(api, card()) == {"touch": True, "reasons": []}
    assert seen == [0]
    assert ScreeningDecision.objects.get().rubric_score == 75  # written after the wait
    assert RubricScore.objects.get().score == 75


# --- Configuration: jobConfig and the console ---------------------------------------------------


def register(api, config: dict):
    body = {"platformType": "boss", "platformID": "cfg", "jobName": "客服", "jobConfig": config}
    return api.post("/recruit/job/register", body)


def test_job_register_sets_the_rubric(api):
    status, payload = register(api, {"rubric": RUBRIC, "rubric_threshold": 75})
    assert (status, payload["ret"]) == (200, 0)
    job = Job.objects.get(platform_id="cfg")
    assert (job.rubric, job.rubric_threshold) == (RUBRIC, 75)
    register(api, {"touch_msg": "你好"})  # keys not sent are kept
    job.refresh_from_db()
    assert (job.rubric, job.rubric_threshold) == (RUBRIC, 75)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"rubric_threshold": 101}, "jobConfig.rubric_threshold: "),
        ({"rubric_threshold": -1}, "jobConfig.rubric_threshold: "),
        ({"rubric_threshold": "60"}, "jobConfig.rubric_threshold: "),
        ({"rubric": ["要点"]}, "jobConfig.rubric: "),
        ({"rubric": "\n".join(f"要点{i}" for i in range(11))}, "jobConfig.rubric: at most 10 points (one per line)"),
        ({"rubric": "长" * 2001}, "jobConfig.rubric: at most 2000 characters"),
    ],
)
def test_job_register_rejects_a_bad_rubric(api, config, message):
    status, payload = register(api, config)
    assert (status, payload["ret"]) == (400, 1001)
    assert payload["msg"].startswith(message), payload["msg"]
    assert not Job.objects.exists()


def test_the_job_page_edits_the_rubric_and_the_decision_page_shows_the_score(job, api, model):
    client = staff_client(job.team, "recruit.view_job", "recruit.change_job", "recruit.view_screeningdecision")
    page = client.get(f"/admin/recruit/job/{job.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="rubric"' in html and 'name="rubric_threshold"' in html
    screen(api, card())
    decision = ScreeningDecision.objects.get()
    html = client.get(f"/admin/recruit/screeningdecision/{decision.pk}/change/").content.decode()
    assert "80 分：客服经验6年，熟悉工单系统" in html
