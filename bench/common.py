"""Shared pieces of the benchmarks: statistics, the result table, subprocess environments.

Every benchmark returns a `Report`: rows that each hold a measured figure, the baseline
measured in the same run (when the target is a ratio), the target and whether it is met.
Machines running these are noisy, so figures are medians (or percentiles) of several runs.
"""

from __future__ import annotations

import math
import os
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `pct` % at or below it."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return float(ordered[min(rank, len(ordered)) - 1])


@dataclass(frozen=True, slots=True)
class Row:
    figure: str
    value: float
    unit: str
    target: str
    passed: bool | None  # None: shown for context, no target
    baseline: float | None = None
    baseline_label: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline


def ratio_row(figure: str, value: float, baseline: float, unit: str, limit: float,
              baseline_label: str) -> Row:
    """Target: value / baseline ≤ limit."""
    ok = baseline > 0 and value / baseline <= limit
    return Row(figure, value, unit, f"≤ {limit:g}×", ok, baseline, baseline_label)


def limit_row(figure: str, value: float, unit: str, limit: float,
              baseline: float | None = None, baseline_label: str = "") -> Row:
    """Target: value ≤ limit (the issue states it in absolute units)."""
    return Row(figure, value, unit, f"≤ {limit:g} {unit}", value <= limit, baseline,
               baseline_label)


def delta_row(figure: str, value: float, baseline: float, unit: str, limit: float,
              baseline_label: str) -> Row:
    """Target: value − baseline ≤ limit."""
    return Row(figure, value, unit, f"≤ +{limit:g} {unit}", value - baseline <= limit,
               baseline, baseline_label)


def count_row(figure: str, good: int, total: int) -> Row:
    """Target: every one of `total` runs was good."""
    return Row(figure, float(good), f"of {total}", f"{total} of {total}", good == total)


def info_row(figure: str, value: float, unit: str, baseline: float | None = None,
             baseline_label: str = "") -> Row:
    return Row(figure, value, unit, "", None, baseline, baseline_label)


@dataclass(slots=True)
class Report:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(row.passed is not False for row in self.rows)


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None or math.isnan(value):
        return "-"
    if unit.startswith("of ") or unit == "runs":
        return f"{value:.0f} {unit}"
    if unit == "×":
        return f"{value:.2f}×"
    magnitude = abs(value)
    digits = 3 if magnitude < 10 else 1 if magnitude < 1000 else 0
    text = f"{value:.{digits}f}"
    return f"{text} {unit}".rstrip()


def _cells(row: Row) -> list[str]:
    baseline = _fmt(row.baseline, row.unit)
    if row.baseline_label and row.baseline is not None:
        baseline = f"{baseline} ({row.baseline_label})"
    ratio = "-" if row.ratio is None else f"{row.ratio:.2f}×"
    result = {True: "pass", False: "FAIL", None: "-"}[row.passed]
    return [row.figure, _fmt(row.value, row.unit), baseline, ratio, row.target or "-", result]


HEADER = ["figure", "measured", "baseline (same run)", "ratio", "target", "result"]


def format_text(report: Report) -> str:
    table = [HEADER] + [_cells(row) for row in report.rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(HEADER))]
    lines = [f"== {report.title} =="]
    for n, line in enumerate(table):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += [f"  · {note}" for note in report.notes]
    return "\n".join(lines)


def format_markdown(report: Report) -> str:
    lines = [f"### {report.title}", "", "| " + " | ".join(HEADER) + " |",
             "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(_cells(row)) + " |" for row in report.rows]
    if report.notes:
        lines.append("")
        lines += [f"- {note}" for note in report.notes]
    return "\n".join(lines)


def load_note() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min) / {five:.2f} (5 min) on {os.cpu_count()} cores"


def child_env(home: Path | None = None, **extra: str) -> dict[str, str]:
    """Environment for a benchmark subprocess: the repo importable, loopback never proxied,
    no real keyring or API keys, Qt without a screen unless the caller says otherwise."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    # An installed studio has its bytecode compiled (pip does it at install time); measuring
    # without it would time the compiler on every start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = str(REPO)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        env.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
    if home is not None:
        env["PROMPT_STUDIO_HOME"] = str(home)
    env.update(extra)
    return env


def progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)
