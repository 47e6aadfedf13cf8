"""Query results as text: a rich table, CSV or JSON, with stable dates and numbers.

Dates print as ISO (a midnight timestamp as a date), numbers with at most nine decimals
and no trailing zeros, so every engine prints the same text for the same result.

>>> cell(0.1 + 0.2), cell(Decimal("72288.610")), cell(None), cell(True), cell(Decimal("NaN"))
('0.3', '72288.61', '', 'true', '')
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any

from metriclang.report import printable
from metriclang.warehouse.result import COMPLETE, Named, Result

if TYPE_CHECKING:
    from metriclang.warehouse.coverage import Coverage

#: The mark of a row whose period is not complete, in tables.
MARK = "*"


def plain(value: Any) -> Any:
    """A JSON-ready value: ISO dates, numbers rounded to nine decimals, text as is."""
    match value:
        case bool() | None | str():
            return value
        case datetime():
            return value.date().isoformat() if value.time() == datetime.min.time() and \
                value.tzinfo is None else value.isoformat()
        case date():
            return value.isoformat()
        case int():
            return value
        case float() if not math.isfinite(value):
            return None
        case Decimal() if not value.is_finite():
            return None
        case float() | Decimal():
            rounded = _quantize(Decimal(repr(value) if isinstance(value, float) else value), 9)
            return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)
    return str(value)


def _quantize(value: Decimal, places: int) -> Decimal:
    """``value`` rounded to ``places`` decimals, without trailing zeros, however large it is
    (the default 28 digits of precision fail from 1e19 up with nine decimals).

    >>> _quantize(Decimal("12345678901234567890.123456789123"), 9)
    Decimal('12345678901234567890.123456789')
    """
    with localcontext() as context:
        context.prec = max(28, value.adjusted() + places + 2)
        return value.quantize(Decimal(1).scaleb(-places)).normalize()


def cell(value: Any, places: int = 9) -> str:
    """One value as text (NULL is the empty string); tables show six decimals."""
    value = plain(value)
    match value:
        case None:
            return ""
        case bool():
            return "true" if value else "false"
        case float():
            return format(_quantize(Decimal(repr(value)), places), "f")
    return str(value)


def _bounds(coverage: Coverage | None) -> dict[str, Any]:
    """``first`` and ``as_of`` of the data, when known (JSON)."""
    if coverage is None:
        return {}
    return {"first": plain(coverage.first), "as_of": plain(coverage.as_of)}


def to_json(results: Sequence[Named], single: bool) -> str:
    """``{"measure", "columns", "rows", "first", "as_of"}`` for one measure,
    ``{"measures": [...]}`` for many."""
    items = [{"measure": r.measure, "columns": list(r.result.columns),
              "rows": [dict(zip(r.result.columns, map(plain, row), strict=True))
                       for row in r.result.rows], **_bounds(r.coverage)} for r in results]
    doc: Any = items[0] if single else {"measures": items}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def to_rows_json(result: Result, coverage: Coverage | None = None) -> str:
    """``{"columns", "rows", "first", "as_of"}``: each row an object keyed by column
    (``osm query``)."""
    rows = [dict(zip(result.columns, map(plain, row), strict=True)) for row in result.rows]
    return json.dumps({"columns": list(result.columns), "rows": rows, **_bounds(coverage)},
                      ensure_ascii=False, indent=2) + "\n"


def to_csv(results: Sequence[Named], single: bool) -> str:
    """One measure as its own columns; many in long form ``measure,period,dimensions,value``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if single:
        writer.writerow(results[0].result.columns)
        writer.writerows([cell(v) for v in row] for row in results[0].result.rows)
        return out.getvalue()
    writer.writerow(("measure", "period", "dimensions", "value", COMPLETE))
    for r in results:  # columns: period, dimensions..., value, complete
        names = r.result.columns[1:-2]
        for row in r.result.rows:
            dims = ";".join(f"{n}={cell(v)}" for n, v in zip(names, row[1:-2], strict=True))
            writer.writerow((r.measure, cell(row[0]), dims, cell(row[-2]), cell(row[-1])))
    return out.getvalue()


def _note(coverage: Coverage | None) -> str:
    """The caption explaining the mark of incomplete rows."""
    if coverage is None or coverage.as_of is None:
        return f"{MARK} incomplete: the data has no rows to tell"
    last = cell(coverage.as_of).replace("T", " ")
    end = f"--as-of {last}" if coverage.given else f"the last event, {last}"
    start = f"{cell(coverage.first)} to " if coverage.first else "up to "
    return f"{MARK} incomplete: the data ({start}{end}) does not cover the period or its window"


def to_table(results: Sequence[Named], color: bool) -> str:
    """A rich table per measure, titled with its name and label (control characters of
    labels and values shown escaped)."""
    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = io.StringIO()
    console = Console(file=buffer, width=160, color_system="standard" if color else None,
                      force_terminal=color, highlight=False)
    for r in results:
        title = Text(r.measure, style="bold")
        if r.label:
            title.append(f"  {printable(r.label, False)}")
        console.print(title)
        table = Table(box=box.SIMPLE_HEAD)
        marked = r.result.columns[-1:] == (COMPLETE,)
        columns = r.result.columns[:-1] if marked else r.result.columns
        numeric = [all(isinstance(row[i], int | float | Decimal) or row[i] is None
                       for row in r.result.rows) for i in range(len(columns))]
        for name, right in zip(columns, numeric, strict=True):
            table.add_column(printable(name, False), justify="right" if right else "left")
        for row in r.result.rows:
            cells = [printable(cell(v, places=6), False) if v is not None else "NULL"
                     for v in row[:len(columns)]]
            partial = marked and not row[-1]
            if partial:
                cells[0] += f" {MARK}"
            table.add_row(*cells, style="dim" if partial else None)
        if not r.result.rows:
            table.caption = "no rows"
        console.print(table)
        if marked and not all(row[-1] for row in r.result.rows):
            console.print(_note(r.coverage) + "\n")
    return buffer.getvalue()
