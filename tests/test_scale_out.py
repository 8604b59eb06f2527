"""Two web servers and two Celery workers on one PostgreSQL and one Redis behave as one (issue 12,
"Scale-out"; README "Operations").

The module starts two gunicorn processes (`web-a`, `web-b`, each with two worker processes) and two
Celery workers, configured only through the environment as production is: the test database,
`CELERY_BROKER_URL` on the Redis at REDIS_URL under a key prefix of this run (so parallel runs sharing
that Redis never take each other's tasks), and a low `API_RATE_LIMIT` whose counters live in that Redis.
The tests drive the servers alternately, or both at once from threads, and check what the bots were
told against the rows in the database:

- quotas: one account's helloSum holds over filters and reports spread across both servers;
- reservations and dedupe: ten accounts screening one candidate on both servers get one `true`; a
  greeting on one server is a duplicate on the other; concurrent reports count each greeting once;
- notifications: contact results on both servers are each delivered once to the webhook by two workers;
- WeChat: concurrent `taskToDo` on both servers hands out each task once and the day's add limit exactly;
- rate limits: one key's budget is spent across both servers, and the next call is refused on either.

Every bot uses an API key of its own test, so the rate-limit counters (per key) are never shared
between tests or runs.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
import redis as redis_lib
from django.db import connection
from django.urls import reverse

from devtools.fakes import FakeServer, Sleep
from recruit.models import ContactRecord, Conversation, Greeting, Notification, Reservation
from tests.conftest import REDIS_URL, need_service
from tests.factories import (
    AccountFactory,
    ApiKeyFactory,
    JobFactory,
    TeamFactory,
    WechatAccountFactory,
    WechatAccountLinkFactory,
    WechatFriendFactory,
    WechatTaskFactory,
    link,
)
from tests.recruit.fixtures import boss_card
from tests.servers import CeleryWorker, Gunicorn, server_env, stop_all
from wechat.models import WechatFriend, WechatTask

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis]

RATE_LIMIT = 60  # requests per minute and key; every test but the rate-limit one stays well below it
ADD_LIMIT = 15  # WECHAT_DAILY_ADD_LIMIT of both servers
SITE_URL = "http://console.hunter.test"
WAIT_SECONDS = 30.0
FETCH = "/recruit/account/task/fetch"
FILTER = "/recruit/candidate/filter"
REPORT = "/recruit/account/task/report"
RESULT = "/recruit/candidate/result"
TASKS = "/wechat/candidate/taskToDo"


@dataclass
class Cluster:
    web: tuple[Gunicorn, Gunicorn]
    workers: tuple[CeleryWorker, CeleryWorker]
    broker_prefix: str

    def server(self, index: int) -> Gunicorn:
        """Alternating: even calls go to web-a, odd ones to web-b."""
        return self.web[index % 2]

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log_tail(15)}" for p in (*self.web, *self.workers))


def _services_available() -> None:
    need_service(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL")
    client = redis_lib.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)
    try:
        available = bool(client.ping())
    except redis_lib.RedisError:
        available = False
    finally:
        client.close()
    need_service(available, f"needs Redis at {REDIS_URL}: set REDIS_URL")


@pytest.fixture(scope="module")
def cluster(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Cluster]:
    """Two gunicorn servers and two Celery workers for the module, on the test database; each test's
    rows are flushed after it (transactional tests) while the processes keep running."""
    with django_db_blocker.unblock():
        _services_available()
        prefix = f"hunter-scale-{uuid.uuid4().hex[:12]}:"
        env = server_env(
            CELERY_BROKER_URL=REDIS_URL,
            CELERY_BROKER_KEY_PREFIX=prefix,
            API_RATE_LIMIT=f"{RATE_LIMIT}/min",
            WECHAT_DAILY_ADD_LIMIT=str(ADD_LIMIT),
            SITE_URL=SITE_URL,
        )
    log_dir = tmp_path_factory.mktemp("scale-out")
    processes = [
        Gunicorn(env=env, log_dir=log_dir, name="web-a"),
        Gunicorn(env=env, log_dir=log_dir, name="web-b"),
        CeleryWorker(env=env, log_dir=log_dir, name="worker-a"),
        CeleryWorker(env=env, log_dir=log_dir, name="worker-b"),
    ]
    try:
        for process in processes:  # booting side by side, from this thread (they die with it)
            process.spawn()
        for process in processes:
            process.wait_ready()
        yield Cluster(web=(processes[0], processes[1]), workers=(processes[2], processes[3]), broker_prefix=prefix)
    finally:
        stop_all(processes)
        client = redis_lib.Redis.from_url(REDIS_URL, socket_timeout=2)
        try:
            keys = list(client.scan_iter(match=prefix + "*"))
            keys += [f"hunter_robot:1:throttle_bot_key:{key_prefix}" for key_prefix in ISSUED]
            if keys:
                client.delete(*keys)
        finally:
            client.close()


ISSUED: list[str] = []  # prefixes of the keys made here: their counters are removed from Redis at the end


def bot_key(*accounts) -> dict[str, str]:
    """A fresh API key (its own rate-limit counter) bound to `accounts`; the header a bot sends."""
    key = ApiKeyFactory(team=accounts[0].team)
    ISSUED.append(key.prefix)
    for account in accounts:
        account.api_keys.add(key)
    return {"X-Api-Key": key.plain}


def ok(server: Gunicorn, path: str, body: dict, headers: dict[str, str]) -> Any:
    status, envelope = server.post(path, body, headers=headers)
    assert (status, envelope["ret"]) == (200, 0), (server.name, path, envelope)
    return envelope["data"]


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls from one thread each, released together; results in call order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return [future.result(timeout=120) for future in [pool.submit(run, call) for call in calls]]


def wait_for(predicate: Callable[[], Any], what: str, cluster: Cluster, timeout: float = WAIT_SECONDS) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{cluster.logs()}")
        time.sleep(0.1)
    return value


def filter_body(account_id: str, geek_id: int) -> dict:
    return {"accountID": account_id, "candidateInfo": boss_card(geekId=geek_id)}


def report_body(account_id: str, cids: list[str]) -> dict:
    return {"accountID": account_id, "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": cids}}]}


# --- quotas ------------------------------------------------------------------------------------------


def test_quota_is_exact_across_servers(cluster):
    account = AccountFactory(platform_id="quota")
    link(account, JobFactory(team=account.team), hello_sum=6, slots=((23, 59, 6),))
    headers = bot_key(account)
    aid = account.account_id

    decisions = [ok(cluster.server(i), FILTER, filter_body(aid, 5000 + i), headers) for i in range(9)]
    assert [d["touch"] for d in decisions] == [True] * 6 + [False] * 3
    assert all(d["reasons"] == ["quota: none left today"] for d in decisions[6:])
    for server in cluster.web:  # reservations are not greetings: the day's helloSum is untouched
        assert ok(server, FETCH, {"accountID": aid}, headers)["task"][0]["helloSum"] == 6
    assert Reservation.objects.filter(account=account).count() == 6

    reports = [ok(cluster.server(i + 1), REPORT, report_body(aid, [str(5000 + i)]), headers) for i in range(6)]
    assert [(r["accepted"], r["duplicates"], r["remaining"]) for r in reports] == [(1, 0, 5 - i) for i in range(6)]
    again = ok(cluster.server(1), REPORT, report_body(aid, ["5000", "5005"]), headers)
    assert (again["accepted"], again["duplicates"], again["remaining"]) == (0, 2, 0)

    for server in cluster.web:
        [task] = ok(server, FETCH, {"accountID": aid}, headers)["task"]
        assert (task["helloSum"], task["timeMount"]) == (0, [])
        assert ok(server, FILTER, filter_body(aid, 6000), headers) == {
            "touch": False,
            "reasons": ["quota: none left today"],
        }
    assert Greeting.objects.filter(account=account).count() == 6
    assert Reservation.objects.count() == 0


def test_concurrent_filters_on_both_servers_never_exceed_the_quota(cluster):
    """24 different candidates screened at once, half on each server, for an account with 5 greetings
    left: a bot collects at most 5 `true`s (CONTRACT filter, rule 2), each with its reservation."""
    account = AccountFactory(platform_id="quota-race")
    link(account, JobFactory(team=account.team), hello_sum=5, slots=((23, 59, 5),))
    headers = bot_key(account)

    def screen(i: int) -> Callable[[], dict]:
        return lambda: ok(cluster.server(i), FILTER, filter_body(account.account_id, 7000 + i), headers)

    decisions = at_once([screen(i) for i in range(24)])
    touched = [d for d in decisions if d["touch"]]
    assert len(touched) == 5, Counter(r for d in decisions for r in d["reasons"])
    assert all(d["reasons"] == ["quota: none left today"] for d in decisions if not d["touch"])
    assert Reservation.objects.filter(account=account).count() == 5


# --- reservations and dedupe ---------------------------------------------------------------------------


def test_reservations_and_dedupe_are_exact_across_servers(cluster):
    team = TeamFactory()
    job = JobFactory(team=team)
    accounts = [AccountFactory(team=team, platform_id=f"res{i}") for i in range(10)]
    for account in accounts:
        link(account, job, hello_sum=100, slots=((23, 59, 100),))
    headers = bot_key(*accounts)

    def screen(i: int) -> Callable[[], dict]:
        return lambda: ok(cluster.server(i), FILTER, filter_body(accounts[i].account_id, 4242), headers)

    decisions = at_once([screen(i) for i in range(10)])
    winners = [i for i, d in enumerate(decisions) if d["touch"]]
    assert len(winners) == 1, decisions
    assert all(d["reasons"] == ["reserved: held by another account"] for d in decisions if not d["touch"])
    [reservation] = Reservation.objects.all()
    holder = accounts[winners[0]]
    assert reservation.account_id == holder.pk

    # The holder's bot greets through the other server; every other account now sees a duplicate.
    report = ok(cluster.server(winners[0] + 1), REPORT, report_body(holder.account_id, ["4242"]), headers)
    assert (report["accepted"], report["duplicates"]) == (1, 0)
    assert Reservation.objects.count() == 0
    for i, account in enumerate(a for a in accounts if a != holder):
        assert ok(cluster.server(i), FILTER, filter_body(account.account_id, 4242), headers) == {
            "touch": False,
            "reasons": ["dedupe: already contacted for this job"],
        }

    # Overlapping batches reported at once on both servers: each greeting recorded and counted once.
    def report_batch(i: int) -> Callable[[], dict]:
        cids = [str(8000 + n) for n in range(i, i + 5)]
        return lambda: ok(cluster.server(i), REPORT, report_body(holder.account_id, cids), headers)

    results = at_once([report_batch(i) for i in range(12)])
    distinct = 16  # 8000..8015
    assert sum(r["accepted"] for r in results) == distinct
    assert sum(r["duplicates"] for r in results) == 12 * 5 - distinct
    assert min(r["remaining"] for r in results) == 100 - 1 - distinct
    assert Greeting.objects.filter(account=holder).count() == 1 + distinct
    assert Conversation.objects.filter(account=holder).count() == 1 + distinct


# --- notifications and WeChat tasks ---------------------------------------------------------------------


def broker_backlog(cluster: Cluster) -> int:
    """Tasks waiting in, or taken by a worker from, this run's Redis queue (under its key prefix, which
    the workers' queue binding proves they use)."""
    client = redis_lib.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        prefix = cluster.broker_prefix
        assert client.exists(prefix + "_kombu.binding.celery")
        return client.llen(prefix + "celery") + client.hlen(prefix + "unacked")
    finally:
        client.close()


def test_each_notification_is_delivered_once_and_each_wechat_task_claimed_once(cluster):
    with FakeServer(Sleep(0.2)) as webhook:  # a slow webhook: deliveries by both workers overlap
        job = JobFactory(notify_webhook=webhook.url + "/hook")
        account = AccountFactory(team=job.team, platform_id="notify")
        link(account, job)
        wechat = WechatAccountFactory(team=job.team, account_id="wx-scale")
        WechatAccountLinkFactory(wechat_account=wechat, recruit_account=account)
        # Six friends who accepted, each with a message to send.
        sends = [
            WechatTaskFactory(
                kind="send_msg",
                msg="方便发一份简历吗？",
                friend=WechatFriendFactory(
                    wechat_account=wechat,
                    conversation__job=job,
                    conversation__account=account,
                    status=WechatFriend.Status.ACCEPTED,
                ),
            )
            for _ in range(6)
        ]
        headers = bot_key(account)
        wechat.api_keys.add(account.api_keys.get())
        candidates = 24

        def result(i: int) -> Callable[[], dict]:
            body = {"accountID": account.account_id, "candidateID": f"w{i}", "candidateName": f"候选人{i}"}
            body["wechat"] = f"cand_wx_{i:03d}"
            return lambda: ok(cluster.server(i), RESULT, body, headers)

        assert at_once([result(i) for i in range(candidates)]) == [{"status": "ok"}] * candidates
        conversations = Conversation.objects.filter(account=account, candidate__platform_cid__startswith="w")
        assert ContactRecord.objects.filter(conversation__in=conversations).count() == candidates
        notifications = Notification.objects.filter(kind="contact")
        assert notifications.count() == candidates

        wait_for(
            lambda: notifications.filter(status=Notification.Status.SENT).count() == candidates,
            "both workers to deliver every notification",
            cluster,
        )
        wait_for(lambda: broker_backlog(cluster) == 0, "the workers to drain the queue", cluster)
        time.sleep(0.5)  # a delivery claimed twice would be posting by now
        assert list(notifications.values_list("attempts", flat=True)) == [1] * candidates
        urls = Counter(payload["url"] for payload in webhook.requests)
        expected = {SITE_URL + reverse("admin:recruit_conversation_change", args=[c.pk]) for c in conversations}
        assert set(urls) == expected and set(urls.values()) == {1}, urls.most_common(3)
        assert webhook.request_paths == ["/hook"] * candidates

    # Every WeChat id became one add-friend task; the bot of one WeChat account asks on both servers at
    # once: the six sends and ADD_LIMIT adds are handed out, each to one call only.
    adds = WechatTask.objects.filter(kind="add_friend")
    assert adds.count() == candidates and set(adds.values_list("status", flat=True)) == {"pending"}

    def todo(i: int) -> Callable[[], dict]:
        return lambda: ok(cluster.server(i), TASKS, {"account_id": "wx-scale"}, headers)

    answers = at_once([todo(i) for i in range(8)])
    handed = Counter()
    for answer in answers:
        for group in answer["task_list"]:
            for item in group["content"]:
                handed[(group["task_type"], item["alias_id"], item.get("msg", item.get("hello_msg")))] += 1
    assert set(handed.values()) == {1}, handed.most_common(3)  # nothing handed out twice
    kinds = Counter(kind for kind, _alias, _msg in handed)
    assert kinds == {"send_msg": len(sends), "add_friend": ADD_LIMIT}
    leased = WechatTask.objects.filter(status="leased")
    assert set(leased.values_list("friend__alias_id", flat=True)) == {alias for _kind, alias, _msg in handed}
    assert leased.count() == len(sends) + ADD_LIMIT and set(leased.values_list("attempts", flat=True)) == {1}
    assert adds.filter(status="pending").count() == candidates - ADD_LIMIT
    for server in cluster.web:  # the day's adds are spent and the sends are leased, on either server
        assert ok(server, TASKS, {"account_id": "wx-scale"}, headers) == {"task_list": []}


# --- rate limits ------------------------------------------------------------------------------------------


def test_rate_limit_is_shared_by_both_servers(cluster):
    account = AccountFactory(platform_id="limited")
    link(account, JobFactory(team=account.team))
    headers = bot_key(account)
    body = {"accountID": account.account_id}

    # Each server (two processes each) sees half the calls; only a shared counter refuses the next.
    for i in range(RATE_LIMIT):
        ok(cluster.server(i), FETCH, body, headers)
    for server in cluster.web:
        status, response_headers, raw = server.request(
            "POST", FETCH, b'{"accountID": "account_Boss_limited"}', {"Content-Type": "application/json", **headers}
        )
        envelope = json.loads(raw)
        assert (status, envelope["ret"], envelope["data"]) == (429, 1429, {"task": []}), server.name
        assert 1 <= int(response_headers["retry-after"]) <= 60

    # Another bot's key has its own budget.
    other = AccountFactory(platform_id="unlimited", team=account.team)
    link(other, JobFactory(team=account.team))
    assert ok(cluster.server(0), FETCH, {"accountID": other.account_id}, bot_key(other))["task"]
