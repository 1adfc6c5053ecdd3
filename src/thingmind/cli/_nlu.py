"""Commands about understanding: ``say``, ``predict`` and ``train``."""

from __future__ import annotations

import json
from pathlib import Path
import sys
import time
from typing import TYPE_CHECKING, Annotated, Any

import typer

from thingmind.cli._models import (
    default_model_dir,
    home_fingerprint,
    site_model_dir,
)
from thingmind.cli._serve import DEFAULT_LLM_TIMEOUT
from thingmind.core import ThingmindError

if TYPE_CHECKING:
    from thingmind.brain import Conversation, GenerativeFallback
    from thingmind.registry import Home


class ModelMissingError(ThingmindError):
    """No trained model where one was expected."""


def _err(msg: str) -> None:
    typer.echo(msg, err=True)


def load_default_tagger() -> Any:
    """Load the default model, or explain how to build it."""
    from thingmind.nlu import OnnxTagger  # noqa: PLC0415

    folder = default_model_dir()
    if not (folder / "model.onnx").is_file():
        msg = (
            f"no default model at {folder}; build it once with "
            "`thingmind train --default` (make demo does this)"
        )
        raise ModelMissingError(msg)
    return OnnxTagger(folder)


def tagger_for_home(home_path: Path, *, adapt: bool, quiet: bool = False) -> Any:
    """Return the model adapted to this home, adapting first when none is cached.

    Args:
        home_path: The home file.
        adapt: False to use the default model as it is.
        quiet: Do not report on standard error.
    """
    from thingmind.nlu import OnnxTagger  # noqa: PLC0415

    if not adapt:
        return load_default_tagger()
    text = home_path.read_text(encoding="utf-8")
    folder = site_model_dir(home_fingerprint(text))
    if (folder / "model.onnx").is_file():
        if not quiet:
            _err(f"using the model adapted to {home_path} ({folder})")
        return OnnxTagger(folder)
    base = default_model_dir()
    if not (base / "model.onnx").is_file():
        load_default_tagger()  # raises the helpful error
    from thingmind.registry import load_home  # noqa: PLC0415
    from thingmind.train import adapt as adapt_model  # noqa: PLC0415

    home = load_home(home_path)
    t0 = time.monotonic()
    if not quiet:
        _err(f"adapting the model to {home_path} (once; cached in {folder}) ...")
    report = adapt_model(home, base=base, out=folder, home_id=str(home_path))
    if not quiet:
        _err(
            f"adapted in {time.monotonic() - t0:.0f} s: validation sentence accuracy "
            f"{report.metrics.sentence_accuracy:.3f}, int8 parity {report.parity:.3f}"
        )
    return OnnxTagger(folder)


def _conversation(
    home: Home, tagger: Any, *, fallback: GenerativeFallback | None = None
) -> Conversation:
    from thingmind.brain import Conversation  # noqa: PLC0415
    from thingmind.registry import LocalDriver, Registry  # noqa: PLC0415

    registry = Registry(home)
    return Conversation(
        parser=tagger,
        registry=registry,
        driver=LocalDriver(registry),
        fallback=fallback,
    )


def say(
    text: Annotated[str, typer.Argument(help="What you would say to thingmind.")],
    home: Annotated[
        Path | None, typer.Option(help="Home file (default: the demo home).")
    ] = None,
    area: Annotated[
        str | None, typer.Option(help="The area you are in (an area id).")
    ] = None,
    no_adapt: Annotated[
        bool, typer.Option("--no-adapt", help="Use the default model.")
    ] = False,
    llm_url: Annotated[
        str | None,
        typer.Option(
            help="OpenAI-compatible server for what the model is unsure of: "
            "http://host:port (docs/fallback.md)."
        ),
    ] = None,
    llm_model: Annotated[
        str, typer.Option(help="Model name on the --llm-url server.")
    ] = "",
    llm_timeout: Annotated[
        float, typer.Option(help="Seconds to wait for --llm-url before asking you.")
    ] = DEFAULT_LLM_TIMEOUT,
) -> None:
    """Say one sentence to a site and see what was understood, done and answered."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    from thingmind.cli._serve import make_fallback  # noqa: PLC0415
    from thingmind.registry import load_home  # noqa: PLC0415
    from thingmind.resolve import Context  # noqa: PLC0415

    fallback = make_fallback(llm_url, model=llm_model, timeout=llm_timeout)

    if home is None:
        from thingmind.sim import load_scenario  # noqa: PLC0415

        site = load_scenario("home").home
        tagger = load_default_tagger()
    else:
        site = load_home(home)
        tagger = tagger_for_home(home, adapt=not no_adapt)
    conv = _conversation(site, tagger, fallback=fallback)
    try:
        result = conv.handle(text, context=Context(area=area))
    finally:
        if fallback is not None:
            fallback.close()
    console = Console()
    understood = Table(title="Understood", show_header=True)
    understood.add_column("intent")
    understood.add_column("slots")
    understood.add_column("confidence", justify="right")
    for clause in result.parsed.clauses:
        slots = ", ".join(f"{s.slot.value}={s.text!r}" for s in clause.spans)
        understood.add_row(clause.intent.value, slots, f"{clause.confidence:.2f}")
    console.print(understood)
    if result.changes:
        done = Table(title="Done", show_header=True)
        done.add_column("device")
        done.add_column("new state")
        for device_id, changed in result.changes.items():
            done.add_row(device_id, json.dumps(changed))
        console.print(done)
    if result.resolution.reads:
        console.print(f"[dim]read: {', '.join(result.resolution.reads)}[/dim]")
    if result.fallback is not None:
        report = result.fallback
        why = f": {report.error}" if report.error else ""
        console.print(
            f"[dim]generative fallback ({report.trigger.value}): "
            f"{report.outcome.value} in {report.latency_ms:.0f} ms{why}[/dim]",
            highlight=False,
        )
    flag = " [yellow](refused)[/yellow]" if result.refused else ""
    flag += " [cyan](which one?)[/cyan]" if result.clarify else ""
    console.print(
        f"[bold]{result.answer}[/bold]{flag}  [dim]{result.latency_ms:.1f} ms[/dim]"
    )


def predict(
    home: Annotated[Path, typer.Option(help="The home file of the benchmark set.")],
    cases: Annotated[Path, typer.Option(help="Cases, one JSON object per line.")],
    out: Annotated[Path, typer.Option(help="Where to write one prediction per line.")],
    no_adapt: Annotated[
        bool, typer.Option("--no-adapt", help="Use the default model as it is.")
    ] = False,
) -> None:
    """Run a benchmark set (the contract of spec/predict.md) and write predictions."""
    from thingmind.core import InvalidInputError, Problem  # noqa: PLC0415
    from thingmind.registry import load_home  # noqa: PLC0415
    from thingmind.resolve import Context  # noqa: PLC0415

    site = load_home(home)
    rows: list[dict[str, Any]] = []
    problems: list[Problem] = []
    for lineno, line in enumerate(
        cases.read_text(encoding="utf-8").splitlines(), start=1
    ):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("utterance"), str):
                msg = "a case needs an 'utterance' string"
                raise ValueError(msg)  # noqa: TRY301, TRY004  (reported as a problem below)
        except ValueError as err:
            problems.append(
                Problem(path=f"line {lineno}", message=str(err), line=lineno)
            )
            continue
        rows.append(row)
    if problems:
        raise InvalidInputError(str(cases), problems)

    t0 = time.monotonic()
    tagger = tagger_for_home(home, adapt=not no_adapt)
    _err(f"model ready in {time.monotonic() - t0:.1f} s ({tagger.version})")
    conv = _conversation(site, tagger)
    registry = conv.registry
    initial = registry.snapshot()
    tagger.parse("turn on the light")  # warm up the session before timing anything
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            registry.restore(initial)
            for item in row.get("setup") or []:
                registry.set_state(item["device"], item["set"])
            ctx_in = row.get("context") or {}
            ctx = Context(area=ctx_in.get("area"), device=ctx_in.get("device"))
            result = conv.handle(row["utterance"], context=ctx)
            fh.write(
                json.dumps(
                    {
                        "id": row.get("id"),
                        "changes": [
                            {"device": d, "set": dict(s)}
                            for d, s in result.changes.items()
                        ],
                        "reads": list(result.resolution.reads),
                        "answer": result.answer,
                        "refused": result.refused,
                        "clarify": result.clarify,
                        "latency_ms": round(result.latency_ms, 3),
                    }
                )
                + "\n"
            )
    _err(f"wrote {len(rows)} predictions to {out}")


def train(
    default: Annotated[
        bool,
        typer.Option("--default", help="Train the default model from generic homes."),
    ] = False,
    home: Annotated[
        Path | None, typer.Option(help="Adapt the default model to this home file.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Model folder to write.")] = None,
    examples: Annotated[int, typer.Option(help="Sentences to generate.")] = 0,
    epochs: Annotated[float, typer.Option(help="Passes over the training data.")] = 0.0,
    freeze: Annotated[
        str, typer.Option(help="none, embeddings, lower or encoder.")
    ] = "embeddings",
    lora: Annotated[int, typer.Option(help="LoRA rank (0: full fine-tuning).")] = 0,
    max_minutes: Annotated[float, typer.Option(help="Wall-clock cap (0: none).")] = 0.0,
    force: Annotated[
        bool, typer.Option(help="Retrain even if the model exists.")
    ] = False,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    resume: Annotated[
        Path | None,
        typer.Option(help="Continue the default model from this model folder."),
    ] = None,
    lr: Annotated[
        float, typer.Option(help="Peak learning rate of the encoder (0: default).")
    ] = 0.0,
) -> None:
    """Train the default model, or adapt it to a home."""
    from dataclasses import replace  # noqa: PLC0415

    from thingmind.cli._progress import RichProgress  # noqa: PLC0415
    from thingmind.train import (  # noqa: PLC0415
        FinetuneConfig,
        Freeze,
        adapt,
        train_default,
    )

    if default == (home is not None):
        msg = "give exactly one of --default or --home HOME.yaml"
        raise typer.BadParameter(msg)
    try:
        freeze_choice = Freeze(freeze)
    except ValueError as err:
        msg = f"--freeze must be one of {', '.join(f.value for f in Freeze)}, not {freeze!r}"
        raise typer.BadParameter(msg) from err
    t0 = time.monotonic()
    progress = RichProgress()
    if default:
        folder = out or default_model_dir()
        if (folder / "model.onnx").is_file() and not force:
            from thingmind.core import IncompatibleModelError  # noqa: PLC0415
            from thingmind.nlu import read_model_info  # noqa: PLC0415

            try:
                read_model_info(folder)
            except IncompatibleModelError as err:
                _err(f"the model at {folder} is out of date ({err}); training it again")
            else:
                _err(
                    f"the default model is already built at {folder} "
                    "(use --force to retrain)"
                )
                return
        cfg = FinetuneConfig(
            lr=lr or (3e-5 if resume else 5e-5),
            head_lr=(lr * 10) if lr else (3e-4 if resume else 1e-3),
            epochs=epochs or 1.0,
            freeze=freeze_choice,
            lora_rank=lora,
            max_minutes=max_minutes,
            seed=seed,
        )
        report = train_default(
            folder, n=examples or 80_000, config=cfg, progress=progress, init=resume
        )
    else:
        assert home is not None  # noqa: S101  (checked above; narrows the type)
        from thingmind.registry import load_home  # noqa: PLC0415

        site = load_home(home)
        folder = out or site_model_dir(
            home_fingerprint(home.read_text(encoding="utf-8"))
        )
        base_cfg = FinetuneConfig(
            epochs=1.0, lr=3e-5, head_lr=3e-4, max_minutes=7.0, seed=seed
        )
        cfg = replace(
            base_cfg,
            epochs=epochs or base_cfg.epochs,
            freeze=freeze_choice,
            lora_rank=lora,
            max_minutes=max_minutes or base_cfg.max_minutes,
        )
        report = adapt(
            site,
            base=default_model_dir(),
            out=folder,
            n=examples or 12_000,
            config=cfg,
            progress=progress,
            home_id=str(home),
        )
    progress.close()
    progress.report(report)
    _err(f"model written to {report.folder} in {time.monotonic() - t0:.0f} s")
    sys.stderr.flush()


def export(
    model: Annotated[
        Path | None,
        typer.Argument(help="Model folder with checkpoint.pt (default model)."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write here instead of in place.")
    ] = None,
) -> None:
    """Export a trained model again from its fp32 checkpoint (quantized ONNX)."""
    from thingmind.train import reexport  # noqa: PLC0415

    folder = model or default_model_dir()
    report = reexport(folder, out=out)
    _err(
        f"exported {report.folder}: decisions equal to torch on {report.parity:.1%} "
        f"of {report.examples['parity']} sentences, "
        f"{(report.folder / 'model.onnx').stat().st_size / 1e6:.1f} MB, "
        f"{report.seconds:.0f} s"
    )


COMMANDS = {"say": say, "predict": predict, "train": train, "export": export}
"""The commands this module adds to the app."""
