"""The trend chart as server-drawn SVG geometry: no script, no CDN.

Two bars per period (cases received, breaches), each with its value above it and linked to the cases
it counts; a y axis in cases with round ticks and grid lines, an x axis of periods, both titled, and
a legend. The chart widens with the number of periods (a year of weeks scrolls sideways) so that no
value label overlaps its neighbour.
"""

import math
from datetime import date, timedelta

from django.utils.translation import gettext as _

HEIGHT, LEFT, RIGHT, BOTTOM, TOP = 280, 64, 16, 56, 40
MIN_WIDTH, MIN_SLOT, MAX_BAR = 720, 64, 24
TICKS = 5


def _next_period(period: date, grain: str) -> date:
    if grain == "week":
        return period + timedelta(days=7)
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def _with_gaps_filled(trend: list[dict], grain: str) -> list[dict]:
    """Periods without a received case get an empty slot, so the time axis stays even."""
    by_period = {row["period"]: row for row in trend}
    filled, period = [], trend[0]["period"]
    while period <= trend[-1]["period"]:
        filled.append(by_period.get(period, {"period": period, "received": 0, "breaches": 0}))
        period = _next_period(period, grain)
    return filled


def nice_step(peak: int, ticks: int = TICKS) -> int:
    """A round tick step (1, 2, 5 × 10ⁿ) giving at most ``ticks`` intervals up to ``peak``."""
    raw = max(peak, 1) / ticks
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    for multiple in (1, 2, 5, 10):
        step = multiple * magnitude
        if step >= raw:
            return max(int(step), 1)
    return int(10 * magnitude)


def _label(period: date, grain: str) -> str:
    return period.strftime("%m-%d") if grain == "week" else period.strftime("%Y-%m")


def trend_chart(trend: list[dict], grain: str = "week") -> dict | None:
    """Bars of cases received and breaches per period, with the axes, ticks, values and legend."""
    if not trend:
        return None
    trend = _with_gaps_filled(trend, grain)
    peak = max(max(row["received"], row["breaches"]) for row in trend)
    step = nice_step(peak)
    scale = max(step * math.ceil(peak / step), step)
    width = max(MIN_WIDTH, LEFT + RIGHT + MIN_SLOT * len(trend))
    plot_width, plot_height = width - LEFT - RIGHT, HEIGHT - BOTTOM - TOP
    axis_y = TOP + plot_height
    slot = plot_width / len(trend)
    bar = min(slot / 3, MAX_BAR)
    bars, labels = [], []
    for i, row in enumerate(trend):
        x = LEFT + i * slot + (slot - 2 * bar) / 2
        links = row.get("links", {})
        for offset, key, css, name in (
            (0, "received", "received", _("受理")),
            (bar, "breaches", "breaches", _("超时")),
        ):
            height = plot_height * row[key] / scale
            y = axis_y - height
            bars.append(
                {
                    "x": round(x + offset, 1),
                    "y": round(y, 1),
                    "w": round(bar, 1),
                    "h": round(height, 1),
                    "cx": round(x + offset + bar / 2, 1),
                    "value_y": round(y - 4, 1),
                    "css": css,
                    "name": name,
                    "value": row[key],
                    "period": row["period"],
                    "link": links.get(key),
                }
            )
        labels.append({"x": round(LEFT + i * slot + slot / 2, 1), "text": _label(row["period"], grain)})
    ticks = [
        {"value": value, "y": round(axis_y - plot_height * value / scale, 1)} for value in range(0, scale + 1, step)
    ]
    year = trend[0]["period"].year
    last_year = trend[-1]["period"].year
    years = _("%(year)s年") % {"year": year if year == last_year else f"{year}–{last_year}"}
    return {
        "width": width,
        "height": HEIGHT,
        "bars": bars,
        "labels": labels,
        "ticks": ticks,
        "peak": peak,
        "scale": scale,
        "axis_y": axis_y,
        "top": TOP,
        "left": LEFT,
        "right": width - RIGHT,
        "label_y": axis_y + 16,
        "x_title": (_("受理周（周一），%(years)s") if grain == "week" else _("受理月，%(years)s")) % {"years": years},
        "x_title_x": round(LEFT + plot_width / 2, 1),
        "x_title_y": HEIGHT - 12,
        "y_title": _("案件数（件）"),
        "y_title_x": 14,
        "y_title_y": round(TOP + plot_height / 2, 1),
        "legend_x": width - RIGHT - 150,
    }
