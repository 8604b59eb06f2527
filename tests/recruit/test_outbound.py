"""The outbound allowlist (OUTBOUND_ALLOWED_HOSTS) judges host and port (CONTRACT §4 job/register).

An entry without a port allows only the URL scheme's default port (80 for http, 443 for https,
written or not); `host:port` allows exactly that port; IPv6 literals are written in brackets.
"""

from __future__ import annotations

import pytest

from hunter_robot.outbound import OutboundURLRejected, check_outbound_url
from recruit.models import Job

ALLOWED = [
    "hooks.example.com",
    "algo.internal:8080",
    "[::1]:8080",
    "[2001:db8::7]",
    "Upper.Example.COM",
    "10.0.0.5:443",
]

URLS = [
    ("http://hooks.example.com/x", True),
    ("https://hooks.example.com/x", True),
    ("http://hooks.example.com:80/x", True),
    ("https://hooks.example.com:443/x", True),
    ("http://HOOKS.example.com./x", True),  # case and a trailing dot do not make another host
    ("http://hooks.example.com:6379/", False),  # the reported case: any port used to pass
    ("http://hooks.example.com:443/", False),  # 443 is https's default, not http's
    ("https://hooks.example.com:80/", False),
    ("https://hooks.example.com:8443/", False),
    ("http://algo.internal:8080/chat", True),
    ("http://algo.internal/chat", False),  # a port entry allows that port only
    ("http://algo.internal:8081/chat", False),
    ("http://[::1]:8080/hook", True),
    ("http://[0:0::1]:8080/hook", True),  # the same address, written longer
    ("http://[::1]/hook", False),
    ("http://[::1]:9090/hook", False),
    ("https://[2001:db8::7]/hook", True),
    ("https://[2001:db8::7]:444/hook", False),
    ("https://upper.example.com/", True),
    ("https://10.0.0.5/", True),  # 443 is https's default and the entry's port
    ("http://10.0.0.5/", False),
    ("http://evil.example.com/", False),
    ("http://hooks.example.com.evil.net/", False),
    ("http://evil.net/?hooks.example.com", False),
    ("ftp://hooks.example.com/", False),
    ("hooks.example.com/x", False),
    ("http://hooks.example.com:99999/", False),
    ("http://hooks.example.com:abc/", False),
    ("http://hooks.example.com:0/", False),
    ("http://[::1/", False),
    ("http:///x", False),
]


@pytest.mark.parametrize(("url", "allowed"), URLS, ids=[u for u, _a in URLS])
def test_host_and_port_are_both_judged(url, allowed):
    if allowed:
        assert check_outbound_url(url, ALLOWED) == url
    else:
        with pytest.raises(OutboundURLRejected):
            check_outbound_url(url, ALLOWED)


def test_malformed_entries_allow_nothing():
    for entry in ("hooks.example.com:abc", "hooks.example.com:70000", "[::1", ""):
        with pytest.raises(OutboundURLRejected):
            check_outbound_url("http://hooks.example.com/", [entry])


JOB = {"platformType": "Boss", "platformID": "1", "jobName": "客服"}


@pytest.fixture
def allow(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["hooks.example.com", "[::1]:8080"]


@pytest.mark.parametrize(
    ("url", "msg"),
    [
        ("http://hooks.example.com:6379/", "host hooks.example.com: port 6379 is not allowed"),
        ("http://hooks.example.com:99999/", "port out of range"),
        ("http://hooks.example.com:abc/", "malformed port"),
        ("http://[::1/", "malformed URL"),
    ],
)
@pytest.mark.parametrize("field", ["robotApi", "jobConfig.notify_webhook"])
def test_api_rejects_with_1001_naming_the_field(api, allow, field, url, msg):
    body = {**JOB, "robotApi": url} if field == "robotApi" else {**JOB, "jobConfig": {"notify_webhook": url}}
    status, payload = api.post("/recruit/job/register", body)
    assert (status, payload["ret"]) == (400, 1001), payload
    assert payload["msg"].startswith(f"{field}: ") and msg in payload["msg"]
    assert not Job.objects.exists()


def test_api_accepts_allowed_hosts_and_ports(api, allow):
    body = {**JOB, "robotApi": "http://[::1]:8080/chat", "jobConfig": {"notify_webhook": "https://hooks.example.com/h"}}
    api.ok("/recruit/job/register", body)
    job = Job.objects.get()
    assert (job.robot_api, job.notify_webhook) == ("http://[::1]:8080/chat", "https://hooks.example.com/h")
