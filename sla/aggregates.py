"""Percentiles as a database aggregate.

PostgreSQL computes ``PERCENTILE_CONT(f) WITHIN GROUP (ORDER BY x)`` itself. SQLite (the embedded
development database) has no ordered-set aggregates: there the database concatenates the group's
values and the converter interpolates them exactly as PERCENTILE_CONT does, which is right on the
small data a developer's database holds.
"""

import math

from django.db.models import Aggregate, FloatField


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """PERCENTILE_CONT's linear interpolation between the closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def percentile_cont_counts(counts: dict[float, int], fraction: float) -> float | None:
    """``percentile_cont`` of values given as {value: how many times it occurs}, without listing them."""
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


class Percentile(Aggregate):
    function = "PERCENTILE_CONT"
    name = "Percentile"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, fraction: float, **extra):
        if not 0 <= fraction <= 1:
            raise ValueError(f"fraction 须在 0 与 1 之间，收到 {fraction}")
        self.fraction = float(fraction)
        super().__init__(expression, fraction=repr(self.fraction), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        # Set on a copy: Aggregate.as_sql rejects a template passed alongside a FILTER clause.
        clone = self.copy()
        clone.function, clone.template = "GROUP_CONCAT", "%(function)s(%(expressions)s)"
        return super(Percentile, clone).as_sql(compiler, connection, **extra_context)

    def get_db_converters(self, connection):
        if connection.vendor == "sqlite":
            return [self._from_concatenated]
        return super().get_db_converters(connection)

    def _from_concatenated(self, value, expression, connection):
        if value is None:
            return None
        return percentile_cont([float(part) for part in str(value).split(",") if part != ""], self.fraction)
