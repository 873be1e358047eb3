"""The trend chart as server-drawn SVG geometry: no script, no CDN."""

from datetime import date, timedelta

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 240, 40, 40, 16


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


def trend_chart(trend: list[dict], grain: str = "week") -> dict | None:
    """Bars of cases received and breaches per period, with the axis scale."""
    if not trend:
        return None
    trend = _with_gaps_filled(trend, grain)
    peak = max(max(row["received"], row["breaches"]) for row in trend) or 1
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT) / len(trend)
    bar = max(min(slot / 3, 28), 2)
    bars, labels = [], []
    for i, row in enumerate(trend):
        x = LEFT + i * slot + (slot - 2 * bar) / 2
        for offset, key, css in ((0, "received", "received"), (bar, "breaches", "breaches")):
            height = plot_height * row[key] / peak
            y = TOP + plot_height - height
            bars.append(
                {
                    "x": round(x + offset, 1),
                    "y": round(y, 1),
                    "w": round(bar, 1),
                    "h": round(height, 1),
                    "css": css,
                    "value": row[key],
                    "period": row["period"],
                }
            )
        labels.append({"x": round(LEFT + i * slot + slot / 2, 1), "text": row["period"].strftime("%m-%d")})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "bars": bars,
        "labels": labels,
        "peak": peak,
        "axis_y": HEIGHT - BOTTOM,
        "top": TOP,
        "left": LEFT,
        "label_y": HEIGHT - BOTTOM + 16,
    }
