"""The trend chart as server-drawn SVG geometry: no script, no CDN."""

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 240, 40, 40, 16


def trend_chart(trend: list[dict]) -> dict | None:
    """Bars of cases received and breaches per period, with the axis scale."""
    if not trend:
        return None
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
