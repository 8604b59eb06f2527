"""Personal data outside a permitted view: keyed hashes of identifiers, so the do-not-contact list
survives erasure without keeping the phone number or WeChat id itself, and the redaction of text that
leaves the server through logs.

Where each kind is masked, in one place (the masking primitives, `mask_phone`, `mask_text`, `mask_name`,
are pure functions in `chatbot.contacts`, so the engines use them too):

- Contacts (phone, WeChat id, e-mail) are masked everywhere except a conversation's or WeChat friend's
  page for users with `recruit.view_contact_pii` and a full export (both recorded: `hunter_robot.audit`).
  The WeChat bot gets the WeChat id it has to search for (`search_id`): its job needs the value.
- A candidate's name is masked ("张**") in what goes to peers: webhook payloads (group chats, other
  systems), the LLM and the external engine (history lines included; a reply that addresses the
  candidate by the mask gets the name back, since it goes to the candidate). Recruiters work by name:
  the console's lists, its dashboard and the exports of contact results show it, as the bots' pages do.
- Logs carry none of them: `hunter_robot.logfilter` runs every record through `redact_log_text`, and our
  own log calls pass ids and error kinds, never values.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import hmac
import re

from django.conf import settings

from chatbot.contacts import mask_name, mask_text

REDACTED = "***"


def platform_identity_hash(candidate) -> str:
    """The do-not-contact hash of a candidate's platform id (`platform_id` kind)."""
    return identity_hash("platform_id", f"{candidate.platform}:{candidate.platform_cid}")


def identity_hash(kind: str, value: str) -> str:
    normalised = value.strip().lower()
    return hmac.new(settings.PII_HASH_KEY.encode(), f"{kind}:{normalised}".encode(), hashlib.sha256).hexdigest()


def name_shown(name: str, *, mask: bool) -> str:
    """A candidate's name as a person or a peer sees it: masked ("张**") unless `mask` is off."""
    return mask_name(name) if mask else name


# --- Logs ------------------------------------------------------------------------------------------
# Database errors quote the values of the row they refused: PostgreSQL's DETAIL lines
# ("Key (wechat_account_id, search_id)=(3, 13800138000) already exists.", "Failing row contains (…)."),
# input errors ('invalid input syntax for type integer: "张三"'), and the statement itself ("LINE 1: …",
# with psycopg2's client-side parameters in it). Their structure stays readable; the values go.
_KEY_VALUES = re.compile(r"(Key \(.*?\)=)\(.*?\)( already exists| is not present in table| is still referenced)")
_KEY_VALUES_REST = re.compile(r"((?:Key|existing key) \(.*?\)=)\((?!\*\*\*\)).*")
_FAILING_ROW = re.compile(r"(Failing row contains )\(.*")
_INVALID_INPUT = re.compile(r'(invalid input (?:syntax|value) for [^:\n]*: )".*"')
_STATEMENT_LINE = re.compile(r"^((?:LINE \d+|CONTEXT|QUERY|STATEMENT):).*$", re.MULTILINE)
# SQL string literals: standard ('it''s'), escape strings (E'a\'b'), blobs (X'00').
_SQL_LITERAL = re.compile(r"[Ee]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*'")
_PLAIN_PARAM = (bool, int, float, decimal.Decimal, datetime.date, datetime.time, datetime.timedelta)


def redact_sql(sql: str) -> str:
    """An SQL statement with every string literal (the parameters a debug log interpolates: names,
    messages, contacts, JSON cards) replaced by '***'; identifiers, numbers and structure kept."""
    return _SQL_LITERAL.sub(f"'{REDACTED}'", sql)


def redact_sql_params(params):
    """Statement parameters with every value but numbers, booleans, times and NULL redacted."""
    if params is None:
        return None
    if isinstance(params, dict):
        return {key: _redact_param(value) for key, value in params.items()}
    if isinstance(params, (list, tuple)):
        return type(params)(_redact_param(value) for value in params)
    return _redact_param(params)


def _redact_param(value):
    if value is None or isinstance(value, _PLAIN_PARAM):
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_param(item) for item in value)
    return REDACTED


def redact_database_details(text: str) -> str:
    """`text` with the values quoted by database errors redacted (see above)."""
    text = _KEY_VALUES.sub(rf"\1({REDACTED})\2", text)
    text = _KEY_VALUES_REST.sub(rf"\1({REDACTED})", text)
    text = _FAILING_ROW.sub(rf"\1({REDACTED})", text)
    text = _INVALID_INPUT.sub(rf'\1"{REDACTED}"', text)
    return _STATEMENT_LINE.sub(lambda match: redact_sql(match.group(0)), text)


def redact_log_text(text: str, *, sql: bool = False) -> str:
    """Log text without personal data: database error details redacted, phone numbers, WeChat ids and
    e-mails masked; with `sql`, every SQL string literal too (a statement logged with its values)."""
    if not text:
        return text
    text = redact_database_details(text)
    if sql:
        text = redact_sql(text)
    return mask_text(text, loose=False)
