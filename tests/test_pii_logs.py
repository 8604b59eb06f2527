"""No personal data in any log record (CONTRACT §8, issue 11 acceptance).

Every log record is captured, at DEBUG for every logger (pytest's capture, and the root handler LOGGING
installs, with the SQL debug log on), over a whole conversation through the API: screening, chat turns in
which the candidate gives a phone number, a WeChat id and an e-mail, a result with a CV, the WeChat bot's
tasks and a WeChat turn, the notifications delivered to a webhook, a failing database write whose
PostgreSQL error quotes the values (PostgreSQL only), and an LLM that fails (HTTP 500, then garbage). The
messages, their arguments, the formatted exceptions and every attribute of every record hold none of the
candidate's phone, WeChat id, e-mail or name. The redaction itself is unit-tested below it.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from devtools.fakes import FakeOpenAI, FakeServer, HttpError
from hunter_robot import logfilter
from recruit.models import ContactRecord, Notification
from recruit.pii import redact_log_text, redact_sql, redact_sql_params
from recruit.services.notify import notifications_deliver
from tests.factories import (
    AccountFactory,
    ContactRecordFactory,
    ConversationFactory,
    JobFactory,
    WechatAccountFactory,
    WechatAccountLinkFactory,
    link,
)
from tests.recruit.fixtures import boss_card

NAME = "林晓彤"
PHONE = "13912345678"
WECHAT = "linxt_2024"
EMAIL = "linxt2024@example.com"
CV_NAME = f"{NAME}的简历.pdf"
VALUES = (NAME, PHONE, WECHAT, EMAIL)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
GREETING = "您好，看看客服岗？"
# The model addresses the candidate by the mask it was given; the bot gets the name back.
ANSWER = {
    "intent": "ask_salary",
    "reply": "林**您好，底薪六千。\n方便留个微信吗？",
    "next_step": "need_contact",
    "contact": {},
}


# --- capture ----------------------------------------------------------------------------------------


class Capture:
    """Everything logged: pytest's records and text, and what the root handler of LOGGING wrote."""

    def __init__(self, caplog: pytest.LogCaptureFixture, root_output: io.StringIO):
        self.caplog = caplog
        self.root_output = root_output

    def text(self) -> str:
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        parts = [self.caplog.text, self.root_output.getvalue()]
        for record in self.caplog.records:
            parts += [
                record.getMessage(),
                repr(record.msg),
                repr(record.args),
                record.exc_text or "",
                record.stack_info or "",
                formatter.format(record),
                repr(vars(record)),  # extras too: the SQL debug log's statement and parameters
            ]
        return "\n".join(parts)

    def assert_clean(self) -> None:
        text = self.text()
        leaked = [value for value in VALUES if value.lower() in text.lower()]
        assert not leaked, (
            f"{leaked} in the logs:\n"
            + "\n".join(line for line in text.splitlines() if any(v.lower() in line.lower() for v in leaked))[:4000]
        )

    def names(self) -> set[str]:
        return {record.name for record in self.caplog.records}


@pytest.fixture
def capture(caplog) -> Iterator[Capture]:
    """DEBUG for every logger (those with a level of their own too), the SQL debug log on, and the
    root handler LOGGING installed writing into a buffer."""
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET:
            caplog.set_level(logging.DEBUG, logger=name)
    [root_handler] = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]
    output = io.StringIO()
    previous_stream = root_handler.setStream(output)
    previous_debug_cursor = connection.force_debug_cursor
    connection.force_debug_cursor = True  # django.db.backends logs every statement with its values
    try:
        yield Capture(caplog, output)
    finally:
        connection.force_debug_cursor = previous_debug_cursor
        root_handler.setStream(previous_stream)


# --- the world --------------------------------------------------------------------------------------


@pytest.fixture
def webhook() -> Iterator[FakeServer]:
    with FakeServer({"errcode": 0}) as server:
        yield server


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(ANSWER) as server:
        yield server


@pytest.fixture
def world(db, settings, private_media, llm, webhook):
    settings.CHAT_DEADLINE = 2.0
    settings.LLM_MAX_RETRIES = 0
    settings.OPENAI_BASE_URL = llm.base_url
    job = JobFactory(
        platform_id="j",
        name="客服专员",
        touch_msg=GREETING,
        faq_salary="底薪 6000",
        faq_benefits="五险一金",  # the rule engine's fallback answers these, so no turn waits for a human
        faq_hours="早九晚六",
        robot_api="llm",
        notify_webhook=webhook.url + "/hook",
    )
    account = AccountFactory(platform_id="a", team=job.team)
    link(account, job)
    wechat = WechatAccountFactory(account_id="wx-1", team=job.team, hello_msg="您好，我是 BOSS 上的招聘顾问")
    WechatAccountLinkFactory(wechat_account=wechat, recruit_account=account)
    return job


class Bot:
    """The platform bot and the WeChat bot, talking to the API like the real ones."""

    CID = "100000001"

    def __init__(self, api):
        self.api = api
        self.history = [{"speaker": "robot", "msg": GREETING}]

    def screen(self) -> dict:
        card = boss_card(geekId=int(self.CID), geekName=NAME)
        return self.api.ok("/recruit/candidate/filter", {"accountID": "account_Boss_a", "candidateInfo": card})

    def say(self, text: str) -> dict:
        self.history.append({"speaker": "user", "msg": text})
        body = {
            "accountID": "account_Boss_a",
            "candidateID": self.CID,
            "candidateName": NAME,
            "historyMsg": self.history,
        }
        answer = self.api.ok("/recruit/candidate/chat", body)
        for bubble in answer["nextStepContent"].split("\n"):
            if bubble:  # the bot sends our reply: it is on the page next time
                self.history.append({"speaker": "robot", "msg": bubble})
        return answer

    def result_with_cv(self) -> None:
        handle = io.BytesIO(PDF)
        handle.name = CV_NAME
        body = {
            "accountID": "account_Boss_a",
            "candidateID": self.CID,
            "candidateName": NAME,
            "phone": PHONE,
            "wechat": WECHAT,
            "email": EMAIL,
            "cv": handle,
        }
        response = Client(REMOTE_ADDR="127.0.0.1").post("/recruit/candidate/result", body)
        assert json.loads(response.content) == {"ret": 0, "msg": "success", "data": {"status": "ok"}}

    def wechat_turn(self, text: str) -> tuple[dict, str]:
        """The WeChat bot: its add-friend task, the report, then the candidate's first message."""
        [group] = self.api.ok("/wechat/candidate/taskToDo", {"account_id": "wx-1"})["task_list"]
        [add] = group["content"]
        report = {"account_id": "wx-1", "alias_id": add["alias_id"], "search_id": add["search_id"]}
        assert self.api.ok("/wechat/candidate/addFriendReport", report) is None
        body = {"account_id": "wx-1", "alias_id": add["alias_id"], "msg_receive": text}
        return add, self.api.ok("/wechat/candidate/userMsguser", body)["msg"]


def test_the_record_factory_and_the_root_handler_redact():
    assert getattr(logging.getLogRecordFactory(), "redacts_personal_data", False)
    [root_handler] = [handler for handler in logging.getLogger().handlers if handler.get_name() == "console"]
    assert any(isinstance(f, logfilter.PersonalDataFilter) for f in root_handler.filters)


def test_a_whole_conversation_logs_no_personal_data(api, world, llm, webhook, capture):
    bot = Bot(api)
    assert bot.screen()["touch"] is True
    first = bot.say("你好，薪资多少？")
    assert first["nextStepContent"].startswith(f"{NAME}您好")  # the name back in what the candidate reads
    bot.say(f"我电话 {PHONE}")
    bot.say(f"微信 {WECHAT}，邮箱 {EMAIL}")
    record = ContactRecord.objects.get()
    assert (record.phone, record.wechat, record.email) == (PHONE, WECHAT, EMAIL)

    # The engine fails: an HTTP 500 whose body echoes the values, then an answer that is not JSON.
    llm.behaviour = HttpError(500, {"error": {"message": f"upstream saw {NAME} {PHONE} {EMAIL}", "type": "server"}})
    assert bot.say("还有什么福利？")["nextStep"] == "algo_abnormal"
    llm.behaviour = f"not json: {NAME} {PHONE} {WECHAT} {EMAIL}"
    assert bot.say("上班时间呢？")["nextStep"] == "algo_abnormal"

    llm.behaviour = ANSWER
    bot.result_with_cv()
    add, reply = bot.wechat_turn(f"你好，我是{NAME}，邮箱 {EMAIL}")
    assert add["search_id"] == WECHAT  # the WeChat bot gets the value its job needs
    assert reply.startswith(f"{NAME}您好")

    assert notifications_deliver() >= 1
    assert Notification.objects.filter(status="sent").exists()

    capture.assert_clean()
    # The capture saw the calls, the SQL with its values, the engine's requests and its failures.
    names = capture.names()
    assert {"django.db.backends", "chatbot.engines"} <= names and any(n.startswith("httpx") for n in names)
    text = capture.text()
    assert "engine failure, falling back to rules: llm: HTTP 500" in text and "INSERT INTO" in text
    # Nothing left the server in full either: every request the model got, every webhook body.
    sent = json.dumps(llm.requests + webhook.requests, ensure_ascii=False)
    assert len(llm.requests) == 6 and webhook.requests  # 5 platform turns, 1 on WeChat
    assert not [value for value in VALUES if value in sent]


@pytest.fixture
def failing_contact_writes(postgres):
    """PostgreSQL refuses the contact writes and quotes the values: a phone that must be unique, and a
    check no e-mail passes (its DETAIL is the whole failing row: phone, WeChat id and e-mail)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE UNIQUE INDEX pii_test_unique_phone ON recruit_contactrecord (phone) WHERE phone <> ''")
        cursor.execute(
            "ALTER TABLE recruit_contactrecord ADD CONSTRAINT pii_test_no_email CHECK (email = '') NOT VALID"
        )
    # Another conversation already holds the phone.
    ContactRecordFactory(conversation=ConversationFactory(), phone=PHONE)


def test_a_failing_database_write_logs_no_personal_data(api, world, failing_contact_writes, capture):
    bot = Bot(api)
    for text in (f"我电话 {PHONE}", f"微信 {WECHAT}，邮箱 {EMAIL}"):
        bot.history.append({"speaker": "user", "msg": text})
        body = {"accountID": "account_Boss_a", "candidateID": bot.CID, "candidateName": NAME, "historyMsg": bot.history}
        status, answer = api.post("/recruit/candidate/chat", body)
        assert (status, answer["ret"]) == (500, 1500), answer
        bot.history.pop()

    capture.assert_clean()
    text = capture.text()
    # Both errors were logged with their tracebacks; their values were redacted, their structure kept.
    assert text.count("database error [") >= 2 and "Traceback" in text
    assert "Key (phone)=(***) already exists" in text
    assert "Failing row contains (***)" in text


# --- the redaction ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "redacted"),
    [
        (
            'duplicate key value violates unique constraint "u"\nDETAIL:  Key (wechat_account_id, search_id)='
            f"(3, {WECHAT}) already exists.",
            'duplicate key value violates unique constraint "u"\nDETAIL:  Key (wechat_account_id, search_id)='
            "(***) already exists.",
        ),
        (
            f"DETAIL:  Key (lower(email::text))=({EMAIL}) already exists.",
            "DETAIL:  Key (lower(email::text))=(***) already exists.",
        ),
        (
            f'DETAIL:  Key (candidate_id)=(7, {NAME}) is not present in table "recruit_candidate".',
            'DETAIL:  Key (candidate_id)=(***) is not present in table "recruit_candidate".',
        ),
        (f"DETAIL:  Failing row contains (1, {PHONE}, {WECHAT}, {EMAIL}, f).", "DETAIL:  Failing row contains (***)"),
        (f'invalid input syntax for type integer: "{NAME}"', 'invalid input syntax for type integer: "***"'),
        (
            f"LINE 1: ...FROM recruit_candidate WHERE name = '{NAME}' AND id = 3",
            "LINE 1: ...FROM recruit_candidate WHERE name = '***' AND id = 3",
        ),
        (f"got {PHONE} and {EMAIL}", "got 139****5678 and li****@example.com"),
        (f"加我微信 {WECHAT} 吧", "加我微信 li**** 吧"),
        ('File "/work/main/wechat/services/queue.py", line 61, in wechat_followup_queue', None),
    ],
    ids=[
        "unique",
        "expression-index",
        "foreign-key",
        "failing-row",
        "input-syntax",
        "statement",
        "text",
        "wechat",
        "as-is",
    ],
)
def test_log_text_redaction(raw, redacted):
    assert redact_log_text(raw) == (raw if redacted is None else redacted)


def test_sql_literals_and_parameters_are_redacted():
    sql = f"UPDATE t SET name = '{NAME}', note = E'it\\'s {PHONE}', card = '{{\"n\": \"{NAME}\"}}'::jsonb, n = 3"
    assert redact_sql(sql) == "UPDATE t SET name = '***', note = '***', card = '***'::jsonb, n = 3"
    params = (NAME, 3, None, True, [PHONE, 2], {"x": 1})
    assert redact_sql_params(params) == ("***", 3, None, True, ["***", 2], "***")
    assert redact_sql_params({"name": NAME, "n": 1.5}) == {"name": "***", "n": 1.5}


def test_a_record_leaves_the_filter_with_only_redacted_text():
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "write failed for %s (%r)", (PHONE, EMAIL), None)
    try:
        raise IntegrityError(f"boom\nDETAIL:  Failing row contains ({PHONE}, {NAME}).")
    except IntegrityError:
        import sys

        record.exc_info = sys.exc_info()
    assert logfilter.PersonalDataFilter().filter(record) is True
    assert (record.msg, record.args, record.exc_info) == (
        "write failed for 139****5678 ('li****@example.com')",
        (),
        None,
    )
    assert "Failing row contains (***)" in record.exc_text and "Traceback" in record.exc_text
    text = logging.Formatter().format(record)
    assert not [value for value in VALUES if value in text]


def test_the_sql_debug_log_is_redacted_with_its_extras(db, caplog):
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    previous = connection.force_debug_cursor
    connection.force_debug_cursor = True
    try:
        ConversationFactory(candidate__name=NAME)
    finally:
        connection.force_debug_cursor = previous
    records = [r for r in caplog.records if r.name == "django.db.backends" and "recruit_candidate" in r.getMessage()]
    assert records
    for record in records:
        assert NAME not in record.getMessage() and NAME not in record.sql and NAME not in repr(record.params)
    assert any("'***'" in r.getMessage() for r in records)


def test_a_bad_format_string_is_kept_and_redacted():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%d items for %s", (PHONE,), None)
    logfilter.redact_record(record)
    assert PHONE not in record.msg and "139****5678" in record.msg


def test_an_integrity_error_logged_by_our_code_is_redacted(postgres, caplog):
    """A real PostgreSQL error, logged with its traceback the way the API's handler does."""
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute(
            "CREATE UNIQUE INDEX pii_test_unique_wechat ON recruit_contactrecord (wechat) WHERE wechat <> ''"
        )
    ContactRecordFactory(wechat=WECHAT)
    try:
        with transaction.atomic():
            ContactRecordFactory(wechat=WECHAT)
    except IntegrityError:
        logging.getLogger("hunter_robot.api").exception("database error [%s]", "r1")
    [record] = [r for r in caplog.records if r.name == "hunter_robot.api"]
    assert "Key (wechat)=(***) already exists" in record.exc_text
    assert WECHAT not in caplog.text and WECHAT not in record.exc_text
