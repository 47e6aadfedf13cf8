"""The documentation site escapes everything a spec says: no script, handler or ``javascript:``.

Labels, descriptions, owners, units, hypotheses and ``allow`` reasons of a copy of the shop
example are replaced by markup payloads. Every generated HTML page is parsed: the only scripts
are the site's own file and the JSON search index, no element has an ``on*`` attribute, no
link or source uses a ``javascript:``/``data:``/``vbscript:`` URL, and each payload is shown
as text. Markdown pages hold no raw HTML and no live ``javascript:`` link outside code fences.

A second hostile project puts code fences (```` ``` ````, ``~~~``), table pipes, line breaks,
``<img onerror>`` and mermaid-breaking characters into labels, descriptions, SQL literals and
formulas; its Markdown pages are rendered to HTML by a real Markdown library (markdown-it-py)
and the HTML must hold only the elements the templates write, with no event handler.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from metriclang.docgen.site import build_site
from tests.conftest import EXAMPLES

PAYLOAD = ("<script>alert(1)</script><img src=x onerror=alert(2)>[x](javascript:alert(3))"
           "<a href='javascript:alert(4)'>y</a></script><!-- {{ 7*7 }} ${7*7}")
SCHEMES = re.compile(r"^\s*(javascript|data|vbscript):", re.I)


def hostile_project(root: Path) -> Path:
    shutil.copytree(EXAMPLES / "shop", root, ignore=shutil.ignore_patterns("*.duckdb", "data"))
    for path in root.glob("*.osm"):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r'^(\s*(measure|objective|strategy|journey|stage|source) \w+) "[^"]*"',
                      rf'\1 "{PAYLOAD}"', text, flags=re.M)
        for key in ("description", "owner", "unit", "hypothesis"):
            text = re.sub(rf'^(\s*{key}) "[^"]*"', rf'\1 "{PAYLOAD}"', text, flags=re.M)
        text = re.sub(r'^(\s*allow \w+) "[^"]*"', rf'\1 "{PAYLOAD}"', text, flags=re.M)
        path.write_text(text, encoding="utf-8")
    (root / "measures.osm").write_text((root / "measures.osm").read_text("utf-8").replace(
        'owner "finance@example.com"', 'owner "javascript:alert(5)"', 1), encoding="utf-8")
    return root


class Page(HTMLParser):
    """Collects scripts, attributes and text of one page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict[str, str | None]] = []
        self.attributes: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []
        self.elements: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(tag)
        self.attributes += [(tag, k, v) for k, v in attrs]
        if tag == "script":
            self.scripts.append(dict(attrs))
            self._in_script = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if not self._in_script:
            self.text.append(data)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("hostile")
    root = hostile_project(base / "project")
    build_site(root, base / "html", "html", dialects=("duckdb",))
    build_site(root, base / "md", "markdown", dialects=("duckdb",))
    return base / "html", base / "md"


def test_payload_reached_the_pages(site: tuple[Path, Path]) -> None:
    """Control: the payload is really in the project (else the other tests prove nothing)."""
    html = "".join(p.read_text("utf-8") for p in site[0].rglob("*.html"))
    assert html.count("&lt;script&gt;alert(1)") >= 10


def test_html_has_no_active_content_from_the_spec(site: tuple[Path, Path]) -> None:
    pages = sorted(site[0].rglob("*.html"))
    assert len(pages) > 20
    shown = 0
    for path in pages:
        page = Page()
        page.feed(path.read_text("utf-8"))
        for script in page.scripts:
            own = (script.get("src") or "").endswith("static/site.js")
            assert own or script.get("type") == "application/json", (path, script)
        for tag, name, value in page.attributes:
            assert not name.lower().startswith("on"), (path, tag, name, value)
            if name.lower() in ("href", "src", "action", "formaction", "xlink:href"):
                assert not SCHEMES.match(value or ""), (path, tag, name, value)
            assert name.lower() != "style" or "url(" not in (value or ""), (path, tag, value)
        shown += "".join(page.text).count("<script>alert(1)</script>")
    assert shown >= 10  # the payload is displayed as text


def test_json_search_index_cannot_close_its_script(site: tuple[Path, Path]) -> None:
    text = (site[0] / "search.html").read_text("utf-8")
    body = text.split('<script type="application/json" id="search-index">', 1)[1]
    body = body.split("</script>", 1)[0]
    assert "alert(1)" in body and "<" not in body


def test_markdown_has_no_raw_html_or_live_links(site: tuple[Path, Path]) -> None:
    pages = sorted(site[1].rglob("*.md"))
    assert len(pages) > 20
    for path in pages:
        fenced = False
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if line.startswith("```"):
                fenced = not fenced
                continue
            if fenced:
                continue
            where = f"{path}:{number}: {line}"
            assert not re.search(r"<\s*(script|img|a|iframe|svg)\b", line, re.I), where
            assert not re.search(r"(?<!\\)\]\(\s*(javascript|data|vbscript):", line, re.I), where


HOSTILE_MD = r"""
journey j "J ``` ~~~ | <img src=x onerror=alert(1)>\n# heading" {
  stage s "S\"]-->x[\"; | `md` #quot; (a) {b} <img src=x onerror=alert(2)>"
}
source orders "O | ```" { table shop.orders  time ordered_at  dimension status }
measure evil "E ```\n<img src=x onerror=alert(3)>\n~~~ | a | b" {
  formula count(orders where status = '````
<img src=x onerror=alert(4)>
~~~
| x | y |')
  kind leading
  stage j.s
  owner "o | <img src=x onerror=alert(5)>"
  description "```\n<img src=x onerror=alert(6)>\n```\n\n`a\n\n<img src=x onerror=alert(7)>`"
  drives good lag 1 week
}
measure good "G\"]:::x\n  click n0 \"javascript:alert(8)\"" {
  formula count(orders where status = '~~~') kind lagging owner "x"
  description "``x`<img src=x onerror=alert(9)>` ``<b>`` \n| a | b |\n| - | - |\n"
  unit "| <img src=x onerror=alert(10)> | |"
}
objective o "O ``` <img src=x onerror=alert(11)>" {
  north_star good
  strategy st "S |\n| x" { hypothesis "H ``` <img src=x onerror=alert(12)>" measures evil }
}
"""
#: Elements the Markdown templates produce (``br`` is written by the journey table).
ELEMENTS = {"h1", "h2", "h3", "p", "a", "code", "pre", "ul", "li", "table", "thead", "tbody",
            "tr", "th", "td", "em", "strong", "br"}
MERMAID_LINE = re.compile(r'flowchart LR|  n\d+\["[^"<>`]*"\]:::\w+|'
                          r'  n\d+ -\.?->(\|"[^"<>`]*"\|)? n\d+|  click n\d+ "[\w./#-]+"')


@pytest.fixture(scope="module")
def markdown_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("hostile-md")
    (base / "p").mkdir()
    (base / "p" / "x.osm").write_text(HOSTILE_MD, encoding="utf-8")
    result = build_site(base / "p", base / "md", "markdown", dialects=("duckdb", "postgres"))
    assert not result.diagnostics.has_errors, list(result.diagnostics)
    return base / "md"


def test_markdown_rendered_by_a_markdown_library_has_no_active_html(markdown_site: Path) -> None:
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    pages = sorted(markdown_site.rglob("*.md"))
    assert len(pages) >= 8
    shown = ""
    for path in pages:
        page = Page()
        page.feed(md.render(path.read_text("utf-8")))
        tags = {tag for tag, _, _ in page.attributes} | set(page.elements)
        assert tags <= ELEMENTS, (path, tags - ELEMENTS)
        for tag, name, value in page.attributes:
            assert not name.lower().startswith("on"), (path, tag, name, value)
            if name.lower() == "href":
                assert not SCHEMES.match(value or ""), (path, tag, value)
        shown += "".join(page.text)
    for n in (*range(1, 8), *range(9, 13)):  # control: every payload reached a page, as text
        assert f"<img src=x onerror=alert({n})>" in shown, n
    assert 'click n0 "javascript:alert(8)"' in shown


def test_code_fences_hold_what_they_show(markdown_site: Path) -> None:
    md = MarkdownIt("commonmark")
    tokens = md.parse((markdown_site / "measures" / "evil.md").read_text("utf-8"))
    blocks = {t.info: t.content for t in tokens if t.type == "fence"}
    assert "<img src=x onerror=alert(4)>\n" in blocks[""]  # the formula, whole
    assert blocks[""].rstrip().endswith("| x | y |')")
    assert "<img src=x onerror=alert(4)>" in blocks["sql"]


def test_mermaid_labels_stay_on_their_line(markdown_site: Path) -> None:
    md = MarkdownIt("commonmark")
    found = 0
    for path in sorted(markdown_site.rglob("*.md")):
        for token in md.parse(path.read_text("utf-8")):
            if token.type == "fence" and token.info == "mermaid":
                found += 1
                for line in token.content.splitlines():
                    assert MERMAID_LINE.fullmatch(line), (path, line)
    assert found >= 2  # the causal graph and the objective's strategy tree
