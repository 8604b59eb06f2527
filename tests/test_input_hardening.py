"""Input that used to crash into 1500 (CONTRACT §1 limits): each answers 1001 naming the field by path,
stores nothing and keeps the endpoint's failure `data`; scraped text is cleaned and kept instead.
Also: 405/413/429/1500 answers carry the failure shape, and `taskConfig[].active` takes 1/0.

Bodies are serialised with ASCII escapes, as many bots send them: a lone surrogate can only travel as
the escape "\\ud800", and NUL only as "\\u0000".
"""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client

from hunter_robot.api.envelope import EnvelopeRenderer
from hunter_robot.api.parsers import MAX_DEPTH
from hunter_robot.api.views import BotView
from recruit.models import AccountJob, Candidate, Job, Message, RawCard, RecruitAccount, UnknownAccount
from recruit.platforms.ids import _ALIASES, CANDIDATE_ID_MAX, PLATFORM_ID_MAX, REF_MAX, normalise_candidate_id
from tests.factories import AccountFactory, JobFactory, link
from tests.recruit.fixtures import load_card

ACCOUNT = "account_Boss_a"
JOB = {"platformType": "boss", "platformID": "9", "jobName": "客服"}
REGISTER = {"platformType": "boss", "platformID": "b", "jobs": ["job_Boss_j"]}
CHAT_LINE = {"speaker": "user", "msg": "你好"}

# A body each endpoint accepts (up to its service), and the `data` its failures carry (CONTRACT §1).
ENDPOINTS = {
    "/recruit/account/task/fetch": ({"accountID": ACCOUNT}, lambda msg: {"task": []}),
    "/recruit/candidate/filter": (
        {"accountID": ACCOUNT, "candidateInfo": {"geekCard": {"geekId": 7}}},
        lambda msg: {"touch": False, "reasons": [msg]},
    ),
    "/recruit/candidate/preFilter/v2": (
        {"accountID": ACCOUNT, "candidate_id": "c1"},
        lambda msg: {"candidate_in_db": False},
    ),
    "/recruit/candidate/chat": (
        {"accountID": ACCOUNT, "candidateID": "c1", "candidateName": "张三", "historyMsg": [CHAT_LINE]},
        lambda msg: {"nextStep": "", "nextStepContent": ""},
    ),
    "/recruit/candidate/recallList": ({"accountID": ACCOUNT, "candidateIDs": ["c1"]}, lambda msg: []),
    # An endpoint without a failure shape keeps null.
    "/recruit/job/register": (JOB, lambda msg: None),
}
SHAPED = [path for path in ENDPOINTS if path != "/recruit/job/register"]


def failure_data(path: str, msg: str):
    return ENDPOINTS[path][1](msg) if path in ENDPOINTS else None


@pytest.fixture
def account(db):
    account = AccountFactory(platform_id="a")
    link(account, JobFactory(platform_id="j"))
    return account


def post(api, path, body=None, *, raw=None, **extra):
    """(status, envelope); ASCII escapes, so lone surrogates can be sent."""
    return api.post(path, raw=raw if raw is not None else json.dumps(body), **extra)


def snapshot() -> dict:
    """Row count of every recruiting and WeChat table: a rejected request changes none of them."""
    models = [*apps.get_app_config("recruit").get_models(), *apps.get_app_config("wechat").get_models()]
    return {model.__name__: model.objects.count() for model in models}


def assert_rejected(api, path, msg, *, body=None, raw=None, startswith=False):
    before = snapshot()
    status, payload = post(api, path, body, raw=raw)
    assert set(payload) == {"ret", "msg", "data"}
    assert (status, payload["ret"]) == (400, 1001), payload
    if startswith:
        assert payload["msg"].startswith(msg), payload["msg"]
    else:
        assert payload["msg"] == msg
    assert payload["data"] == failure_data(path, payload["msg"])
    assert snapshot() == before
    return payload


def nest(levels: int, kind: str = "object"):
    """A value `levels` deep: {"a": {"a": … 1}} or [[… 1]]."""
    value = 1
    for _ in range(levels):
        value = {"a": value} if kind == "object" else [value]
    return value


# --- 1. nesting depth -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["object", "array"])
@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_body_nested_deeper_than_64_levels_is_1001_naming_the_field(api, account, path, kind):
    # The body object is level 1: 64 more levels under a field make 65.
    body = {**ENDPOINTS[path][0], "extra": nest(MAX_DEPTH, kind)}
    assert_rejected(api, path, "extra: nested deeper than 64 levels", body=body)


@pytest.mark.parametrize("kind", ["object", "array"])
def test_candidate_info_nested_deeper_than_64_levels_is_1001(api, account, kind):
    card = load_card("Boss")
    card["geekCard"]["extra"] = nest(MAX_DEPTH - 2, kind)  # body 1, candidateInfo 2, geekCard 3: 65 levels
    body = {"accountID": ACCOUNT, "candidateInfo": card}
    assert_rejected(api, "/recruit/candidate/filter", "candidateInfo: nested deeper than 64 levels", body=body)


def test_64_levels_are_accepted(api, account):
    card = load_card("Boss")
    card["geekCard"]["extra"] = nest(MAX_DEPTH - 3, "array")  # 64 levels in all
    data = api.ok("/recruit/candidate/filter", {"accountID": ACCOUNT, "candidateInfo": card})
    assert data == {"touch": True, "reasons": []}


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 100_000,  # the decoder gives up (RecursionError) before any depth check could run
        '{"accountID": "account_Boss_a", "candidateInfo": {"a": ' + "[" * 100_000 + "]" * 100_000 + "}}",
        '{"accountID": "account_Boss_a", "candidateInfo": ' + '{"a": ' * 5_000 + "1" + "}" * 5_001,
    ],
    ids=["unclosed", "arrays", "objects"],
)
@pytest.mark.parametrize("path", SHAPED)
def test_pathologically_deep_json_is_1001_not_1500(api, account, path, raw):
    assert_rejected(api, path, "body: nested deeper than 64 levels", raw=raw)


# --- 2. NaN / Infinity ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "msg"),
    [
        ("NaN", "body: NaN is not valid JSON"),
        ("Infinity", "body: Infinity is not valid JSON"),
        ("-Infinity", "body: -Infinity is not valid JSON"),
        ("1e999", "body: number 1e999 is out of range"),  # parses to inf, which no JSON column stores
    ],
)
@pytest.mark.parametrize("where", ["top", "candidateInfo", "list"])
@pytest.mark.parametrize("path", SHAPED)
def test_non_finite_numbers_are_1001(api, account, path, token, msg, where):
    body = json.dumps(ENDPOINTS[path][0])[:-1]  # drop the closing brace, add one field
    value = {"top": token, "candidateInfo": '{"geekCard": {"age": ' + token + "}}", "list": f"[1, {token}]"}[where]
    key = "candidateInfo" if where == "candidateInfo" else "extra"
    assert_rejected(api, path, msg, raw=f'{body}, "{key}": {value}}}')


# --- 3. NUL characters and lone surrogates ----------------------------------------------------------

NUL, SURROGATE = "\x00", "\ud800"
BAD_TEXT = [(NUL, "contains a NUL character"), (SURROGATE, "contains a lone surrogate")]

# (path, body, field path in msg): each named field is an ID or a short text field.
BAD_FIELDS = [
    ("/recruit/account/task/fetch", lambda bad: {"accountID": ACCOUNT + bad}, "accountID"),
    ("/recruit/account/task/fetch", lambda bad: {"accountID": ACCOUNT, "jobID": "job_Boss_j" + bad}, "jobID"),
    (
        "/recruit/candidate/chat",
        lambda bad: {**ENDPOINTS["/recruit/candidate/chat"][0], "candidateID": "c" + bad},
        "candidateID",
    ),
    (
        "/recruit/candidate/chat",
        lambda bad: {**ENDPOINTS["/recruit/candidate/chat"][0], "candidateName": "张" + bad},
        "candidateName",
    ),
    (
        "/recruit/candidate/chat",
        lambda bad: {**ENDPOINTS["/recruit/candidate/chat"][0], "historyMsg": [{"speaker": "user" + bad, "msg": "x"}]},
        "historyMsg[0].speaker",
    ),
    ("/recruit/candidate/preFilter/v2", lambda bad: {"accountID": ACCOUNT, "candidate_id": bad + "1"}, "candidate_id"),
    (
        "/recruit/candidate/filter",
        lambda bad: {"accountID": ACCOUNT, "candidateInfo": {}, "candidateID": "1" + bad},
        "candidateID",
    ),
    (
        "/recruit/candidate/recallList",
        lambda bad: {"accountID": ACCOUNT, "candidateIDs": ["c1", bad]},
        "candidateIDs[1]",
    ),
    (
        "/recruit/account/task/report",
        lambda bad: {
            "accountID": ACCOUNT,
            "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": ["1", "2" + bad]}}],
        },
        "taskStatus[0].details.candidateList[1]",
    ),
    ("/recruit/job/register", lambda bad: {"platformType": "boss", "platformID": bad, "jobName": "x"}, "platformID"),
    ("/recruit/job/register", lambda bad: {"platformType": "boss", "platformID": "9", "jobName": bad}, "jobName"),
    (
        "/recruit/job/register",
        lambda bad: {"platformType": "boss", "platformID": "9", "jobName": "x", "jobConfig": {"touch_msg": bad}},
        "jobConfig.touch_msg",
    ),
    # Stored verbatim or parsed later, not by a text field: refused by path all the same.
    (
        "/recruit/job/register",
        lambda bad: {
            "platformType": "boss",
            "platformID": "9",
            "jobName": "x",
            "jobConfig": {"criteria": {"keywords": ["客服", bad]}},
        },
        "jobConfig.criteria.keywords[1]",
    ),
    (
        "/recruit/account/register",
        lambda bad: {
            "platformType": "boss",
            "platformID": "b",
            "jobs": ["job_Boss_j"],
            "taskConfig": [{"jobID": "job_Boss_j", "helloSum": 5, "timeMount": [], "filter": {"city": "北京" + bad}}],
        },
        "taskConfig[0].filter.city",
    ),
    (
        "/recruit/account/register",
        lambda bad: {"platformType": "boss", "platformID": "b", "jobs": ["job" + bad]},
        "jobs[0]",
    ),
    # A field the server ignores: the body is checked before fields are known.
    ("/recruit/account/task/fetch", lambda bad: {"accountID": ACCOUNT, "account_name": bad}, "account_name"),
]


@pytest.mark.parametrize(("bad", "problem"), BAD_TEXT, ids=["nul", "surrogate"])
@pytest.mark.parametrize(("path", "make", "field"), BAD_FIELDS, ids=[f"{p}:{f}" for p, _, f in BAD_FIELDS])
def test_nul_or_lone_surrogate_in_a_field_is_1001_naming_it(api, account, path, make, field, bad, problem):
    assert_rejected(api, path, f"{field}: {problem}", body=make(bad))


@pytest.mark.parametrize(("bad", "problem"), BAD_TEXT, ids=["nul", "surrogate"])
def test_bad_text_in_a_key_is_named_by_the_key(api, account, bad, problem):
    body = {"accountID": ACCOUNT, "extra": {"k" + bad: 1}}
    payload = assert_rejected(api, "/recruit/account/task/fetch", "extra.k", body=body, startswith=True)
    assert payload["msg"].endswith(f": {problem}")


@pytest.mark.parametrize("field", ["accountID", "candidateID", "candidateName"])
def test_nul_in_a_multipart_form_field_is_1001(account, field):
    """Form fields (the CV upload) never pass the JSON parser: the fields check themselves."""
    fields = {"accountID": ACCOUNT, "candidateID": "c1", "candidateName": "张三", "phone": "13800138000"}
    fields[field] += NUL
    before = snapshot()
    response = Client(REMOTE_ADDR="127.0.0.1").post("/recruit/candidate/result", fields)
    payload = json.loads(response.content)
    assert (response.status_code, payload["ret"], payload["msg"]) == (400, 1001, f"{field}: contains a NUL character")
    assert snapshot() == before


def dirty_card() -> dict:
    """The BOSS card with NUL and lone surrogates in keys and values, at several depths."""
    card = load_card("Boss")
    card["geekCard"]["geekId"] = f"10000000{NUL}1"
    card["geekCard"]["geekName"] = f"测试{SURROGATE}候选人{NUL}"
    card["geekCard"]["geekWorks"][0]["company"] += NUL
    card[f"no{NUL}te"] = f"a{SURROGATE}b"
    card["deep"] = [[{f"k{SURROGATE}": [f"{NUL}x{NUL}", {"y": SURROGATE}]}]]
    return card


@pytest.mark.parametrize("path", ["/recruit/candidate/filter", "/recruit/candidate/filter/v2"])
def test_candidate_info_text_is_cleaned_and_the_decision_proceeds(api, account, path):
    """Scraped page text: NUL and lone surrogates are removed before storing (PostgreSQL text/jsonb
    cannot hold NUL; UTF-8 cannot encode a lone surrogate); run under PostgreSQL too."""
    status, payload = post(api, path, {"accountID": ACCOUNT, "candidateInfo": dirty_card()})
    assert (status, payload["ret"], payload["data"]) == (200, 0, {"touch": True, "reasons": []}), payload
    candidate = Candidate.objects.get()
    assert (candidate.platform_cid, candidate.name) == ("100000001", "测试候选人")  # the id read from the card
    stored = RawCard.objects.get().payload
    assert (stored["note"], stored["deep"]) == ("ab", [[{"k": ["x", {"y": ""}]}]])
    assert stored["geekCard"]["geekWorks"][0]["company"] == load_card("Boss")["geekCard"]["geekWorks"][0]["company"]
    text = json.dumps(stored) + json.dumps(candidate.profile)
    assert "\\u0000" not in text and "\\ud800" not in text


def test_history_text_is_cleaned_and_the_turn_proceeds(api, account):
    """Chat lines are the candidate's scraped messages: cleaned, stored, answered (PostgreSQL too)."""
    body = {
        **ENDPOINTS["/recruit/candidate/chat"][0],
        "historyMsg": [{"speaker": "user", "msg": f"你好{NUL}，薪资{SURROGATE}多少？"}],
    }
    status, payload = post(api, "/recruit/candidate/chat", body)
    assert (status, payload["ret"]) == (200, 0), payload
    assert isinstance(payload["data"]["nextStepContent"], str)
    assert Message.objects.filter(speaker="user").get().text == "你好，薪资多少？"


def test_an_escaped_emoji_is_not_a_lone_surrogate(api, account):
    body = {**ENDPOINTS["/recruit/candidate/chat"][0], "candidateName": "张三😀"}
    status, payload = post(api, "/recruit/candidate/chat", body)  # sent as "\ud83d\ude00"
    assert (status, payload["ret"]) == (200, 0), payload
    assert Candidate.objects.get().name == "张三😀"


# --- 4. identifier lengths --------------------------------------------------------------------------


def column(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def test_id_limits_fit_every_column_that_stores_them():
    assert PLATFORM_ID_MAX <= min(column(Job, "platform_id"), column(RecruitAccount, "platform_id"))
    assert CANDIDATE_ID_MAX <= column(Candidate, "platform_cid")
    # Every ID the server hands out passes the ref limit …
    longest_platform = max(len(name) for name in _ALIASES.values())
    assert len(f"account_{'x' * longest_platform}_") + PLATFORM_ID_MAX <= REF_MAX
    # … and an unknown caller's canonical ID (a platform alias may be shorter than its canonical name)
    # fits the table that lists unknown callers.
    growth = max(len(name) - len(alias) for alias, name in _ALIASES.items())
    assert REF_MAX + growth <= column(UnknownAccount, "account_id")


CHAT = ENDPOINTS["/recruit/candidate/chat"][0]
A, J = "account_Boss_", "job_Boss_"
# (path, body with the ID, field path, limit, prefix of a well-formed ID of that kind)
LONG_IDS = [
    ("/recruit/account/task/fetch", lambda v: {"accountID": v}, "accountID", REF_MAX, A),
    ("/recruit/account/task/fetch", lambda v: {"accountID": ACCOUNT, "jobID": v}, "jobID", REF_MAX, J),
    ("/recruit/candidate/filter", lambda v: {"accountID": v, "candidateInfo": {}}, "accountID", REF_MAX, A),
    ("/recruit/candidate/chat", lambda v: {**CHAT, "accountID": v}, "accountID", REF_MAX, A),
    ("/recruit/account/register", lambda v: {**REGISTER, "jobs": [v]}, "jobs[0]", REF_MAX, J),
    (
        "/recruit/account/register",
        lambda v: {**REGISTER, "taskConfig": [{"jobID": v, "helloSum": 5, "timeMount": []}]},
        "taskConfig[0].jobID",
        REF_MAX,
        J,
    ),
    ("/recruit/job/register", lambda v: {**JOB, "platformID": v}, "platformID", PLATFORM_ID_MAX, ""),
    ("/recruit/job/query", lambda v: {"platformType": "boss", "platformID": v}, "platformID", PLATFORM_ID_MAX, ""),
    ("/recruit/account/register", lambda v: {**REGISTER, "platformID": v}, "platformID", PLATFORM_ID_MAX, ""),
    ("/recruit/candidate/chat", lambda v: {**CHAT, "candidateID": v}, "candidateID", CANDIDATE_ID_MAX, ""),
    (
        "/recruit/candidate/filter",
        lambda v: {"accountID": ACCOUNT, "candidateInfo": {}, "candidateID": v},
        "candidateID",
        CANDIDATE_ID_MAX,
        "",
    ),
    (
        "/recruit/candidate/preFilter/v2",
        lambda v: {"accountID": ACCOUNT, "candidate_id": v},
        "candidate_id",
        CANDIDATE_ID_MAX,
        "",
    ),
    (
        "/recruit/candidate/recallList",
        lambda v: {"accountID": ACCOUNT, "candidateIDs": [v]},
        "candidateIDs[0]",
        CANDIDATE_ID_MAX,
        "",
    ),
    (
        "/recruit/candidate/recallList",
        lambda v: {"accountID": ACCOUNT, "candidateIDs": [], "candidateIDs_read": [v]},
        "candidateIDs_read[0]",
        CANDIDATE_ID_MAX,
        "",
    ),
    (
        "/recruit/candidate/recallResult",
        lambda v: {"accountID": ACCOUNT, "candidateID": v},
        "candidateID",
        CANDIDATE_ID_MAX,
        "",
    ),
    (
        "/recruit/candidate/result",
        lambda v: {"accountID": ACCOUNT, "candidateID": v, "candidateName": "张三"},
        "candidateID",
        CANDIDATE_ID_MAX,
        "",
    ),
    (
        "/recruit/account/task/report",
        lambda v: {"accountID": ACCOUNT, "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [v]}}]},
        "taskStatus[0].details.candidateList[0]",
        CANDIDATE_ID_MAX,
        "",
    ),
]


@pytest.mark.parametrize("extra", [1, 80])  # 240 characters of accountID used to be a 1500 on PostgreSQL
@pytest.mark.parametrize(
    ("path", "make", "field", "limit", "prefix"), LONG_IDS, ids=[f"{r[0]}:{r[2]}" for r in LONG_IDS]
)
def test_id_longer_than_its_kind_allows_is_1001(api, account, path, make, field, limit, prefix, extra):
    value = prefix + "x" * (limit + extra - len(prefix))
    assert_rejected(api, path, f"{field}: longer than {limit} characters", body=make(value))
    assert not UnknownAccount.objects.exists()


def test_longest_unknown_account_id_is_recorded(api, account):
    """160 characters, with an alias that grows when canonicalised (领英 → Linkedin): stored whole."""
    ref = "account_领英_" + "x" * (REF_MAX - len("account_领英_"))
    assert len(ref) == REF_MAX
    status, payload = post(api, "/recruit/account/task/fetch", {"accountID": ref})
    assert (status, payload["ret"], payload["data"]) == (404, 1002, {"task": []})
    assert UnknownAccount.objects.get().account_id == "account_Linkedin_" + "x" * (REF_MAX - len("account_领英_"))


def test_longest_ids_round_trip(api):
    """A platformID of 128 registers, and the IDs handed out are accepted back; a 128-character
    candidate id is stored."""
    platform_id = "p" * PLATFORM_ID_MAX
    job_id = api.ok("/recruit/job/register", {"platformType": "linkedin", "platformID": platform_id, "jobName": "x"})
    account_id = api.ok(
        "/recruit/account/register", {"platformType": "linkedin", "platformID": platform_id, "jobs": [job_id["jobID"]]}
    )["accountID"]
    assert api.ok("/recruit/account/task/fetch", {"accountID": account_id})["task"][0]["jobID"] == job_id["jobID"]
    cid = "linkedin.com/in/" + "c" * (CANDIDATE_ID_MAX - len("linkedin.com/in/"))
    body = {"accountID": account_id, "candidateID": cid, "candidateName": "x", "historyMsg": [CHAT_LINE]}
    api.ok("/recruit/candidate/chat", body)
    assert Candidate.objects.get().platform_cid == cid


def test_normalised_linkedin_id_must_fit_too():
    # Lower-casing "İ" gives two characters: 128 sent would be 256 stored.
    with pytest.raises(ValueError, match="longer than 128"):
        normalise_candidate_id("Linkedin", "İ" * CANDIDATE_ID_MAX)
    assert normalise_candidate_id("Linkedin", "İ" * (CANDIDATE_ID_MAX // 2)) == "i̇" * (CANDIDATE_ID_MAX // 2)


def test_linkedin_id_that_outgrows_the_limit_when_normalised_is_1001(api):
    """128 characters sent, 256 once lower-cased: used to overflow Candidate.platform_cid (1500 on PostgreSQL)."""
    job = JobFactory(platform="Linkedin", platform_id="j")
    link(AccountFactory(platform="Linkedin", platform_id="a"), job)
    body = {
        "accountID": "account_Linkedin_a",
        "candidateID": "İ" * CANDIDATE_ID_MAX,
        "candidateName": "x",
        "historyMsg": [CHAT_LINE],
    }
    before = snapshot()
    status, payload = post(api, "/recruit/candidate/chat", body)
    assert (status, payload["ret"], payload["data"]) == (400, 1001, {"nextStep": "", "nextStepContent": ""})
    assert payload["msg"].startswith("candidateID: ")
    assert snapshot() == before


# --- 5. 405 / 413 / 429 / 1500 carry the failure shape ----------------------------------------------


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_wrong_method_is_405_with_the_failure_shape(api, path):
    response = Client().get(path)
    payload = json.loads(response.content)
    assert (response.status_code, payload["ret"]) == (405, 1001)
    assert payload["data"] == failure_data(path, payload["msg"])
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_oversize_body_is_413_with_the_failure_shape(api, account, path, settings):
    settings.API_MAX_BODY_BYTES = 100
    before = snapshot()
    status, payload = post(api, path, {**ENDPOINTS[path][0], "pad": "x" * 200})
    assert (status, payload["ret"], payload["msg"]) == (413, 1004, "body: too large")
    assert payload["data"] == failure_data(path, payload["msg"])
    assert snapshot() == before


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_rate_limited_is_429_with_the_failure_shape_and_retry_after(api, account, path, settings):
    cache.clear()
    settings.API_RATE_LIMIT = "1/min"
    try:
        post(api, path, ENDPOINTS[path][0])
        status, payload = post(api, path, ENDPOINTS[path][0])
        response = api.client.generic("POST", path, json.dumps(ENDPOINTS[path][0]), content_type="application/json")
    finally:
        cache.clear()
    assert (status, payload["ret"]) == (429, 1429)
    assert payload["data"] == failure_data(path, payload["msg"])
    retry = int(response["Retry-After"])
    assert 1 <= retry <= 60
    assert json.loads(response.content)["msg"] == f"rate limited, retry in {retry}s"


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_exception_inside_a_view_is_1500_with_the_failure_shape(api, account, path, monkeypatch):
    def boom(self, request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(BotView, "validated", boom)  # fault injection: every endpoint validates first
    status, payload = post(api, path, ENDPOINTS[path][0])
    assert (status, payload["ret"]) == (500, 1500)
    assert payload["msg"].startswith("internal error (request ") and "secret" not in payload["msg"]
    assert payload["data"] == failure_data(path, payload["msg"])


@pytest.mark.parametrize("path", list(ENDPOINTS))
def test_exception_outside_drf_is_1500_with_the_failure_shape(api, account, path, monkeypatch):
    """A crash after the view returned (rendering) reaches the middleware, not DRF's handler."""

    def boom(self, data, accepted_media_type=None, renderer_context=None):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(EnvelopeRenderer, "render", boom)
    status, payload = post(api, path, ENDPOINTS[path][0])
    assert (status, payload["ret"]) == (500, 1500)
    assert payload["msg"].startswith("internal error (request ") and "secret" not in payload["msg"]
    assert payload["data"] == failure_data(path, payload["msg"])


def test_unknown_url_still_carries_null(api):
    status, payload = post(api, "/recruit/candidate/nothing", {})
    assert (status, payload["ret"], payload["data"]) == (404, 1002, None)


# --- 6. taskConfig[].active -------------------------------------------------------------------------


def register_with_active(api, active):
    entry = {"jobID": "job_Boss_j", "helloSum": 5, "timeMount": [{"time": "09:00", "mount": 5}], "active": active}
    body = {"platformType": "boss", "platformID": "b", "jobs": ["job_Boss_j"], "taskConfig": [entry]}
    return post(api, "/recruit/account/register", body)


@pytest.mark.parametrize(("active", "stored"), [(True, True), (False, False), (1, True), (0, False)])
def test_active_takes_booleans_and_1_or_0(api, account, active, stored):
    status, payload = register_with_active(api, active)
    assert (status, payload["ret"]) == (200, 0), payload
    assert AccountJob.objects.get(account__platform_id="b").active is stored


@pytest.mark.parametrize(
    ("active", "msg"),
    [
        (2, "expected true, false, 1 or 0"),
        (-1, "expected true, false, 1 or 0"),
        ("1", "expected true, false, 1 or 0"),
        ("true", "expected true, false, 1 or 0"),
        (1.0, "expected true, false, 1 or 0"),
        ([], "expected true, false, 1 or 0"),
        (None, "this field may not be null"),
    ],
)
def test_active_refuses_anything_else(api, account, active, msg):
    before = snapshot()
    status, payload = register_with_active(api, active)
    assert (status, payload["ret"], payload["msg"]) == (400, 1001, f"taskConfig[0].active: {msg}")
    assert snapshot() == before
