"""The notification outbox end to end: real API, real Redis broker, real Celery worker, real webhook; and
beat's schedule (the django-celery-beat rows) producing the WeChat nudges and the daily summary, delivered
in each webhook format.

The worker runs in a thread of this process (`celery.contrib.testing.worker.start_worker`), consuming
from the Redis at REDIS_URL under a key prefix of its own, so parallel runs sharing that Redis never
take each other's messages. The test database is shared with the worker thread, hence
`transaction=True`: the worker only sees committed rows.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis as redis_lib
from celery import signals
from celery.contrib.testing.worker import TestWorkController, start_worker
from django.apps import apps as django_apps
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from devtools.fakes import FakeServer, HttpError, closed_port_url
from hunter_robot.celery import app as celery_app
from hunter_robot.schedules import periodic_tasks_install
from recruit import jobconfig
from recruit.models import Conversation, Message, Notification
from recruit.tasks import deliver_notifications
from tests.conftest import Api, need_service
from tests.factories import (
    AccountFactory,
    ConversationFactory,
    GreetingFactory,
    JobFactory,
    MessageFactory,
    WechatFriendFactory,
    link,
)
from wechat.models import WechatFriend, WechatTask

ROOT = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 20.0
WECHAT_ID = "zhang_san88"
RESULT = {"accountID": "account_Boss_a", "candidateID": "c1", "candidateName": "张三", "jobID": "", "wechat": WECHAT_ID}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _on_postgresql():
    """A worker thread writing to SQLite's shared in-memory test database meets "database table is
    locked" at random: these run on PostgreSQL (CI), like the other tests that need real concurrency."""
    need_service(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL")


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = WAIT_SECONDS) -> Any:
    """Poll until `predicate()` is truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.05)


@contextmanager
def broker(url: str, **options: Any) -> Iterator[None]:
    """Point the project's Celery app at another broker for the duration, then restore it.

    The app caches its connection and producer pools on first use; dropping them (as Celery does
    after a fork) makes the next publish use the new URL.
    """
    keys = ("broker_url", "broker_transport_options", "worker_enable_remote_control")
    saved = {key: celery_app.conf[key] for key in keys}

    def drop_pools() -> None:
        pool = celery_app._pool
        if pool is not None:
            pool.force_close_all()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    drop_pools()
    celery_app.conf.update(broker_url=url, broker_transport_options=options, worker_enable_remote_control=False)
    try:
        yield
    finally:
        drop_pools()
        celery_app.conf.update(saved)


class BoundedWorkController(TestWorkController):
    """`ensure_started` waits forever in Celery; a worker that cannot start must fail the test instead."""

    __test__ = False

    def ensure_started(self) -> None:
        if not self._on_started.wait(WAIT_SECONDS):
            raise RuntimeError(f"Celery test worker not ready after {WAIT_SECONDS:.0f}s")


def _leave_logging_alone(**kwargs: Any) -> None:
    """A `setup_logging` receiver: while one is connected Celery does not reconfigure the root logger."""


@pytest.fixture
def worker(redis_url: str, transactional_db) -> Iterator[None]:
    """A real Celery worker thread consuming from Redis, with its own key prefix, stopped afterwards."""
    prefix = f"hunter-test-{uuid.uuid4().hex[:12]}:"
    signals.setup_logging.connect(_leave_logging_alone)
    try:
        with broker(redis_url, global_keyprefix=prefix):
            with start_worker(
                celery_app,
                pool="solo",
                concurrency=1,
                perform_ping_check=False,
                shutdown_timeout=WAIT_SECONDS,
                WorkController=BoundedWorkController,
            ):
                yield
    finally:
        signals.setup_logging.disconnect(_leave_logging_alone)
        client = redis_lib.Redis.from_url(redis_url, socket_timeout=2)
        try:
            keys = list(client.scan_iter(match=prefix + "*"))
            if keys:
                client.delete(*keys)
        finally:
            client.close()


@pytest.fixture
def webhook() -> Iterator[FakeServer]:
    with FakeServer() as server:
        yield server


@pytest.fixture
def job(webhook: FakeServer):
    job = JobFactory(platform_id="j", notify_webhook=webhook.url + "/hook")
    link(AccountFactory(platform_id="a"), job)
    return job


def report_contact() -> Notification:
    """The bot reports a WeChat id through the real API; the contact notification is queued."""
    status, body = Api(Client(REMOTE_ADDR="127.0.0.1")).post("/recruit/candidate/result", RESULT)
    assert (status, body["ret"]) == (200, 0), body
    return Notification.objects.get()


@pytest.mark.redis
def test_contact_notification_is_delivered_by_the_worker(worker, webhook, job):
    notification = report_contact()

    sent = wait_for(
        lambda: Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENT).first(),
        "the worker to deliver the notification",
    )
    assert (sent.kind, sent.attempts, sent.last_error) == ("contact", 1, "")
    assert sent.sent_at is not None
    assert len(webhook.requests) == 1  # sent is recorded after the POST returned, so nothing is in flight
    [payload] = webhook.requests
    assert webhook.request_paths == ["/hook"]
    conversation = Conversation.objects.get()
    assert payload["kind"] == "contact"
    # The name masked like the contacts: the payload leaves the console (a group chat, another system).
    assert (payload["jobID"], payload["accountID"], payload["candidate"]) == ("job_Boss_j", "account_Boss_a", "张**")
    assert payload["contact"] == {"phone": "", "wechat": "zh****", "email": ""}
    assert WECHAT_ID not in json.dumps(payload, ensure_ascii=False)
    admin_path = reverse("admin:recruit_conversation_change", args=[conversation.pk])
    assert payload["url"] == settings.SITE_URL.rstrip("/") + admin_path


@pytest.mark.redis
def test_failed_delivery_stays_pending_and_is_retried(worker, webhook, job):
    webhook.behaviour = HttpError(500)
    notification = report_contact()

    failed = wait_for(
        lambda: Notification.objects.filter(pk=notification.pk).exclude(last_error="").first(),
        "the failed attempt to be recorded",
    )
    assert (failed.status, failed.attempts, failed.last_error) == (Notification.Status.PENDING, 1, "HTTPStatusError")
    assert failed.next_attempt_at > timezone.now()  # backed off
    assert len(webhook.requests) == 1

    webhook.behaviour = None  # recovered: 200 {}
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now())
    deliver_notifications.delay()

    sent = wait_for(
        lambda: Notification.objects.filter(pk=notification.pk, status=Notification.Status.SENT).first(),
        "the retry to deliver the notification",
    )
    assert sent.attempts == 2 and sent.sent_at is not None
    assert len(webhook.requests) == 2
    assert webhook.requests[0] == webhook.requests[1]  # the same payload, resent


FORMATS = ("json", "wecom", "dingtalk", "feishu")


def beat_sends(name: str) -> None:
    """What beat does when the schedule entry `name` is due, now instead of waited for: the
    DatabaseScheduler `make run` and production use publishes the PeriodicTask row's task (with its
    arguments and options) to the broker."""
    periodic_tasks_install(django_apps, settings.TIME_ZONE)  # the migration's rows, should a flush have removed them
    scheduler = DatabaseScheduler(app=celery_app, lazy=False)
    try:
        # The entry beat builds from the row (its schedule only lists crontab rows due around this hour).
        entry = scheduler.Entry(PeriodicTask.objects.get(name=name), app=celery_app)
        scheduler.apply_async(entry, advance=False)
    finally:
        scheduler.close()


@pytest.fixture
def four_jobs(webhook: FakeServer) -> dict[str, object]:
    """One job per webhook format, each with today's activity: a greeting, a reply with a WeChat id, a
    friend who went silent after our message 25 hours ago, and one who accepted and agreed an interview."""
    now = timezone.now()
    jobs = {}
    for fmt in FORMATS:
        job = JobFactory(
            name=f"客服-{fmt}", notify_webhook=f"{webhook.url}/{fmt}", notify_format=fmt, wechat_nudge_after_hours=24
        )
        account = AccountFactory(team=job.team)
        GreetingFactory(job=job, account=account)
        silent = ConversationFactory(
            job=job, account=account, candidate__name="张三", first_reply_at=now, wechat_at=now
        )
        friend = WechatFriendFactory(
            conversation=silent, search_id=WECHAT_ID, status=WechatFriend.Status.ACCEPTED, accepted_at=now
        )
        ours = MessageFactory(conversation=silent, channel=Message.Channel.WECHAT, speaker="robot", text="您好")
        Message.objects.filter(pk=ours.pk).update(created_at=now - timedelta(hours=25))
        agreed = ConversationFactory(job=job, account=account, candidate__name="李四")
        WechatFriendFactory(
            conversation=agreed,
            wechat_account=friend.wechat_account,
            status=WechatFriend.Status.FINISHED,
            accepted_at=now,
            interview_at=now,
            interview_slot="周二 14:00",
        )
        jobs[fmt] = job
    return jobs


@pytest.mark.redis
def test_beat_schedules_the_nudge_and_the_summary_delivered_in_each_format(worker, webhook, four_jobs):
    beat_sends("wechat-nudges")
    wait_for(lambda: WechatTask.objects.filter(kind="send_msg").count() == 4, "the worker to queue the nudges")
    for job in four_jobs.values():
        [nudge] = WechatTask.objects.filter(kind="send_msg", friend__conversation__job=job)
        assert (nudge.status, nudge.msg) == ("pending", jobconfig.wechat_nudge(job, name="张三", step=0))
        assert nudge.friend.nudge_count == 1 and nudge.friend.search_id == WECHAT_ID
    assert webhook.requests == []  # a nudge goes to the candidate, through the WeChat bot

    beat_sends("daily-summary")
    wait_for(
        lambda: Notification.objects.filter(kind="summary", status=Notification.Status.SENT).count() == 4,
        "the worker to write and deliver the four summaries",
    )
    bodies = dict(zip(webhook.request_paths, webhook.requests, strict=True))
    assert set(bodies) == {f"/{fmt}" for fmt in FORMATS}
    for fmt, job in four_jobs.items():
        text = json.dumps(bodies[f"/{fmt}"], ensure_ascii=False)
        assert job.name in text and f"job__id__exact={job.pk}" in text
        assert "张三" not in text and "李四" not in text and WECHAT_ID not in text  # counts, no candidate data

    counts = bodies["/json"]["counts"]
    assert (bodies["/json"]["kind"], bodies["/json"]["day"]) == ("summary", timezone.localdate().isoformat())
    assert {key: counts[key] for key in ("greeted", "replied", "contacts", "wechat", "wechat_added", "interviews")} == {
        "greeted": 1,
        "replied": 1,
        "contacts": 1,
        "wechat": 1,
        "wechat_added": 2,
        "interviews": 1,
    }
    wecom = bodies["/wecom"]
    assert wecom["msgtype"] == "markdown" and set(wecom["markdown"]) == {"content"}
    assert wecom["markdown"]["content"].startswith("**每日汇总**") and "> 加微信：2" in wecom["markdown"]["content"]
    dingtalk = bodies["/dingtalk"]
    assert dingtalk["msgtype"] == "markdown" and dingtalk["markdown"]["title"] == "每日汇总 · 客服-dingtalk"
    assert "- 约面试：1" in dingtalk["markdown"]["text"]
    feishu = bodies["/feishu"]
    assert feishu["msg_type"] == "interactive"
    assert feishu["card"]["header"]["title"]["content"] == "每日汇总 · 客服-feishu"
    assert "打招呼：1" in feishu["card"]["elements"][0]["text"]["content"]


def test_broker_outage_keeps_the_notification_and_the_api_answers(webhook, job, caplog):
    """Redis is down when the event commits: the bot still gets its answer, the outbox row stays pending
    for the periodic task. Nothing listens on the broker port, so every publish attempt is refused."""
    dead_broker = closed_port_url().replace("http://", "redis://") + "/0"
    with broker(dead_broker):
        started = time.monotonic()
        notification = report_contact()
        elapsed = time.monotonic() - started

    assert (notification.status, notification.attempts, notification.kind) == (
        Notification.Status.PENDING,
        0,
        "contact",
    )
    assert notification.webhook == webhook.url + "/hook"
    assert webhook.requests == []
    assert elapsed < 10, f"the API waited {elapsed:.1f}s on a dead broker"
    messages = [r.getMessage() for r in caplog.records if r.name == "recruit.services.notify"]
    assert len(messages) == 1 and messages[0].startswith("broker unavailable, notification left for the periodic task")
    assert WECHAT_ID not in caplog.text


KICK = """
import time, django
django.setup()
from recruit.services.notify import _kick_delivery
started = time.monotonic()
_kick_delivery()
print(f"returned after {time.monotonic() - started:.1f}s")
"""


def test_hung_broker_does_not_hang_the_request(tmp_path):
    """A Redis that accepts TCP connections and never answers (hung, overloaded, behind a stuck proxy).
    The kick runs in the bot's request (on_commit), so it must give up within a bounded time.

    Runs in a child process configured only through the environment, as production is, so the check
    covers settings and the Celery app as they are built, not this test's overrides."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)  # the kernel completes handshakes; nobody ever reads or writes
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "hunter_robot.settings",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{hung.getsockname()[1]}/0",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
            "LOG_LEVEL": "ERROR",
        }
        try:
            done = subprocess.run(
                [sys.executable, "-c", KICK], env=env, cwd=ROOT, capture_output=True, text=True, timeout=15
            )
        except subprocess.TimeoutExpired:
            pytest.fail("the on-commit kick was still blocked on the hung broker after 15 s")
    assert done.returncode == 0, done.stderr
