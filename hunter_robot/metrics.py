"""Prometheus metrics: what the API answered, what the dialogue engines did, and the queues' depths.

Requests and engine turns are counted in memory as they happen (a lock and an addition, no SQL: the
bot endpoints' pinned statement counts stay as they are). The queue depths (outbox, WeChat tasks,
reservations held) are read from the database when Prometheus scrapes, three statements per scrape.

Several worker processes (gunicorn `--workers N`) each count their own requests; to scrape their sum,
start the server with `PROMETHEUS_MULTIPROC_DIR` pointing at an empty folder (prometheus_client's
multiprocess mode: each process writes its counters to files there, the scrape adds them up).

Served at `/metrics` by `hunter_robot.health` (loopback, or `METRICS_KEY`).
"""

from __future__ import annotations

import logging
import os
import threading
import time

# prometheus_client switches to multiprocess mode when the variable merely exists, and writes its files
# to the working directory when it is empty (an empty line in `.env`): empty means unset here.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR") == "":
    del os.environ["PROMETHEUS_MULTIPROC_DIR"]

from prometheus_client import CONTENT_TYPE_LATEST as CONTENT_TYPE
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

# Bot endpoints answer in milliseconds; chat waits on an engine up to CHAT_DEADLINE (20 s by default).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0)

API_REQUESTS = Counter(
    "hunter_api_requests", "Bot API requests answered, by endpoint and envelope ret.", ["endpoint", "ret"]
)
API_LATENCY = Histogram(
    "hunter_api_request_duration_seconds",
    "Time to answer a bot API request, by endpoint and envelope ret.",
    ["endpoint", "ret"],
    buckets=LATENCY_BUCKETS,
)
ENGINE_TURNS = Counter(
    "hunter_engine_turns",
    "Dialogue engine turns, by engine (rule, llm, external) and outcome (ok, timeout, error, busy, crash).",
    ["engine", "outcome"],
)
ENGINE_LATENCY = Histogram(
    "hunter_engine_duration_seconds",
    "Time a dialogue engine took for one turn (until the deadline when it timed out).",
    ["engine", "outcome"],
    buckets=LATENCY_BUCKETS,
)

# labels() takes a lock and hashes its arguments; the children of the few (endpoint, ret) pairs a server
# ever sees are kept here, so a request costs two dictionary lookups and the observations.
_children: dict[tuple[str, str], tuple] = {}
_children_lock = threading.Lock()


def api_request(endpoint: str, ret: str, seconds: float) -> None:
    """Count one answered API request (`ret` as text: "0", "1001", … or "unknown")."""
    key = (endpoint, ret)
    pair = _children.get(key)
    if pair is None:
        with _children_lock:
            pair = _children.setdefault(key, (API_REQUESTS.labels(*key), API_LATENCY.labels(*key)))
    pair[0].inc()
    pair[1].observe(seconds)


def engine_turn(engine: str, outcome: str, seconds: float) -> None:
    """Count one dialogue-engine turn."""
    ENGINE_TURNS.labels(engine, outcome).inc()
    ENGINE_LATENCY.labels(engine, outcome).observe(seconds)


class QueueDepths:
    """The queues' depths, read from the database at scrape time (never per request)."""

    def describe(self):
        # Registering with a describe() keeps the registry from collecting (querying) at import.
        return self._families()

    @staticmethod
    def _families():
        return (
            GaugeMetricFamily("hunter_queue_depths_up", "1 when the queue depths below could be read."),
            GaugeMetricFamily("hunter_outbox_pending", "Notifications waiting in the outbox for delivery."),
            GaugeMetricFamily(
                "hunter_outbox_oldest_pending_age_seconds", "Age of the oldest notification waiting (0: none)."
            ),
            GaugeMetricFamily(
                "hunter_wechat_tasks_open",
                "WeChat tasks not done or failed, by kind and status.",
                labels=["kind", "status"],
            ),
            GaugeMetricFamily("hunter_reservations_held", "Candidates held for an account by a live reservation."),
        )

    def collect(self):
        from django.db.models import Count, Min
        from django.utils import timezone

        from recruit.models import Notification, Reservation
        from wechat.models import WechatTask

        up, pending, oldest, tasks, held = self._families()
        now = timezone.now()
        try:
            outbox = Notification.objects.filter(status=Notification.Status.PENDING).aggregate(
                n=Count("id"), oldest=Min("created_at")
            )
            open_tasks = list(
                WechatTask.objects.filter(status__in=[WechatTask.Status.PENDING, WechatTask.Status.LEASED])
                .values_list("kind", "status")
                .annotate(n=Count("id"))
                .order_by()
            )
            live = Reservation.objects.filter(expires_at__gt=now).count()
        except Exception as exc:  # a scrape during a database outage still answers, with the depths down
            logger.warning("queue depths unavailable: %s", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        pending.add_metric([], outbox["n"])
        oldest.add_metric([], (now - outbox["oldest"]).total_seconds() if outbox["oldest"] else 0)
        for kind in WechatTask.Kind.values:
            for status in (WechatTask.Status.PENDING, WechatTask.Status.LEASED):
                count = next((n for k, s, n in open_tasks if k == kind and s == status), 0)
                tasks.add_metric([kind, status], count)
        held.add_metric([], live)
        yield from (up, pending, oldest, tasks, held)


_depths = QueueDepths()
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
if not MULTIPROCESS:
    REGISTRY.register(_depths)


def render() -> tuple[bytes, str]:
    """The exposition (text format) and its content type. In multiprocess mode, the sum over the
    processes' files plus the depths; else this process's registry (with its process metrics)."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        registry.register(_depths)
    else:
        registry = REGISTRY
    started = time.perf_counter()
    body = generate_latest(registry)
    logger.debug("metrics rendered in %.1f ms", (time.perf_counter() - started) * 1000)
    return body, CONTENT_TYPE
