"""The console's defences beyond Django's own: django-axes' glue (which client a failed login counts
against, and the page a locked-out login gets) and the Content-Security-Policy of console pages.

Settings in the "Security" block of hunter_robot/settings.py; `manage.py check --deploy` rules in
hunter_robot/checks.py.
"""

from __future__ import annotations

import copy
import ipaddress
import math
from functools import lru_cache

from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from hunter_robot.api.auth import client_address


def login_client_address(request) -> str | None:
    """The client a console login attempt counts against (AXES_CLIENT_IP_CALLABLE): the API's rule
    (REMOTE_ADDR, or behind TRUSTED_PROXIES the first untrusted X-Forwarded-For hop), so a client cannot
    shed its failures by sending its own X-Forwarded-For. None when that is no IP address (a request made
    in-process, or a proxy writing `unknown`): axes stores the address in an IP column."""
    try:
        return str(ipaddress.ip_address(client_address(request).strip()))
    except ValueError:
        return None


def lockout_minutes() -> int:
    return max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))


def lockout_response(request, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the admin's own login page (django-unfold's), answered 429 with the lockout
    in Chinese above an empty form, and Retry-After. The form is shown again as on a GET: rendering it
    bound would authenticate the posted credentials once more."""
    message = _(
        "登录失败次数过多：此账号在您当前的网络地址上已被暂时锁定。请 %(minutes)d 分钟后再试，或联系管理员解锁。"
    ) % {"minutes": lockout_minutes()}
    if request.path_info == reverse("admin:login"):
        page = copy.copy(request)
        page.method = "GET"
        messages.error(page, message)
        response = admin.site.login(page)
        response.render()
        response.status_code = 429
    else:  # a login through some other form: no page of ours to show it on
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


@lru_cache(maxsize=1)
def console_prefix() -> str:
    return reverse("admin:index")


class ConsoleContentSecurityPolicy:
    """CONSOLE_CSP on every response under the console's URL (the login and lockout pages included).
    The API answers JSON and the API docs (Swagger UI, Redoc) run inline scripts, so neither gets it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONSOLE_CSP
        if policy and request.path_info.startswith(console_prefix()):
            response.headers.setdefault("Content-Security-Policy", policy)
        return response
