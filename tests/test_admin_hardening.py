"""The console's defences: failed-login lockout (django-axes, counted per username and client address, the
address read by the API's TRUSTED_PROXIES rule), security headers and the Content-Security-Policy on
console pages, and the HTTPS settings at work (redirect, HSTS, secure cookies behind a proxy).

The lockout tests log in through the admin's real login form (the rest of the suite uses force_login).
The policy is checked in headless Chromium too: django-unfold's pages must run (Alpine starts) and
report no violation.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone

from hunter_robot.security import login_client_address
from tests.browser.test_console_flow import WAIT, browser  # noqa: F401  (a fixture, used by name)
from tests.factories import (
    AccountFactory,
    ConversationFactory,
    JobFactory,
    MessageFactory,
    RecallStepFactory,
    TeamFactory,
    UserFactory,
    staff_client,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    """These tests log in through the form dozens of times: a cheap hasher (users are created after this)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


LOGIN = "/admin/login/"
PASSWORD = "hunter-test-pw"  # UserFactory's
LOCKED = "登录失败次数过多"
PROXY, CLIENT, OTHER = "10.0.0.5", "203.0.113.7", "203.0.113.8"


def attempt(client: Client, username: str, password: str, address: str = CLIENT, **headers):
    return client.post(
        f"{LOGIN}?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=address, **headers
    )


def fail(client: Client, username: str, times: int, address: str = CLIENT, **headers):
    return [attempt(client, username, "wrong-password", address, **headers).status_code for _ in range(times)]


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


# --- Lockout ---------------------------------------------------------------------------------------


def test_the_fifth_failure_locks_the_username_at_that_address(settings):
    assert settings.LOGIN_FAILURE_LIMIT == 5 and settings.LOGIN_LOCKOUT_MINUTES == 15  # the documented defaults
    UserFactory(username="alice")
    client = Client()
    assert fail(client, "alice", 4) == [200] * 4  # the form again, with Django's "wrong password" error
    locked = attempt(client, "alice", "wrong-password")
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    html = locked.content.decode()
    assert f"{LOCKED}：此账号在您当前的网络地址上已被暂时锁定。请 15 分钟后再试" in html
    assert 'id="login-form"' in html  # the admin's own login page, not a bare text answer
    # Now even the right password is refused, and nobody is logged in.
    refused = attempt(client, "alice", PASSWORD)
    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/", REMOTE_ADDR=CLIENT).status_code == 302  # still sent to the login page
    (row,) = AccessAttempt.objects.all()
    assert (row.username, row.ip_address, row.failures_since_start) == ("alice", CLIENT, 6)


def test_the_lockout_holds_one_username_at_one_address_only():
    UserFactory(username="alice")
    UserFactory(username="bob")
    fail(Client(), "alice", 5)
    assert attempt(Client(), "alice", PASSWORD).status_code == 429
    assert logged_in(attempt(Client(), "alice", PASSWORD, address=OTHER))  # alice elsewhere
    assert logged_in(attempt(Client(), "bob", PASSWORD))  # someone else at the same address


def test_the_lockout_lifts_after_the_cool_off_and_each_try_restarts_it():
    UserFactory(username="alice")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(Client(), "alice", 5)
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        assert attempt(Client(), "alice", PASSWORD).status_code == 429  # a try while locked: 15 more minutes
    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        assert attempt(Client(), "alice", PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=36), tick=False):
        assert logged_in(attempt(Client(), "alice", PASSWORD))


def test_a_successful_login_clears_the_failures():
    UserFactory(username="alice")
    assert fail(Client(), "alice", 4) == [200] * 4
    assert logged_in(attempt(Client(), "alice", PASSWORD))
    assert fail(Client(), "alice", 4) == [200] * 4  # counted from zero again
    assert logged_in(attempt(Client(), "alice", PASSWORD))


def test_a_login_without_next_lands_on_the_console():
    """django-unfold's form carries no `next` field: LOGIN_REDIRECT_URL, not /accounts/profile/ (a 404)."""
    UserFactory(username="alice")
    response = Client().post(LOGIN, {"username": "alice", "password": PASSWORD}, REMOTE_ADDR=CLIENT)
    assert logged_in(response)


def test_an_unknown_username_is_locked_the_same_way():
    assert fail(Client(), "nobody", 5) == [200] * 4 + [429]


def test_behind_a_trusted_proxy_each_client_counts_by_its_forwarded_address(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    UserFactory(username="alice")
    assert fail(Client(), "alice", 5, address=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)[-1] == 429
    assert AccessAttempt.objects.get().ip_address == CLIENT
    # Another client behind the same proxy is not locked out by the first one's failures.
    assert logged_in(attempt(Client(), "alice", PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR=OTHER))
    # The proxy appends the real peer: a forged hop in front of it changes nothing.
    forged = attempt(Client(), "alice", PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.1, {CLIENT}")
    assert forged.status_code == 429


def test_a_client_cannot_shed_its_failures_with_its_own_forwarded_for(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    UserFactory(username="alice")
    codes = [
        attempt(Client(), "alice", "wrong-password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(1, 6)
    ]
    assert codes == [200] * 4 + [429]
    assert AccessAttempt.objects.get().ip_address == CLIENT  # its own socket address, not what it claimed


def test_the_login_address_is_the_apis_client_address_or_none(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    factory = RequestFactory()
    assert login_client_address(factory.get("/", REMOTE_ADDR=CLIENT)) == CLIENT
    assert login_client_address(factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CLIENT)) == CLIENT
    assert login_client_address(factory.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="unknown")) is None
    bare = factory.get("/")
    del bare.META["REMOTE_ADDR"]  # as force_login's request: no socket at all
    assert login_client_address(bare) is None


def test_force_login_still_works_and_records_no_attempt():
    client = staff_client(TeamFactory())
    assert client.get("/admin/").status_code == 200
    assert not AccessAttempt.objects.exists()


@override_settings(LANGUAGE_CODE="en")
def test_the_lockout_message_in_english():
    fail(Client(), "alice", 4)
    html = attempt(Client(), "alice", "wrong-password").content.decode()
    assert "Too many failed login" in html and "15 minutes" in html  # the catalog's wording
    assert LOCKED not in html


def test_a_lockout_outside_the_admins_form_answers_plain_text(rf):
    from hunter_robot.security import lockout_response

    response = lockout_response(rf.post("/elsewhere/"))
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert LOCKED in response.content.decode()


# --- Headers ---------------------------------------------------------------------------------------

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_console_headers(response, settings):
    for name, value in SECURITY_HEADERS.items():
        assert response.get(name) == value, (response.request["PATH_INFO"], name, response.get(name))
    policy = response["Content-Security-Policy"]
    assert policy == settings.CONSOLE_CSP
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";")}
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in directives["script-src"]  # no inline <script> may run on the console


def test_console_pages_carry_the_security_headers(settings):
    team = TeamFactory()
    job = JobFactory(team=team)
    anonymous = Client()
    assert_console_headers(anonymous.get(LOGIN), settings)
    client = staff_client(team, "recruit.view_job", "recruit.change_job")
    for path in ("/admin/", "/admin/recruit/job/", f"/admin/recruit/job/{job.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert_console_headers(response, settings)
    # The lockout page too.
    fail(Client(), "alice", 4)
    assert_console_headers(attempt(Client(), "alice", "wrong-password"), settings)


def test_the_policy_stays_off_the_api_and_its_docs(client):
    """The API answers JSON; Swagger UI and Redoc run inline scripts, so a policy would break them."""
    api = client.post("/recruit/job/query", {}, content_type="application/json")
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    for response in (api, docs):
        assert "Content-Security-Policy" not in response
        assert response["X-Content-Type-Options"] == "nosniff"


def test_an_empty_console_csp_turns_the_policy_off(settings, client):
    settings.CONSOLE_CSP = ""
    response = client.get(LOGIN)
    assert "Content-Security-Policy" not in response
    assert response["X-Frame-Options"] == "DENY"


# --- HTTPS behind a proxy (what SECURE_TLS=true sets; tests/test_deploy_checks.py checks the mapping) -----


@pytest.fixture
def tls(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    return {"HTTP_X_FORWARDED_PROTO": "https"}


def test_plain_http_is_sent_to_https_but_probes_are_not(tls):
    client = Client()
    response = client.get(LOGIN)
    assert response.status_code == 301 and response["Location"] == f"https://testserver{LOGIN}"
    assert client.get("/healthz").status_code == 200


def test_over_https_the_console_sends_hsts_and_secure_cookies(tls):
    UserFactory(username="alice")
    client = Client(**tls)
    page = client.get(LOGIN)
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert page.cookies["csrftoken"]["secure"]
    response = attempt(client, "alice", PASSWORD)
    assert logged_in(response)
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"]


# --- In a browser: django-unfold's pages run under the policy ------------------------------------

VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sample || ''}`.trim());
});
"""


def console_pages(job, conversation) -> list[str]:
    return [
        "/admin/",
        "/admin/recruit/job/",
        f"/admin/recruit/job/{job.pk}/change/",
        "/admin/recruit/job/add/",
        "/admin/recruit/conversation/",
        f"/admin/recruit/conversation/{conversation.pk}/change/",
        "/admin/recruit/conversation/export/",
        "/admin/auth/user/",
        "/admin/django_celery_beat/periodictask/",
    ]


# Alpine has evaluated the page's x-data expressions: the body's data has the sidebar's state (it starts
# and removes x-cloak even when every expression fails).
ALPINE_RAN = "return !!window.Alpine && Alpine.$data(document.body).sidebarMobileOpen === false"


def visit(driver, url: str) -> tuple[list[str], bool]:
    """Open `url`; the policy violations it reported and whether Alpine evaluated the page's expressions."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, WAIT).until(ec.presence_of_element_located((By.TAG_NAME, "body")))
    try:
        WebDriverWait(driver, 3).until(lambda page: page.execute_script(ALPINE_RAN))
        started = True
    except TimeoutException:  # Alpine never started
        started = False
    return driver.execute_script("return window.__csp"), started


def browser_login(driver, username: str, password: str):
    """Submit the login form on the current page and wait for the next page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    form = driver.find_element(By.ID, "login-form")
    for field, value in (("id_username", username), ("id_password", password)):
        driver.find_element(By.ID, field).clear()  # the form comes back with the name filled in
        driver.find_element(By.ID, field).send_keys(value)
    driver.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
    WebDriverWait(driver, WAIT).until(ec.staleness_of(form))


@pytest.mark.django_db(transaction=True)  # needs no data from migrations
def test_unfold_pages_run_under_the_policy_in_chromium(live_server, browser):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT)
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": VIOLATIONS})
    UserFactory(username="root", is_superuser=True)
    team = TeamFactory()
    job = JobFactory(team=team)
    RecallStepFactory(job=job)
    conversation = ConversationFactory(account=AccountFactory(team=team), job=job)
    MessageFactory(conversation=conversation, speaker="user", text="你好")
    base = live_server.url

    # The login page, then the lockout page after five failures of another name, both on the policy.
    violations, started = visit(browser, base + LOGIN)
    assert (violations, started) == ([], True)
    for _ in range(5):
        browser_login(browser, "intruder", "wrong-password")
    assert (
        LOCKED
        in wait.until(ec.presence_of_element_located((By.ID, "login-form"))).find_element(By.XPATH, "/html/body").text
    )
    assert browser.execute_script("return window.__csp") == []

    # The real user logs in through the form and walks the console.
    visit(browser, base + LOGIN)
    browser_login(browser, "root", PASSWORD)
    wait.until(ec.presence_of_element_located((By.ID, "nav-sidebar")))
    seen = {}
    for path in console_pages(job, conversation):
        violations, started = visit(browser, base + path)
        seen[path] = (violations, started)
    assert all(result == ([], True) for result in seen.values()), seen


@pytest.mark.django_db(transaction=True)
def test_without_unsafe_eval_alpine_cannot_start(live_server, browser, settings):  # noqa: F811
    """Why the policy allows 'unsafe-eval': django-unfold's Alpine.js evaluates its x-data expressions."""
    settings.CONSOLE_CSP = settings.CONSOLE_CSP.replace(" 'unsafe-eval'", "")
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": VIOLATIONS})
    violations, started = visit(browser, live_server.url + LOGIN)
    assert not started
    assert any(v.startswith("script-src") and "eval" in v for v in violations), violations
