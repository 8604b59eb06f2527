"""Probes and metrics for operators: `/healthz`, `/readyz`, `/metrics`, and the middleware that counts
the bot API's requests.

- `/healthz` (liveness): 200 while the process serves requests; touches nothing.
- `/readyz` (readiness): 503 only when the database cannot be reached. The Celery broker and the cache
  (rate-limit counters) are reported `degraded` in the body with a 200: the API keeps working without
  them (notifications wait in the outbox, the rate limit lets requests through).
- `/metrics`: Prometheus text format (`hunter_robot.metrics`), from loopback or with `METRICS_KEY`
  (`Authorization: Bearer <key>`, as Prometheus' `authorization` scrape option sends it).

None of them needs an API key or a session, and none writes a log line per call: a readiness check
logs only when a dependency changes state, and `QuietProbes` keeps the development server's access
log quiet for them too. This module is imported by the logging configuration (`QuietProbes`), before
the apps are loaded: it imports no models at module level.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import os
import re
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from hunter_robot import metrics

logger = logging.getLogger(__name__)

PROBE_PATHS = ("/healthz", "/readyz", "/metrics")
CHECK_TIMEOUT = 0.5  # seconds a broker or cache check may take (the database has its own settings)
OK, DEGRADED, UNAVAILABLE = "ok", "degraded", "unavailable"

# The last state of each dependency in this process: a change is logged, a repeated state is not.
_last: dict[str, str] = {}
_last_lock = threading.Lock()


def _record(name: str, state: str, detail: str = "") -> str:
    with _last_lock:
        previous = _last.get(name)
        _last[name] = state
    if previous != state and (previous is not None or state != OK):
        level = logging.INFO if state == OK else logging.WARNING
        logger.log(level, "readiness: %s is %s%s", name, state, f" ({detail})" if detail else "")
    return state


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # OperationalError, InterfaceError, … : whatever it is, not ready
        return _record("database", UNAVAILABLE, type(exc).__name__)
    return _record("database", OK)


def broker_state() -> str:
    """Connect to the Celery broker (Redis answers a PING); the filesystem transport's is its folder."""
    from kombu import Connection

    options = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS}
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        folder = options.get("data_folder_in", "")
        writable = os.path.isdir(folder) and os.access(folder, os.W_OK)
        return _record("broker", OK) if writable else _record("broker", DEGRADED, f"{folder} not writable")
    options.update(socket_connect_timeout=CHECK_TIMEOUT, socket_timeout=CHECK_TIMEOUT)
    try:
        with Connection(settings.CELERY_BROKER_URL, transport_options=options, connect_timeout=CHECK_TIMEOUT) as conn:
            conn.ensure_connection(max_retries=0)
    except Exception as exc:
        return _record("broker", DEGRADED, type(exc).__name__)
    return _record("broker", OK)


def cache_state() -> str:
    """Read one key from the default cache (Redis when configured: the shared rate-limit counters)."""
    try:
        cache.get("readyz")
    except Exception as exc:
        return _record("cache", DEGRADED, type(exc).__name__)
    return _record("cache", OK)


@never_cache
@require_safe
def healthz(request):
    return JsonResponse({"status": OK})


@never_cache
@require_safe
def readyz(request):
    checks = {"database": database_state(), "broker": broker_state(), "cache": cache_state()}
    ready = checks["database"] == OK
    status = UNAVAILABLE if not ready else OK if all(state == OK for state in checks.values()) else DEGRADED
    return JsonResponse({"status": status, "checks": checks}, status=200 if ready else 503)


def metrics_allowed(request) -> bool:
    """Loopback (a request relayed by a proxy that is not in TRUSTED_PROXIES is not loopback, whatever
    its socket says), or the METRICS_KEY as a bearer token."""
    from hunter_robot.api.auth import client_address

    key = settings.METRICS_KEY
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if key and header[:7].lower() == "bearer " and hmac.compare_digest(header[7:].strip().encode(), key.encode()):
        return True
    address = client_address(request)
    if "HTTP_X_FORWARDED_FOR" in request.META and address == request.META.get("REMOTE_ADDR"):
        return False  # relayed by a proxy we do not trust: the real client is unknown
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


@never_cache
@require_safe
def metrics_view(request):
    if not metrics_allowed(request):
        return HttpResponse("forbidden: loopback or METRICS_KEY only\n", status=403, content_type="text/plain")
    body, content_type = metrics.render()
    return HttpResponse(body, content_type=content_type)


class MetricsMiddleware:
    """Counts each bot API request by endpoint (its route, aliases apart; `unmatched` for unknown URLs)
    and envelope `ret`, with its latency. Outermost in MIDDLEWARE, so the time covers every layer."""

    def __init__(self, get_response):
        from hunter_robot.api.middleware import is_api_path

        self.get_response = get_response
        self.is_api_path = is_api_path
        self.labels: dict[str, str] = {}  # route → endpoint label

    def __call__(self, request):
        if not self.is_api_path(request.path_info):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        metrics.api_request(self.endpoint(request), envelope_ret(response), time.perf_counter() - started)
        return response

    def endpoint(self, request) -> str:
        match = request.resolver_match
        if match is None:
            return "unmatched"
        route = match.route
        label = self.labels.get(route)
        if label is None:
            # "recruit/candidate/filter/v2/?$" → "/recruit/candidate/filter/v2"
            label = "/" + route.replace("^", "").removesuffix("$").removesuffix("/?").rstrip("/")
            self.labels[route] = label
        return label


def envelope_ret(response) -> str:
    """The `ret` the response carries: read from DRF's data when it has it (no parsing on the hot path),
    else from the envelope the middleware wrote (404, 405, 413, crashes)."""
    data = getattr(response, "data", None)
    if getattr(response, "enveloped", False) and isinstance(data, dict):
        return str(data.get("ret"))
    if hasattr(response, "data") and response.status_code == 200:
        return "0"
    try:
        return str(json.loads(response.content)["ret"])
    except Exception:
        return "unknown"


class QuietProbes(logging.Filter):
    """For `django.server` (the development server's access log, `"GET /healthz HTTP/1.1" 200 15`):
    successful probe and scrape requests are not logged, errors still are."""

    REQUEST_LINE = re.compile(r'"[A-Z]+ ([^ ?"]+)')

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", 500) >= 400:
            return True
        found = self.REQUEST_LINE.search(record.getMessage())
        return found is None or found.group(1) not in PROBE_PATHS
