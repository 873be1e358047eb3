from django import template

from workdays.selectors import NextYearNotice, next_year_notice

register = template.Library()


@register.simple_tag(takes_context=True)
def next_year_calendar_notice(context) -> NextYearNotice | None:
    """The home page's notice for those who keep or count on the calendar (catalogue admins,
    coordinators, managers: whoever may view it); None for the others or when nothing is due."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("workdays.view_calendaryear"):
        return None
    return next_year_notice()
