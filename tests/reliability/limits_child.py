"""Run in a child process by test_limits.py: build one extreme project, push it through.

Usage: ``python limits_child.py KIND N DIR MEMORY_MB STAGES`` (STAGES: comma-separated sql,
compile, fmt, docs, docs_sql). Prints one JSON line: the diagnostic codes, whether SQL was
produced, what compile wrote, fmt's outcome, seconds and peak RSS.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

SRC = 'source s "S" {\n  table a.t\n  time at\n  dimension d\n}\n'


def measure(name: str, formula: str, extra: str = "") -> str:
    return f"measure {name} {{\n  formula {formula}\n  kind lagging\n{extra}}}\n"


def spec(kind: str, n: int) -> str:
    """The project text of one limit case."""
    match kind:
        case "parens":
            return SRC + measure("x", "(" * n + "count(s)" + ")" * n)
        case "terms":
            return SRC + measure("x", " + ".join(["count(s)"] * n))
        case "fragment_terms":
            return SRC + measure("x", "count(s where " + " + ".join(["d"] * n) + " > 0)")
        case "negations":
            return SRC + measure("x", "-" * n + "count(s)")
        case "case":
            expr = "1"
            for i in range(n):
                expr = f"case when d = {i} then {expr} else 0 end"
            return SRC + measure("x", f"sum(s, {expr})")
        case "measures":
            return SRC + "".join(measure(f"m{i}", "count(s)") for i in range(n)) + measure(
                "x", "m0 + 1")
        case "big_file":  # n megabytes of measures with long descriptions
            text = "x" * 440
            count = n * 1024 * 1024 // 500
            return SRC + "".join(measure(f"m{i}", "count(s)", f'  description "{text}"\n')
                                 for i in range(count)) + measure("x", "m0 + 1")
        case "chain":
            return SRC + "".join(
                measure(f"m{i}", "count(s)", f"  drives m{i + 1} lag 1 day\n" if i + 1 < n
                        else "") for i in range(n)) + measure("x", "m0 + 1")
        case "references":
            return SRC + measure("m0", "count(s)") + "".join(
                measure(f"m{i}", f"m{i - 1} + 1") for i in range(1, n)) + measure(
                "x", f"m{n - 1} * 2")
        case "doubling":  # each level uses the one below twice (issue 13: exponential SQL)
            return SRC + measure("m0", "count(s)") + "".join(
                measure(f"m{i}", f"m{i - 1} + m{i - 1} * 2") for i in range(1, n)) + measure(
                "x", f"m{n - 1} + m{n - 1} * 2")
        case "string":
            return SRC + measure("x", "count(s)", f'  description "{"é" * n}"\n')
        case "sql_string":
            return SRC + measure("x", f"count(s where d = '{'q' * n}')")
        case "dense_fragment":  # n characters of `d + d + ...` in one condition
            return SRC + measure("x", "count(s where " + " + ".join(["d"] * (n // 4)) + " > 0)")
    raise SystemExit(f"unknown kind {kind}")


def main() -> None:
    kind, n, root, memory, stages = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), int(
        sys.argv[4]), sys.argv[5].split(",")
    limit = memory * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    root.mkdir(parents=True, exist_ok=True)
    (root / "p.osm").write_text(spec(kind, n), encoding="utf-8")
    from metriclang.load import check
    from metriclang.sqlgen import compile_sql

    start = time.process_time()
    loaded = check(root)
    out: dict[str, object] = {
        "codes": sorted({d.code for d in loaded.diagnostics}),
        "messages": sorted({d.message for d in loaded.diagnostics if d.code == "E106"}),
        "errors": loaded.diagnostics.has_errors,
    }
    if "sql" in stages and "x" in loaded.project.measures and not loaded.diagnostics.has_errors:
        sql, problems = compile_sql(loaded.project, "x", "postgres")
        out["sql"] = sql is not None
        out["sql_codes"] = sorted({d.code for d in problems})
    if "compile" in stages and not loaded.diagnostics.has_errors:  # compile --dialect all --fused
        from metriclang.dialects import OUTPUT_DIALECTS
        from metriclang.sqlgen.output import compile_project

        compiled = compile_project(loaded.project, OUTPUT_DIALECTS, fused=True)
        out["compiled_files"] = len(compiled.files)
        out["compiled_bytes"] = sum(len(sql) for _, sql in compiled.files)
        out["compile_codes"] = sorted({d.code for d in compiled.diagnostics})
    if "fmt" in stages:
        from metriclang.fmt import format_text

        formatted = format_text((root / "p.osm").read_text("utf-8"), "p.osm")
        out["fmt"] = formatted.text is not None
        out["fmt_codes"] = sorted({d.code for d in formatted.diagnostics})
    if "text" in stages:
        from metriclang.report.text import render

        out["text_lines"] = render(loaded.project, loaded.diagnostics).count("\n")
    if "docs" in stages or "docs_sql" in stages:  # docs_sql: SQL of every dialect on the pages
        from metriclang.dialects import OUTPUT_DIALECTS as ALL
        from metriclang.docgen.site import build_site

        dialects = ALL if "docs_sql" in stages else ()
        out["pages"] = build_site(root, root.parent / "site", "html", dialects=dialects).pages
    out["seconds"] = round(time.process_time() - start, 2)
    out["rss_mb"] = peak_rss_mb()
    print(json.dumps(out))


def peak_rss_mb() -> int:
    """This process's peak resident memory. Linux keeps ``ru_maxrss`` across ``exec``, so a child
    of a large pytest process would report its parent's size; ``VmHWM`` belongs to this image."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


if __name__ == "__main__":
    main()
