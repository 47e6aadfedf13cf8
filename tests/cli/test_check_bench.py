"""A bounded run of bench/check_bench.py and the generator it uses (no timing assertions)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from metriclang.load import load_project
from tests.conftest import ROOT


def _bench(name: str) -> ModuleType:
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_generator_is_deterministic_and_clean(tmp_path: Path) -> None:
    gen = _bench("gen_project")
    a = gen.write_project(tmp_path / "a", measures=1200, sources=7, drives_per_measure=2)
    b = gen.write_project(tmp_path / "b", measures=1200, sources=7, drives_per_measure=2)
    files = sorted(p.name for p in a.iterdir())
    assert files == ["journey.osm", "measures_000.osm", "measures_001.osm", "measures_002.osm",
                     "objectives.osm", "sources.osm"]
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    loaded = load_project(a)
    assert [d for d in loaded.diagnostics if d.code.startswith("E")] == []
    project = loaded.project
    assert (len(project.measures), len(project.sources), len(project.objectives)) == (1200, 7, 12)
    assert sum(len(m.drives) for m in project.measures.values()) >= 1188  # 1200 - 12 results
    assert project.objectives["o3"].north_star == "m300"
    assert project.objectives["o3"].strategies[0].measures[:2] == ("m301", "m302")


def test_bounded_benchmark_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bench = _bench("check_bench")
    monkeypatch.setattr(bench, "WORK", tmp_path)
    timings = bench.run((150,), runs=1, examples=False)
    (timing,) = timings
    assert (timing.target, timing.files, timing.errors) == ("generated 150 measures", 4, 0)
    assert timing.cold_wall > 0 and timing.warm_cpu > 0
    assert bench.table(timings).splitlines()[2].startswith("| generated 150 measures |")
    names = [name for name, _, _ in bench.verdicts(timings, full=False)]
    assert names == ["generated 150 measures: cold wall < 3 s",
                     "generated 150 measures: warm wall < 3 s"]
