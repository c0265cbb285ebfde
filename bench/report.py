"""The markdown table (one column per server, one row per measure) and the target lines."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

SERVERS = ("app", "predict_model", "bare")
MISSING = "—"


@dataclass
class Results:
    """Measures by server; a server that failed keeps its error instead of numbers."""
    values: dict[str, dict[str, float]] = field(
        default_factory=lambda: {name: {} for name in SERVERS})
    errors: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def get(self, server: str, key: str) -> float | None:
        return self.values[server].get(key)

    def ratio(self, key: str, over: str) -> float | None:
        mine, theirs = self.get("app", key), self.get(over, key)
        return mine / theirs if mine is not None and theirs else None


@dataclass
class Row:
    label: str
    key: str
    fmt: Callable[[float], str]
    per_server: bool = True  # False: measured in-process, only ever in the app column


def _num(digits: int) -> Callable[[float], str]:
    return lambda value: f"{value:,.{digits}f}"


def rows(duration: float, connections: int, sequential: int, batch_rows: int) -> list[Row]:
    load = f"wrk -c{connections}, {duration:g} s"
    return [
        Row(f"POST /predict req/s ({load})", "rps", _num(1)),
        Row("p50 latency under load (ms)", "p50_ms", _num(2)),
        Row("p99 latency under load (ms)", "p99_ms", _num(2)),
        Row("requests under load", "requests", _num(0)),
        Row("errors under load (non-2xx + socket)", "errors", _num(0)),
        Row("app req/s ÷ this server's", "app_ratio", lambda v: f"{v:,.2f}×"),
        Row(f"one POST alone, median of ≤{sequential} sequential (ms)", "one_post_ms", _num(2)),
        Row("same POSTs, median time in the worker (ms, access log)", "server_ms", _num(2)),
        Row("memory: PSS master + workers after load (MB)", "pss_mb", _num(1)),
        Row("boot: start to first 200 on GET / (s)", "boot_s", _num(2)),
        Row(f"batch rows/s, `model.predict_frame` ({batch_rows:,} rows)", "batch_frame",
            _num(0), per_server=False),
        Row(f"batch rows/s, `model.pipeline.predict` ({batch_rows:,} rows)", "batch_pipeline",
            _num(0), per_server=False),
    ]


def table(results: Results, table_rows: list[Row]) -> str:
    lines = ["| measure | " + " | ".join(f"`{s}`" for s in SERVERS) + " |",
             "|---|" + "---:|" * len(SERVERS)]
    for row in table_rows:
        cells = []
        for server in SERVERS:
            value = results.get(server, row.key)
            failed = row.per_server and server in results.errors
            cells.append(row.fmt(value) if value is not None
                         else "failed" if failed else MISSING)
        lines.append(f"| {row.label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


@dataclass
class Target:
    label: str
    value: Callable[[Results], float | None]
    met: Callable[[float], bool]
    fmt: Callable[[float], str]


TARGETS = [
    Target("app ÷ bare req/s ≥ 0.5", lambda r: r.ratio("rps", "bare"),
           lambda v: v >= 0.5, lambda v: f"{v:.2f}"),
    Target("app ÷ predict_model req/s ≥ 100", lambda r: r.ratio("rps", "predict_model"),
           lambda v: v >= 100, lambda v: f"{v:,.0f}"),
    Target("app median server-side latency of one POST ≤ 2 ms",
           lambda r: r.get("app", "server_ms"),
           lambda v: v <= 2, lambda v: f"{v:.2f} ms"),
    Target("app PSS ≤ 300 MB", lambda r: r.get("app", "pss_mb"),
           lambda v: v <= 300, lambda v: f"{v:.1f} MB"),
    Target("app boot ≤ 3 s", lambda r: r.get("app", "boot_s"),
           lambda v: v <= 3, lambda v: f"{v:.2f} s"),
    Target("batch `predict_frame` ≥ 500,000 rows/s", lambda r: r.get("app", "batch_frame"),
           lambda v: v >= 500_000, lambda v: f"{v:,.0f} rows/s"),
]


def target_lines(results: Results) -> list[str]:
    lines = []
    for target in TARGETS:
        value = target.value(results)
        if value is None:
            lines.append(f"- {target.label}: **not measured**")
        else:
            verdict = "met" if target.met(value) else "NOT MET"
            lines.append(f"- {target.label}: {target.fmt(value)} — **{verdict}**")
    return lines


def markdown(header: list[str], results: Results, table_rows: list[Row]) -> str:
    parts = ["\n".join(header), table(results, table_rows),
             "Targets:\n\n" + "\n".join(target_lines(results))]
    if results.notes:
        parts.append("Notes:\n\n" + "\n".join(f"- {note}" for note in results.notes))
    if results.errors:
        parts.append("Errors:\n\n" + "\n".join(f"- `{name}`: {error}"
                                               for name, error in results.errors.items()))
    return "\n\n".join(parts) + "\n"
