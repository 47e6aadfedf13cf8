"""``osm verify`` output: a text table or JSON (pure: report -> str, stable order)."""

from __future__ import annotations

import json
from typing import Any

from metriclang.display import pad, width
from metriclang.report import printable
from metriclang.report.json import diagnostic_dict
from metriclang.verify.evidence import CAVEAT, VERDICTS
from metriclang.verify.result import LinkResult, Report, Signal

FORMATS = ("text", "json")
_ARROW = "->"


def _num(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _sig(value: float | None) -> float | None:
    """A p-value to four significant digits (tiny ones stay visible: 3.1e-12)."""
    return None if value is None else float(f"{value:.4g}")


def link_dict(link: LinkResult) -> dict[str, Any]:
    """One link as plain data (the JSON contract: ``from`` ... ``periods`` first; the fields
    of the first version, then the second's, then the position)."""
    return {
        "from": link.source, "to": link.target,
        "declared_lag": link.declared_lag, "best_lag": link.best_lag, "effect": link.effect,
        "estimate": _num(link.estimate, 4), "p_value": _sig(link.p_value),
        "verdict": link.verdict, "periods": link.periods,
        "grain": link.grain, "lag": link.lag_text,
        "p_unadjusted": _sig(link.p_unadjusted), "granger_p": _sig(link.granger_p),
        "differenced": link.differenced, "needed_periods": link.needed,
        "note": link.note,
        "observed_effect": link.observed_effect,
        "estimate_ci": None if link.interval is None else [_num(v, 4) for v in link.interval],
        "correlations": [{"lag": k, "r": _num(r, 4)} for k, r in link.scan],
        "correlation": link.correlation, "ar_order": link.ar_order,
        "differenced_driver": link.differenced_driver,
        "differenced_target": link.differenced_target,
        "periods_available": link.periods_available, "periods_used": link.periods,
        "gaps": [{"from": a.isoformat(), "to": b.isoformat()} for a, b in link.gaps],
        "interpolated": link.filled, "granger_agrees": link.granger_agrees,
        "reverse_lag": link.reverse_lag, "reverse_estimate": _num(link.reverse_estimate, 4),
        "reverse_p_value": _sig(link.reverse_p_value),
        "reverse_granger_p": _sig(link.reverse_granger_p),
        "adjustments": list(link.adjustments), "next_step": link.next_step,
        "file": link.span.file, "line": link.span.line, "column": link.span.column,
    }


def signal_dict(signal: Signal) -> dict[str, Any]:
    return {"kind": signal.kind, "measure": signal.measure, "message": signal.message,
            "file": signal.span.file, "line": signal.span.line, "column": signal.span.column}


def render_json(report: Report) -> str:
    """The report as a JSON object with ``links``, ``signals``, ``diagnostics``, ``summary``."""
    counts = {v: sum(1 for k in report.links if k.verdict == v) for v in VERDICTS}
    data = {
        "caveat": CAVEAT,
        "alpha": report.alpha,
        "correction": "benjamini-hochberg",
        "from": report.date_from.isoformat() if report.date_from else None,
        "to": report.date_to.isoformat() if report.date_to else None,
        "links": [link_dict(k) for k in report.links],
        "signals": [signal_dict(s) for s in report.signals],
        "diagnostics": [diagnostic_dict(d) for d in report.diagnostics],
        "summary": {"links": len(report.links), **counts},
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def _p(value: float | None) -> str:
    if value is None:
        return "-"
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _row(link: LinkResult) -> list[str]:
    best = "-" if link.best_lag is None else str(link.best_lag)
    ci = "" if link.interval is None else \
        f" [{link.interval[0]:+.2f}, {link.interval[1]:+.2f}]"
    agrees = {True: "yes", False: "no", None: "-"}[link.granger_agrees]
    used = str(link.periods) if link.periods_available in (0, link.periods) else \
        f"{link.periods}/{link.periods_available}"
    return [f"{link.source} {_ARROW} {link.target}", f"{link.span.file}:{link.span.line}",
            link.grain, f"{link.declared_lag} / {best}", link.effect,
            _fmt(link.estimate, "+.2f") + ci, _p(link.p_value), _p(link.granger_p), agrees,
            used, link.verdict]


def _details(link: LinkResult) -> str:
    """One line of how a tested link was tested: differencing, AR order, periods, gaps,
    adjustments, the correlation at every lag scanned (negative: the target leads)."""
    parts = [f"differenced driver {link.differenced_driver}x, target "
             f"{link.differenced_target}x", f"AR({link.ar_order})",
             f"{link.periods} of {link.periods_available} periods used"]
    if link.gaps:
        parts.append("gaps " + ", ".join(a.isoformat() if a == b else
                                         f"{a.isoformat()}..{b.isoformat()}"
                                         for a, b in link.gaps))
    parts += list(link.adjustments)
    if link.correlation != "pearson":
        parts.append(f"{link.correlation} correlation (outliers dominate)")
    parts.append("r by lag " + " ".join(f"{k:+d}:{r:+.2f}" for k, r in link.scan))
    return "; ".join(parts)


def render_text(report: Report) -> str:
    """A table of links, then notes, vanity signals, diagnostics and the caveat (control
    characters shown escaped)."""
    header = ["link", "at", "grain", "lag decl/best", "effect", "r [95% CI]", "p (BH)",
              "granger p", "agrees", "periods", "verdict"]
    rows = [header, *([printable(c, False) for c in _row(k)] for k in report.links)]
    widths = [max(width(r[i]) for r in rows) for i in range(len(header))]
    right = {5, 6, 7, 9}
    lines = []
    span = ""
    if report.date_from or report.date_to:
        span = (f", {report.date_from.isoformat() if report.date_from else '…'}"
                f" to {report.date_to.isoformat() if report.date_to else '…'}")
    lines.append(f"osm verify: {len(report.links)} declared link(s), false-discovery rate "
                 f"{report.alpha:g} (Benjamini–Hochberg){span}")
    lines.append("")
    for r in rows:
        cells = [pad(c, w, i in right) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    notes = [k for k in report.links if k.note]
    if notes:
        lines += ["", "Notes:"]
        lines += [f"  {k.source} {_ARROW} {k.target}: {k.note}" for k in notes]
    tested = [k for k in report.links if k.scan]
    if tested:
        lines += ["", "How each link was tested:"]
        lines += [f"  {k.source} {_ARROW} {k.target}: {_details(k)}" for k in tested]
    if report.links:
        lines += ["", "Next steps:"]
        lines += [f"  {k.source} {_ARROW} {k.target}: {k.next_step}" for k in report.links]
    if report.signals:
        lines += ["", "Vanity signals:"]
        lines += [f"  {s.span.file}:{s.span.line}: {s.kind}: {s.message}"
                  for s in report.signals]
    if report.diagnostics:
        lines += ["", "Diagnostics:"]
        lines += [f"  {d.span.file}:{d.span.line}:{d.span.column}: {d.severity.value}"
                  f"[{d.code}] {d.message}" for d in report.diagnostics]
    lines += ["", "Lags are in periods of the grain (lag 0 is never evidence); r is the "
              "pre-whitened cross-correlation at the best lag; agrees: the Granger test is "
              "significant with the same sign.", CAVEAT]
    return printable("\n".join(lines) + "\n")


def render(report: Report, fmt: str) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    return render_json(report) if fmt == "json" else render_text(report)
