"""``osm docs``: model -> page views -> files, streamed and written atomically.

The site is written to a temporary directory next to ``out`` and swapped in at the end,
so a failed run leaves the previous site intact. Output has no timestamps: the same specs
give byte-identical files. ``markdown`` writes the same pages as Markdown with mermaid.

>>> import tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "site"
>>> result = build_site("specs/examples/shop", out, dialects=("duckdb",))
>>> (out / "index.html").is_file(), result.pages > 10
(True, True)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from metriclang import __version__
from metriclang.atomic import ensure_replaceable, output_dir, ownership, tree_hashes, write_manifest
from metriclang.diagnostics import DiagnosticSet
from metriclang.dialects import OUTPUT_DIALECTS
from metriclang.docgen import evidence, markdown
from metriclang.docgen.evidence import EvidenceOptions
from metriclang.docgen.rulesdoc import rule_docs
from metriclang.docgen.sql import pygments_css, sql_panels
from metriclang.docgen.values import Values, ValuesOptions
from metriclang.docgen.views import ChainRow, Link, Views
from metriclang.errors import UsageError
from metriclang.progress import SILENT, Progress
from metriclang.verify.evidence import CAVEAT
from metriclang.verify.result import LinkResult, Report

FORMATS = ("html", "markdown")
#: The site's manifest: the sha256 of every file written (only such a directory is replaced).
MANIFEST = ".osm-manifest.json"


@dataclass(frozen=True)
class BuildResult:
    """What a build produced: the pages written, the project's diagnostics, the evidence.

    ``evidence`` is the verification shown on measure pages (``None`` when not asked for, or
    when the project has errors and was therefore not verified).
    """

    pages: int
    diagnostics: DiagnosticSet
    evidence: Report | None = None
    #: The values shown (``osm docs --db``); None when not asked for or the project has errors.
    values: Values | None = None


def _json_script(data: object) -> Markup:
    """JSON safe to embed in a ``<script type="application/json">`` element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c")
                  .replace(">", "\\u003e"))


def code_spans(text: str) -> Markup:
    """Escaped prose whose ```code``` spans become ``<code>`` elements.

    >>> str(code_spans("`a<b` & `c`"))
    '<code>a&lt;b</code> &amp; <code>c</code>'
    """
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text))))


def _escaped(text: str) -> str:
    """``text`` escaped exactly as Jinja's autoescape does (markupsafe), without a Markup."""
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def chain_rows(rows: Sequence[ChainRow], root: str) -> Markup:
    """The table rows of a measure page's causal chain (HTML; its hottest loop, so built
    here rather than in the template: the same bytes, without a Jinja call per cell).

    >>> from metriclang.docgen.views import Link
    >>> a, b = Link("A & B", "measures/a.html", "a"), Link("b", "measures/b.html", "b")
    >>> str(chain_rows([ChainRow(9, a, b, "", "positive")], "../"))[:60]
    '    <tr class="depth-9"><td style="padding-left:8em"><a href'
    """
    def anchor(link: Link) -> str:
        return f'<a href="{_escaped(root + link.href)}">{_escaped(link.text)}</a>'

    return Markup("\n".join(
        f'    <tr class="depth-{r.depth}"><td style="padding-left:{min(r.depth, 8)}em">'
        f"{anchor(r.measure)}</td><td>{anchor(r.via)}</td><td>{_escaped(r.lag or '—')}</td>"
        f'<td class="{_escaped(r.effect)}">{_escaped(r.effect)}</td></tr>' for r in rows))


def environment(fmt: str) -> Environment:
    """Templates from the package, autoescaped (Markdown also escapes its own specials)."""
    env = Environment(loader=PackageLoader("metriclang.docgen", "templates"), autoescape=True,
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True,
                      lstrip_blocks=True, auto_reload=False,
                      finalize=markdown.finalize if fmt == "markdown" else None)
    env.filters.update(mermaid_graph=markdown.mermaid_graph, cell=markdown.cell,
                       fenced=markdown.fenced,
                       code_spans=markdown.code_spans if fmt == "markdown" else code_spans,
                       lag_text=evidence.lag_text, chain_rows=chain_rows,
                       estimate_text=evidence.estimate_text, p_text=evidence.p_text)
    env.globals.update(version=__version__)
    return env


class Writer:
    """Renders page views into a directory, one file at a time."""

    def __init__(self, views: Views, fmt: str, root: Path, dialects: Sequence[str],
                 progress: Progress = SILENT) -> None:
        self.views, self.fmt, self.root, self.dialects = views, fmt, root, tuple(dialects)
        self.progress = progress
        self.env = environment(fmt)
        #: Pages with data from the warehouse (values, evidence) link static/data.css.
        self.with_data = views.values is not None or views.evidence is not None
        self.env.globals.update(with_data=self.with_data)
        self.ext = "html" if fmt == "html" else "md"
        self.pages = 0
        self.folders: set[Path] = set()
        report = views.evidence
        self.charts = evidence.chart_files(report) if report is not None else {}
        self.charts_written: set[str] = set()

    def page(self, template: str, path: str, **context: Any) -> None:
        """Render ``template`` into ``path`` (site-relative, ``.html``) with a ``root`` prefix."""
        target = self.root / (path[:-len(".html")] + "." + self.ext)
        if target.parent not in self.folders:
            target.parent.mkdir(parents=True, exist_ok=True)
            self.folders.add(target.parent)
        depth = path.count("/")
        text = self.env.get_template(f"{template}.{self.ext}.j2").render(
            root="../" * depth, site=self.views.project.config.title or "metrics", **context)
        target.write_text(text, encoding="utf-8", newline="\n")
        self.pages += 1

    def write(self) -> None:
        """Every page, streamed: measure pages are built and dropped one by one."""
        v = self.views
        project = v.project
        self.page("index", "index.html", page=v.index())
        for name in sorted(project.objectives):
            self.page("objective", f"objectives/{name}.html", page=v.objective(name))
        sql_codes: set[str] = set()
        for name in self.progress.track(sorted(project.measures), "docs"):
            panels = sql_panels(project, name, self.dialects, html=self.fmt == "html")
            sql_codes.update(d.code for p in panels for d in p.problems)
            page = v.measure(name)
            if page.evidence is not None and self.fmt == "markdown":
                self._charts(page.evidence.charts)
            self.page("measure", f"measures/{name}.html", page=page, sql=panels,
                      charts=self.charts, caveat=CAVEAT)
        for name in sorted(project.journeys):
            self.page("journey", f"journeys/{name}.html", page=v.journey(name))
        self.page("graph", "graph.html", graph=v.graph())
        docs = rule_docs(sorted({d.code for d in v.diagnostics} | sql_codes))
        self.page("rules", "rules/index.html", rules=docs, summary=v.summary())
        for doc in docs:
            self.page("rule", f"rules/{doc.code}.html", page=v.rule(doc))
        if self.fmt == "html":
            self.page("search", "search.html", index=_json_script(v.search_index()))
            self._static()

    def _charts(self, charts: Sequence[tuple[LinkResult, str]]) -> None:
        """Each link's SVG as its own file (Markdown pages link them; HTML inlines them)."""
        for link, svg in charts:
            path = self.charts[link]
            if path not in self.charts_written:
                target = self.root / path
                target.parent.mkdir(exist_ok=True)
                target.write_text(svg, encoding="utf-8", newline="\n")
                self.charts_written.add(path)

    def _static(self) -> None:
        folder = resources.files("metriclang.docgen") / "static"
        (self.root / "static").mkdir(exist_ok=True)
        css = folder.joinpath("site.css").read_text(encoding="utf-8") + "\n" + pygments_css()
        (self.root / "static" / "site.css").write_text(css + "\n", encoding="utf-8")
        (self.root / "static" / "site.js").write_text(
            folder.joinpath("site.js").read_text(encoding="utf-8"), encoding="utf-8")
        if self.with_data:
            (self.root / "static" / "data.css").write_text(
                folder.joinpath("data.css").read_text(encoding="utf-8"), encoding="utf-8")


@contextmanager
def atomic_dir(out: Path) -> Iterator[Path]:
    """A fresh temporary directory that replaces ``out`` only when the block succeeds.

    The manifest (every file's sha256) is written last; the site is readable by all (0755).
    """
    with output_dir(out, MANIFEST, "docs", 0o755) as tmp:
        yield tmp
        manifest = json.dumps(ownership(tree_hashes(tmp, MANIFEST)), indent=2,
                              ensure_ascii=False, sort_keys=True)
        write_manifest(tmp / MANIFEST, manifest + "\n")


def build_site(path: str | Path, out: str | Path, fmt: str = "html",
               today: date | None = None,
               dialects: Sequence[str] = OUTPUT_DIALECTS,
               evidence_from: EvidenceOptions | None = None,
               progress: Progress = SILENT,
               values_from: ValuesOptions | None = None) -> BuildResult:
    """Check the project at ``path`` and write its documentation site to ``out``.

    ``dialects`` are the SQL dialects shown on measure pages (all by default; none leaves
    SQL out, which makes very large sites fast: compiling is most of the time).
    ``evidence_from`` adds ``osm verify``'s evidence to the measure pages, from that
    warehouse (a project with errors is not verified: its pages stay without evidence).
    ``progress`` shows the measure whose page is being written. ``values_from`` adds the
    measures' values (charts, statuses) from that warehouse; without it the site shows the
    system's shape only, byte-identical to a site built without a warehouse.
    """
    from metriclang.load import check

    if fmt not in FORMATS:
        raise UsageError(f"unknown docs format `{fmt}` (choose {', '.join(FORMATS)})")
    unknown = [d for d in dialects if d not in OUTPUT_DIALECTS]
    if unknown:
        raise UsageError(f"unknown dialect `{unknown[0]}` (choose {', '.join(OUTPUT_DIALECTS)})")
    out = Path(out)
    ensure_replaceable(out, MANIFEST, "docs")  # refuse before the work
    today = today or date.today()  # one date for the rules and the page that shows it
    loaded = check(path, today)
    report = None
    if evidence_from is not None and not loaded.diagnostics.has_errors:
        report = evidence.gather(loaded.project, evidence_from, progress)
    values = None
    if values_from is not None and not loaded.diagnostics.has_errors:
        from metriclang.docgen.values import gather

        values = gather(loaded.project, values_from)
    views = Views(loaded.project, loaded.diagnostics, report, today, values)
    with atomic_dir(out) as tmp:
        writer = Writer(views, fmt, tmp, dialects, progress)
        writer.write()
    return BuildResult(writer.pages, loaded.diagnostics, report, values)
