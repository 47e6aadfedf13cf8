"""What the language server answers, as LSP types: diagnostics, hover, definitions,
references, renames, symbols, completion, quick fixes and formatting.

Functions of a :class:`~metriclang.lsp.session.Session` and plain positions; the wiring to the
protocol is :mod:`metriclang.lsp.server`. Positions: LSP lines and characters are 0-based,
:class:`~metriclang.source.Span` is 1-based with an exclusive end (characters counted as code
points, which is what editors count outside the astral planes).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache

from lsprotocol import types as t

from metriclang.diagnostics import Diagnostic, Severity
from metriclang.lsp.session import Session
from metriclang.lsp.symbols import Occurrence
from metriclang.semantic.model import Project
from metriclang.source import Span

#: Where each code is explained (a lint rule has a page, an E/W code a section).
DOCS = "https://github.com/metriclang/metriclang/blob/main/docs/"
_SEVERITY = {Severity.ERROR: t.DiagnosticSeverity.Error,
             Severity.WARNING: t.DiagnosticSeverity.Warning}
_SUGGESTION = re.compile(r"did you mean `([^`]+)`")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_SYMBOL_KIND = {"measure": t.SymbolKind.Variable, "source": t.SymbolKind.Struct,
                "entity": t.SymbolKind.Key, "dimension": t.SymbolKind.Field,
                "journey": t.SymbolKind.Namespace, "stage": t.SymbolKind.EnumMember,
                "objective": t.SymbolKind.Class, "strategy": t.SymbolKind.Method}
Uri = Callable[[str], str]


def to_range(span: Span) -> t.Range:
    end_line, end_column = max((span.line, span.column), (span.end_line, span.end_column))
    return t.Range(t.Position(span.line - 1, span.column - 1),
                   t.Position(end_line - 1, end_column - 1))


def _code_url(code: str) -> str:
    from metriclang.rules import CODES

    return (f"{DOCS}rules/{code}.md" if code in CODES
            else f"{DOCS}diagnostics.md#{code.lower()}")


def diagnostics(session: Session, uri: Uri) -> dict[str, list[t.Diagnostic]]:
    """The last check's active diagnostics by file (every file of the project listed, so a
    fixed file is cleared)."""
    loaded = session.current()
    out: dict[str, list[t.Diagnostic]] = {f.path: [] for f in loaded.project.files}
    for d in loaded.diagnostics.active():
        if d.span.line >= 1 and (d.span.file in out or (session.root / d.span.file).is_file()):
            out.setdefault(d.span.file, []).append(_diagnostic(d, uri))
    return out


def _diagnostic(d: Diagnostic, uri: Uri) -> t.Diagnostic:
    related = [t.DiagnosticRelatedInformation(t.Location(uri(r.span.file), to_range(r.span)),
                                              r.message) for r in d.related]
    return t.Diagnostic(
        to_range(d.span), d.message + (f"\nhelp: {d.help}" if d.help else ""),
        severity=_SEVERITY.get(d.severity, t.DiagnosticSeverity.Information), code=d.code,
        code_description=t.CodeDescription(_code_url(d.code)), source="osm",
        related_information=related or None)


def hover(session: Session, rel: str, line: int, column: int) -> t.Hover | None:
    """A measure's label, formula, kind, grain, target, links and SQL; a source's table and
    columns; the kind and label of any other symbol."""
    found = session.at(rel, line, column)
    if found is None:
        return None
    project = session.current().project
    text = (_measure(project, found.name) if found.kind == "measure"
            and found.name in project.measures else
            _source(project, found.name) if found.kind == "source"
            and found.name in project.sources else f"**{found.kind}** `{found.name}`")
    return t.Hover(t.MarkupContent(t.MarkupKind.Markdown, text), to_range(found.span))


def _measure(project: Project, name: str) -> str:
    from metriclang import api
    from metriclang.errors import UsageError

    info, measure = api.describe(project, name), project.measures[name]

    def links(pairs: tuple[tuple[str, str, str], ...]) -> str:
        return ", ".join(f"`{m}` ({e}{', lag ' + lag if lag else ''})" for m, e, lag in pairs)

    rows = [f"**measure** `{name}`" + (f" — {info.label}" if info.label else ""),
            f"```osm\nformula {info.formula}\n```",
            f"kind {info.kind or '-'} · grain {info.grain}"
            + (f" · target {measure.target}" if measure.target is not None else "")
            + (f" · stage {info.stage}" if info.stage else "")]
    if info.driven_by:
        rows.append("driven by " + links(info.driven_by))
    if info.drives:
        rows.append("drives " + links(info.drives))
    if info.description:
        rows.append(info.description)
    try:
        dialect = api.default_dialect(project)
        rows.append(f"```sql\n-- {dialect}\n{api.sql(project, name).rstrip()}\n```")
    except (api.ProjectError, UsageError):
        pass
    return "\n\n".join(rows)


def _source(project: Project, name: str) -> str:
    source = project.sources[name]
    columns = [f"time `{source.time_column}`"]
    if source.key:
        columns.append(f"key `{source.key}`")
    columns += [f"entity `{e.name}` = `{e.column}`" for e in source.entities]
    columns += [f"dimension `{d.name}` = `{d.expr.sql()}`" for d in source.dimensions]
    return "\n\n".join([f"**source** `{name}`" + (f" — {source.label}" if source.label else ""),
                        f"table `{'.'.join(source.table)}`", "\n".join(
                            f"- {c}" for c in columns)])


def definition(session: Session, rel: str, line: int, column: int,
               uri: Uri) -> list[t.Location]:
    found = session.at(rel, line, column)
    if found is None:
        return []
    return [_location(o, uri) for o in session.all_of(found.kind, found.name) if o.declaration]


def references(session: Session, rel: str, line: int, column: int, declarations: bool,
               uri: Uri) -> list[t.Location]:
    found = session.at(rel, line, column)
    if found is None:
        return []
    return [_location(o, uri) for o in session.all_of(found.kind, found.name)
            if declarations or not o.declaration]


def _location(o: Occurrence, uri: Uri) -> t.Location:
    return t.Location(uri(o.span.file), to_range(o.span))


def prepare_rename(session: Session, rel: str, line: int, column: int) -> t.Range | None:
    found = session.at(rel, line, column)
    return to_range(found.span) if found else None


def rename(session: Session, rel: str, line: int, column: int, new: str,
           uri: Uri) -> t.WorkspaceEdit | None:
    """Every declaration and use of the symbol renamed, across files; a ``ValueError`` for a
    name that is not an identifier or is taken by another symbol of the same kind."""
    found = session.at(rel, line, column)
    if found is None:
        return None
    if not _IDENTIFIER.match(new):
        raise ValueError(f"`{new}` is not a name: letters, digits and _, not first a digit")
    full = f"{found.name.split('.')[0]}.{new}" if found.kind == "stage" else new
    if full != found.name and session.all_of(found.kind, full):
        raise ValueError(f"there is already a {found.kind} `{full}`")
    changes: dict[str, list[t.TextEdit]] = {}
    for o in session.all_of(found.kind, found.name):
        changes.setdefault(uri(o.span.file), []).append(t.TextEdit(to_range(o.span), new))
    return t.WorkspaceEdit(changes=changes)


def document_symbols(session: Session, rel: str) -> list[t.DocumentSymbol]:
    """The declarations of one file (measures, sources, journeys, objectives, strategies,
    stages, dimensions, entities)."""
    return [t.DocumentSymbol(o.name, _SYMBOL_KIND[o.kind], to_range(o.span),
                             to_range(o.span), detail=o.kind)
            for o in session.symbols().get(rel, ()) if o.declaration]


def workspace_symbols(session: Session, query: str, uri: Uri) -> list[t.WorkspaceSymbol]:
    """Declarations of the whole project whose name contains ``query`` (case ignored)."""
    needle = query.casefold()
    return [t.WorkspaceSymbol(name=o.name, kind=_SYMBOL_KIND[o.kind],
                              location=_location(o, uri), container_name=o.kind)
            for found in session.symbols().values() for o in found
            if o.declaration and needle in o.name.casefold()]


@cache
def keywords() -> tuple[str, ...]:
    """The language's keywords, read from the grammar."""
    from metriclang.syntax.parser import grammar_text

    return tuple(sorted(set(re.findall(r'"([a-z_]+)"', grammar_text()))))


def completion(session: Session) -> list[t.CompletionItem]:
    """Keywords, then the names of measures, sources, dimensions, entities, stages and
    objectives of the project, then (with a warehouse) the columns of the sources' tables."""
    project = session.current().project
    items = [t.CompletionItem(k, kind=t.CompletionItemKind.Keyword) for k in keywords()]
    named: list[tuple[Iterable[str], t.CompletionItemKind, str]] = [
        (project.measures, t.CompletionItemKind.Variable, "measure"),
        (project.sources, t.CompletionItemKind.Struct, "source"),
        (sorted({d.name for s in project.sources.values() for d in s.dimensions}),
         t.CompletionItemKind.Field, "dimension"),
        (sorted({e.name for s in project.sources.values() for e in s.entities}),
         t.CompletionItemKind.Reference, "entity"),
        ([s.ref for j in project.journeys.values() for s in j.stages],
         t.CompletionItemKind.EnumMember, "stage"),
        (project.objectives, t.CompletionItemKind.Class, "objective")]
    for names, kind, detail in named:
        items += [t.CompletionItem(n, kind=kind, detail=_detail(project, detail, n))
                  for n in names]
    tables: dict[str, list[str]] = {}
    for source, columns in session.columns().items():
        for column in columns:
            tables.setdefault(column, []).append(source)
    items += [t.CompletionItem(c, kind=t.CompletionItemKind.Property,
                               detail="column of " + ", ".join(sources))
              for c, sources in sorted(tables.items())]
    return items


def _detail(project: Project, kind: str, name: str) -> str:
    label = (project.measures[name].label if kind == "measure" else
             project.sources[name].label if kind == "source" else None)
    return f"{kind} — {label}" if label else kind


def code_actions(session: Session, rel: str, uri: str, wanted: t.Range) -> list[t.CodeAction]:
    """Quick fixes for the diagnostics on the range: apply a "did you mean" suggestion; add
    an ``allow CODE "..."`` to the declaration (lint rules only)."""
    from metriclang.rules import CODES

    actions = []
    for d in session.current().diagnostics.active():
        if d.span.file != rel or not _overlaps(to_range(d.span), wanted):
            continue
        suggestion = _SUGGESTION.search(d.help or "")
        if suggestion:
            actions.append(_fix(f"Replace with `{suggestion[1]}`", d, uri,
                                t.TextEdit(to_range(d.span), suggestion[1])))
        if d.code in CODES:
            edit = _allow_edit(session, d)
            if edit is not None:
                actions.append(_fix(f"Allow {d.code} here (give the reason)", d, uri, edit))
    return actions


def _fix(title: str, d: Diagnostic, uri: str, edit: t.TextEdit) -> t.CodeAction:
    return t.CodeAction(title, kind=t.CodeActionKind.QuickFix,
                        edit=t.WorkspaceEdit(changes={uri: [edit]}))


def _allow_edit(session: Session, d: Diagnostic) -> t.TextEdit | None:
    """``allow CODE "reason"`` as the last line of the smallest declaration holding ``d``."""
    project = session.current().project
    scopes = [*(m.span for m in project.measures.values()),
              *(o.span for o in project.objectives.values()),
              *(s.span for s in project.strategies)]
    holding = [s for s in scopes if s.file == d.span.file and
               (s.line, s.column) <= (d.span.line, d.span.column) and
               (d.span.end_line, d.span.end_column) <= (s.end_line, s.end_column)]
    text = session.text(d.span.file)
    if not holding or text is None:
        return None
    span = min(holding, key=lambda s: (s.end_line - s.line, s.end_column - s.column))
    lines = text.splitlines()
    first, last = lines[span.line - 1], lines[span.end_line - 1]
    if span.end_line == span.line or last.strip() != "}":
        return None
    indent = first[:len(first) - len(first.lstrip())] + "  "
    at = t.Position(span.end_line - 1, 0)
    return t.TextEdit(t.Range(at, at), f'{indent}allow {d.code} "TODO: why this is fine"\n')


def _overlaps(a: t.Range, b: t.Range) -> bool:
    def key(p: t.Position) -> tuple[int, int]:
        return p.line, p.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def formatting(text: str, rel: str) -> list[t.TextEdit]:
    """The whole file as ``osm fmt`` writes it (nothing on syntax errors)."""
    from metriclang.fmt import format_text

    formatted = format_text(text, rel)
    if formatted.text is None or not formatted.changed:
        return []
    lines = text.split("\n")
    whole = t.Range(t.Position(0, 0), t.Position(len(lines) - 1, len(lines[-1])))
    return [t.TextEdit(whole, formatted.text)]
