"""``osm init``: write the starter project (package data under ``project/``) into a folder.

The objective's target date, ``{{ target_date }}`` in the template, is the last day of the
year after today's, so the starter's lag chains end in time (rule C207) whatever the day.

Nothing is ever overwritten: when any file the starter would write exists, nothing is written
(:class:`~metriclang.errors.UsageError`). Each file appears whole or not at all
(:func:`metriclang.atomic.create_file`); a failure part way removes the files written so far.
"""

from __future__ import annotations

import os
from datetime import date
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from metriclang.atomic import create_file
from metriclang.errors import UsageError


def starter_files(today: date | None = None) -> dict[str, bytes]:
    """The starter project as written on ``today`` (default: the current date): relative
    path -> content, in path order.

    >>> b"by 2031-12-31" in starter_files(date(2030, 5, 1))["metrics.osm"]
    True
    """
    found: dict[str, bytes] = {}
    target = date((today or date.today()).year + 1, 12, 31).isoformat().encode()

    def walk(folder: Traversable, prefix: str) -> None:
        for item in folder.iterdir():
            if item.name == "__pycache__":
                continue
            if item.is_dir():
                walk(item, f"{prefix}{item.name}/")
            else:
                found[prefix + item.name] = item.read_bytes().replace(
                    b"{{ target_date }}", target)

    walk(files(__name__) / "project", "")
    return dict(sorted(found.items()))


def init_project(folder: Path) -> list[str]:
    """Write the starter project into ``folder`` (created when missing); the paths written.

    Raises :class:`UsageError` when ``folder`` is a file or a starter file exists there.
    """
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is not a directory")
    wanted = starter_files()
    taken = [name for name in wanted if os.path.lexists(folder / name)]
    if taken:
        raise UsageError(f"{folder / taken[0]} already exists; osm init never overwrites a "
                         "file (nothing was written): choose an empty or new directory")
    written: list[Path] = []
    try:
        for name, data in wanted.items():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            create_file(target, data)
            written.append(target)
    except OSError as exc:
        for path in reversed(written):
            path.unlink(missing_ok=True)
        raise UsageError(f"cannot write {folder}: {exc} (nothing was kept)") from None
    return list(wanted)
