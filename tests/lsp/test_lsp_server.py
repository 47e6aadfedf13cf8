"""``osm lsp`` driven by pytest-lsp's client over stdio, on a copy of the shop example: every
feature, and a rename across files after which ``osm check`` is still clean."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from metriclang.cli import main
from tests.conftest import EXAMPLES, ROOT, import_or_skip

import_or_skip("pygls")
import_or_skip("pytest_lsp")

import pytest_lsp  # noqa: E402
from lsprotocol import types as t  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="function")


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    path = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", path, ignore=shutil.ignore_patterns("*.duckdb*"))
    return path


@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=[sys.executable, "-m", "metriclang.cli", "lsp"],
    server_env={"PYTHONPATH": str(ROOT)}))
async def client(lsp_client: LanguageClient, shop: Path):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(t.InitializeParams(
        capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
        root_uri=shop.as_uri(),
        workspace_folders=[t.WorkspaceFolder(shop.as_uri(), "shop")]))
    yield
    await lsp_client.shutdown_session()


def uri(shop: Path, name: str) -> str:
    return (shop / name).as_uri()


async def diagnostics_until(client: LanguageClient, address: str,
                            done: Callable[[Sequence[t.Diagnostic]], bool]
                            ) -> Sequence[t.Diagnostic]:
    """The diagnostics of a file once ``done`` holds (a hang detector, not a timing)."""
    async def wait() -> Sequence[t.Diagnostic]:
        while address not in client.diagnostics or not done(client.diagnostics[address]):
            await asyncio.sleep(0.05)
        return client.diagnostics[address]
    return await asyncio.wait_for(wait(), 60)


def open_file(client: LanguageClient, shop: Path, name: str, text: str | None = None) -> str:
    address = uri(shop, name)
    client.text_document_did_open(t.DidOpenTextDocumentParams(text_document=t.TextDocumentItem(
        uri=address, language_id="osm", version=1,
        text=text if text is not None else (shop / name).read_text("utf-8"))))
    return address


def change(client: LanguageClient, address: str, version: int, text: str) -> None:
    client.text_document_did_change(t.DidChangeTextDocumentParams(
        text_document=t.VersionedTextDocumentIdentifier(version=version, uri=address),
        content_changes=[t.TextDocumentContentChangeWholeDocument(text=text)]))


def position(shop: Path, name: str, needle: str, nth: int = 0) -> t.Position:
    """Where the ``nth`` occurrence of ``needle`` starts in a file (0-based, for LSP)."""
    lines = (shop / name).read_text("utf-8").splitlines()
    hits = [(n, line.index(needle)) for n, line in enumerate(lines) if needle in line]
    return t.Position(*hits[nth])


def apply(shop: Path, edit: t.WorkspaceEdit) -> None:
    """Write a workspace edit's text edits into the files (last edit first)."""
    assert edit.changes
    for address, edits in edit.changes.items():
        path = Path(address.removeprefix("file://"))
        lines = path.read_text("utf-8").split("\n")
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character),
                        reverse=True):
            start, end = e.range.start, e.range.end
            head = lines[start.line][:start.character]
            tail = lines[end.line][end.character:]
            lines[start.line:end.line + 1] = (head + e.new_text + tail).split("\n")
        path.write_text("\n".join(lines), "utf-8")


def osm_check(shop: Path) -> dict[str, object]:
    got = CliRunner().invoke(main, ["check", str(shop), "--format", "json"])
    report: dict[str, object] = json.loads(got.stdout)
    return report


async def test_diagnostics_on_open_and_change_across_files(client: LanguageClient,
                                                           shop: Path) -> None:
    objectives = uri(shop, "objectives.osm")
    await diagnostics_until(client, objectives, lambda found: not found)
    text = (shop / "measures.osm").read_text("utf-8")
    measures = open_file(client, shop, "measures.osm")
    broken = text.replace("measure repeat_purchase_rate ", "measure repeat_purchase_rat ")
    change(client, measures, 2, broken)
    # objectives.osm, not edited, refers to the measure renamed in measures.osm
    found = await diagnostics_until(client, objectives, lambda found: bool(found))
    assert [d.code for d in found] == ["E111", "E111"]  # north_star and target
    first = found[0]
    assert "repeat_purchase_rate" in first.message and first.source == "osm"
    assert first.severity == t.DiagnosticSeverity.Error
    assert first.code_description.href.endswith(f"diagnostics.md#{first.code.lower()}")
    line = (shop / "objectives.osm").read_text("utf-8").splitlines()[first.range.start.line]
    assert line[first.range.start.character:first.range.end.character] == \
        "repeat_purchase_rate"
    change(client, measures, 3, text)
    await diagnostics_until(client, objectives, lambda found: not found)  # cleared again


async def test_quick_fix_did_you_mean(client: LanguageClient, shop: Path) -> None:
    text = (shop / "measures.osm").read_text("utf-8")
    typo = text.replace("drives monthly_revenue lag 1 month",
                        "drives monthly_revenu lag 1 month", 1)
    measures = open_file(client, shop, "measures.osm", typo)
    found = await diagnostics_until(client, measures, lambda found: bool(found))
    actions = await client.text_document_code_action_async(t.CodeActionParams(
        t.TextDocumentIdentifier(measures), found[0].range,
        t.CodeActionContext(list(found))))
    fix = next(a for a in actions or [] if isinstance(a, t.CodeAction)
               and a.title == "Replace with `monthly_revenue`")
    (shop / "measures.osm").write_text(typo, "utf-8")
    assert fix.edit is not None
    apply(shop, fix.edit)
    assert (shop / "measures.osm").read_text("utf-8") == text


async def test_quick_fix_allow(client: LanguageClient, shop: Path) -> None:
    text = (shop / "measures.osm").read_text("utf-8")
    unlinked = text.replace("  drives repeat_purchase_rate lag 30 days effect positive\n", "", 1)
    assert unlinked != text
    (shop / "measures.osm").write_text(unlinked, "utf-8")
    measures = open_file(client, shop, "measures.osm", unlinked)
    found = await diagnostics_until(client, measures, lambda found: bool(found))
    lint = [d for d in found if d.code == "C202"]
    assert lint, [d.code for d in found]
    actions = await client.text_document_code_action_async(t.CodeActionParams(
        text_document=t.TextDocumentIdentifier(measures), range=lint[0].range,
        context=t.CodeActionContext(diagnostics=lint)))
    fix = next(a for a in actions or [] if isinstance(a, t.CodeAction)
               and a.title.startswith("Allow C202"))
    assert fix.edit is not None
    apply(shop, fix.edit)
    after = (shop / "measures.osm").read_text("utf-8")
    assert '  allow C202 "TODO: why this is fine"\n}' in after
    line = lint[0].range.start.line + 1
    found_now = [d for d in osm_check(shop)["diagnostics"]  # type: ignore[attr-defined]
                 if d["code"] == "C202" and d["line"] == line]
    assert len(found_now) == 1 and found_now[0]["suppressed"] is True


async def test_hover_measure_and_source(client: LanguageClient, shop: Path) -> None:
    measures = uri(shop, "measures.osm")
    got = await client.text_document_hover_async(t.HoverParams(
        t.TextDocumentIdentifier(measures), position(shop, "measures.osm", "monthly_revenue")))
    assert got is not None and isinstance(got.contents, t.MarkupContent)
    text = got.contents.value
    assert "Repeat purchase rate 复购率" not in text
    for part in ("**measure** `monthly_revenue` — Net revenue 净收入",
                 "formula sum(orders.amount where status = 'paid')", "kind lagging",
                 "grain month", "driven by `repeat_purchase_rate` (positive, lag 1 month)",
                 "```sql\n-- duckdb\nWITH osm_bounds AS ("):
        assert part in text, part
    sql = CliRunner().invoke(main, ["sql", str(shop), "monthly_revenue"]).stdout
    assert sql.rstrip() in text
    at = position(shop, "measures.osm", "count_distinct(orders")
    got = await client.text_document_hover_async(t.HoverParams(
        t.TextDocumentIdentifier(measures), t.Position(at.line, at.character + 16)))
    assert got is not None and isinstance(got.contents, t.MarkupContent)
    assert got.contents.value.startswith("**source** `orders`")
    assert "table `" in got.contents.value and "dimension `" in got.contents.value


async def test_definition_and_references_across_files(client: LanguageClient,
                                                      shop: Path) -> None:
    objectives = uri(shop, "objectives.osm")
    at = position(shop, "objectives.osm", "repeat_purchase_rate")
    found = await client.text_document_definition_async(t.DefinitionParams(
        t.TextDocumentIdentifier(objectives), at))
    assert isinstance(found, list) and len(found) == 1
    assert found[0].uri == uri(shop, "measures.osm")
    assert found[0].range.start == position(shop, "measures.osm",
                                            "repeat_purchase_rate")
    refs = await client.text_document_references_async(t.ReferenceParams(
        text_document=t.TextDocumentIdentifier(objectives), position=at,
        context=t.ReferenceContext(include_declaration=True)))
    assert refs is not None
    expected = sum(path.read_text("utf-8").count("repeat_purchase_rate")
                   for path in shop.glob("*.osm"))
    assert len(refs) == expected >= 3
    assert {r.uri for r in refs} >= {objectives, uri(shop, "measures.osm")}


async def test_rename_across_files_keeps_check_clean(client: LanguageClient,
                                                     shop: Path) -> None:
    before = osm_check(shop)
    at = position(shop, "measures.osm", "repeat_purchase_rate")
    measures = uri(shop, "measures.osm")
    ready = await client.text_document_prepare_rename_async(t.PrepareRenameParams(
        t.TextDocumentIdentifier(measures), at))
    assert ready is not None
    edit = await client.text_document_rename_async(t.RenameParams(
        t.TextDocumentIdentifier(measures), at, "returning_buyers"))
    assert edit is not None and edit.changes is not None and len(edit.changes) >= 2
    apply(shop, edit)
    text = "".join(p.read_text("utf-8") for p in shop.glob("*.osm"))
    assert "repeat_purchase_rate" not in text and "returning_buyers" in text
    after = osm_check(shop)
    assert after["summary"] == before["summary"]
    assert after["summary"]["errors"] == 0  # type: ignore[index]
    with pytest.raises(Exception, match="already a measure `monthly_revenue`"):
        await client.text_document_rename_async(t.RenameParams(
            t.TextDocumentIdentifier(measures), at, "monthly_revenue"))


async def test_rename_a_dimension_reached_through_an_entity(client: LanguageClient,
                                                            shop: Path) -> None:
    sources = uri(shop, "sources.osm")
    at = position(shop, "measures.osm", "customer.segment")
    edit = await client.text_document_rename_async(t.RenameParams(
        t.TextDocumentIdentifier(uri(shop, "measures.osm")),
        t.Position(at.line, at.character + len("customer.")), "tier"))
    assert edit is not None and edit.changes is not None and sources in edit.changes
    apply(shop, edit)
    assert "customer.tier" in (shop / "measures.osm").read_text("utf-8")
    assert osm_check(shop)["summary"]["errors"] == 0  # type: ignore[index]


async def test_document_and_workspace_symbols(client: LanguageClient, shop: Path) -> None:
    symbols = await client.text_document_document_symbol_async(t.DocumentSymbolParams(
        t.TextDocumentIdentifier(uri(shop, "measures.osm"))))
    assert symbols is not None
    names = [s.name for s in symbols]
    declared = [line.split()[1] for line in (shop / "measures.osm").read_text("utf-8")
                .splitlines() if line.startswith("measure ")]
    assert names == declared and len(names) >= 5
    found = await client.workspace_symbol_async(t.WorkspaceSymbolParams("REVENUE"))
    assert found is not None
    assert {s.name for s in found} >= {"monthly_revenue", "revenue_to_date"}
    assert all("revenue" in s.name for s in found)


async def test_completion(client: LanguageClient, shop: Path) -> None:
    got = await client.text_document_completion_async(t.CompletionParams(
        t.TextDocumentIdentifier(uri(shop, "measures.osm")), t.Position(0, 0)))
    assert isinstance(got, t.CompletionList)
    labels = {i.label: i for i in got.items if i.kind != t.CompletionItemKind.Property}
    columns = {i.label: i for i in got.items if i.kind == t.CompletionItemKind.Property}
    for keyword in ("measure", "formula", "drives", "lag", "effect", "north_star"):
        assert labels[keyword].kind == t.CompletionItemKind.Keyword
    assert labels["monthly_revenue"].detail == "measure — Net revenue 净收入"
    assert labels["orders"].kind == t.CompletionItemKind.Struct
    assert labels["shopper.repurchase"].kind == t.CompletionItemKind.EnumMember
    assert labels["segment"].kind == t.CompletionItemKind.Field
    # the shop has a warehouse: the columns of its tables, as DuckDB describes them
    con = duckdb.connect(str(shop / "demo.duckdb"), read_only=True)
    orders = [d[0] for d in con.execute("SELECT * FROM shop.orders LIMIT 0").description]
    sessions = [d[0] for d in con.execute("SELECT * FROM shop.sessions LIMIT 0").description]
    con.close()
    assert "order_seq" in orders and "device" in sessions
    assert set(orders) | set(sessions) <= set(columns)
    assert columns["order_seq"].detail == "column of orders"
    assert columns["device"].detail == "column of sessions"
    assert {"orders", "sessions"} <= set(columns["customer_id"].detail
                                         .removeprefix("column of ").split(", "))


async def test_formatting_is_osm_fmt(client: LanguageClient, shop: Path) -> None:
    messy = "measure   m {formula count(orders)\n grain  month}\n"
    address = open_file(client, shop, "scratch.osm", messy)
    edits = await client.text_document_formatting_async(t.DocumentFormattingParams(
        t.TextDocumentIdentifier(address), t.FormattingOptions(2, True)))
    assert edits is not None and len(edits) == 1
    (shop / "scratch.osm").write_text(messy, "utf-8")
    apply(shop, t.WorkspaceEdit(changes={address: list(edits)}))
    done = CliRunner().invoke(main, ["fmt", "--check", str(shop / "scratch.osm")])
    assert done.exit_code == 0, done.output
    assert (shop / "scratch.osm").read_text("utf-8") == \
        "measure m {\n  formula count(orders)\n  grain month\n}\n"
