"""Turn the benchmark results into target verdicts and a Markdown report (pure functions)."""

from __future__ import annotations

from typing import Any

TOOLS = ("metriclang", "metricflow", "sidemantic")


def _size(results: dict[str, Any], size: int) -> dict[str, Any] | None:
    return next((s for s in results["sizes"] if s["size"] == size), None)


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _same(result: dict[str, Any] | None) -> bool | None:
    """Rows equal to the hand-written ones (periods listed with NULL allowed), None: unknown."""
    return None if result is None else bool(result["equal"] or result["equal_but_null_rows"])


def targets(results: dict[str, Any]) -> dict[str, Any]:
    """The issue's four targets, each with the measured figure and ``met`` (None: unmeasured).

    * compile: MetricFlow's median first compile / metriclang's, at every size (>= 20);
    * validate: MetricFlow's parse + validate / metriclang's at 1,000 metrics (>= 10);
    both on CPU time (process_time), which other jobs on a shared machine do not inflate;
    * query: metriclang's CPU time / hand-written's, for every kind (<= 1.2);
    * results: metriclang's rows equal the hand-written rows for every kind (extra periods
      with a NULL value allowed: a rate on a day without base events).
    """
    compile_x = {}
    for s in results["sizes"]:
        ml, mf = s.get("metriclang", {}), s.get("metricflow", {})
        compile_x[str(s["size"])] = _ratio(mf.get("first_cpu_s_median"),
                                           ml.get("first_cpu_s_median"))
    known = [v for v in compile_x.values() if v is not None]
    at = _size(results, 1000) or results["sizes"][-1]
    validate_x = _ratio(at.get("metricflow", {}).get("validate_cpu_s"),
                        at.get("metriclang", {}).get("validate_cpu_s"))
    vs_hand = {k: q.get("metriclang", {}).get("vs_hand") for k, q in results["queries"].items()}
    equal = {k: _same(q.get("metriclang", {}).get("result")) for k, q in results["queries"].items()}
    return {
        "compile_20x": {"speedup_by_size": compile_x,
                        "met": (min(known) >= 20) if len(known) == len(compile_x) and known
                        else None},
        "validate_10x": {"size": at["size"], "speedup": validate_x,
                         "met": None if validate_x is None else validate_x >= 10},
        "query_1_2x": {"vs_hand": vs_hand,
                       "met": None if None in vs_hand.values() else
                       all(v <= 1.2 for v in vs_hand.values())},
        "identical_results": {"equal": equal,
                              "met": None if None in equal.values() else all(equal.values())},
    }


def _s(v: float | None) -> str:
    return "–" if v is None else f"{v:.3f} s" if v >= 1 else f"{v * 1000:.1f} ms"


def _x(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}×" if v >= 10 else f"{v:.2f}×"


def _cell(entry: dict[str, Any], key: str) -> str:
    if "failed" in entry:
        return "failed"
    if entry.get("compiled") == 0 and entry.get("errors"):
        return "no SQL"
    return _s(entry.get(key))


def _result_cell(r: dict[str, Any]) -> str:
    if "error" in r:
        return "error"
    res = r.get("result")
    if res is None:
        return "–"
    if res["equal"]:
        return f"equal ({res['rows']} rows)"
    if res["equal_but_null_rows"]:
        return f"equal (+{res['extra_null_rows']} periods listed with NULL)"
    if res["equal_float32"]:
        return f"equal to float32 precision ({res['rows']} rows)"
    parts = []
    if res["differing_values"]:
        parts.append(f"{res['differing_values']}/{res['common_rows']} values differ "
                     f"(max {res['max_rel_diff']:.2%})")
    if res["extra_rows"]:
        parts.append(f"+{res['extra_rows']} rows")
    if res["missing_rows"]:
        parts.append(f"-{res['missing_rows']} rows")
    return "; ".join(parts)


def markdown(results: dict[str, Any]) -> str:
    """The report: validation, compile and query tables, result equality, target verdicts."""
    tools = [t for t in TOOLS if t in results["tools"]]
    head = "| metrics | " + " | ".join(tools) + " |\n|---:|" + "---:|" * len(tools) + "\n"
    lines = [f"# metriclang vs MetricFlow vs Sidemantic ({results['mode']} run)\n",
             f"{results['rows_per_table']:,} rows per table (orders, sessions, customers) on "
             f"DuckDB; {results['machine']['cpus']} CPUs, Python "
             f"{results['machine']['python']}. Versions: "
             + ", ".join(f"{t} {s[t].get('version', '?')}" for s in results["sizes"][:1]
                         for t in tools) + ".\n",
             "Compile and validation times are CPU time of the tool's process "
             "(`time.process_time`; wall-clock in the JSON): the machine is shared, and "
             "preemption by other jobs would otherwise dominate millisecond timings.\n\n",
             "## Parse + validate (whole project, cold, best of 3 fresh processes up to 1,000 "
             "metrics; CPU, wall in parentheses)\n",
             head]
    for s in results["sizes"]:
        lines.append(f"| {s['size']:,} | " + " | ".join(
            f"{_cell(s.get(t, {}), 'validate_cpu_s')} ({_cell(s.get(t, {}), 'validate_s')})"
            for t in tools) + " |\n")
    if "metriclang" in tools:
        lines += ["\nmetriclang checking the unchanged project again (its parse cache, filled "
                  "by the first run, is used; the others have no such cache): "
                  + ", ".join(f"{s['size']:,}: {_cell(s['metriclang'], 'validate_warm_cpu_s')}"
                              for s in results["sizes"] if "metriclang" in s) + ".\n"]
    lines += ["\n## Import time (fresh process, not included above)\n", head]
    for s in results["sizes"][:1]:
        lines.append("| any | " + " | ".join(_cell(s.get(t, {}), "import_s") for t in tools)
                     + " |\n")
    lines += ["\n## First compile in a fresh process (one-off set-up included)\n", head]
    for s in results["sizes"]:
        lines.append(f"| {s['size']:,} | "
                     + " | ".join(_cell(s.get(t, {}), "process_first_cpu_s") for t in tools)
                     + " |\n")
    lines += ["\n## SQL compile time per metric (CPU; median first / median warm)\n", head]
    for s in results["sizes"]:
        cells = [f"{_cell(s.get(t, {}), 'first_cpu_s_median')} / "
                 f"{_cell(s.get(t, {}), 'warm_cpu_s_median')}" for t in tools]
        lines.append(f"| {s['size']:,} | " + " | ".join(cells) + " |\n")
    big = max(results["sizes"], key=lambda s: s["size"])
    lines += [f"\n## Compile time per metric kind at {big['size']:,} metrics (CPU, median first)\n",
              "| kind | " + " | ".join(tools) + " |\n|---|" + "---:|" * len(tools) + "\n"]
    for kind in results["kinds"]:
        lines.append(f"| {kind} | " + " | ".join(
            _s(big.get(t, {}).get("first_cpu_s_median_by_kind", {}).get(kind)) for t in tools)
            + " |\n")
    lines += ["\n## Query run time on DuckDB (best of the timed runs: CPU time of all DuckDB "
              "threads, × hand-written; wall-clock in parentheses)\n",
              "| kind | hand-written | " + " | ".join(tools) + " |\n|---|---:|"
              + "---:|" * len(tools) + "\n"]
    for kind, q in results["queries"].items():
        cells = []
        for t in tools:
            r = q.get(t, {})
            cells.append("error" if "error" in r else
                         f"{_s(r.get('best_cpu_s'))} ({_s(r.get('best_s'))}), "
                         f"**{_x(r.get('vs_hand'))}**")
        hand = q["hand"]
        lines.append(f"| {kind} | {_s(hand.get('best_cpu_s'))} ({_s(hand.get('best_s'))}) | "
                     + " | ".join(cells) + " |\n")
    lines += ["\n## Results compared with hand-written SQL\n",
              "| kind | " + " | ".join(tools) + " |\n|---|" + "---|" * len(tools) + "\n"]
    for kind, q in results["queries"].items():
        lines.append(f"| {kind} | " + " | ".join(_result_cell(q.get(t, {})) for t in tools)
                     + " |\n")
    t = results["targets"]
    verdict = {True: "met", False: "**missed**", None: "not measured"}
    comp = ", ".join(f"{k}: {_x(v)}" for k, v in t["compile_20x"]["speedup_by_size"].items())
    lines += ["\n## Targets\n",
              f"* compile ≥ 20× faster than MetricFlow: {verdict[t['compile_20x']['met']]} "
              f"({comp})\n",
              f"* validate {t['validate_10x']['size']:,} metrics ≥ 10× faster: "
              f"{verdict[t['validate_10x']['met']]} ({_x(t['validate_10x']['speedup'])})\n",
              f"* every query ≤ 1.2× hand-written: {verdict[t['query_1_2x']['met']]}\n",
              f"* identical results: {verdict[t['identical_results']['met']]}\n"]
    return "".join(lines)
