"""Template helpers of the case pages: how far a deadline is, in working days, and whether it is 暂定."""

from datetime import date

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from workdays.calendar import CalendarNotCovered, workdays_between

register = template.Library()


@register.filter
def workdays_left(due: date | None) -> str:
    """ "（还剩 3 个工作日）", "（今日到期）" or "（已超 2 个工作日）" beside a due date; nothing when the
    calendar does not cover the dates (never a guess)."""
    if not due:
        return ""
    try:
        left = workdays_between(timezone.localdate(), due)
    except CalendarNotCovered:
        return ""
    if left > 0:
        return _("（还剩 %(days)s 个工作日）") % {"days": left}
    if left == 0:
        return _("（今日到期）")
    return _("（已超 %(days)s 个工作日）") % {"days": -left}


PROVISIONAL_TITLE = gettext_lazy(
    "按《全国年节及纪念日放假办法》推算的暂定日历计算；录入国务院办公厅正式安排后自动重新计算"
)


@register.filter
def provisional_mark(provisional: bool) -> str:
    """ "暂定" beside a due date counted over a provisional year of the calendar."""
    if not provisional:
        return ""
    return format_html(' <span class="badge provisional" title="{}">{}</span>', PROVISIONAL_TITLE, _("暂定"))


@register.filter
def arrangement(case) -> str:
    """The case's arrangement in the words of its service (cases.arrangement)."""
    from cases.arrangement import arrangement_text

    return arrangement_text(case)


@register.filter
def clock(case):
    """The case's clock figures as of today (cases.clock): what every case page shows."""
    from cases.clock import clock_figures

    return clock_figures(case, today=timezone.localdate())
