"""The published contract of the bot API: OpenAPI 3.1, declared here, not inferred from the views.

Everything a client may rely on is written down in this module from `CONTRACT.md`: the components
(request bodies, the envelope, each endpoint's success `data` and the failure `data` it keeps on every
error) and one declaration per path (`PATHS`, `/v2` and other aliases included). The failure answers
of each operation come from the one error table (`hunter_robot.api.errors.ERRORS`): an operation lists
the exception classes it can answer with, and the `ret` and HTTP status of each are looked up there, so
this module names no code itself. A view may be rewritten leaner (plain validation instead of a
serializer, say) and its documentation stays.

drf-spectacular serves it (`/api/schema/`, Swagger UI at `/api/docs/`, Redoc at `/api/redoc/`):
`BotSchema` answers each path's operation from `PATHS` (a path without a declaration fails the
generation, so a new endpoint cannot ship undocumented), `bot_endpoints` drops the optional trailing
slash of the routes, and `complete_schema` adds the components, the security schemes and the overview.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drf_spectacular.openapi import AutoSchema

from chatbot.types import NEXT_STEPS
from hunter_robot import errors
from hunter_robot.api import errors as api_errors
from hunter_robot.api.errors import ERRORS, code_for
from recruit.jobconfig import RUBRIC_MAX_CHARS, RUBRIC_MAX_POINTS
from recruit.platforms.ids import CANDIDATE_ID_MAX, PLATFORM_ID_MAX, PLATFORMS, REF_MAX
from recruit.platforms.profile import DEGREES
from recruit.screening import ON_MISSING, SCHOOL_TIERS

# Limits CONTRACT leaves to the input validation, written down here (tests/test_schema.py holds them
# against the serializers, so the two cannot drift apart).
JOB_NAME_MAX = 200
WECHAT_ACCOUNT_ID_MAX = 128
ALIAS_MAX = 20
SEARCH_ID_MAX = 32
MESSAGE_MAX = 5000
HOURS_MAX = 24 * 365
# Epoch seconds below 10^12, epoch milliseconds from there (CONTRACT §3); both up to the end of year 9999.
EPOCH_SECONDS_MAX = 253402300799
EPOCH_MS_MIN = 10**12
EPOCH_MS_MAX = 253402300799999
NOTIFY_FORMATS = ("json", "wecom", "dingtalk", "feishu")
RISK_KINDS = ("captcha", "rate_limited", "login_expired", "banned", "other")


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: tuple[str, ...] | list[str] = (), *, closed: bool = False, **extra) -> dict:
    """An object schema. Requests stay open (CONTRACT §1: unknown body fields are ignored); what the
    server answers is closed, so a field added to an answer must be declared here first."""
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


def text(max_length: int | None = None, *, blank: bool = True, **extra) -> dict:
    """A JSON string (numbers are refused, not coerced); `blank=False`: not empty or only whitespace."""
    schema = {"type": "string", **extra}
    if max_length is not None:
        schema["maxLength"] = max_length
    if not blank:
        schema["pattern"] = r"\S"
    return schema


def ident(max_length: int, *, nullable: bool = False, blank: bool = False, **extra) -> dict:
    """Any `*ID` / `*_id` (CONTRACT §3): a JSON string or integer, handled as a stripped string."""
    schema = {"type": ["string", "integer", "null"] if nullable else ["string", "integer"], "maxLength": max_length}
    if not blank:
        schema["pattern"] = r"\S"
    return {**schema, **extra}


def integer(minimum: int | None = None, maximum: int | None = None, **extra) -> dict:
    schema: dict = {"type": "integer", **extra}
    if minimum is not None:
        schema["minimum"] = minimum
    if maximum is not None:
        schema["maximum"] = maximum
    return schema


def array(items: dict, *, max_items: int | None = None, **extra) -> dict:
    schema = {"type": "array", "items": items, **extra}
    if max_items is not None:
        schema["maxItems"] = max_items
    return schema


def public_id(kind: str) -> dict:
    """`job_<Platform>_<platformID>` / `account_<Platform>_<platformID>` as the server writes them."""
    return text(
        REF_MAX, pattern=rf"^{kind}_({'|'.join(PLATFORMS)})_\S", description=f"`{kind}_<Platform>_<platformID>`"
    )


# --- Request bodies (CONTRACT §3, §4, §6) -----------------------------------------------------------

PLATFORM_TYPE = text(
    description="Platform name, matched case-insensitively and by alias (`boss`, `BOSS`, `zhipin`, `BOSS直聘` → "
    "`Boss`; `maimai`/`脉脉`; `liepin`/`猎聘`; `linkedin`/`领英` → `Linkedin`). Others are refused (1001).",
    examples=["boss"],
)
ACCOUNT_REF = text(
    REF_MAX,
    blank=False,
    description="`account_<Platform>_<platformID>`, canonicalised (`account_boss_1` → `account_Boss_1`). A "
    "well-formed id that was never registered is 1002.",
    examples=["account_Boss_27175761"],
)
JOB_REF_OPTIONAL = ident(
    REF_MAX,
    nullable=True,
    blank=True,
    description='Deprecated in candidate calls: absent, `""`, `null`, `"None"` or `"NULL"` mean absent, and the '
    "job is then the one of the candidate's latest conversation with this account, else the account's first "
    "job (CONTRACT §3). A job the account does not (or no longer) list is 1003; recallList and recallResult "
    "ignore it.",
)
CANDIDATE_ID = ident(
    CANDIDATE_ID_MAX,
    description="The platform's own candidate id (BOSS sends numbers and strings: the same person matches). "
    "LinkedIn profile URLs are normalised (`linkedin.com/in/<slug>`).",
)


def range_pair(limit: int | float, *, numbers: bool = False) -> dict:
    bound = {"type": ["number" if numbers else "integer", "null"], "minimum": 0, "maximum": limit}
    return {
        "type": ["array", "null"],
        "prefixItems": [bound, bound],
        "items": False,
        "minItems": 2,
        "description": "`[min, max]`, inclusive; either bound may be null; min ≤ max. `null` clears the criterion.",
    }


def string_list(description: str) -> dict:
    item = text(100, blank=False, pattern=r"^[^\n\r]*\S[^\n\r]*$")
    return {"type": ["array", "null"], "items": item, "maxItems": 200, "description": description}


CRITERIA = obj(
    {
        "age": range_pair(150),
        "min_degree": {
            "type": ["string", "null"],
            "description": f"On the scale {' < '.join(DEGREES)}; common spellings (专科, 研究生, Bachelor) are "
            "accepted and stored as the label.",
            "examples": ["大专"],
        },
        "work_years": range_pair(80),
        "cities": string_list("The expected city contains one of these."),
        "salary_k": range_pair(10_000, numbers=True),
        "keywords": string_list("Any of, in expected position, work titles, duties, skills."),
        "exclude_keywords": string_list("None of these."),
        "exclude_companies": string_list("Substring match against work-history companies."),
        "active_desc": string_list("BOSS `activeTimeDesc` values accepted."),
        "active_within_minutes": integer(0, 10 * 366 * 24 * 60, type=["integer", "null"]),
        "school_tier": {
            "anyOf": [{"enum": list(SCHOOL_TIERS)}, {"enum": [211, 985]}, {"type": "null"}],
            "description": "`any` (default) | `211` | `985`.",
        },
        "on_missing": {
            "anyOf": [{"enum": list(ON_MISSING)}, {"type": "null"}],
            "description": "A criterion whose data the card lacks fails (default) or passes.",
        },
    },
    description="Screening criteria; every key optional, unknown keys ignored, a job without criteria accepts "
    "everyone (CONTRACT §4 candidate/filter).",
)

JOB_CONFIG = obj(
    {
        "touch_msg": text(1000, description="The greeting the bot sends, also the first robot message."),
        "criteria": ref("Criteria"),
        "faq": obj(
            {key: text(2000) for key in ("salary", "location", "hours", "benefits", "company")},
            description="Answers of the rule engine; other keys are ignored.",
        ),
        "contact_ask": array(text(500, blank=False), max_items=20, description="Lines asking for contact."),
        "max_contact_asks": integer(0, 20),
        "closing_msg": text(1000),
        "recall_steps": array(
            obj({"after_hours": integer(1, HOURS_MAX), "msg": text(1000, blank=False)}, ["after_hours", "msg"]),
            max_items=10,
            description="Nudges of silent candidates; `{name}` and `{job_name}` placeholders.",
        ),
        "read_recall_after_hours": integer(0, HOURS_MAX),
        "notify_webhook": text(
            500, description="Recruiter notifications; the host must be in `OUTBOUND_ALLOWED_HOSTS` (1001 otherwise)."
        ),
        "notify_format": {"enum": list(NOTIFY_FORMATS)},
        "interview_slots": array(text(100, blank=False), max_items=20),
        "wechat_nudge_after_hours": integer(0, HOURS_MAX),
        "rubric": text(
            RUBRIC_MAX_CHARS,
            description=f"Second-stage screening (CONTRACT §9): what a good candidate looks like, at most "
            f"{RUBRIC_MAX_POINTS} scored points, one per line; the LLM scores candidates who pass every criterion. "
            "Empty: no rubric.",
        ),
        "rubric_threshold": integer(0, 100, description="`touch` needs the rubric score ≥ this."),
    },
    description="The job's settings a recruiter also edits in admin. Only the keys sent are updated; unknown keys "
    "are ignored.",
)

SLOT_IN = obj(
    {
        "time": text(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", description="Zero-padded `HH:MM`."),
        "mount": integer(0, 10000),
    },
    ["time", "mount"],
)

TASK_CONFIG = obj(
    {
        "jobID": ident(REF_MAX, description="Must be one of `jobs`."),
        "taskType": {"const": "batchTouch"},
        "helloSum": integer(0, 10000),
        "timeMount": array(ref("SlotIn"), max_items=48, description="Unique times."),
        "filter": obj({}, description="The platform search filter, stored verbatim and handed back by task/fetch."),
        "active": {"anyOf": [{"type": "boolean"}, {"enum": [0, 1]}], "description": "`true`/`false` or `1`/`0`."},
    },
    ["jobID", "helloSum", "timeMount"],
)

HISTORY_LINE = obj(
    {
        "speaker": {"enum": ["robot", "user", "system"]},
        "msg": text(MESSAGE_MAX),
        "time": {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": EPOCH_SECONDS_MAX},
                {"type": "number", "minimum": EPOCH_MS_MIN, "maximum": EPOCH_MS_MAX},
                {"type": "null"},
            ],
            "description": "Epoch milliseconds when ≥ 10^12, else epoch seconds; usually absent.",
        },
    },
    ["speaker", "msg"],
)

TASK_STATUS_ITEM = {
    "type": "object",
    "properties": {
        "taskType": {"description": "Only `batchTouch` entries are read; others are ignored, whatever they hold."}
    },
    "if": {"properties": {"taskType": {"const": "batchTouch"}}, "required": ["taskType"]},
    "then": {
        "properties": {"details": obj({"candidateList": array(CANDIDATE_ID)}, ["candidateList"])},
        "required": ["details"],
    },
}


def account_call(properties: dict, required: tuple[str, ...] = ()) -> dict:
    """A body naming the bot's account, with the optional deprecated `jobID`."""
    return obj({"accountID": ACCOUNT_REF, "jobID": JOB_REF_OPTIONAL, **properties}, ("accountID", *required))


def wechat_call(properties: dict, required: tuple[str, ...] = ()) -> dict:
    """A WeChat body: the account as `account_id` or `accountID` (the first given wins)."""
    account = ident(WECHAT_ACCOUNT_ID_MAX, nullable=True, examples=["wx-hr-01"])
    schema = obj({"account_id": account, "accountID": account, **properties}, required)
    schema["anyOf"] = [
        {"required": ["account_id"], "properties": {"account_id": {"type": ["string", "integer"]}}},
        {"required": ["accountID"], "properties": {"accountID": {"type": ["string", "integer"]}}},
    ]
    return schema


REQUESTS = {
    "JobRegisterRequest": obj(
        {
            "platformType": PLATFORM_TYPE,
            "platformID": ident(PLATFORM_ID_MAX),
            "jobName": text(JOB_NAME_MAX, blank=False),
            "jobJD": text(),
            "robotApi": text(
                500,
                description='The dialogue engine: `""`/`rule` (default), `llm` or `llm:<model>`, an `http(s)://` '
                "URL of an external backend (host in `OUTBOUND_ALLOWED_HOSTS`), or a path under `ALGO_BASE_URL`.",
            ),
            "jobConfig": ref("JobConfig"),
        },
        ["platformType", "platformID", "jobName"],
    ),
    "PlatformRefRequest": obj(
        {"platformType": PLATFORM_TYPE, "platformID": ident(PLATFORM_ID_MAX)}, ["platformType", "platformID"]
    ),
    "AccountRegisterRequest": obj(
        {
            "platformType": PLATFORM_TYPE,
            "platformID": ident(PLATFORM_ID_MAX),
            "jobs": array(
                ident(REF_MAX), max_items=200, description="jobIDs, in the order task/fetch lists them; may be empty."
            ),
            "taskConfig": array(ref("TaskConfig"), max_items=200),
            "desc": text(255),
        },
        ["platformType", "platformID", "jobs"],
    ),
    "TaskFetchRequest": account_call({}),
    "TaskReportRequest": account_call({"taskStatus": array(TASK_STATUS_ITEM)}, ("taskStatus",)),
    "CandidateFilterRequest": account_call(
        {
            "candidateInfo": obj({}, description="The platform's raw candidate card."),
            "candidateID": {
                **CANDIDATE_ID,
                "description": "Read from `candidateInfo` when absent (Boss `geekCard.geekId`, maimai `id`, liepin "
                "`usercIdEncode`, Linkedin `id`).",
            },
        },
        ("candidateInfo",),
    ),
    "PreFilterRequest": account_call({"candidate_id": CANDIDATE_ID}, ("candidate_id",)),
    "ChatRequest": account_call(
        {
            "candidateID": CANDIDATE_ID,
            "candidateName": text(100),
            "historyMsg": array(ref("HistoryLine"), max_items=2000, description="The page's transcript, oldest first."),
        },
        ("candidateID", "candidateName", "historyMsg"),
    ),
    "ResultRequest": account_call(
        {
            "candidateID": CANDIDATE_ID,
            "candidateName": text(100),
            "phone": text(40, description="CN mobile or international."),
            "wechat": text(40, description="6–20 letters, digits, `_` or `-`, starting with a letter (or a phone)."),
            "email": text(254),
            "filename": text(255),
        },
        ("candidateID", "candidateName"),
    ),
    "RecallListRequest": account_call(
        {
            "candidateIDs": array(CANDIDATE_ID, max_items=1000),
            "candidateIDs_read": array(CANDIDATE_ID, max_items=1000, description="Read without replying."),
        },
        ("candidateIDs",),
    ),
    "RecallResultRequest": account_call({"candidateID": CANDIDATE_ID}, ("candidateID",)),
    "RiskReportRequest": obj(
        {
            "accountID": ACCOUNT_REF,
            "kind": {
                "enum": list(RISK_KINDS),
                "description": "The platform risk page the bot met: a captcha, 操作频繁 (rate limited), the login "
                "expired, a ban notice, or something else.",
            },
            "detail": text(500, description="What the page said, for the recruiter."),
        },
        ["accountID", "kind"],
    ),
    "WechatRegisterRequest": wechat_call(
        {"recruitAccounts": array(ident(REF_MAX), max_items=200), "helloMsg": text(1000)}, ("recruitAccounts",)
    ),
    "TaskToDoRequest": wechat_call({}),
    "AddFriendReportRequest": wechat_call(
        {"alias_id": ident(ALIAS_MAX), "search_id": ident(SEARCH_ID_MAX)}, ("alias_id", "search_id")
    ),
    "MsgSendReportRequest": wechat_call(
        {"alias_id": ident(ALIAS_MAX), "msg_send": text(MESSAGE_MAX, blank=False)}, ("alias_id", "msg_send")
    ),
    "UserMsgRequest": wechat_call(
        {"alias_id": ident(ALIAS_MAX), "msg_receive": text(MESSAGE_MAX, blank=False)}, ("alias_id", "msg_receive")
    ),
}

# candidate/result as multipart/form-data: every field is text, plus the CV file part.
RESULT_FORM = obj(
    {
        "accountID": ACCOUNT_REF,
        "jobID": text(REF_MAX),
        "candidateID": text(CANDIDATE_ID_MAX, blank=False),
        "candidateName": text(100),
        "phone": text(40),
        "wechat": text(40),
        "email": text(254),
        "filename": text(255),
        "cv": {
            "type": "string",
            "format": "binary",
            "contentMediaType": "application/octet-stream",
            "description": "pdf, doc, docx, jpg or png judged by content, at most `CV_MAX_BYTES` (1004 otherwise).",
        },
    },
    ["accountID", "candidateID", "candidateName"],
)

# --- What the server answers -----------------------------------------------------------------------

STRINGS = array({"type": "string"})
NON_NEGATIVE = integer(0)

DATA = {
    "JobRef": obj({"jobID": public_id("job")}, ["jobID"], closed=True),
    "AccountRef": obj({"accountID": public_id("account")}, ["accountID"], closed=True),
    "TaskFetchData": obj({"task": array(ref("DailyTask"))}, ["task"], closed=True),
    "TaskReportData": obj(
        {"status": {"const": "ok"}, "accepted": NON_NEGATIVE, "duplicates": NON_NEGATIVE, "remaining": NON_NEGATIVE},
        ["status", "accepted", "duplicates", "remaining"],
        closed=True,
    ),
    "FilterData": obj(
        {"touch": {"type": "boolean"}, "reasons": {**STRINGS, "description": "Why not; empty when touch is true."}},
        ["touch", "reasons"],
        closed=True,
    ),
    "PreFilterData": {
        "oneOf": [
            obj({"candidate_in_db": {"const": False}}, ["candidate_in_db"], closed=True),
            obj(
                {"candidate_in_db": {"const": True}, "touch": {"type": "boolean"}, "reasons": STRINGS},
                ["candidate_in_db", "touch", "reasons"],
                closed=True,
            ),
        ]
    },
    "ChatData": obj(
        {"nextStep": {"enum": list(NEXT_STEPS)}, "nextStepContent": {"type": "string"}},
        ["nextStep", "nextStepContent"],
        closed=True,
    ),
    "StatusOk": obj({"status": {"const": "ok"}}, ["status"], closed=True),
    "RecallListData": array(ref("RecallItem"), description="Only the candidates to nudge now."),
    "RecallResultData": obj(
        {"status": {"const": "ok"}, "recall_count": NON_NEGATIVE}, ["status", "recall_count"], closed=True
    ),
    "RiskReportData": obj(
        {"accountID": public_id("account"), "paused": {"const": True}}, ["accountID", "paused"], closed=True
    ),
    "WechatAccountRef": obj({"account_id": {"type": "string"}}, ["account_id"], closed=True),
    "TaskToDoData": obj(
        {"task_list": array({"oneOf": [ref("AddFriendGroup"), ref("SendMsgGroup")]}, max_items=2)},
        ["task_list"],
        closed=True,
    ),
    "UserMsgData": obj(
        {"msg": {"type": "string", "description": 'The reply to send; `""` when none is due.'}}, ["msg"], closed=True
    ),
}

# The `data` a failure keeps: bots dereference these without checking `ret` (CONTRACT §1).
FAILURE_DATA = {
    "TaskFetchFailureData": obj({"task": {"type": "array", "maxItems": 0}}, ["task"], closed=True),
    "FilterFailureData": obj(
        {"touch": {"const": False}, "reasons": {**STRINGS, "minItems": 1, "maxItems": 1}},
        ["touch", "reasons"],
        closed=True,
        description="`reasons` holds the failure's `msg`.",
    ),
    "PreFilterFailureData": obj({"candidate_in_db": {"const": False}}, ["candidate_in_db"], closed=True),
    "ChatFailureData": obj(
        {"nextStep": {"const": ""}, "nextStepContent": {"const": ""}}, ["nextStep", "nextStepContent"], closed=True
    ),
    "RecallListFailureData": {"type": "array", "maxItems": 0},
    "TaskToDoFailureData": obj({"task_list": {"type": "array", "maxItems": 0}}, ["task_list"], closed=True),
    "UserMsgFailureData": obj({"msg": {"const": ""}}, ["msg"], closed=True),
    "NullData": {"type": "null"},
}

PARTS = {
    "Criteria": CRITERIA,
    "JobConfig": JOB_CONFIG,
    "TaskConfig": TASK_CONFIG,
    "SlotIn": SLOT_IN,
    "HistoryLine": HISTORY_LINE,
    "DailyTask": obj(
        {
            "jobID": public_id("job"),
            "taskType": {"const": "batchTouch"},
            "helloSum": {**NON_NEGATIVE, "description": "Greetings left today."},
            "timeMount": array(
                obj(
                    {"time": text(pattern=r"^([01]\d|2[0-3]):[0-5]\d$"), "mount": NON_NEGATIVE},
                    ["time", "mount"],
                    closed=True,
                ),
                description="Slots still ahead today, their mounts summing to helloSum.",
            ),
            "filter": obj({}, description="The stored platform search filter."),
            "touch_msg": text(minLength=1, description="The job's greeting; never empty."),
        },
        ["jobID", "taskType", "helloSum", "timeMount", "filter", "touch_msg"],
        closed=True,
    ),
    "RecallItem": obj(
        {
            "candidate_id": {"type": "string"},
            "candidate_name": {"type": "string"},
            "job_id": public_id("job"),
            "need_recall": {"const": True},
            "recall_msg": {"type": "string"},
        },
        ["candidate_id", "candidate_name", "job_id", "need_recall", "recall_msg"],
        closed=True,
    ),
    "AddFriendGroup": obj(
        {
            "task_type": {"const": "add_friend"},
            "content": array(
                obj(
                    {
                        "search_id": {"type": "string", "description": "The candidate's WeChat id, to search."},
                        "alias_id": {"type": "string", "maxLength": ALIAS_MAX, "description": "The remark to set."},
                        "hello_msg": {"type": "string"},
                    },
                    ["search_id", "alias_id", "hello_msg"],
                    closed=True,
                ),
                minItems=1,
            ),
        },
        ["task_type", "content"],
        closed=True,
    ),
    "SendMsgGroup": obj(
        {
            "task_type": {"const": "send_msg"},
            "content": array(
                obj(
                    {"alias_id": {"type": "string", "maxLength": ALIAS_MAX}, "msg": {"type": "string"}},
                    ["alias_id", "msg"],
                    closed=True,
                ),
                minItems=1,
            ),
        },
        ["task_type", "content"],
        closed=True,
    ),
}


def envelope(data: dict, *, success: bool) -> dict:
    """`{"ret", "msg", "data"}` and nothing else: never a top-level `status` (CONTRACT §1)."""
    if success:
        ret, msg = {"const": 0}, {"const": "success"}
    else:
        ret = {"type": "integer", "not": {"const": 0}}
        msg = text(minLength=1, description="One English line naming the first offending field by its path.")
    return obj({"ret": ret, "msg": msg, "data": data}, ["ret", "msg", "data"], closed=True)


# --- The operations ---------------------------------------------------------------------------------

# What any call can answer: bad input, no key, an oversize body, the rate limit, a crash, a database down.
EVERY_CALL = (
    errors.InvalidInput,
    api_errors.Unauthenticated,
    api_errors.BodyTooLarge,
    api_errors.RateLimited,
    api_errors.Internal,
    errors.Unavailable,
)
# Calls naming an account: a key not bound to it (1403, judged before existence), an unknown one.
NAMES_ACCOUNT = (errors.Forbidden, errors.NotFound)
# ... and resolving its job: an explicit job the account does not list, an account without jobs.
RESOLVES_JOB = (*NAMES_ACCOUNT, errors.Conflict)

RECRUIT, WECHAT = "recruit", "wechat"


@dataclass(frozen=True, eq=False)  # compared (and hashed) by identity: aliases share one
class Endpoint:
    """One endpoint of the contract. `failure` names the `data` its failures carry; `errors` the exception
    classes (beyond EVERY_CALL) it answers with, whose `ret` and HTTP status ERRORS gives."""

    name: str  # of its envelopes: <name>Success, <name>Failure
    tag: str
    summary: str
    description: str
    request: str
    data: str
    example: dict
    errors: tuple[type[Exception], ...]
    failure: str = "NullData"
    form: str = ""  # also multipart/form-data, with this form schema (candidate/result)
    form_example: dict = field(default_factory=dict)


ACCOUNT_ID = "account_Boss_27175761"
JOB_ID = "job_Boss_1001"
CANDIDATE = "100000001"

JOB_REGISTER = Endpoint(
    "JobRegister",
    RECRUIT,
    "Register or update a job",
    "Idempotent on (platform, platformID): the same jobID comes back, and only the fields and `jobConfig` keys "
    "sent are updated. Needs a key with the manage scope (1403 otherwise, or for another team's job).",
    "JobRegisterRequest",
    "JobRef",
    {
        "platformType": "boss",
        "platformID": "1001",
        "jobName": "客服专员",
        "jobJD": "接待客户",
        "jobConfig": {
            "touch_msg": "您好，方便聊聊吗？",
            "faq": {"salary": "底薪6000"},
            "criteria": {"age": [18, 35], "min_degree": "大专"},
        },
    },
    (errors.Forbidden,),
)
JOB_QUERY = Endpoint(
    "JobQuery",
    RECRUIT,
    "The jobID of a registered job",
    "Unknown → 1002.",
    "PlatformRefRequest",
    "JobRef",
    {"platformType": "boss", "platformID": "1001"},
    NAMES_ACCOUNT,
)
ACCOUNT_REGISTER = Endpoint(
    "AccountRegister",
    RECRUIT,
    "Register or update a recruiting account and its daily tasks",
    "Idempotent: sets the job list (and its order) to `jobs`; a `taskConfig` entry replaces its job's task, jobs "
    "without one keep theirs, newly added jobs get the default task. An unknown jobID is 1002. Needs the manage "
    "scope; the account is bound to the key.",
    "AccountRegisterRequest",
    "AccountRef",
    {
        "platformType": "boss",
        "platformID": "27175761",
        "jobs": [JOB_ID],
        "taskConfig": [
            {
                "jobID": JOB_ID,
                "taskType": "batchTouch",
                "helloSum": 40,
                "timeMount": [{"time": "09:00", "mount": 20}, {"time": "15:00", "mount": 20}],
            }
        ],
    },
    NAMES_ACCOUNT,
)
ACCOUNT_QUERY = Endpoint(
    "AccountQuery",
    RECRUIT,
    "The accountID of a registered account",
    "Unknown → 1002.",
    "PlatformRefRequest",
    "AccountRef",
    {"platformType": "boss", "platformID": "27175761"},
    NAMES_ACCOUNT,
)
RISK_REPORT = Endpoint(
    "RiskReport",
    RECRUIT,
    "Report a platform risk page: pause the account",
    "The account is paused at once: task/fetch answers `helloSum` 0, filter `touch: false` with "
    "`account: paused (risk: <kind>)`, recallList `[]`; chat and result keep answering. The recruiter is "
    "notified and clears it in the console (resume, audited). A report while paused by an earlier one is "
    "recorded and changes nothing else. `PLATFORM_DAILY_CAP` caps what task/fetch hands out per account and day.",
    "RiskReportRequest",
    "RiskReportData",
    {"accountID": ACCOUNT_ID, "kind": "captcha", "detail": "请完成安全验证"},
    NAMES_ACCOUNT,
)
TASK_FETCH = Endpoint(
    "TaskFetch",
    RECRUIT,
    "Today's greeting tasks of an account",
    "One item per active task: the greetings left today (`helloSum`) split over the slots still ahead. A paused "
    "account gets 0 and `[]`. Under a pacing ceiling (`PLATFORM_DAILY_CAP`) the tasks share, in list order, at "
    "most the ceiling less what the account greeted today.",
    "TaskFetchRequest",
    "TaskFetchData",
    {"accountID": ACCOUNT_ID},
    RESOLVES_JOB,
    failure="TaskFetchFailureData",
)
TASK_REPORT = Endpoint(
    "TaskReport",
    RECRUIT,
    "Report greetings sent",
    "Records each candidate as greeted by this account for the job (idempotent per account, job and candidate); "
    "counts beyond the quota are still recorded.",
    "TaskReportRequest",
    "TaskReportData",
    {
        "accountID": ACCOUNT_ID,
        "taskStatus": [{"taskType": "batchTouch", "details": {"candidateList": [CANDIDATE]}}],
    },
    RESOLVES_JOB,
)
CANDIDATE_FILTER = Endpoint(
    "CandidateFilter",
    RECRUIT,
    "Greet this candidate or not",
    "Screens the card against the job's criteria, quota, do-not-contact list and dedupe; a `true` reserves the "
    "candidate for this account until reported or `RESERVATION_TTL` passes.",
    "CandidateFilterRequest",
    "FilterData",
    {
        "accountID": ACCOUNT_ID,
        "candidateInfo": {
            "geekCard": {"geekId": 100000002, "geekName": "李四", "ageDesc": "26岁", "geekDegree": "本科"}
        },
    },
    RESOLVES_JOB,
    failure="FilterFailureData",
)
PRE_FILTER = Endpoint(
    "PreFilter",
    RECRUIT,
    "Screen a candidate whose profile is stored",
    "`candidate_in_db: false` when the profile is not stored, else the decision re-evaluated on it.",
    "PreFilterRequest",
    "PreFilterData",
    {"accountID": ACCOUNT_ID, "jobID": JOB_ID, "candidate_id": CANDIDATE},
    RESOLVES_JOB,
    failure="PreFilterFailureData",
)
CHAT = Endpoint(
    "Chat",
    RECRUIT,
    "The next message to a candidate",
    "Merges the page's transcript into the stored one and answers within `CHAT_DEADLINE`; an engine failure "
    "answers `algo_abnormal` with the rule engine's reply.",
    "ChatRequest",
    "ChatData",
    {
        "accountID": ACCOUNT_ID,
        "candidateID": CANDIDATE,
        "candidateName": "张三",
        "historyMsg": [{"speaker": "robot", "msg": "您好，方便聊聊吗？"}, {"speaker": "user", "msg": "薪资多少？"}],
    },
    RESOLVES_JOB,
    failure="ChatFailureData",
)
RESULT = Endpoint(
    "Result",
    RECRUIT,
    "Store a candidate's contact details and CV",
    "Multipart form (with the CV as the `cv` file part) or JSON. Merges into the conversation's contact record; "
    "an empty field never erases a stored value. A CV too large is 1004/413, of a type not allowed 1004/415.",
    "ResultRequest",
    "StatusOk",
    {"accountID": ACCOUNT_ID, "candidateID": CANDIDATE, "candidateName": "张三", "wechat": "zhang_san88"},
    (*RESOLVES_JOB, errors.UploadRejected, errors.UploadTooLarge),
    form="ResultForm",
    form_example={"accountID": ACCOUNT_ID, "candidateID": CANDIDATE, "candidateName": "张三", "phone": "13800138000"},
)
RECALL_LIST = Endpoint(
    "RecallList",
    RECRUIT,
    "Which candidates to nudge now",
    "Only the candidates due a nudge, with the message; nothing is counted until recallResult.",
    "RecallListRequest",
    "RecallListData",
    {"accountID": ACCOUNT_ID, "candidateIDs": [CANDIDATE], "candidateIDs_read": []},
    NAMES_ACCOUNT,
    failure="RecallListFailureData",
)
RECALL_RESULT = Endpoint(
    "RecallResult",
    RECRUIT,
    "Report a nudge sent",
    "Advances the offered recall step once; a repeated call advances nothing. No conversation → 1002.",
    "RecallResultRequest",
    "RecallResultData",
    {"accountID": ACCOUNT_ID, "candidateID": CANDIDATE},
    NAMES_ACCOUNT,
)
WECHAT_REGISTER = Endpoint(
    "WechatRegister",
    WECHAT,
    "Register or update a WeChat account",
    "Idempotent; links the recruiting accounts (same team only). Needs the manage scope.",
    "WechatRegisterRequest",
    "WechatAccountRef",
    {"account_id": "wx-hr-01", "recruitAccounts": [ACCOUNT_ID], "helloMsg": "您好，我是在 BOSS 上和您聊过的招聘顾问"},
    NAMES_ACCOUNT,
)
TASK_TODO = Endpoint(
    "TaskToDo",
    WECHAT,
    "Friends to add and messages to send",
    "Claims up to `WECHAT_TASK_BATCH` tasks (leased for `WECHAT_TASK_LEASE`); a group without items is left out. "
    "A paused account gets `[]`.",
    "TaskToDoRequest",
    "TaskToDoData",
    {"account_id": "wx-hr-01"},
    NAMES_ACCOUNT,
    failure="TaskToDoFailureData",
)
ADD_FRIEND_REPORT = Endpoint(
    "AddFriendReport",
    WECHAT,
    "Report a friend request sent",
    "The add task is done. A `search_id` other than the one queued for the alias is 1003.",
    "AddFriendReportRequest",
    "NullData",
    {"account_id": "wx-hr-01", "search_id": "zhang_san88", "alias_id": "张三-7f3a"},
    (errors.Forbidden, errors.NotFound, errors.Conflict),
)
MSG_SEND_REPORT = Endpoint(
    "MsgSendReport",
    WECHAT,
    "Report a message delivered",
    "Completes the oldest open send task with the same text, else stores the message as typed by hand.",
    "MsgSendReportRequest",
    "NullData",
    {"account_id": "wx-hr-01", "alias_id": "张三-7f3a", "msg_send": "您好，方便发一份简历吗？"},
    NAMES_ACCOUNT,
)
USER_MSG = Endpoint(
    "UserMsg",
    WECHAT,
    "A message a candidate wrote; the reply to send",
    "The first message marks the friend request accepted.",
    "UserMsgRequest",
    "UserMsgData",
    {"account_id": "wx-hr-01", "alias_id": "张三-7f3a", "msg_receive": "你好，工资多少？"},
    NAMES_ACCOUNT,
    failure="UserMsgFailureData",
)

# Every path the bots call, with the endpoint it serves (aliases serve the same one).
PATHS: dict[str, Endpoint] = {
    "/recruit/job/register": JOB_REGISTER,
    "/recruit/job/query": JOB_QUERY,
    "/recruit/account/register": ACCOUNT_REGISTER,
    "/recruit/account/query": ACCOUNT_QUERY,
    "/recruit/account/risk/report": RISK_REPORT,
    "/recruit/account/task/fetch": TASK_FETCH,
    "/recruit/account/task/fetch/v2": TASK_FETCH,
    "/recruit/account/task/report": TASK_REPORT,
    "/recruit/account/task/report/v2": TASK_REPORT,
    "/recruit/candidate/filter": CANDIDATE_FILTER,
    "/recruit/candidate/filter/v2": CANDIDATE_FILTER,
    "/recruit/candidate/preFilter/v2": PRE_FILTER,
    "/recruit/candidate/chat": CHAT,
    "/recruit/candidate/chat/v2": CHAT,
    "/recruit/candidate/result": RESULT,
    "/recruit/candidate/result/v2": RESULT,
    "/recruit/candidate/recallList": RECALL_LIST,
    "/recruit/candidate/recallResult": RECALL_RESULT,
    "/wechat/account/register": WECHAT_REGISTER,
    "/wechat/candidate/taskToDo": TASK_TODO,
    "/wechat/candidate/addFriendReport": ADD_FRIEND_REPORT,
    "/wechat/candidate/msgSendReport": MSG_SEND_REPORT,
    "/wechat/candidate/userMsguser": USER_MSG,
    "/wechat/candidate/userMsg": USER_MSG,
}
ALIASES = {
    "/recruit/account/task/fetch/v2": "/recruit/account/task/fetch",
    "/recruit/account/task/report/v2": "/recruit/account/task/report",
    "/recruit/candidate/filter/v2": "/recruit/candidate/filter",
    "/recruit/candidate/chat/v2": "/recruit/candidate/chat",
    "/recruit/candidate/result/v2": "/recruit/candidate/result",
    "/wechat/candidate/userMsg": "/wechat/candidate/userMsguser",
}


def failure_responses(endpoint: Endpoint) -> dict[str, dict]:
    """One response per HTTP status the endpoint's errors map to, each with its `ret` from ERRORS."""
    by_status: dict[int, list[type[Exception]]] = {}
    for kind in (*EVERY_CALL, *endpoint.errors):
        by_status.setdefault(code_for(kind).http, []).append(kind)
    responses = {}
    for status, kinds in sorted(by_status.items()):
        rets = {code_for(kind).ret for kind in kinds}
        assert len(rets) == 1, f"HTTP {status} maps to several ret codes: {rets}"
        response = {
            "description": " ".join(dict.fromkeys((kind.__doc__ or kind.__name__).strip() for kind in kinds)),
            "content": {
                "application/json": {
                    "schema": {
                        "allOf": [ref(f"{endpoint.name}Failure"), {"properties": {"ret": {"const": rets.pop()}}}]
                    }
                }
            },
        }
        if any(issubclass(kind, api_errors.RateLimited) for kind in kinds):
            response["headers"] = {
                "Retry-After": {"required": True, "schema": {"type": "string", "pattern": r"^[1-9]\d*$"}},
            }
        responses[str(status)] = response
    return responses


def operation(path: str) -> dict:
    endpoint = PATHS[path]
    body = {
        "application/json": {"schema": ref(endpoint.request), "examples": {"contract": {"value": endpoint.example}}}
    }
    if endpoint.form:
        body["multipart/form-data"] = {
            "schema": ref(endpoint.form),
            "examples": {"contract": {"value": endpoint.form_example}},
        }
    description = endpoint.description
    if path in ALIASES:
        description += f"\n\nAn alias of `{ALIASES[path]}`, with the same behaviour."
    return {
        "operationId": path.strip("/").replace("/", "_"),
        "summary": endpoint.summary,
        "description": description,
        "tags": [endpoint.tag],
        "requestBody": {"required": True, "content": body},
        "responses": {
            "200": {
                "description": "Success.",
                "content": {"application/json": {"schema": ref(f"{endpoint.name}Success")}},
            },
            **failure_responses(endpoint),
        },
    }


def components() -> dict:
    schemas = {**PARTS, **REQUESTS, **DATA, **FAILURE_DATA, "ResultForm": RESULT_FORM}
    for endpoint in dict.fromkeys(PATHS.values()):
        schemas[f"{endpoint.name}Success"] = envelope(ref(endpoint.data), success=True)
        schemas[f"{endpoint.name}Failure"] = envelope(ref(endpoint.failure), success=False)
    return {
        "schemas": dict(sorted(schemas.items())),
        "securitySchemes": {
            "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "ApiKeyAuthorization": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Authorization: Api-Key <key>`.",
            },
        },
    }


def error_table() -> str:
    rows = "\n".join(
        f"| {code.ret} | {code.http} | {(kind.__doc__ or kind.__name__).strip()} |"
        for kind, code in sorted(ERRORS.items(), key=lambda item: (item[1].ret, item[1].http))
    )
    return f"| ret | HTTP | meaning |\n|---|---|---|\n{rows}"


DESCRIPTION = """The API the recruiting bots (BOSS直聘, 脉脉, 猎聘, LinkedIn, personal WeChat) call. Every endpoint is
`POST` with a JSON body, parsed as JSON whatever its `Content-Type` says (candidate/result also takes a
multipart form); unknown body fields and query parameters are ignored; every path also answers with a
trailing slash.

Every answer is `{"ret", "msg", "data"}`: `ret` 0 and `msg` "success", or a non-zero `ret` with one English
line naming the first offending field, and the `data` shape that endpoint keeps on failures (bots read it
without checking `ret`). Text fields refuse NUL characters and lone surrogates, except scraped page text
(`candidateInfo`, `historyMsg[].msg`, WeChat messages), where they are removed.

Authenticate with `X-Api-Key: <key>` or `Authorization: Api-Key <key>`; requests from
`API_ANONYMOUS_NETWORKS` (loopback by default) need none. Each key (or keyless address) may send
`API_RATE_LIMIT` requests; beyond, 1429 with `Retry-After`.

"""


class BotSchema(AutoSchema):
    """Answers each operation from `PATHS`, never from the view. A DRF view at a path with no declaration
    fails the schema generation."""

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        self.registry, self.path, self.path_regex, self.path_prefix = registry, path, path_regex, path_prefix
        self.method = method.upper()
        if self.is_excluded():  # drf-spectacular's own views (schema, Swagger UI, Redoc)
            return None
        if path not in PATHS or self.method != "POST":
            raise UndeclaredEndpoint(f"{self.method} {path} ({type(self.view).__name__}) has no declaration in PATHS")
        return operation(path)


class UndeclaredEndpoint(LookupError):
    pass


def bot_endpoints(endpoints):
    """PREPROCESSING_HOOKS: the routes take an optional trailing slash (`^job/register/?$`, simplified to
    `/recruit/job/register/`); the contract's paths have none."""
    return [(path.rstrip("/") or "/", regex, method, callback) for path, regex, method, callback in endpoints]


def complete_schema(result, generator, request, public):
    """POSTPROCESSING_HOOKS: the declared components, security and overview around the operations."""
    result["info"]["description"] = DESCRIPTION + error_table()
    result["components"] = components()
    result["security"] = [{"ApiKeyHeader": []}, {"ApiKeyAuthorization": []}]
    result["tags"] = [
        {"name": RECRUIT, "description": "Recruiting bots: jobs, accounts, daily tasks, screening, chat, results."},
        {"name": WECHAT, "description": "The personal-WeChat bot: friends, messages, replies."},
    ]
    result["paths"] = dict(sorted(result["paths"].items()))
    return result
