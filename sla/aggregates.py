"""Percentiles interpolated exactly as PostgreSQL's ``PERCENTILE_CONT`` does, for the manager
report, which counts how many cases took each number of working days and interpolates from those
counts instead of asking the database for an ordered-set aggregate per group (slower over
grouping sets)."""

import math


def percentile_cont_counts(counts: dict[float, int], fraction: float) -> float | None:
    """PERCENTILE_CONT's linear interpolation between the closest ranks, of values given as
    {value: how many times it occurs}, without listing them."""
    total = sum(counts.values())
    if not total:
        return None
    position = fraction * (total - 1)
    low, high = math.floor(position), math.ceil(position)
    seen, ordered = 0, []
    for value in sorted(counts):
        seen += counts[value]
        ordered.append((seen, value))  # positions below ``seen`` hold ``value`` or a smaller one

    def at(index: int) -> float:
        return float(next(value for seen, value in ordered if index < seen))

    return at(low) + (at(high) - at(low)) * (position - low)
