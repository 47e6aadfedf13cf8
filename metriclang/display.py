"""Display width: the columns text takes on a terminal or in a fixed-width box.

One function for every table, caret and cut title: wide (CJK) characters take two columns,
combining marks and zero-width characters none, by rich's Unicode cell tables.
"""

from __future__ import annotations

from rich.cells import cell_len


def width(text: str) -> int:
    """The columns ``text`` takes.

    >>> width("abc"), width("结账"), width("e\\u0301")
    (3, 4, 1)
    """
    return cell_len(text)


def pad(text: str, columns: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``columns`` display columns (on the left if ``right``).

    >>> pad("中", 4) + "|", pad("中", 4, right=True)
    ('中  |', '  中')
    """
    fill = " " * max(0, columns - width(text))
    return fill + text if right else text + fill
