"""Load: mixed bot traffic from 32 concurrent clients against a real server, and afterwards the database
holds exactly what the clients were told (issue 12, "Load").

One gunicorn (gthread, 2 processes × 8 threads) on 127.0.0.1, on the test database (PostgreSQL) with
the rate limit at its production default, counted in Redis. Eight recruiting accounts share one job,
each with its bot's API key; four clients drive each account. Every client is closed-loop (it sends its
next request when the last answer arrived) over one keep-alive connection and runs episodes on
candidates of its own: task fetch, filter (three in four pass the job's criteria), report (with a repeat
now and then), chat, contact result, a contact result for a candidate who wrote first, recallList and
recallResult on conversations greeted 30 hours ago, and every fifth episode a filter of one of a few
candidates all clients compete for. `/v2` aliases alternate with the plain paths.

Every answer is checked as it arrives (no 5xx, `ret` 0, the answer the episode expects), and the test
keeps a ledger of what the clients were told: greetings accepted, reservations taken and not yet
reported, contacts stored, nudges counted. The tables must then hold exactly that ledger.

LOAD_REQUESTS sets the number of requests: 3,000 by default (the CI run), e.g. LOAD_REQUESTS=10000 for
a longer one. Throughput is printed (`-s`), never asserted: it belongs in `bench/`.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
import uuid
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
import redis as redis_lib
from django.utils import timezone

from recruit.models import ContactRecord, Conversation, Greeting, Message, Notification, Reservation, ScreeningDecision
from tests.factories import (
    AccountFactory,
    ApiKeyFactory,
    CandidateFactory,
    ConversationFactory,
    JobFactory,
    MessageFactory,
    RecallStepFactory,
    TeamFactory,
    link,
)
from tests.recruit.fixtures import boss_card
from tests.servers import Gunicorn, server_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres, pytest.mark.redis]

REQUESTS = int(os.environ.get("LOAD_REQUESTS") or 3000)
CLIENTS = 32
ACCOUNTS = 8
SEEDS = 3  # conversations per client due for their first nudge
SHARED = 16  # candidates every client screens now and then
REQUEST_TIMEOUT = 60.0
RUN_TIMEOUT = 900.0  # bounds a hung run; a normal one takes well under a minute here
GREETING = "您好，我们在招客服专员，方便聊聊吗？"
HELD = ["reserved: held by another account"]
CV = b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"


def multipart(fields: dict[str, str], cv: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body with `fields` and the file part `cv` (resume.pdf)."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="cv"; filename="resume.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + cv
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class Spent(Exception):
    """The client's request budget is used up."""


@dataclass
class Ledger:
    """What one client was told (merged over clients afterwards)."""

    requests: Counter = field(default_factory=Counter)
    touched: set = field(default_factory=set)  # (accountID, candidateID) answered touch: true
    reported: set = field(default_factory=set)  # (accountID, candidateID) reported greeted
    accepted: int = 0  # sum of report answers' `accepted`
    contacts: set = field(default_factory=set)  # (accountID, candidateID, phone) stored by candidate/result
    cvs: int = 0  # results that uploaded a CV
    user_asks: int = 0  # results for candidates never greeted (new conversations)
    nudges: int = 0  # recallResult answers that counted a nudge
    filters: int = 0
    trues: int = 0
    shared_trues: dict = field(default_factory=lambda: defaultdict(set))  # candidateID -> accounts told true

    def merge(self, other: Ledger) -> None:
        self.requests += other.requests
        self.touched |= other.touched
        self.reported |= other.reported
        self.contacts |= other.contacts
        for name in ("accepted", "cvs", "user_asks", "nudges", "filters", "trues"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for cid, accounts in other.shared_trues.items():
            self.shared_trues[cid] |= accounts


class Bot:
    """One closed-loop client over a keep-alive connection, with its account's key and a request budget."""

    def __init__(self, index: int, port: int, account_id: str, key: str, budget: int, stop: threading.Event):
        self.index, self.account_id, self.budget, self.stop = index, account_id, budget, stop
        self.headers = {"Content-Type": "application/json", "X-Api-Key": key}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
        self.ledger = Ledger()

    def post(self, path: str, body: dict, alias: bool = False, *, cv: bytes | None = None) -> Any:
        """POST and return `data`; the answer must be a 200 with `ret` 0 (every request here is valid).
        JSON, or with `cv` a multipart form carrying the file, as the bots upload CVs."""
        if self.budget <= 0 or self.stop.is_set():
            raise Spent
        self.budget -= 1
        path = path + "/v2" if alias else path
        self.ledger.requests[path] += 1
        if cv is None:
            payload, headers = json.dumps(body, ensure_ascii=False).encode(), self.headers
        else:
            payload, content_type = multipart(body, cv)
            headers = {**self.headers, "Content-Type": content_type}
        self.connection.request("POST", path, payload, headers)
        response = self.connection.getresponse()
        raw = response.read()
        assert response.status < 500, (path, response.status, raw[:300])
        envelope = json.loads(raw)
        assert (response.status, envelope["ret"]) == (200, 0), (path, envelope)
        return envelope["data"]

    def run(self, shared: list[str], seeds: list[str]) -> Ledger:
        try:
            self._episodes(shared, seeds)
        except Spent:
            pass
        except BaseException:
            self.stop.set()  # one failure ends the run; its assertion is the test's failure
            raise
        finally:
            self.connection.close()
        return self.ledger

    def _filter(self, cid: str, age: str, alias: bool) -> dict:
        card = boss_card(geekId=cid, ageDesc=age)
        decision = self.post("/recruit/candidate/filter", {"accountID": self.account_id, "candidateInfo": card}, alias)
        self.ledger.filters += 1
        self.ledger.trues += decision["touch"]
        return decision

    def _episodes(self, shared: list[str], seeds: list[str]) -> None:
        ledger, aid, c = self.ledger, self.account_id, self.index
        recalled: list[str] = []
        previous: str | None = None
        for k in range(10**6):
            alias = k % 2 == 1
            [task] = self.post("/recruit/account/task/fetch", {"accountID": aid}, alias)["task"]
            assert task["touch_msg"] == GREETING and task["helloSum"] > 0, task

            if k % 5 == 4:  # a candidate every client competes for: one account holds it
                cid = shared[(c + k) % len(shared)]
                decision = self._filter(cid, "26岁", alias)
                if decision["touch"]:
                    ledger.touched.add((aid, cid))
                    ledger.shared_trues[cid].add(aid)
                else:
                    assert decision["reasons"] == HELD, decision

            cid = str(900_000_000 + c * 100_000 + k)
            passing = k % 4 != 3
            decision = self._filter(cid, "26岁" if passing else "45岁", alias)
            if not passing:
                assert decision == {"touch": False, "reasons": ["age: 45 > 35"]}, decision
            else:
                assert decision == {"touch": True, "reasons": []}, decision
                ledger.touched.add((aid, cid))
                if k % 3 != 2:  # the rest stay reserved, unreported
                    batch = [cid, previous] if previous and k % 5 == 0 else [cid]
                    body = {
                        "accountID": aid,
                        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": batch}}],
                    }
                    report = self.post("/recruit/account/task/report", body, alias)
                    assert (report["status"], report["accepted"], report["duplicates"]) == ("ok", 1, len(batch) - 1)
                    ledger.reported.add((aid, cid))
                    ledger.accepted += report["accepted"]
                    previous = cid

                    history = [{"speaker": "robot", "msg": GREETING}, {"speaker": "user", "msg": "薪资多少？"}]
                    body = {"accountID": aid, "candidateID": cid, "candidateName": "张三", "historyMsg": history}
                    reply = self.post("/recruit/candidate/chat", body, alias)
                    assert reply["nextStep"] == "need_contact" and "底薪6000" in reply["nextStepContent"], reply

                    if k % 2 == 0:
                        phone = f"139{c * 100_000 + k:08d}"
                        body = {"accountID": aid, "candidateID": cid, "candidateName": "张三", "phone": phone}
                        cv = CV if k % 8 == 0 else None
                        answer = self.post("/recruit/candidate/result", {**body, "jobID": ""}, k % 4 == 2, cv=cv)
                        assert answer == {"status": "ok"}
                        ledger.contacts.add((aid, cid, phone))
                        ledger.cvs += cv is not None

            if k % 7 == 6:  # a candidate who wrote first and left a number
                cid, phone = f"u{c}-{k}", f"137{c * 100_000 + k:08d}"
                body = {"accountID": aid, "candidateID": cid, "candidateName": "李四", "phone": phone}
                assert self.post("/recruit/candidate/result", body, alias) == {"status": "ok"}
                ledger.contacts.add((aid, cid, phone))
                ledger.user_asks += 1

            if k % 4 == 1:
                if seeds:  # due for its first nudge: offered, then counted
                    cid = seeds.pop()
                    items = self.post("/recruit/candidate/recallList", {"accountID": aid, "candidateIDs": [cid]})
                    assert [(i["candidate_id"], i["need_recall"]) for i in items] == [(cid, True)], items
                    answer = self.post("/recruit/candidate/recallResult", {"accountID": aid, "candidateID": cid})
                    assert answer == {"status": "ok", "recall_count": 1}, answer
                    ledger.nudges += 1
                    recalled.append(cid)
                elif recalled:  # nudged once already; the next step is 72 hours away
                    body = {"accountID": aid, "candidateIDs": recalled, "candidateIDs_read": []}
                    assert self.post("/recruit/candidate/recallList", body) == []


@dataclass
class World:
    job: Any
    accounts: list
    keys: list  # (ApiKey, plain text), one per account
    seeds: list[list[str]]  # per client
    shared: list[str]


@pytest.fixture
def world(postgres) -> World:
    team = TeamFactory()
    job = JobFactory(
        team=team,
        platform_id="load",
        touch_msg=GREETING,
        age_min=18,
        age_max=35,
        faq_salary="底薪6000",
        contact_ask="方便留个微信吗？",
    )
    RecallStepFactory(job=job, position=0, after_hours=24, msg="{name}您好，{job_name}还在招")
    RecallStepFactory(job=job, position=1, after_hours=72, msg="{name}，再问一次")
    accounts, keys = [], []
    for i in range(ACCOUNTS):
        account = AccountFactory(team=team, platform_id=f"load{i}")
        link(account, job, hello_sum=10000, slots=((23, 59, 10000),))
        key = ApiKeyFactory(team=team)
        account.api_keys.add(key)
        accounts.append(account)
        keys.append((key, key.plain))
    greeted = timezone.now() - timedelta(hours=30)
    seeds = []
    for c in range(CLIENTS):
        mine = []
        for i in range(SEEDS):
            conversation = ConversationFactory(
                account=accounts[c % ACCOUNTS],
                job=job,
                candidate=CandidateFactory(platform_cid=f"r{c}-{i}", name="王五"),
                last_speaker="robot",
                last_robot_at=greeted,
                last_message_at=greeted,
                message_count=1,
            )
            MessageFactory(conversation=conversation, seq=0, speaker="robot", text=GREETING, engine="greeting")
            mine.append(conversation.candidate.platform_cid)
        seeds.append(mine)
    return World(
        job=job, accounts=accounts, keys=keys, seeds=seeds, shared=[str(800_000_000 + i) for i in range(SHARED)]
    )


@pytest.fixture
def web(world, redis_url, private_media, tmp_path):
    prefix = f"hunter-load-{uuid.uuid4().hex[:12]}:"
    env = server_env(
        CELERY_BROKER_URL=redis_url,  # as production: the broker's Redis also keeps the rate-limit counters
        CELERY_BROKER_KEY_PREFIX=prefix,
        API_RATE_LIMIT="6000/min",  # the production default, counted in Redis
        PRIVATE_MEDIA_ROOT=str(private_media),  # this process reads the same folder
    )
    server = Gunicorn(env=env, log_dir=tmp_path, workers=2, threads=8, args=("--keep-alive", "30"))
    with server:
        yield server
    client = redis_lib.Redis.from_url(redis_url, socket_timeout=2)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        keys += [throttle_key(key.prefix) for key, _plain in world.keys]
        client.delete(*keys)
    finally:
        client.close()


def throttle_key(prefix: str) -> str:
    """The rate-limit counter of an API key in Redis (settings CACHES KEY_PREFIX, version 1, DRF's key)."""
    return f"hunter_robot:1:throttle_bot_key:{prefix}"


def budgets(total: int, clients: int) -> list[int]:
    return [total // clients + (1 if c < total % clients else 0) for c in range(clients)]


def test_mixed_load_answers_without_5xx_and_the_database_holds_exactly_what_clients_were_told(world, web, redis_url):
    stop = threading.Event()
    bots = [
        Bot(c, web.port, world.accounts[c % ACCOUNTS].account_id, world.keys[c % ACCOUNTS][1], budget, stop)
        for c, budget in enumerate(budgets(REQUESTS, CLIENTS))
    ]
    started = time.monotonic()
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(bot.run, world.shared, list(world.seeds[bot.index])) for bot in bots]
        ledgers = [future.result(timeout=RUN_TIMEOUT) for future in futures]
    elapsed = time.monotonic() - started
    told = Ledger()
    for ledger in ledgers:
        told.merge(ledger)
    sent = sum(told.requests.values())
    print(f"\n{sent} requests from {CLIENTS} clients in {elapsed:.1f}s ({sent / elapsed:.0f} req/s)")
    for path, count in sorted(told.requests.items()):
        print(f"  {count:6d}  {path}")

    assert sent == REQUESTS
    assert "Traceback" not in web.log_tail(10_000), web.log_tail()

    # Greetings: exactly the accepted ones, each once.
    greetings = set(Greeting.objects.values_list("account__platform_id", "candidate__platform_cid"))
    assert told.accepted == len(told.reported) == Greeting.objects.count()
    assert {(f"account_Boss_{a}", c) for a, c in greetings} == told.reported

    # Reservations: every `true` not reported yet, and one account at most per contested candidate.
    assert all(len(accounts) == 1 for accounts in told.shared_trues.values()), told.shared_trues
    reservations = Reservation.objects.values_list("account__platform_id", "candidate__platform_cid")
    assert {(f"account_Boss_{a}", c) for a, c in reservations} == told.touched - told.reported
    assert Reservation.objects.count() == len(told.touched - told.reported)
    assert ScreeningDecision.objects.count() == told.filters
    assert ScreeningDecision.objects.filter(touch=True).count() == told.trues

    # Contacts: one record per result, with the number sent, and one notification each.
    contacts = ContactRecord.objects.values_list(
        "conversation__account__platform_id", "conversation__candidate__platform_cid", "phone"
    )
    assert {(f"account_Boss_{a}", c, p) for a, c, p in contacts} == told.contacts
    assert ContactRecord.objects.count() == len(told.contacts)
    with_cv = ContactRecord.objects.exclude(cv_file="")
    assert with_cv.count() == with_cv.filter(cv_received=True, cv_type="pdf").count() == told.cvs
    assert all(record.cv_file.storage.exists(record.cv_file.name) for record in with_cv)
    assert Notification.objects.filter(kind="contact").count() == len(told.contacts)
    seeded = CLIENTS * SEEDS
    assert Conversation.objects.count() == seeded + len(told.reported) + told.user_asks

    # Nudges: each counted once.
    assert Message.objects.filter(is_recall=True).count() == told.nudges
    assert sum(Conversation.objects.values_list("recall_count", flat=True)) == told.nudges

    # The rate limit ran on the shared counters in Redis, one per bot's key, and refused nobody.
    client = redis_lib.Redis.from_url(redis_url, socket_timeout=2)
    try:
        assert all(client.exists(throttle_key(key.prefix)) for key, _plain in world.keys)
    finally:
        client.close()
