"""The published contract (hunter_robot/api/schema.py, served at /api/schema/): every bot URL has its
operation, each failure code sits where CONTRACT says, the declared shapes match what the views answer,
and the docs pages load nothing from outside."""

from __future__ import annotations

import inspect
import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, re_path, resolve
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from jsonschema import Draft202012Validator

from hunter_robot import errors
from hunter_robot.api import errors as api_errors
from hunter_robot.api import schema as contract
from hunter_robot.api.envelope import envelope
from hunter_robot.api.errors import ERRORS, code_for, failure_data_for
from hunter_robot.api.middleware import view_class
from hunter_robot.api.views import BotView

BOT_URLCONFS = ("recruit.urls", "wechat.urls")


@pytest.fixture(scope="module")
def published() -> dict:
    response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def bot_routes() -> dict[str, type]:
    """Every route of the bot URLconfs, walked from the root resolver, as the contract's path (no
    optional trailing slash) → view class."""
    routes = {}
    for top in get_resolver().url_patterns:
        if isinstance(top, URLResolver) and getattr(top.urlconf_name, "__name__", None) in BOT_URLCONFS:
            prefix = str(top.pattern)
            for pattern in top.url_patterns:
                assert isinstance(pattern, URLPattern), pattern
                regex = pattern.pattern.regex.pattern
                assert regex.startswith("^") and regex.endswith("/?$"), regex
                path = "/" + prefix + regex[1:].removesuffix("/?$")
                routes[path] = view_class(pattern.callback)
    return routes


def validator(doc: dict, name: str) -> Draft202012Validator:
    """Validates against component `name`, its references resolved within the published document."""
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": doc["components"]})


def test_every_bot_url_has_its_operation(published):
    routes = bot_routes()
    assert len(routes) == 24  # the seed URIs and their aliases (CONTRACT §4, §6), and account/risk/report (§9)
    assert set(published["paths"]) == set(routes)
    for path, view in routes.items():
        assert set(published["paths"][path]) == {"post"}, path
        # Both spellings reach the view the schema documents.
        assert view_class(resolve(path).func) is view_class(resolve(path + "/").func) is view


def test_the_schema_is_valid_openapi_3_1(published):
    assert published["openapi"] == "3.1.0"
    validate_schema(published)
    operation_ids = [op["post"]["operationId"] for op in published["paths"].values()]
    assert len(set(operation_ids)) == len(operation_ids)


class NewEndpoint(BotView):
    def post(self, request):
        raise NotImplementedError


def test_an_endpoint_without_a_declaration_fails_the_generation():
    route = re_path(r"^candidate/newThing/?$", NewEndpoint.as_view())
    patterns = [re_path(r"^recruit/", include(([route], "test")))]
    with pytest.raises(contract.UndeclaredEndpoint, match="/recruit/candidate/newThing"):
        SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)


# CONTRACT §1-2, §4, §6: what each endpoint can answer beyond what any call can (1001 bad input, 1401 no
# key, 1004/413 oversize body, 1429 rate limit, 1500 crash, 1503 database down).
EVERY_CALL = {1001: 400, 1401: 401, 1004: 413, 1429: 429, 1500: 500, 1503: 503}
FORBIDDEN, UNKNOWN, CONFLICT = {1403: 403}, {1002: 404}, {1003: 409}
ACCOUNT_CALL = FORBIDDEN | UNKNOWN  # a key acts on its accounts only; an unknown account
JOB_CALL = ACCOUNT_CALL | CONFLICT  # an explicit job the account does not list, an account without jobs
EXPECTED = {
    "/recruit/job/register": FORBIDDEN,  # manage scope, another team's job
    "/recruit/job/query": ACCOUNT_CALL,
    "/recruit/account/register": ACCOUNT_CALL,  # an unknown jobID in `jobs`
    "/recruit/account/query": ACCOUNT_CALL,
    "/recruit/account/risk/report": ACCOUNT_CALL,
    "/recruit/account/task/fetch": JOB_CALL,
    "/recruit/account/task/report": JOB_CALL,
    "/recruit/candidate/filter": JOB_CALL,
    "/recruit/candidate/preFilter/v2": JOB_CALL,
    "/recruit/candidate/chat": JOB_CALL,
    "/recruit/candidate/result": JOB_CALL | {1004: 415},  # and 1004/413 for a CV too large
    "/recruit/candidate/recallList": ACCOUNT_CALL,
    "/recruit/candidate/recallResult": ACCOUNT_CALL,  # no conversation
    "/wechat/account/register": ACCOUNT_CALL,  # an unknown or another team's recruiting account
    "/wechat/candidate/taskToDo": ACCOUNT_CALL,
    "/wechat/candidate/addFriendReport": ACCOUNT_CALL | CONFLICT,  # a search_id other than the queued one
    "/wechat/candidate/msgSendReport": ACCOUNT_CALL,
    "/wechat/candidate/userMsguser": ACCOUNT_CALL,
}
FAILURE_DATA = {
    "/recruit/account/task/fetch": {"task": []},
    "/recruit/candidate/filter": {"touch": False, "reasons": ["accountID: this field is required"]},
    "/recruit/candidate/preFilter/v2": {"candidate_in_db": False},
    "/recruit/candidate/chat": {"nextStep": "", "nextStepContent": ""},
    "/recruit/candidate/recallList": [],
    "/wechat/candidate/taskToDo": {"task_list": []},
    "/wechat/candidate/userMsguser": {"msg": ""},
}


def canonical(path: str) -> str:
    return contract.ALIASES.get(path, path)


def declared_failures(operation: dict) -> dict[int, int]:
    """ret → HTTP status of the operation's failure responses."""
    found = {}
    for status, response in operation["responses"].items():
        if status == "200":
            continue
        [_ref, ret] = response["content"]["application/json"]["schema"]["allOf"]
        found[ret["properties"]["ret"]["const"]] = int(status)
    return found


@pytest.mark.parametrize("path", sorted(contract.PATHS))
def test_failure_codes_sit_where_the_contract_says(published, path):
    assert declared_failures(published["paths"][path]["post"]) == EVERY_CALL | EXPECTED[canonical(path)]


def test_every_code_of_the_error_table_is_published(published):
    pairs = {(ret, http) for op in published["paths"].values() for ret, http in declared_failures(op["post"]).items()}
    table = {(code.ret, code.http) for code in ERRORS.values()}
    # Every published (ret, HTTP) pair comes from the table; the table's pairs all appear, except 405 (a
    # method other than POST, on no operation) and the unknown URL's 404 (on no path), whose ret codes do.
    assert pairs <= table
    unpublished = {(code_for(api_errors.MethodNotAllowed).ret, 405)}
    assert table - pairs == unpublished
    assert {ret for ret, _http in table} == {ret for ret, _http in pairs}


def test_the_table_of_codes_in_the_overview_is_the_error_table(published):
    for kind, code in ERRORS.items():
        assert f"| {code.ret} | {code.http} | {kind.__doc__.strip()} |" in published["info"]["description"]


@pytest.mark.parametrize("path", sorted(contract.PATHS))
def test_the_views_failure_data_is_the_declared_one(published, path):
    """What each view answers on a failure (its `failure_data`) fits the declared failure envelope, and
    is the shape CONTRACT §1 names."""
    view = bot_routes()[path]
    data = failure_data_for(view, "accountID: this field is required")
    assert data == FAILURE_DATA.get(canonical(path))
    operation = published["paths"][path]["post"]
    for status, response in operation["responses"].items():
        if status == "200":
            continue
        ret = response["content"]["application/json"]["schema"]["allOf"][1]["properties"]["ret"]["const"]
        schema = {**response["content"]["application/json"]["schema"], "components": published["components"]}
        Draft202012Validator(schema).validate(envelope(ret, "accountID: this field is required", data))


def test_the_envelope_never_has_a_status_key(published):
    """CONTRACT §1: the existing client reads a top-level `status` before `ret`."""
    for name, component in published["components"]["schemas"].items():
        if name.endswith(("Success", "Failure")):
            assert component["additionalProperties"] is False
            assert set(component["properties"]) == {"ret", "msg", "data"}
    success = validator(published, "TaskReportSuccess")
    assert success.is_valid(envelope(0, "success", {"status": "ok", "accepted": 1, "duplicates": 0, "remaining": 3}))
    assert not success.is_valid({**envelope(0, "success", None), "status": "ok"})


@pytest.mark.parametrize("path", sorted(set(contract.PATHS) - set(contract.ALIASES)))
def test_the_examples_fit_their_request_schemas(published, path):
    body = published["paths"][path]["post"]["requestBody"]["content"]
    for media in body.values():
        schema = {**media["schema"], "components": published["components"]}
        for example in media["examples"].values():
            Draft202012Validator(schema).validate(example["value"])


def test_declared_request_limits_refuse_what_the_server_refuses(published):
    """A few limits written in the schema, checked against the server's answer (schemathesis probes the
    rest): one character over a limit is invalid in both."""
    chat = validator(published, "ChatRequest")
    base = contract.CHAT.example
    assert chat.is_valid(base)
    assert not chat.is_valid({**base, "candidateID": "x" * 129})
    assert not chat.is_valid({**base, "candidateID": True})
    assert not chat.is_valid({**base, "historyMsg": [{"speaker": "bot", "msg": "x"}]})
    assert chat.is_valid(
        {**base, "candidateID": 100000001, "historyMsg": [{"speaker": "user", "msg": "x", "time": 1700000000123}]}
    )
    wechat = validator(published, "TaskToDoRequest")
    assert wechat.is_valid({"accountID": "wx-1"}) and wechat.is_valid({"account_id": 7, "accountID": None})
    assert not wechat.is_valid({}) and not wechat.is_valid({"account_id": None})


def test_the_schema_is_public_and_not_enveloped():
    response = Client(REMOTE_ADDR="10.9.8.7").get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"openapi: 3.1.0" in response.content


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", re.I)
ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_load_nothing_from_outside(url):
    client = Client()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert EXTERNAL.search(html) is None, EXTERNAL.search(html)
    assert "googleapis" not in html and "jsdelivr" not in html
    assets = ASSET.findall(html)
    assert any(asset.startswith("/static/drf_spectacular_sidecar/") for asset in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content), asset  # WhiteNoise serves the sidecar's files
    if url == "/api/docs/":
        assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
        assert '"/api/schema/"' in html


def test_every_domain_error_is_declared_somewhere():
    """Each domain error class of hunter_robot.errors is on at least one operation: a new kind of error
    gets its place in the contract."""
    declared = {kind for endpoint in contract.PATHS.values() for kind in (*contract.EVERY_CALL, *endpoint.errors)}
    domain = {cls for _name, cls in inspect.getmembers(errors, inspect.isclass) if issubclass(cls, errors.DomainError)}
    assert domain - {errors.DomainError} <= declared


def response_validator(doc: dict, path: str, status: int) -> Draft202012Validator:
    schema = doc["paths"][path]["post"]["responses"][str(status)]["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "components": doc["components"]})


@pytest.mark.parametrize(
    "path", ["/recruit/account/task/fetch", "/recruit/candidate/filter", "/wechat/candidate/userMsguser"]
)
def test_transport_failures_answer_as_declared(published, settings, db, path):
    """The failures schemathesis does not provoke (an oversize body, the rate limit, no key) keep the
    declared envelope, `ret` and `data` of their operation."""
    from django.core.cache import cache

    client = Client(REMOTE_ADDR="127.0.0.1")
    settings.API_MAX_BODY_BYTES = 64
    big = client.post(path, json.dumps({"accountID": "x" * 100}), content_type="application/json")
    assert big.status_code == 413
    response_validator(published, path, 413).validate(json.loads(big.content))

    settings.API_MAX_BODY_BYTES = 2 * 1024 * 1024
    settings.API_RATE_LIMIT = "1/min"
    cache.clear()
    client.post(path, "{}", content_type="application/json")
    limited = client.post(path, "{}", content_type="application/json")
    assert limited.status_code == 429 and re.fullmatch(r"[1-9]\d*", limited["Retry-After"])
    response_validator(published, path, 429).validate(json.loads(limited.content))

    settings.API_RATE_LIMIT = ""
    settings.API_ANONYMOUS_NETWORKS = []
    keyless = client.post(path, "{}", content_type="application/json")
    assert keyless.status_code == 401
    response_validator(published, path, 401).validate(json.loads(keyless.content))


def test_the_declared_limits_are_the_serializers():
    from recruit import serializers as recruit_input
    from recruit.models import NotifyFormat
    from wechat import serializers as wechat_input

    assert recruit_input.JobRegisterInput().fields["jobName"].max_length == contract.JOB_NAME_MAX
    assert recruit_input.HistoryLineInput().fields["msg"].max_length == contract.MESSAGE_MAX
    assert recruit_input.RecallStepInput().fields["after_hours"].max_value == contract.HOURS_MAX
    assert (wechat_input.ACCOUNT_ID_MAX, wechat_input.ALIAS_MAX) == (contract.WECHAT_ACCOUNT_ID_MAX, contract.ALIAS_MAX)
    assert (wechat_input.SEARCH_ID_MAX, wechat_input.MESSAGE_MAX) == (contract.SEARCH_ID_MAX, contract.MESSAGE_MAX)
    assert tuple(NotifyFormat.values) == contract.NOTIFY_FORMATS
