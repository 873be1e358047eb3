"""The one CSV writer and XLSX row writer every download uses: no cell is ever run as a formula.

A spreadsheet runs a cell that starts with = + - @ (and, in some, a tab or carriage return) as a
formula — ``=HYPERLINK(…)`` or ``=cmd|…`` typed into a customer's name or a service name would act
when a manager opens the export. Text cells starting so are written with a leading apostrophe (the
OWASP advice); numbers and dates stay values. XLSX text cells are stored as strings, never formulas.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def cell_text(value: Any) -> Any:
    """A cell's value for an export: text neutralised when it would start a formula, None as ''."""
    if value is None:
        return ""
    if isinstance(value, str):
        return f"'{value}" if value.startswith(FORMULA_TRIGGERS) else value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class SafeCsvWriter:
    """``csv.writer`` whose every row passes through ``cell_text``."""

    def __init__(self, stream, **kwargs) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([cell_text(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def xlsx_append(sheet: Worksheet, row: Iterable[Any]) -> None:
    """Append a row whose text cells are strings (type ``s``, format ``@``), never formulas."""
    cells = []
    for value in row:
        value = cell_text(value)
        cell = Cell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
            cell.number_format = "@"
        cells.append(cell)
    sheet.append(cells)
