"""The manager report's repeated markup — a table's rows and the trend chart's bars — written in
Python: a year by week prints some 150 rows and 100 bars, several thousand template nodes that took
longer to render than the report's statement. The markup is the one the templates held, every value
rendered as a template variable renders it (localized, escaped)."""

from collections.abc import Callable

from django import template
from django.conf import settings
from django.template.base import render_value_in_context
from django.utils import formats
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


def _renderer(context) -> Callable[[object], str]:
    """A value as ``{{ value }}`` renders it. Numbers: as ``str`` gives them when the active
    language writes them so (a decimal point, no thousands separator) — ``localize`` per number is
    most of the rendering time; otherwise, and for everything else, ``render_value_in_context``."""
    plain = not settings.USE_THOUSAND_SEPARATOR and formats.get_format("DECIMAL_SEPARATOR") == "."

    def render(value) -> str:
        if plain and type(value) in (int, float):
            return str(value)
        return render_value_in_context(value, context)

    return render


def _date(value) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


@register.simple_tag(takes_context=True)
def report_rows(context, rows: list[dict], period: bool = False) -> SafeString:
    """The ``<tr>`` of each row of a report table (``sla/_table.html``)."""

    v = _renderer(context)

    def pct(value) -> str:
        return "—" if value is None else f"{v(value)}%"

    def days(value) -> str:
        return "—" if value is None else v(value)

    see, cases_word = gettext("查看这"), gettext("件案件")
    out = []
    for row in rows:
        links = row["links"]
        label = _date(row["period"]) if period else v(row["label"])
        out.append(
            "    <tr>\n"
            f"      <td>{label}</td>\n"
            f'      <td class="num"><a class="figure" href="{v(links["received"])}" title="{see} {v(row["received"])}'
            f' {cases_word}" data-cell="received">{v(row["received"])}</a></td>\n'
            f'      <td class="num"><a class="figure" href="{v(links["arranged"])}" data-cell="arranged">'
            f"{v(row['arranged'])}</a></td>\n"
            f'      <td class="num"><a class="figure" href="{v(links["on_time"])}" data-cell="on_time">'
            f"{v(row['on_time'])}</a></td>\n"
            f'      <td class="num">{pct(row["on_time_pct"])}</td>\n'
            f'      <td class="num" data-figure="on_time_exempt_pct">{pct(row["on_time_exempt_pct"])}</td>\n'
            f'      <td class="num">{days(row["arrange_median"])}</td>\n'
            f'      <td class="num">{days(row["arrange_p90"])}</td>\n'
            f'      <td class="num"><a class="figure" href="{v(links["breaches"])}" data-cell="breaches">'
            f"{v(row['breaches'])}</a></td>\n"
            f'      <td class="num"><a class="figure" href="{v(links["at_risk"])}" data-cell="at_risk">'
            f"{v(row['at_risk'])}</a></td>\n"
            "    </tr>\n"
        )
    return mark_safe("".join(out))  # noqa: S308 — every value above went through render_value_in_context


@register.simple_tag(takes_context=True)
def chart_bars(context, bars: list[dict]) -> SafeString:
    """The trend chart's bars with their values, each linked to its cases (``sla/report.html``)."""

    v = _renderer(context)
    unit = gettext("件")
    out = []
    for bar in bars:
        linked = bool(bar["link"] and bar["value"])
        css, day = v(bar["css"]), _date(bar["period"])
        out.append(
            (f'<a href="{v(bar["link"])}">' if linked else "")
            + f'<rect class="{css}" x="{v(bar["x"])}" y="{v(bar["y"])}" width="{v(bar["w"])}" height="{v(bar["h"])}">'
            f"<title>{day} {v(bar['name'])} {v(bar['value'])} {unit}</title></rect>"
            f'<text class="value {css}-value" x="{v(bar["cx"])}" y="{v(bar["value_y"])}" text-anchor="middle"'
            f' data-period="{day}" data-series="{css}">{v(bar["value"])}</text>' + ("</a>" if linked else "")
        )
    return mark_safe("".join(out))  # noqa: S308 — every value above went through render_value_in_context
