"""Turn timed samples into the Markdown table docs/benchmarks.md carries, and name every bar an
endpoint misses so a regression cannot hide in a column of numbers."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.harness import Sample

TIMES = "\N{MULTIPLICATION SIGN}"  # spelled out: ruff flags the bare sign as ambiguous
HEADER = (
    f"| endpoint | DynamoDB calls | operations | bar | median ms | {TIMES} baseline "
    "| median ms outside DynamoDB |\n"
    "| --- | ---: | --- | ---: | ---: | ---: | ---: |"
)


@dataclass(frozen=True)
class Measured:
    """Every sample of one endpoint, and of the baseline requests that alternated with them."""

    endpoint: str
    bar: int | None
    samples: Sequence[Sample]
    alongside: Sequence[Sample] = ()

    @property
    def calls(self) -> int:
        return max(len(sample.operations) for sample in self.samples)

    @property
    def operations(self) -> str:
        """Every distinct sequence seen, most frequent first: one, when the endpoint is steady."""
        seen = Counter(sample.operations for sample in self.samples)
        return " / ".join(" + ".join(ops) or "none" for ops, _ in seen.most_common())

    @property
    def median_ns(self) -> float:
        return statistics.median(sample.elapsed_ns for sample in self.samples)

    @property
    def ratio(self) -> float:
        """Against the baseline requests sent alongside, so load from elsewhere cancels out."""
        baseline = self.alongside or self.samples
        return self.median_ns / statistics.median(sample.elapsed_ns for sample in baseline)

    @property
    def median_outside_store_ns(self) -> float:
        return statistics.median(sample.outside_store_ns for sample in self.samples)

    @property
    def scans(self) -> int:
        return sum(sample.operations.count("Scan") for sample in self.samples)

    @property
    def unexpected_statuses(self) -> Counter[int]:
        return Counter(s.status for s in self.samples if s.status != s.expected_status)

    @property
    def over_bar(self) -> bool:
        return self.bar is not None and self.calls > self.bar


def table(baseline: Measured, endpoints: Sequence[Measured]) -> str:
    lines = [HEADER, _line(baseline, f"≤ {baseline.bar} (the baseline)")]
    lines += [_line(m) for m in endpoints]
    return "\n".join(lines)


def _line(measured: Measured, bar_text: str | None = None) -> str:
    if bar_text is None:
        bar_text = f"≤ {measured.bar}" + (" **OVER BAR**" if measured.over_bar else "")
    cells = [
        measured.endpoint,
        str(measured.calls),
        measured.operations,
        bar_text,
        f"{measured.median_ns / 1e6:.2f}",
        f"{measured.ratio:.1f}{TIMES}",
        f"{measured.median_outside_store_ns / 1e6:.2f}",
    ]
    return "| " + " | ".join(cells) + " |"


def problems(measured: Sequence[Measured]) -> list[str]:
    """One sentence per missed bar, Scan or unexpected status; empty when all is well."""
    found = []
    for m in measured:
        if m.over_bar:
            found.append(f"{m.endpoint}: {m.calls} DynamoDB calls ({m.operations}), bar {m.bar}")
        if m.scans:
            found.append(f"{m.endpoint}: {m.scans} Scan calls, bar 0")
        if m.unexpected_statuses:
            found.append(f"{m.endpoint}: unexpected statuses {dict(m.unexpected_statuses)}")
    return found
