from django.core.checks import Tags, Warning, register
from django.db import DatabaseError


@register(Tags.database)
def next_year_calendar_check(app_configs=None, databases=None, **kwargs):
    """Runs with `migrate` and `check --database default`: warns from 1 November while next year's
    official holiday schedule is missing (or only computed provisionally)."""
    if not databases:
        return []
    from workdays.selectors import next_year_missing_warning

    try:
        message = next_year_missing_warning()
    except DatabaseError:
        return []  # not migrated yet
    if message is None:
        return []
    hint = "后台：工作日历 › 日历年度 › 导入年度安排（或 manage.py workdays import）"
    return [Warning(message, hint=hint, id="workdays.W001")]
