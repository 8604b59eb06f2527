"""A recruiter's day in the console, in headless Chromium (Debian `chromium` + `chromium-driver`, Selenium):
log in, change an account's helloSum and a time slot and see them in `account/task/fetch`, read a
conversation's transcript, export the contact results as CSV, open the funnel dashboard. A screenshot of
every step goes to `var/screenshots/` (git-ignored; named in the README).

The browser talks to pytest-django's `live_server` on 127.0.0.1 (a transactional database; the rollback is
serialized so the migrations' groups are there). Skips without Chromium on a laptop, fails under
`REQUIRE_SERVICES=1` (`.ci/run` installs it). Selenium never downloads a driver: both paths are explicit.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
import zoneinfo
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from hunter_robot.models import AuditLog
from recruit.models import AccountJob
from tests.conftest import need_service
from tests.factories import (
    AccountFactory,
    ContactRecordFactory,
    ConversationFactory,
    JobFactory,
    MessageFactory,
    ScreeningDecisionFactory,
    TeamFactory,
    UserFactory,
    link,
)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
PASSWORD = "hunter-test-pw"  # UserFactory's
# The lists a recruiter works in (their key columns: 启用, 今日已打招呼, 打招呼, 原因, ...).
LISTS = (
    "/admin/recruit/job/",
    "/admin/recruit/recruitaccount/",
    "/admin/recruit/accountjob/",
    "/admin/recruit/conversation/",
    "/admin/recruit/screeningdecision/",
)
WAIT = 15  # seconds for any one page or download

BOM = b"\xef\xbb\xbf"
GREETING, QUESTION = "您好，方便聊聊吗？", "请问这个岗位的底薪是多少？"


@pytest.fixture
def browser(tmp_path):
    need_service(
        os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK),
        f"needs headless Chromium: apt-get install chromium chromium-driver ({CHROMIUM}, {CHROMEDRIVER})",
    )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--window-size=1366,900",  # the laptop width the console is laid out for
        "--lang=zh-CN",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "intl.accept_languages": "zh-CN,zh",
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "safebrowsing.enabled": False,
        },
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        driver.set_page_load_timeout(WAIT)
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        driver.downloads = downloads
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def shots(browser):
    """`shot(name)` saves the current page as var/screenshots/NN-name.png; a failure leaves failed.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    count = iter(range(1, 100))

    def shot(name: str) -> Path:
        path = SCREENSHOTS / f"{next(count):02d}-{name}.png"
        assert browser.save_screenshot(str(path)), path
        return path

    yield shot


@pytest.fixture
def screenshot_on_failure(request, browser):
    yield
    report = getattr(request.node, "rep_call", None)  # set by tests/browser/conftest.py
    if report is not None and report.failed:
        browser.save_screenshot(str(SCREENSHOTS / "failed.png"))


def post_json(base: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=WAIT) as response:
        payload = json.loads(response.read())
    assert payload["ret"] == 0, payload
    return payload["data"]


def wait_for_download(folder: Path, suffix: str) -> Path:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if p.name.endswith(suffix)]
        if done and not any(p.name.endswith(".crdownload") for p in folder.iterdir()):
            return done[0]
        time.sleep(0.1)
    raise AssertionError(f"no {suffix} download in {WAIT}s: {sorted(p.name for p in folder.iterdir())}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_recruiters_day_in_the_console(live_server, browser, shots, screenshot_on_failure):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, WAIT)
    base = live_server.url

    def open_page(path: str):
        browser.get(base + path)
        return wait.until(ec.presence_of_element_located((By.ID, "page")))

    # 10:00 in Asia/Shanghai today, so the slots at 15:30 and 16:00 are still ahead in task/fetch.
    morning = datetime.combine(timezone.localdate(), datetime.min.time().replace(hour=10)).replace(
        tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)
    )
    with time_machine.travel(morning, tick=True):
        # A recruiter of one team, in the 数据导出 group (招聘专员 + export; from migration recruit 0007).
        team = TeamFactory(name="华东招聘组")
        recruiter = UserFactory(username="recruiter")
        recruiter.groups.add(Group.objects.get(name="数据导出"))
        team.members.add(recruiter)
        job = JobFactory(team=team, name="客服专员")
        account = AccountFactory(team=team)
        task = link(account, job, hello_sum=50, slots=((9, 0, 25), (16, 0, 25)))
        conversation = ConversationFactory(account=account, job=job, candidate__name="李雷", status="finished")
        MessageFactory(conversation=conversation, speaker="robot", text=GREETING)
        MessageFactory(conversation=conversation, speaker="user", text=QUESTION)
        ContactRecordFactory(conversation=conversation, phone="13800138000")

        # 1. Log in through the admin's form.
        open_page("/admin/login/?next=/admin/")
        browser.find_element(By.ID, "id_username").send_keys("recruiter")
        browser.find_element(By.ID, "id_password").send_keys(PASSWORD)
        shots("login")
        browser.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
        wait.until(ec.presence_of_element_located((By.ID, "nav-sidebar")))

        # 2. The account's daily task: helloSum 50 -> 33, the 09:00 slot -> 15:30 with 7.
        open_page(f"/admin/recruit/accountjob/{task.pk}/change/")
        hello_sum = browser.find_element(By.ID, "id_hello_sum")
        hello_sum.clear()
        hello_sum.send_keys("33")
        nine = next(
            field
            for field in browser.find_elements(By.CSS_SELECTOR, "input[name^='slots-'][name$='-time']")
            if field.get_attribute("value").startswith("09:00")
        )
        prefix = nine.get_attribute("name").removesuffix("-time")
        nine.clear()
        nine.send_keys("15:30")
        mount = browser.find_element(By.NAME, f"{prefix}-mount")
        mount.clear()
        mount.send_keys("7")
        shots("task-edited")
        browser.find_element(By.NAME, "_save").click()
        wait.until(ec.url_matches(r"/admin/recruit/accountjob/(\?.*)?$"))  # saved: back on the list
        shots("task-saved")
        task.refresh_from_db()
        assert task.hello_sum == 33
        assert sorted((f"{s.time:%H:%M}", s.mount) for s in task.slots.all()) == [("15:30", 7), ("16:00", 25)]

        # 3. What the bot now fetches: 33 shared 7:25 over the two slots still ahead (largest remainder).
        fetched = post_json(base, "/recruit/account/task/fetch", {"accountID": account.account_id})
        (entry,) = fetched["task"]
        assert entry["jobID"] == job.job_id
        assert entry["helloSum"] == 33
        assert entry["timeMount"] == [{"time": "15:30", "mount": 7}, {"time": "16:00", "mount": 26}]

        # 4. A conversation's transcript, contacts masked (the group has no personal-data permission).
        open_page(f"/admin/recruit/conversation/{conversation.pk}/change/")
        content = browser.find_element(By.ID, "main").text
        assert GREETING in content and QUESTION in content
        assert "13800138000" not in browser.page_source
        shots("conversation")

        # 5. Export the conversation list's contact results as CSV.
        open_page("/admin/recruit/conversation/")
        assert "李雷" in browser.find_element(By.ID, "result_list").text
        shots("conversation-list")
        browser.find_element(By.CSS_SELECTOR, "a[href*='/admin/recruit/conversation/export/']").click()
        format_select = Select(wait.until(ec.presence_of_element_located((By.NAME, "format"))))
        format_select.select_by_value(
            next(o.get_attribute("value") for o in format_select.options if "csv" in o.text.lower())
        )
        shots("export-form")
        browser.find_element(By.CSS_SELECTOR, "#main form[method=POST] [type=submit]").click()
        exported = wait_for_download(browser.downloads, ".csv").read_bytes()
        assert exported.startswith(BOM)
        text = exported[len(BOM) :].decode("utf-8")
        assert "李雷" in text and "客服专员" in text
        assert "13800138000" not in text
        assert AuditLog.objects.filter(action="export_results", user=recruiter).exists()

        # 6. The console's home: the funnel dashboard.
        open_page("/admin/")
        heading = wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, "#funnel h2")))
        assert "招聘漏斗" in heading.text
        assert account.account_id in browser.find_element(By.ID, "main").text  # today's quota use
        shots("dashboard")

        # 7. At 1366 px the lists a recruiter works in show every column without scrolling sideways.
        ScreeningDecisionFactory(account=account, job=job, candidate=conversation.candidate, touch=False)
        for path in LISTS:
            open_page(path)
            right, width = browser.execute_script(
                "return [document.getElementById('result_list').getBoundingClientRect().right,"
                " document.documentElement.clientWidth]"
            )
            assert right <= width, f"{path}: the list ends at {right:.0f} px, the window at {width} px"
        shots("decision-list")

    assert AccountJob.objects.get(pk=task.pk).hello_sum == 33
    assert len(list(SCREENSHOTS.glob("*.png"))) >= 8
