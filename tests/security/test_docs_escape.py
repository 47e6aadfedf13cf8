"""The documentation site escapes everything a spec says: no script, handler or ``javascript:``.

Labels, descriptions, owners, units, hypotheses and ``allow`` reasons of a copy of the shop
example are replaced by markup payloads. Every generated HTML page is parsed: the only scripts
are the site's own file and the JSON search index, no element has an ``on*`` attribute, no
link or source uses a ``javascript:``/``data:``/``vbscript:`` URL, and each payload is shown
as text. Markdown pages hold no raw HTML and no live ``javascript:`` link outside code fences.
"""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

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
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
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
