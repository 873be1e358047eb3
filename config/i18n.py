"""Chinese for the third-party apps the staff see in the admin (django-axes, django-otp,
django-celery-beat, django-filter and strings newer than Django's own zh_Hans catalogue).

Their words are translated in locale/zh_Hans/LC_MESSAGES/django.po (and djangojs.po for the admin's
scripts); the project's catalogue wins over every app's. This module lists those words with
``gettext_noop`` so ``make messages`` keeps them, and ``third_party_labels`` makes django-otp's
plain-string names translatable: they are wrapped in ``gettext_lazy`` of the same English words,
so English stays available and the migrations (which compare the words) see no change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, gettext_noop, override

F = TypeVar("F", bound=Callable[..., Any])

# Models whose names and help texts are plain strings upstream.
PLAIN_STRING_MODELS = [
    ("otp_totp", "TOTPDevice"),
    ("otp_static", "StaticDevice"),
    ("otp_static", "StaticToken"),
    ("django_celery_beat", "PeriodicTask"),
]
# Apps named by their label upstream ("Otp_Totp"), shown on the admin index and in breadcrumbs.
APP_NAMES = {"axes": "Axes", "otp_totp": "TOTP devices", "otp_static": "static devices"}


def third_party_labels() -> None:
    for app_label, model_name in PLAIN_STRING_MODELS:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        meta = model._meta
        plain = str(meta.original_attrs.get("verbose_name", meta.verbose_name))
        meta.verbose_name = _lazy(meta.verbose_name)
        # The default plural is format_lazy("{}s", <the plain name>): rebuilt from the plain words.
        meta.verbose_name_plural = gettext_lazy(str(meta.original_attrs.get("verbose_name_plural", f"{plain}s")))
        for field in meta.get_fields(include_parents=True):
            if hasattr(field, "verbose_name") and getattr(field, "concrete", False):
                field.verbose_name = _lazy(field.verbose_name)
                field.help_text = _lazy(field.help_text)
    for label, name in APP_NAMES.items():
        if apps.is_installed(label) or label in apps.app_configs:
            apps.get_app_config(label).verbose_name = gettext_lazy(name)
    _celery_beat_labels()
    _static_token_str()
    _axes_str()


def _celery_beat_labels() -> None:
    from django_celery_beat.admin import PeriodicTaskAdmin
    from django_celery_beat.models import PeriodicTask

    PeriodicTask.scheduler.fget.short_description = gettext_lazy("Scheduler")
    PeriodicTaskAdmin.crontab_translation.short_description = gettext_lazy("Crontab translation")


def _axes_str() -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.utils import timezone

    def at(moment) -> str:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "—"

    AccessLog.__str__ = lambda log: f"{log.username} 登录日志 @ {at(log.attempt_time)}"
    AccessAttempt.__str__ = lambda row: f"{row.username} 登录失败 @ {at(row.attempt_time)}"
    AccessFailureLog.__str__ = lambda row: f"{row.username} 登录失败 @ {at(row.attempt_time)}"


def _static_token_str() -> None:
    from django_otp.plugins.otp_static.models import StaticToken

    # Upstream has none ("StaticToken object (3)"): the inline of a device's recovery codes shows it.
    StaticToken.__str__ = lambda token: f"{gettext('static token')} {token.pk}"


def system_language(func: F) -> F:
    """Run ``func`` in the desk's own language (LANGUAGE_CODE, Chinese) whatever the person chose:
    text it writes to the database (timeline notes, audit lines, notices and customer messages) is
    the case file's language, not the reader's of the moment."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        # A new override per call: one shared instance would keep one thread's previous language.
        with override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _lazy(text):
    if not text or isinstance(text, Promise):
        return text
    return gettext_lazy(str(text))


STRINGS = [
    # django-otp: the models, their fields and help texts, the admin's columns and the login form.
    gettext_noop("TOTP device"),
    gettext_noop("TOTP devices"),
    gettext_noop("static device"),
    gettext_noop("static devices"),
    gettext_noop("static token"),
    gettext_noop("static tokens"),
    gettext_noop("id"),
    gettext_noop("ID"),
    gettext_noop("user"),
    gettext_noop("name"),
    gettext_noop("confirmed"),
    gettext_noop("key"),
    gettext_noop("step"),
    gettext_noop("t0"),
    gettext_noop("digits"),
    gettext_noop("tolerance"),
    gettext_noop("drift"),
    gettext_noop("last t"),
    gettext_noop("device"),
    gettext_noop("token"),
    gettext_noop("created at"),
    gettext_noop("last used at"),
    gettext_noop("throttling failure timestamp"),
    gettext_noop("throttling failure count"),
    gettext_noop("The user that this device belongs to."),
    gettext_noop("The human-readable name of this device."),
    gettext_noop("Is this device ready for use?"),
    gettext_noop("A hex-encoded secret key of up to 40 bytes."),
    gettext_noop("The time step in seconds."),
    gettext_noop("The Unix time at which to begin counting steps."),
    gettext_noop("The number of digits to expect in a token."),
    gettext_noop("The number of time steps in the past or future to allow."),
    gettext_noop("The number of time steps the prover is known to deviate from our clock."),
    gettext_noop("The t value of the latest verified token. The next token must be at a higher time step."),
    gettext_noop("A timestamp of the last failed verification attempt. Null if last attempt succeeded."),
    gettext_noop("Number of successive failed attempts."),
    gettext_noop("The date and time when this device was initially created in the system."),
    gettext_noop("The most recent date and time this device was used."),
    gettext_noop("Identity"),
    gettext_noop("Configuration"),
    gettext_noop("State"),
    gettext_noop("Timestamps"),
    gettext_noop("QR Code"),
    gettext_noop("Tokens"),
    gettext_noop("Please enter your OTP token."),
    gettext_noop("Invalid token. Please make sure you have entered it correctly."),
    gettext_noop("Verification of the token is currently disabled"),
    gettext_noop("OTP Device:"),
    gettext_noop("OTP Token:"),
    gettext_noop("Get OTP Challenge"),
    gettext_noop("Please correct the errors below."),
    # django-axes.
    gettext_noop("Axes"),
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Logout Time"),
    gettext_noop("Locked Out"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
    gettext_noop("Account locked: too many login attempts. Contact an admin to unlock your account."),
    # django-celery-beat.
    gettext_noop("Task Name"),
    gettext_noop("Crontab translation"),
    gettext_noop("If True, the schedule will only run the task a single time"),
    gettext_noop("Set to False to disable the schedule"),
    gettext_noop(
        "Datetime that the schedule last triggered the task to run. Reset to None if enabled is set to False."
    ),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"),
    gettext_noop("Scheduler"),
    gettext_noop("Periodic Tasks Using This Schedule"),
    gettext_noop("Throttling"),
    gettext_noop("QR Code"),
    gettext_noop("Search by user’s username or email address"),
    gettext_noop("Hold down “Control”, or “Command” on a Mac, to select more than one."),
    gettext_noop("Schedule"),
    gettext_noop("Arguments"),
    gettext_noop("Execution Options"),
    # django-filter.
    gettext_noop("%s (descending)"),
    gettext_noop("Submit"),
    gettext_noop("Multiple values may be separated by commas."),
    gettext_noop("Range query expects two values."),
    gettext_noop("Select a lookup."),
    # Django's admin: words newer than its zh_Hans catalogue.
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Error:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
]


def choice_label(choices: type[models.Choices], value: Any) -> Any:
    """``value``'s label in the active language, as ``get_FOO_display()`` gives it (the value itself
    when it is not a choice). Django's method hashes every label of the field to build its lookup,
    and hashing a lazy label translates it: at fourteen states, fourteen catalogue lookups for each
    case on a list page. Here: one."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value
