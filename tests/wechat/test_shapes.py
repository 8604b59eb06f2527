"""Every refusal of a WeChat endpoint keeps the envelope and the `data` the bot dereferences (CONTRACT §1):
`{"task_list": []}` for taskToDo, `{"msg": ""}` for userMsguser/userMsg, null for the others, on 405,
413, 429, 1500 and unparseable bodies too. Both URL forms (with and without a trailing slash) resolve."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.test import Client

from hunter_robot.api.envelope import EnvelopeRenderer
from hunter_robot.api.views import BotView

ENDPOINTS = {
    "/wechat/account/register": ({"account_id": "wx-1", "recruitAccounts": []}, None),
    "/wechat/candidate/taskToDo": ({"account_id": "wx-1"}, {"task_list": []}),
    "/wechat/candidate/addFriendReport": ({"account_id": "wx-1", "alias_id": "a", "search_id": "wx_a"}, None),
    "/wechat/candidate/msgSendReport": ({"account_id": "wx-1", "alias_id": "a", "msg_send": "hi"}, None),
    "/wechat/candidate/userMsguser": ({"account_id": "wx-1", "alias_id": "a", "msg_receive": "hi"}, {"msg": ""}),
    "/wechat/candidate/userMsg": ({"account_id": "wx-1", "alias_id": "a", "msg_receive": "hi"}, {"msg": ""}),
}
PATHS = list(ENDPOINTS)


def post(api, path, body=None, *, raw=None):
    return api.post(path, raw=raw if raw is not None else json.dumps(body))


@pytest.mark.parametrize("path", PATHS)
def test_wrong_method_is_405_with_the_shape(db, path):
    response = Client().get(path)
    payload = json.loads(response.content)
    assert (response.status_code, payload["ret"], payload["data"]) == (405, 1001, ENDPOINTS[path][1])
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("path", PATHS)
def test_oversize_body_is_413_with_the_shape(api, path, settings):
    settings.API_MAX_BODY_BYTES = 100
    status, payload = post(api, path, {**ENDPOINTS[path][0], "pad": "x" * 200})
    assert (status, payload["ret"], payload["data"]) == (413, 1004, ENDPOINTS[path][1])


@pytest.mark.parametrize("path", PATHS)
def test_rate_limited_is_429_with_the_shape(api, path, settings):
    cache.clear()
    settings.API_RATE_LIMIT = "1/min"
    try:
        post(api, path, ENDPOINTS[path][0])
        status, payload = post(api, path, ENDPOINTS[path][0])
    finally:
        cache.clear()
    assert (status, payload["ret"], payload["data"]) == (429, 1429, ENDPOINTS[path][1])


@pytest.mark.parametrize("path", PATHS)
def test_a_crash_in_the_view_is_1500_with_the_shape(api, path, monkeypatch):
    def boom(self, request):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(BotView, "validated", boom)
    status, payload = post(api, path, ENDPOINTS[path][0])
    assert (status, payload["ret"], payload["data"]) == (500, 1500, ENDPOINTS[path][1])
    assert "secret" not in payload["msg"]


@pytest.mark.parametrize("path", PATHS)
def test_a_crash_outside_drf_is_1500_with_the_shape(api, path, monkeypatch):
    def boom(self, data, accepted_media_type=None, renderer_context=None):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(EnvelopeRenderer, "render", boom)
    status, payload = post(api, path, ENDPOINTS[path][0])
    assert (status, payload["ret"], payload["data"]) == (500, 1500, ENDPOINTS[path][1])


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("raw", ["{not json", "[]", '{"account_id": NaN}'], ids=["malformed", "array", "nan"])
def test_unparseable_bodies_are_1001_with_the_shape(api, path, raw):
    status, payload = post(api, path, raw=raw)
    assert (status, payload["ret"], payload["data"]) == (400, 1001, ENDPOINTS[path][1])


@pytest.mark.parametrize("path", PATHS)
def test_nul_in_an_id_is_1001_naming_it(api, path):
    raw = json.dumps({**ENDPOINTS[path][0], "account_id": "wx\u0000"})
    status, payload = post(api, path, raw=raw)
    assert (status, payload["ret"], payload["msg"]) == (400, 1001, "account_id: contains a NUL character")
    assert payload["data"] == ENDPOINTS[path][1]


@pytest.mark.parametrize("path", PATHS)
def test_trailing_slash_resolves_too(api, path):
    _status, payload = post(api, path + "/", ENDPOINTS[path][0])
    assert not payload["msg"].endswith("unknown URL")


def test_an_unknown_wechat_url_is_1002(api):
    status, payload = post(api, "/wechat/candidate/nothing", {})
    assert (status, payload["ret"], payload["data"]) == (404, 1002, None)
