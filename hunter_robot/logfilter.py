"""No personal data in any log record (CONTRACT §8): a filter that redacts a record's text in place.

`PersonalDataFilter` formats the message with its arguments, renders the exception and the stack, and
runs all of it through `recruit.pii.redact_log_text` (database error details, phone numbers, WeChat ids,
e-mails; for the SQL debug log every string literal and parameter too). The record leaves with the
redacted text only: `args` empty, the exception as `exc_text` and no `exc_info`, so no handler can
render the original exception, whose message may quote a refused row.

Where it runs (`configure_logging`, the project's LOGGING_CONFIG, and LOGGING in settings):
- around the log record factory, so every record of every logger is redacted as it is made, before
  any handler sees it (a test's capture, a worker's own handler, an error tracker);
- as a filter of the handlers in LOGGING, for records made some other way (`logging.makeLogRecord`);
- as a filter of the `django.db.backends` loggers, whose records carry the statement and its
  parameters as extra attributes (`sql`, `params`), which are set after the factory has run.
"""

from __future__ import annotations

import logging
import logging.config

from recruit.pii import redact_log_text, redact_sql, redact_sql_params

_TEXT_DONE = "_personal_data_redacted"
_EXTRAS_DONE = "_personal_data_extras_redacted"
SQL_LOGGERS = ("django.db.backends",)  # and its children (".schema")
_formatter = logging.Formatter()


def _is_sql(record: logging.LogRecord) -> bool:
    return hasattr(record, "sql") or any(
        record.name == name or record.name.startswith(name + ".") for name in SQL_LOGGERS
    )


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """Redact `record` in place and return it. Its text is redacted once; the SQL extras whenever they
    appear (they are added to a record after it is made)."""
    sql = _is_sql(record)
    if not getattr(record, _TEXT_DONE, False):
        if sql and isinstance(record.args, tuple):
            # The statement's parameters as an argument (Django: "... args=%s"); the statement itself is
            # a string, its literals redacted with the message below.
            record.args = tuple(redact_sql_params(a) if isinstance(a, (list, tuple, dict)) else a for a in record.args)
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep what there is, redacted like the rest
            message = f"{record.msg} {record.args!r}"
        record.msg = redact_log_text(message, sql=sql)
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _formatter.formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = redact_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_log_text(record.stack_info)
        setattr(record, _TEXT_DONE, True)
    if hasattr(record, "sql") and not getattr(record, _EXTRAS_DONE, False):
        record.sql = redact_sql(str(record.sql))
        record.params = redact_sql_params(getattr(record, "params", None))
        setattr(record, _EXTRAS_DONE, True)
    return record


class PersonalDataFilter(logging.Filter):
    """Lets every record through, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def _redacting_factory(previous):
    def factory(*args, **kwargs) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    factory.redacts_personal_data = True
    return factory


def configure_logging(config: dict) -> None:
    """LOGGING_CONFIG: `dictConfig(LOGGING)`, then every record made from now on is redacted."""
    logging.config.dictConfig(config)
    previous = logging.getLogRecordFactory()
    if not getattr(previous, "redacts_personal_data", False):
        logging.setLogRecordFactory(_redacting_factory(previous))
