"""/healthz, /readyz and /metrics (hunter_robot/health.py, hunter_robot/metrics.py).

Dependencies are real: a Redis URL on a closed port for a broker and cache that are down, a gunicorn
server whose DATABASE_URL points at a closed port for a database that is unreachable (two workers in
prometheus_client's multiprocess mode, so its scrape adds them up), fake engines on 127.0.0.1.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from jsonschema import Draft202012Validator
from prometheus_client.parser import text_string_to_metric_families

from devtools.fakes import FakeAlgo, HttpError, Sleep, closed_port_url
from hunter_robot import health
from tests.conftest import Api
from tests.factories import (
    AccountFactory,
    JobFactory,
    NotificationFactory,
    ReservationFactory,
    WechatTaskFactory,
    link,
)

ROOT = Path(__file__).resolve().parent.parent
FETCH = "/recruit/account/task/fetch"


def closed_redis_url() -> str:
    return closed_port_url().replace("http://", "redis://") + "/0"


@pytest.fixture(autouse=True)
def fresh_states(monkeypatch):
    """No dependency state seen yet in this process (a change of state is what gets logged)."""
    monkeypatch.setattr(health, "_last", {})


@pytest.fixture
def local_deps(settings):
    """A broker and a cache that are always there (in-memory)."""
    settings.CELERY_BROKER_URL = "memory://"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture
def down_deps(settings):
    """Broker and cache on Redis URLs where nothing listens."""
    settings.CELERY_BROKER_URL = closed_redis_url()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": closed_redis_url(),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


# --- /healthz ---------------------------------------------------------------------------------------


def test_healthz_is_cheap_and_open_to_anyone(db, django_assert_num_queries):
    client = Client(REMOTE_ADDR="10.20.30.40")
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


# --- /readyz ----------------------------------------------------------------------------------------


def test_readyz_ok_when_everything_answers(db, local_deps):
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "cache": "ok"},
    }


def test_readyz_reports_broker_and_cache_down_as_degraded_not_unready(db, down_deps):
    started = time.monotonic()
    response = Client().get("/readyz")
    assert time.monotonic() - started < 3  # a refused connection is answered at once, a hang in 0.5 s
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "degraded",
        "checks": {"database": "ok", "broker": "degraded", "cache": "degraded"},
    }


def test_readyz_filesystem_broker_is_its_folder(db, settings, tmp_path, local_deps):
    """The laptop's embedded broker (`make run`): a task can be queued while its folder is writable."""
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path), "data_folder_out": str(tmp_path)}
    assert json.loads(Client().get("/readyz").content)["checks"]["broker"] == "ok"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "missing")}
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content)["checks"]["broker"] == "degraded"


@pytest.mark.redis
def test_readyz_ok_with_a_real_redis_broker_and_cache(db, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
    assert json.loads(Client().get("/readyz").content)["checks"] == {"database": "ok", "broker": "ok", "cache": "ok"}


def test_probes_log_state_changes_only(db, settings, caplog, local_deps):
    caplog.set_level(logging.DEBUG)
    client = Client()
    for _ in range(3):
        client.get("/healthz")
        client.get("/readyz")
        client.get("/metrics")
    assert [r for r in caplog.records if r.levelno >= logging.INFO] == []  # nothing per call

    settings.CELERY_BROKER_URL = closed_redis_url()
    client.get("/readyz")
    client.get("/readyz")
    settings.CELERY_BROKER_URL = "memory://"
    client.get("/readyz")
    logged = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "hunter_robot.health"]
    assert logged == [
        ("WARNING", "readiness: broker is degraded (OperationalError)"),
        ("INFO", "readiness: broker is ok"),
    ]


SERVER_START_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, *, method: str = "GET", body: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.fixture
def server_without_database(tmp_path):
    """gunicorn (two workers, multiprocess metrics) whose DATABASE_URL points at a closed port."""
    port = free_port()
    database = closed_port_url().replace("http://", "postgres://postgres@") + "/unreachable"
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "API_RATE_LIMIT": "",
        "CELERY_BROKER_URL": "memory://",
        "CACHE_URL": "",
        "LOG_LEVEL": "ERROR",
        "DJANGO_SETTINGS_MODULE": "hunter_robot.settings",
    }
    command = [sys.executable, "-m", "gunicorn", "hunter_robot.wsgi:application"]
    command += ["--bind", f"127.0.0.1:{port}", "--workers", "2", "--timeout", "30", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                if get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_database_unreachable_readyz_503_healthz_200_and_metrics_summed_over_workers(server_without_database):
    base = server_without_database
    status, body = get(base + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})

    status, body = get(base + "/readyz")
    assert status == 503
    ready = json.loads(body)
    assert ready["status"] == "unavailable" and ready["checks"]["database"] == "unavailable"
    assert ready["checks"]["cache"] == "ok"

    status, body = get(base + "/api/schema/?format=json")  # the schema needs no database
    assert status == 200
    published = json.loads(body)
    declared = published["paths"][FETCH]["post"]["responses"]["503"]["content"]["application/json"]["schema"]
    unavailable = Draft202012Validator({**declared, "components": published["components"]})

    calls = 12
    for _ in range(calls):  # spread over both workers by the kernel
        status, body = get(base + FETCH, method="POST", body=b'{"accountID": "account_Boss_1"}')
        answer = json.loads(body)
        assert (status, answer["ret"], answer["data"]) == (503, 1503, {"task": []})
        unavailable.validate(answer)
    get(base + "/recruit/no/such/endpoint", method="POST", body=b"{}")

    status, body = get(base + "/metrics")
    assert status == 200
    samples = parse(body.decode())
    assert samples[("hunter_api_requests_total", (("endpoint", FETCH), ("ret", "1503")))] == calls
    assert samples[("hunter_api_request_duration_seconds_count", (("endpoint", FETCH), ("ret", "1503")))] == calls
    assert samples[("hunter_api_requests_total", (("endpoint", "unmatched"), ("ret", "1002")))] == 1
    assert samples[("hunter_queue_depths_up", ())] == 0  # the scrape answers during the outage


# --- /metrics ---------------------------------------------------------------------------------------


def parse(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted labels): value} of a Prometheus text exposition."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: Client | None = None, **headers) -> dict[tuple[str, tuple], float]:
    response = (client or Client(REMOTE_ADDR="127.0.0.1")).get("/metrics", **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return parse(response.content.decode())


def requests_of(samples, endpoint: str, ret: str) -> float:
    return samples.get(("hunter_api_requests_total", (("endpoint", endpoint), ("ret", ret))), 0)


def latency_count(samples, endpoint: str, ret: str) -> float:
    return samples.get(("hunter_api_request_duration_seconds_count", (("endpoint", endpoint), ("ret", ret))), 0)


def engine_turns(samples, engine: str, outcome: str) -> float:
    return samples.get(("hunter_engine_turns_total", (("engine", engine), ("outcome", outcome))), 0)


@pytest.fixture
def bot(db):
    job = JobFactory(platform_id="m", faq_salary="底薪6000")
    link(AccountFactory(platform_id="m"), job)
    return job


def test_requests_are_counted_by_endpoint_and_ret(api, bot):
    before = scrape()
    api.ok(FETCH, {"accountID": "account_Boss_m"})
    api.ok(FETCH + "/v2", {"accountID": "account_Boss_m"})
    api.ok(FETCH + "/", {"accountID": "account_Boss_m"})
    assert api.post(FETCH, {"accountID": "account_Boss_nobody"})[0] == 404
    assert api.post(FETCH, {})[0] == 400
    assert api.client.get(FETCH).status_code == 405
    assert api.post("/recruit/nothing/here", {})[0] == 404
    after = scrape()

    def delta(endpoint, ret):
        return requests_of(after, endpoint, ret) - requests_of(before, endpoint, ret)

    assert delta(FETCH, "0") == 2  # with and without the trailing slash: one endpoint
    assert delta(FETCH + "/v2", "0") == 1
    assert delta(FETCH, "1002") == 1
    assert delta(FETCH, "1001") == 2  # the missing field and the GET
    assert delta("unmatched", "1002") == 1
    assert latency_count(after, FETCH, "0") - latency_count(before, FETCH, "0") == 2
    buckets = [v for (name, labels), v in after.items() if name == "hunter_api_request_duration_seconds_bucket"]
    assert buckets and max(buckets) >= 2


def test_engine_outcomes_and_latency(api, bot, settings):
    settings.CHAT_DEADLINE = 1.0
    history = [{"speaker": "robot", "msg": "您好"}, {"speaker": "user", "msg": "薪资多少？"}]
    before = scrape()

    def chat(cid):
        body = {"accountID": "account_Boss_m", "candidateID": cid, "candidateName": "张三", "historyMsg": history}
        return api.ok("/recruit/candidate/chat", body)

    assert chat("c1")["nextStep"] != "algo_abnormal"  # the rule engine
    with FakeAlgo(HttpError(500)) as server:
        bot.robot_api = server.url + "/chat"
        bot.save()
        assert chat("c2")["nextStep"] == "algo_abnormal"
    with FakeAlgo(Sleep(10, {})) as server:
        bot.robot_api = server.url + "/chat"
        bot.save()
        assert chat("c3")["nextStep"] == "algo_abnormal"
    after = scrape()

    for engine, outcome in [("rule", "ok"), ("external", "error"), ("external", "timeout")]:
        assert engine_turns(after, engine, outcome) - engine_turns(before, engine, outcome) == 1, (engine, outcome)
    timeout_sum = ("hunter_engine_duration_seconds_sum", (("engine", "external"), ("outcome", "timeout")))
    assert after[timeout_sum] - before.get(timeout_sum, 0) >= 0.4  # it waited for its budget


def test_queue_depths_are_read_at_scrape_time(db):
    pending = [NotificationFactory(), NotificationFactory()]
    NotificationFactory(status="sent")
    WechatTaskFactory()
    WechatTaskFactory(kind="send_msg", status="leased")
    WechatTaskFactory(status="done")
    ReservationFactory()
    ReservationFactory()
    ReservationFactory(expires_at=timezone.now() - timedelta(seconds=1))
    with CaptureQueriesContext(connection) as queries:
        samples = scrape()
    assert len([q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]) == 3
    assert samples[("hunter_queue_depths_up", ())] == 1
    assert samples[("hunter_outbox_pending", ())] == len(pending)
    assert 0 <= samples[("hunter_outbox_oldest_pending_age_seconds", ())] < 600
    tasks = {labels: v for (name, labels), v in samples.items() if name == "hunter_wechat_tasks_open"}
    assert tasks == {
        (("kind", "add_friend"), ("status", "pending")): 1,
        (("kind", "add_friend"), ("status", "leased")): 0,
        (("kind", "send_msg"), ("status", "pending")): 0,
        (("kind", "send_msg"), ("status", "leased")): 1,
    }
    assert samples[("hunter_reservations_held", ())] == 2


def test_metrics_add_no_statement_to_a_bot_request(bot, settings):
    """The pinned query counts stay as they are: counting a request touches no database."""
    body = {"accountID": "account_Boss_m"}

    def statements() -> int:
        api = Api(Client(REMOTE_ADDR="127.0.0.1"))  # a new client builds its handler from MIDDLEWARE now
        api.ok(FETCH, body)  # warm
        with CaptureQueriesContext(connection) as queries:
            api.ok(FETCH, body)
        return len(queries.captured_queries)

    before = requests_of(scrape(), FETCH, "0")
    with_metrics = statements()
    assert requests_of(scrape(), FETCH, "0") == before + 2
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "hunter_robot.health.MetricsMiddleware"]
    assert statements() == with_metrics
    assert requests_of(scrape(), FETCH, "0") == before + 2  # really without the middleware this time


@pytest.mark.parametrize(
    ("remote", "headers", "status"),
    [
        ("127.0.0.1", {}, 200),
        ("::1", {}, 200),
        ("10.1.2.3", {}, 403),
        ("10.1.2.3", {"HTTP_AUTHORIZATION": "Bearer wrong"}, 403),
        ("10.1.2.3", {"HTTP_AUTHORIZATION": "Bearer scrape-key-1"}, 200),
        ("10.1.2.3", {"HTTP_AUTHORIZATION": "bearer  scrape-key-1 "}, 200),
        # Relayed by a proxy not in TRUSTED_PROXIES: the real client is unknown, so not loopback.
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "203.0.113.5"}, 403),
        ("127.0.0.1", {"HTTP_X_FORWARDED_FOR": "127.0.0.1"}, 403),
    ],
)
def test_metrics_only_from_loopback_or_with_the_key(db, settings, remote, headers, status):
    settings.METRICS_KEY = "scrape-key-1"
    assert Client(REMOTE_ADDR=remote).get("/metrics", **headers).status_code == status


def test_metrics_key_unset_means_loopback_only(db, settings):
    settings.METRICS_KEY = ""
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_metrics_through_a_trusted_proxy_judge_the_forwarded_client(db, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.2"]
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    assert proxy.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 403
    assert proxy.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200


def runserver_record(path: str, status: int) -> logging.LogRecord:
    """A record as the development server writes one per request."""
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s %s', (f"GET {path} HTTP/1.1", str(status), "15"), None
    )
    record.status_code = status
    return record


@pytest.mark.parametrize(
    ("path", "status", "logged"),
    [
        ("/healthz", 200, False),
        ("/readyz", 200, False),
        ("/metrics?x=1", 200, False),
        ("/readyz", 503, True),
        ("/metrics", 403, True),
        ("/recruit/account/task/fetch", 200, True),
        ("/healthzz", 200, True),
    ],
)
def test_the_development_servers_access_log_skips_successful_probes(path, status, logged):
    assert health.QuietProbes().filter(runserver_record(path, status)) is logged
