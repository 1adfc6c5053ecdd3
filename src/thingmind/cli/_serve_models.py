"""The models of ``serve``: the model registry's catalog and retrains; the fallback.

With ``--models`` the service takes corrections, serves the site's model versions
(:class:`RegistryCatalog`), and retrains in the background (:func:`retrain_watch`,
:class:`WatchTrainer`). With ``--llm-url`` what the model is unsure of goes to a
generative fallback (:func:`make_fallback`, docs/fallback.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from pathlib import Path

    from thingmind.api import ModelCatalog
    from thingmind.brain import (
        CorrectionLog,
        GenerativeFallback,
        Learning,
        RetrainEvent,
        RetrainWatch,
    )
    from thingmind.registry import Home
    from thingmind.train._versions import ModelRegistry

DEFAULT_LLM_TIMEOUT = 5.0
"""Seconds to wait for the generative fallback before asking the person instead."""
LLM_KEY_ENV = "THINGMIND_LLM_API_KEY"
"""The environment variable holding a bearer token for the LLM server, if it needs one."""
_LLM_KEYS = ("threshold", "max_devices", "max_tokens", "format")


class RegistryCatalog:
    """The model registry as the API sees it: one site's versions, and rollback."""

    def __init__(self, registry: ModelRegistry, site: str) -> None:
        """Serve ``site``'s versions of ``registry``."""
        self._registry = registry
        self._site = site

    def versions(self) -> list[tuple[str, bool, Mapping[str, object]]]:
        """Return (id, in service, version.json and figures) for each version."""
        current = self._registry.current(self._site)
        live = current.id if current is not None else None
        return [
            (v.id, v.id == live, {**v.as_dict(), "figures": dict(v.figures)})
            for v in self._registry.versions()
        ]

    def rollback(self) -> str:
        """Go back to the version in service before; return its id."""
        return self._registry.rollback(self._site).id

    def deploy(self, version_id: str) -> str:
        """Put a version in service now; return its id."""
        return self._registry.deploy(self._site, version_id).id


class WatchTrainer:
    """Adapts the model when the owner asks (the API's ``Trainer``), through the watch.

    The retrain runs as the watch's own do: ``nice 19``, one thread, the gate, and a
    deploy only when the candidate is not worse.
    """

    def __init__(self, watch: RetrainWatch) -> None:
        """Start retrains with ``watch``'s scheduler and arguments."""
        self._watch = watch

    def start(self) -> bool:
        """Start a retrain now; False when one runs."""
        from thingmind.brain import RetrainJob, RetrainTrigger  # noqa: PLC0415

        job = RetrainJob(
            site=self._watch.site,
            trigger=RetrainTrigger.CORRECTIONS,
            args=self._watch.args,
        )
        return self._watch.scheduler.schedule(job)

    def running(self) -> bool:
        """True while a retrain of the site runs."""
        return self._watch.scheduler.running(self._watch.site)

    def status(self) -> RetrainEvent | None:
        """The latest progress of the site's latest retrain."""
        return self._watch.scheduler.status(self._watch.site)


def make_learning(models: Path, site: str) -> tuple[Learning, ModelCatalog]:
    """Corrections and model swaps for a site served from a model registry.

    Args:
        models: The registry folder.
        site: The site's name in it.

    Returns:
        What the Brain needs, and what the API serves.
    """
    from thingmind.brain import CorrectionLog, Learning  # noqa: PLC0415
    from thingmind.cli._learning import corrections_file  # noqa: PLC0415
    from thingmind.train._versions import ModelRegistry  # noqa: PLC0415

    registry = ModelRegistry(models)
    learning = Learning(
        site=site,
        log=CorrectionLog(corrections_file()),
        current=lambda: registry.current_path(site),
    )
    return learning, RegistryCatalog(registry, site)


def retrain_watch(
    models: Path,
    site: str,
    home: Home,
    *,
    log: CorrectionLog,
    home_file: Path | None = None,
    home_text: str = "",
) -> RetrainWatch:
    """The look-out that retrains a served site in the background (docs/learning.md).

    The retrain runs ``thingmind retrain`` at ``nice 19`` with one thread, on the same
    model registry (``THINGMIND_REGISTRY``) and corrections log as the service.

    Args:
        models: The model registry folder (``--models``).
        site: The site's name in it.
        home: The site as served.
        log: The corrections the service keeps.
        home_file: The site's home file (``--home``).
        home_text: The home's YAML, for a simulated site without a file; written
            beside the registry for the retrain to read.

    Returns:
        The watch; run ``watch.run()`` in a task.
    """
    from thingmind.brain import RetrainWatch  # noqa: PLC0415
    from thingmind.train._versions import ModelRegistry  # noqa: PLC0415

    folder = models / "retrain"
    if home_file is None:
        folder.mkdir(parents=True, exist_ok=True)
        home_file = folder / f"{site}.home.yaml"
        home_file.write_text(home_text, encoding="utf-8")
    registry = ModelRegistry(models)

    def in_service_since() -> str:
        current = registry.current(site)
        return current.created if current is not None else ""

    return RetrainWatch(
        site=site,
        home=home,
        log=log,
        state_file=folder / f"{site}.json",
        args=("--home", str(home_file), "--corrections", str(log.path)),
        env={"THINGMIND_REGISTRY": str(models)},
        in_service_since=in_service_since,
    )


def make_fallback(
    url: str | None,
    *,
    model: str = "",
    timeout: float = DEFAULT_LLM_TIMEOUT,
    config: Mapping[str, object] | None = None,
) -> GenerativeFallback | None:
    """The generative fallback of the ``--llm-*`` options (docs/fallback.md).

    Args:
        url: The OpenAI-compatible server (``--llm-url``); None: no fallback.
        model: The model name the server knows (``--llm-model``).
        timeout: Seconds to wait for an answer (``--llm-timeout``).
        config: The ``--config`` sections; ``llm:`` may set ``threshold`` (0-1),
            ``max_devices``, ``max_tokens`` and ``format`` (json_object,
            json_schema or none).

    Returns:
        The fallback (close it after the service), or None without a URL.

    Raises:
        typer.BadParameter: When an option is not valid.
        InvalidInputError: When the ``llm:`` section is not valid.
    """
    if url is None:
        return None
    import os  # noqa: PLC0415

    from thingmind.brain import (  # noqa: PLC0415
        ChatClient,
        FallbackConfig,
        GenerativeFallback,
        LlmSettings,
        SchemaMode,
    )
    from thingmind.core import InvalidInputError, Problem  # noqa: PLC0415

    source = "config"
    section = (config or {}).get("llm") or {}
    if not isinstance(section, Mapping):
        raise InvalidInputError(
            source, [Problem(path="llm", message="must be a mapping")]
        )
    problems = [
        Problem(
            path=f"llm.{key}", message=f"unknown key; known: {', '.join(_LLM_KEYS)}"
        )
        for key in section
        if key not in _LLM_KEYS
    ]
    if problems:
        raise InvalidInputError(source, problems)
    kinds: dict[str, Any] = {
        "threshold": float,
        "max_devices": int,
        "max_tokens": int,
        "format": SchemaMode,
    }
    given: dict[str, Any] = {}
    for key, value in section.items():
        try:
            given[key] = kinds[key](value)
        except (TypeError, ValueError) as err:
            raise InvalidInputError(
                source, [Problem(path=f"llm.{key}", message=str(err))]
            ) from err
    try:
        fallback_config = FallbackConfig(
            **{k: given[k] for k in ("threshold", "max_devices") if k in given}
        )
    except ValueError as err:
        raise InvalidInputError(
            source, [Problem(path="llm", message=str(err))]
        ) from err
    llm_extra = {k: given[k] for k in ("max_tokens",) if k in given}
    if "format" in given:
        llm_extra["schema_mode"] = given["format"]
    try:
        settings = LlmSettings(
            url=url,
            model=model,
            timeout_s=timeout,
            api_key=os.environ.get(LLM_KEY_ENV, ""),
            **llm_extra,
        )
    except ValueError as err:
        raise typer.BadParameter(
            str(err), param_hint="--llm-url/--llm-timeout"
        ) from err
    return GenerativeFallback(client=ChatClient(settings), config=fallback_config)
