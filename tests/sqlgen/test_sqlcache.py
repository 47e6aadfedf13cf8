"""``osm compile`` keeps its results (``sqlgen.sqlcache``) and renders again only what changed:
the output and the report are byte for byte those of a compile without the cache, after every
kind of edit."""

from __future__ import annotations

import pickle
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from metriclang import cachefiles
from metriclang.cli import main
from metriclang.sqlgen import clear_memo, sqlcache
from tests.conftest import EXAMPLES
from tests.sqlgen.test_parallel import tree

#: Two measures T-SQL, BigQuery, MySQL and Trino can't express (no exact percentile): kept as
#: diagnostics.
PERCENTILES = """
measure p90_amount {
  formula percentile(orders.amount, 0.9)
  grain month
}

measure median_amount {
  formula median(orders.amount where status = 'paid')
  grain week
}
"""


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    where = tmp_path / "cache"
    monkeypatch.setenv("METRICLANG_CACHE_DIR", str(where))
    monkeypatch.delenv("METRICLANG_NO_CACHE", raising=False)
    yield where
    cachefiles._PENDING.clear()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(EXAMPLES / "shop", root)
    (root / "percentiles.osm").write_text(PERCENTILES, encoding="utf-8")
    return root


def compile_all(root: Path, out: Path, jobs: int = 2) -> tuple[int, str, str, dict[str, bytes]]:
    """``osm compile --dialect all`` as a process does it, its kept results written at the end
    (what the process does at exit): exit code, output, report and files."""
    clear_memo()
    result = CliRunner().invoke(main, ["compile", str(root), "--dialect", "all", "--fused",
                                       "--jobs", str(jobs), "--out", str(out)])
    cachefiles.write_pending()
    written = tree(out)
    shutil.rmtree(out, ignore_errors=True)
    return result.exit_code, result.stdout, result.stderr, written


def uncached(root: Path, out: Path, monkeypatch: pytest.MonkeyPatch
             ) -> tuple[int, str, str, dict[str, bytes]]:
    with monkeypatch.context() as patch:
        patch.setenv("METRICLANG_NO_CACHE", "1")
        return compile_all(root, out)


def entries(cache: Path) -> list[Path]:
    return sorted((cache / "sql").glob("*.pickle"))


def test_a_second_compile_is_served_from_what_the_first_kept(
    cache: Path, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "sql"
    first = compile_all(project, out)
    assert first[0] == 0 and "W182" in first[2]  # the percentiles are left out of T-SQL
    assert len(entries(cache)) == 10  # one per dialect
    assert compile_all(project, out) == first == uncached(project, out, monkeypatch)
    assert compile_all(project, out, jobs=1) == first
    # served from the entries: a text changed in every entry shows in the next output
    for entry in entries(cache):
        with entry.open("rb") as handle:
            key, kept = pickle.load(handle), pickle.load(handle)
        assert any(isinstance(v, tuple) for v in kept.values()) == (
            "tsql" in key or "bigquery" in key or "mysql" in key or "trino" in key)
        kept = {k: v + "-- kept\n" if isinstance(v, str) else v for k, v in kept.items()}
        with entry.open("wb") as handle:
            pickle.dump(key, handle)
            pickle.dump(kept, handle)
    served = compile_all(project, out)
    assert all(text.endswith(b"-- kept\n") for path, text in served[3].items()
               if path.endswith(".sql") and "/fused/" not in path)


EDITS = [
    # a measure's formula, grain and dimensions
    ("measures.osm", "formula sum(orders.amount where status = 'paid') / count(orders where "
     "status = 'paid')", "formula sum(orders.amount where status = 'paid') / count(orders)"),
    ("measures.osm", "  grain month\n  dimensions customer.segment",
     "  grain week\n  dimensions customer.segment"),
    ("measures.osm", "dimensions customer.segment", "dimensions customer.country"),
    # a source's table, a dimension source the measure joins, an entity a conversion follows
    ("sources.osm", "table shop.orders", "table shop.orders_2027"),
    ("sources.osm", "  dimension segment\n", "  dimension segment = lower(tier)\n"),
    ("sources.osm", "entity customer = customer_id\n  entity product",
     "entity customer = buyer_id\n  entity product"),
    # moved declarations: the texts stay, the diagnostics of what can't be compiled move
    ("percentiles.osm", "\nmeasure p90_amount", "\n# moved\n\nmeasure p90_amount"),
    ("sources.osm", "# Warehouse tables", "# moved\n\n# Warehouse tables"),
    # a measure removed, one renamed
    ("percentiles.osm", "measure median_amount {", "measure median_amount_2 {"),
]


@pytest.mark.parametrize(("file", "before", "after"), EDITS)
def test_after_an_edit_the_output_is_that_of_a_compile_without_the_cache(
    cache: Path, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    file: str, before: str, after: str,
) -> None:
    out = tmp_path / "sql"
    compile_all(project, out)
    path = project / file
    assert path.read_text(encoding="utf-8").count(before) == 1
    path.write_text(path.read_text(encoding="utf-8").replace(before, after), encoding="utf-8")
    edited = compile_all(project, out)
    assert edited == uncached(project, out, monkeypatch)
    assert compile_all(project, out) == edited


def test_other_code_or_a_broken_entry_is_not_used(
    cache: Path, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "sql"
    first = compile_all(project, out)
    assert sqlcache.kept(project, "duckdb") and sqlcache.any_kept(project, ("duckdb",))
    with monkeypatch.context() as patch:
        patch.setattr(sqlcache, "code_digest", lambda: b"another version")
        assert sqlcache.kept(project, "duckdb") == {}
        assert not sqlcache.any_kept(project, ("duckdb", "tsql"))  # no digests to compute
    for entry in entries(cache):
        entry.write_bytes(entry.read_bytes()[:100])  # cut short
    assert sqlcache.kept(project, "duckdb") == {}
    assert compile_all(project, out) == first


def test_nothing_is_kept_without_the_cache(
    cache: Path, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uncached(project, tmp_path / "sql", monkeypatch)
    assert not cache.exists()
