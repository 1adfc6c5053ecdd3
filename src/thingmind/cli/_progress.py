"""A rich progress bar and report table for training runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

if TYPE_CHECKING:
    from thingmind.train import TaggerMetrics, TrainReport


class RichProgress:
    """Shows training steps, loss and validation figures on standard error."""

    def __init__(self) -> None:
        self._console = Console(stderr=True)
        self._bar = Progress(
            TextColumn("[bold]training"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]:.3f}"),
            TextColumn("val acc {task.fields[acc]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self._console,
        )
        self._task = self._bar.add_task("train", total=1, loss=0.0, acc="-")
        self._started = False

    def start(self, total_steps: int) -> None:
        """Training starts."""
        self._bar.update(self._task, total=total_steps)
        self._bar.start()
        self._started = True

    def step(self, step: int, loss: float) -> None:
        """One step done."""
        self._bar.update(self._task, completed=step, loss=loss)

    def validated(self, step: int, metrics: TaggerMetrics, *, best: bool) -> None:
        """A validation pass is done."""
        mark = "*" if best else ""
        self._bar.update(self._task, acc=f"{metrics.sentence_accuracy:.3f}{mark}")
        self._console.log(
            f"step {step}: sentence accuracy {metrics.sentence_accuracy:.3f}, "
            f"clause F1 {metrics.clause_f1:.3f}, slot F1 {metrics.slot_f1:.3f}{' (best)' if best else ''}"
        )

    def close(self) -> None:
        """Stop drawing the bar."""
        if self._started:
            self._bar.stop()

    def report(self, report: TrainReport) -> None:
        """Print the final figures: per intent, then the totals."""
        table = Table(title="Per-intent figures (test split, clause level)")
        for col in ("intent", "precision", "recall", "F1", "support"):
            table.add_column(col, justify="left" if col == "intent" else "right")
        for name, prf in sorted(report.test_metrics.per_intent.items()):
            table.add_row(
                name,
                f"{prf.precision:.3f}",
                f"{prf.recall:.3f}",
                f"{prf.f1:.3f}",
                str(prf.tp + prf.fn),
            )
        self._console.print(table)
        m, t = report.metrics, report.test_metrics
        self._console.print(
            f"validation: sentence accuracy {m.sentence_accuracy:.3f}, clause F1 {m.clause_f1:.3f}, "
            f"slot F1 {m.slot_f1:.3f}\n"
            f"test:       sentence accuracy {t.sentence_accuracy:.3f}, clause F1 {t.clause_f1:.3f}, "
            f"slot F1 {t.slot_f1:.3f}\n"
            f"int8 export makes the same decisions as torch on {report.parity:.1%} of validation sentences\n"
            f"{report.steps} steps, {report.examples}, {report.seconds:.0f} s"
        )
