"""Progress of long work: a rich bar on stderr naming the item being worked on, or nothing.

Loops of long commands (``verify``, ``run --all``, ``compile``, ``docs``) take a
:class:`Progress` and walk their items through :meth:`Progress.track`; the default,
:data:`SILENT`, yields them unchanged. The command line passes :func:`progress_bar`'s, which
draws only on an interactive terminal, so piped output stays exactly as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress as RichProgress

T = TypeVar("T")


class Progress:
    """Shows nothing: :meth:`track` yields the items unchanged."""

    def track(self, items: Iterable[T], task: str, total: int | None = None,
              name: Callable[[T], str] = str) -> Iterator[T]:
        """The ``items`` of ``task`` (``"compile duckdb"``), one by one; ``name`` says which
        one is being worked on, ``total`` how many there are when ``items`` has no length."""
        yield from items


#: The progress of code called from anywhere but an interactive command.
SILENT = Progress()


class _Bar(Progress):
    """One rich bar per task (finished ones stay until the block ends): description, bar,
    done/total, the current item, elapsed time; redrawn ten times a second."""

    def __init__(self, bar: RichProgress) -> None:
        self.bar = bar

    def track(self, items: Iterable[T], task: str, total: int | None = None,
              name: Callable[[T], str] = str) -> Iterator[T]:
        if total is None and isinstance(items, Sized):
            total = len(items)
        job = self.bar.add_task(task, total=total, item="")
        for item in items:
            self.bar.update(job, item=name(item))
            yield item
            self.bar.advance(job)


@contextmanager
def progress_bar(enabled: bool = True, console: Console | None = None) -> Iterator[Progress]:
    """A :class:`Progress` drawing on ``console`` (default: stderr) while the block runs, when
    ``enabled`` and the console is an interactive terminal; else :data:`SILENT`. The bar is
    removed when the block ends, so what is printed afterwards reads as without it."""
    if not enabled:
        yield SILENT
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
    from rich.progress import Progress as RichProgress

    console = console or Console(stderr=True)
    if not (console.is_terminal and console.is_interactive):
        yield SILENT
        return
    with RichProgress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("{task.fields[item]}"), TimeElapsedColumn(),
                      console=console, transient=True) as bar:
        yield _Bar(bar)
