"""Commands about model versions: ``models`` (list, deploy, rollback, add) and ``retrain``.

* ``thingmind models [--site S]`` lists every version with its figures, marking the one
  in service;
* ``thingmind models deploy VERSION --site S`` puts a version in service at once;
* ``thingmind models rollback --site S`` returns to the version in service before;
* ``thingmind models add FOLDER --site S [--deploy]`` keeps a trained folder as a version;
* ``thingmind retrain --home HOME.yaml [--site S]`` retrains the site's model on its
  corrections, gates the candidate and deploys it when it is not worse. The background
  scheduler (``thingmind.brain.RetrainScheduler``) runs it with ``--json-progress``.

A serving process picks a deploy or a rollback up without a restart: it polls the
site's pointer file (``ModelSlot.follow``).
"""

from __future__ import annotations

from enum import StrEnum
import json
import os
from pathlib import Path
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from thingmind.cli._models import cache_dir, default_model_dir

if TYPE_CHECKING:
    from thingmind.train import TaggerMetrics


class ModelsAction(StrEnum):
    """What ``thingmind models`` does."""

    LIST = "list"
    DEPLOY = "deploy"
    ROLLBACK = "rollback"
    ADD = "add"


def registry_dir() -> Path:
    """The model registry: ``$THINGMIND_REGISTRY`` or ``<cache>/registry``."""
    env = os.environ.get("THINGMIND_REGISTRY")
    return Path(env) if env else cache_dir() / "registry"


def corrections_file() -> Path:
    """The corrections log: ``$THINGMIND_CORRECTIONS`` or ``<cache>/corrections.jsonl``."""
    env = os.environ.get("THINGMIND_CORRECTIONS")
    return Path(env) if env else cache_dir() / "corrections.jsonl"


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


class JsonProgress:
    """Training progress as JSON lines on standard output (for the scheduler)."""

    def __init__(self, *, every: int = 10) -> None:
        self._every = every
        self._total = 0

    def start(self, total_steps: int) -> None:
        """Training starts."""
        self._total = total_steps
        _emit({"event": "start", "total": total_steps})

    def step(self, step: int, loss: float) -> None:
        """One step done (reported every few steps)."""
        if step % self._every == 0 or step == self._total:
            _emit(
                {
                    "event": "progress",
                    "step": step,
                    "total": self._total,
                    "loss": round(loss, 4),
                }
            )

    def validated(self, step: int, metrics: TaggerMetrics, *, best: bool) -> None:
        """A validation pass is done."""
        _emit(
            {
                "event": "validated",
                "step": step,
                "sentence_accuracy": round(metrics.sentence_accuracy, 4),
                "best": best,
            }
        )


def models(
    action: Annotated[
        ModelsAction,
        typer.Argument(help="list (default), deploy, rollback or add."),
    ] = ModelsAction.LIST,
    target: Annotated[
        str | None,
        typer.Argument(help="The version to deploy, or the folder to add."),
    ] = None,
    site: Annotated[
        str | None, typer.Option(help="The site (list: only its versions).")
    ] = None,
    deploy: Annotated[
        bool, typer.Option("--deploy", help="add: put it in service too.")
    ] = False,
) -> None:
    """List model versions, or deploy, roll back or add one."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from thingmind.train._versions import ModelRegistry  # noqa: PLC0415

    reg = ModelRegistry(registry_dir())
    console = Console()
    if action is ModelsAction.LIST:
        in_service = {s: reg.site(s).current for s in reg.sites()}
        table = Table(title=f"Model versions ({reg.root})")
        for col in ("version", "site", "kind", "created", "parent", "sentences"):
            table.add_column(col)
        table.add_column("val acc", justify="right")
        table.add_column("gate")
        table.add_column("in service for")
        for v in reg.versions(site):
            acc = (v.figures.get("validation") or {}).get("sentence_accuracy")
            serving = ", ".join(s for s, cur in in_service.items() if cur == v.id)
            gate = v.gate.get("reason", "") if v.gate else ""
            sentences = sum(int(n) for n in (v.data.get("examples") or {}).values())
            table.add_row(
                v.id,
                v.site,
                v.kind,
                v.created,
                v.parent,
                str(sentences or ""),
                f"{acc:.3f}" if isinstance(acc, int | float) else "",
                gate,
                serving,
            )
        console.print(table)
        return
    if site is None:
        msg = f"`models {action}` needs --site"
        raise typer.BadParameter(msg)
    if action is ModelsAction.ROLLBACK:
        v = reg.rollback(site)
        console.print(f"site {site}: rolled back to {v.id} ({v.label})")
        return
    if target is None:
        msg = f"`models {action}` needs a {'version' if action is ModelsAction.DEPLOY else 'folder'}"
        raise typer.BadParameter(msg)
    if action is ModelsAction.DEPLOY:
        v = reg.deploy(site, target)
        console.print(f"site {site}: {v.id} in service ({v.label})")
        return
    v = reg.add(Path(target), site=site, move=False, note="added by hand")
    console.print(f"added {v.id} for site {site}")
    if deploy:
        reg.deploy(site, v.id)
        console.print(f"site {site}: {v.id} in service")


def retrain(
    home: Annotated[Path, typer.Option(help="The site's home file.")],
    site: Annotated[
        str | None, typer.Option(help="The site (default: the home file's name).")
    ] = None,
    corrections: Annotated[
        Path | None, typer.Option(help="The corrections log (default: the cache's).")
    ] = None,
    base: Annotated[
        Path | None,
        typer.Option(help="Model folder with a checkpoint to start from."),
    ] = None,
    examples: Annotated[int, typer.Option(help="Sentences to generate.")] = 12_000,
    max_steps: Annotated[int, typer.Option(help="Step cap (0: one epoch).")] = 0,
    max_minutes: Annotated[float, typer.Option(help="Wall-clock cap.")] = 7.0,
    threads: Annotated[int, typer.Option(help="Torch threads (1 in background).")] = 0,
    margin_site: Annotated[
        float, typer.Option(help="Allowed drop on the site's held-out set.")
    ] = 0.0,
    margin_general: Annotated[
        float, typer.Option(help="Allowed drop on the general test set.")
    ] = 0.01,
    no_deploy: Annotated[
        bool, typer.Option("--no-deploy", help="Gate, keep, but do not deploy.")
    ] = False,
    json_progress: Annotated[
        bool, typer.Option("--json-progress", help="JSON lines on standard output.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Retrain a site's model on its corrections; deploy it if the gate accepts it."""
    from thingmind.registry import load_home  # noqa: PLC0415
    from thingmind.train import CHECKPOINT, FinetuneConfig  # noqa: PLC0415
    from thingmind.train._corrections import (  # noqa: PLC0415
        read_corrections,
        retrain as run_retrain,
    )
    from thingmind.train._gate import GateMargins, gate, site_heldout  # noqa: PLC0415
    from thingmind.train._versions import ModelRegistry  # noqa: PLC0415

    t0 = time.monotonic()
    site_name = site or home.stem
    reg = ModelRegistry(registry_dir())
    current = reg.current(site_name)
    start = base
    if start is None:
        if current is not None and (current.path / CHECKPOINT).is_file():
            start = current.path
        else:
            start = default_model_dir()
    site_home = load_home(home)
    corr = read_corrections(corrections or corrections_file(), site=site_name)
    heldout = site_heldout(site_home)
    cfg = FinetuneConfig(
        epochs=1.0,
        lr=3e-5,
        head_lr=3e-4,
        max_minutes=max_minutes,
        max_steps=max_steps,
        threads=threads,
        seed=seed,
    )
    progress: Any
    if json_progress:
        progress = JsonProgress()
    else:
        from thingmind.cli._progress import RichProgress  # noqa: PLC0415

        progress = RichProgress()
    staging = Path(tempfile.mkdtemp(prefix="candidate-", dir=_mkdir(reg.root)))
    report = run_retrain(
        site_home,
        base=start,
        out=staging / "model",
        corrections=corr,
        heldout=heldout,
        n=examples,
        config=cfg,
        progress=progress,
        site=site_name,
        seed=seed,
    )
    if not json_progress:
        progress.close()
    decision = gate(
        report.folder,
        current.path if current is not None else None,
        site=[*heldout, *report.corrections.heldout],
        margins=GateMargins(site=margin_site, general=margin_general),
    )
    version = reg.add(
        report.folder,
        site=site_name,
        gate=decision.as_dict(),
        note=f"retrain on {len(corr)} corrections",
    )
    staging.rmdir()
    deployed = decision.accepted and not no_deploy
    if deployed:
        reg.deploy(site_name, version.id)
    if json_progress:
        _emit(
            {
                "event": "gate",
                "accepted": decision.accepted,
                "reason": decision.reason.value,
                "message": decision.message,
                "version": version.id,
            }
        )
        _emit(
            {
                "event": "done",
                "version": version.id,
                "accepted": decision.accepted,
                "deployed": deployed,
                "seconds": round(time.monotonic() - t0, 1),
            }
        )
        return
    typer.echo(f"{version.id}: {decision.message}")
    for alias in report.corrections.aliases:
        typer.echo(
            f"hint: add {alias.alias!r} as an alias of {alias.device_id} in {home}"
        )
    typer.echo(
        f"{version.id} {'deployed' if deployed else 'kept, not deployed'} for "
        f"{site_name} in {time.monotonic() - t0:.0f} s"
    )


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


COMMANDS = {"models": models, "retrain": retrain}
"""The commands this module adds to the app."""
