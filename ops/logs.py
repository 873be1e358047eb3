"""Structured JSON logs without personal data.

Every record leaves through handlers carrying ``PersonalDataFilter``: whatever the source (a request
line with an ID number in its query string, an exception message, a third-party library), resident
ID numbers and phone numbers are masked before the line is formatted. structlog renders the lines as
JSON, with the request id django-structlog binds per request and carries into the Celery tasks the
request enqueues.
"""

import logging
import re
from collections.abc import MutableMapping
from typing import Any

import structlog
from structlog.typing import Processor

# An 18-character resident ID (GB 11643; last character a digit or X) or a 15-digit first-generation
# one, not inside a longer run of letters or digits (hashes, request ids, case numbers stay intact).
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[0-9Xx]|\d{15})(?![0-9A-Za-z])")
# A mainland mobile number, optionally +86/0086-prefixed or written 3-4-4 with spaces or hyphens.
PHONE = re.compile(r"(?<![0-9A-Za-z])((?:\+?86|0086)[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?![0-9A-Za-z])")
# A landline with its area code (021-12345678, 0755 1234 5678).
LANDLINE = re.compile(r"(?<![0-9A-Za-z])(0\d{2,3})[- ](\d{3,4})[- ]?(\d{4})(?![0-9A-Za-z])")


def _id(match: re.Match) -> str:
    number = match.group(0)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_personal_data(text: str) -> str:
    """The text with ID numbers and phone numbers masked: ``310***********1234``, ``138****0431``."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    text = ID_NUMBER.sub(_id, text)
    text = PHONE.sub(lambda m: f"{m.group(2)}****{m.group(4)}", text)
    return LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, dict):
        return {key: _mask(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_mask(item) for item in value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return mask_personal_data(str(value))


class PersonalDataFilter(logging.Filter):
    """Masks ID and phone numbers in a record's message, arguments, structlog event and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, dict):  # a structlog event on its way to ProcessorFormatter
            record.msg = _mask(record.msg)
        else:
            try:
                message = record.getMessage()
            except Exception:  # a broken format string: keep what there is, masked
                message = f"{record.msg} {record.args}"
            record.msg, record.args = mask_personal_data(message), None
        if record.exc_info and record.exc_info[0] is not None:
            # ProcessorFormatter drops exc_text; the masked traceback travels in an attribute of its own.
            record.masked_exception = mask_personal_data(logging.Formatter().formatException(record.exc_info))
            record.exc_info, record.exc_text = None, None
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        return True


def _exception_text(logger: Any, method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A stdlib record's traceback, already masked by the filter, as the event's ``exception``."""
    text = getattr(event.get("_record"), "masked_exception", None)
    if text:
        event["exception"] = text
    return event


SHARED_PROCESSORS: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
]


def structlog_configure() -> None:
    structlog.configure(
        processors=[
            *SHARED_PROCESSORS,
            structlog.stdlib.filter_by_level,
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def json_formatter() -> structlog.stdlib.ProcessorFormatter:
    """The formatter of every handler (``()`` factory in settings.LOGGING)."""
    return structlog.stdlib.ProcessorFormatter(
        processors=[
            _exception_text,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        foreign_pre_chain=SHARED_PROCESSORS,
    )
