"""Model versions on disk: every trained model, and the one in service per site.

A registry is a folder::

    versions/v1/            a complete model folder (model.onnx, labels.json, ...)
    versions/v1/version.json   what the version is: site, parent, data, config, figures
    sites/<site>.json       {"current": "v3", "history": ["v1", "v2"]}

A version is claimed by creating its folder (``mkdir`` is atomic), filled, and only
counts once ``version.json`` is written, so a crash leaves no half version in the
listing. A site's pointer file is replaced atomically (write, fsync, ``os.replace``)
under a file lock, so a reader sees the old pointer or the new one, never a torn one;
``history`` is the stack :meth:`ModelRegistry.rollback` pops.

The run-time side never imports this module: the serving process is told where the
in-service folder is (:meth:`ModelRegistry.current_path`) by the command line, which
polls it and swaps the model in place (``thingmind.brain.ModelSlot``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
import contextlib
from dataclasses import dataclass, field
import datetime as dt
import fcntl
import json
import logging
import os
from pathlib import Path
import re
import shutil
import threading
from types import MappingProxyType
from typing import Any

from thingmind.core import ThingmindError
from thingmind.nlu import read_model_info

_LOGGER = logging.getLogger(__name__)

VERSION_FILE = "version.json"
"""The metadata file inside each version's folder."""
HISTORY_LIMIT = 20
"""Previous versions remembered per site for rollback."""
_SITE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_VERSION_ID = re.compile(r"^v(\d+)$")


class VersionError(ThingmindError):
    """A version or site the registry cannot act on."""


class UnknownVersionError(VersionError):
    """No version with this id."""


class NothingToRollBackError(VersionError):
    """The site has no previous version in service to return to."""


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelVersion:
    """One trained model kept by the registry."""

    id: str
    """``v<n>``, in the order versions were added."""
    site: str
    """The site it was trained for (``default`` for the site-independent model)."""
    path: Path
    """The model folder."""
    created: str
    """When it was added, ISO 8601 UTC."""
    kind: str = ""
    """``default``, ``site`` or ``retrain`` (from the training configuration)."""
    parent: str = ""
    """The version (or model label) it was trained from."""
    data: Mapping[str, Any] = field(default_factory=_empty)
    """Training data summary: sentences per split, per kind, corrections used."""
    config: Mapping[str, Any] = field(default_factory=_empty)
    """The training configuration (``train_config.json``)."""
    figures: Mapping[str, Any] = field(default_factory=_empty)
    """Validation and test figures (``metrics.json``)."""
    gate: Mapping[str, Any] = field(default_factory=_empty)
    """The deployment gate's decision on it, when it was gated."""
    note: str = ""
    """Free text (why it was trained)."""

    @property
    def label(self) -> str:
        """The model's own version label (``train_config.json``'s ``version``)."""
        return str(self.config.get("version", self.path.name))

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON-able form written as ``version.json``."""
        return {
            "id": self.id,
            "site": self.site,
            "created": self.created,
            "kind": self.kind,
            "parent": self.parent,
            "data": dict(self.data),
            "gate": dict(self.gate),
            "note": self.note,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteModels:
    """Which version serves a site, and the ones that served before."""

    site: str
    """The site."""
    current: str | None
    """The version in service, or None."""
    history: tuple[str, ...] = ()
    """Versions in service before, oldest first; rollback returns to the last one."""


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _check_site(site: str) -> str:
    if not _SITE_NAME.match(site):
        msg = (
            f"site name {site!r} must be 1-64 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
        raise VersionError(msg)
    return site


def write_atomic(path: Path, text: str) -> None:
    """Replace a file's content atomically (temporary file, fsync, ``os.replace``).

    Args:
        path: The file.
        text: Its new content.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


class ModelRegistry:
    """The model versions of one installation, and the one in service per site.

    Safe to use from several threads and processes at once: version ids are claimed
    with ``mkdir`` and pointer changes hold an exclusive ``flock``.
    """

    def __init__(self, root: str | Path) -> None:
        """Open (or create on first write) a registry folder.

        Args:
            root: The folder.
        """
        self.root = Path(root)
        self._versions = self.root / "versions"
        self._sites = self.root / "sites"
        self._thread_lock = threading.Lock()

    # ----------------------------------------------------------------- versions

    def add(
        self,
        folder: str | Path,
        *,
        site: str,
        data: Mapping[str, Any] | None = None,
        gate: Mapping[str, Any] | None = None,
        note: str = "",
        move: bool = True,
    ) -> ModelVersion:
        """Keep a trained model folder as a new version (not yet in service).

        Args:
            folder: A complete model folder (checked with ``read_model_info``).
            site: The site it was trained for.
            data: Training data summary (default: from its ``metrics.json``).
            gate: The gate's decision, when it was gated.
            note: Why it was trained.
            move: Move the folder into the registry (default) instead of copying it.

        Returns:
            The new version.

        Raises:
            IncompatibleModelError: When the folder is not a model of this format.
            VersionError: When the site name is not valid.
        """
        _check_site(site)
        info = read_model_info(folder)
        src = Path(folder)
        self._versions.mkdir(parents=True, exist_ok=True)
        vid, dest = self._claim()
        try:
            for item in src.iterdir():
                target = dest / item.name
                if move:
                    item.replace(target)
                elif item.is_dir():
                    shutil.copytree(item, target)
                else:
                    shutil.copy2(item, target)
            if move:
                with contextlib.suppress(OSError):
                    src.rmdir()
            metrics = info.metrics
            summary: dict[str, Any] = (
                dict(data)
                if data is not None
                else {
                    k: metrics[k]
                    for k in ("examples", "kinds", "corrections")
                    if k in metrics
                }
            )
            version = ModelVersion(
                id=vid,
                site=site,
                path=dest,
                created=_utc_now(),
                kind=str(info.train_config.get("kind", "")),
                parent=str(info.train_config.get("parent", "")),
                data=MappingProxyType(summary),
                config=MappingProxyType(dict(info.train_config)),
                figures=MappingProxyType(dict(metrics)),
                gate=MappingProxyType(dict(gate or {})),
                note=note,
            )
            write_atomic(dest / VERSION_FILE, json.dumps(version.as_dict(), indent=1))
        except BaseException:
            shutil.rmtree(dest, ignore_errors=True)
            raise
        _LOGGER.info("added model version %s for site %s (%s)", vid, site, src)
        return version

    def _claim(self) -> tuple[str, Path]:
        """Reserve the next version id by creating its folder."""
        while True:
            n = 1 + max(
                (self._number(p.name) for p in self._versions.iterdir()), default=0
            )
            dest = self._versions / f"v{n}"
            try:
                dest.mkdir()
            except FileExistsError:
                continue  # another writer took it; try the next one
            return f"v{n}", dest

    @staticmethod
    def _number(name: str) -> int:
        m = _VERSION_ID.match(name)
        return int(m.group(1)) if m else 0

    def get(self, version_id: str) -> ModelVersion:
        """Return one version.

        Raises:
            UnknownVersionError: When there is no complete version with this id.
        """
        if not _VERSION_ID.match(version_id):
            msg = f"{version_id!r} is not a version id (v1, v2, ...)"
            raise UnknownVersionError(msg)
        folder = self._versions / version_id
        meta_file = folder / VERSION_FILE
        if not meta_file.is_file():
            msg = f"no model version {version_id} in {self.root}"
            raise UnknownVersionError(msg)
        meta = json.loads(meta_file.read_text(encoding="utf-8"))

        def _read(name: str) -> dict[str, Any]:
            p = folder / name
            return (
                dict(json.loads(p.read_text(encoding="utf-8"))) if p.is_file() else {}
            )

        return ModelVersion(
            id=version_id,
            site=str(meta.get("site", "")),
            path=folder,
            created=str(meta.get("created", "")),
            kind=str(meta.get("kind", "")),
            parent=str(meta.get("parent", "")),
            data=MappingProxyType(dict(meta.get("data") or {})),
            config=MappingProxyType(_read("train_config.json")),
            figures=MappingProxyType(_read("metrics.json")),
            gate=MappingProxyType(dict(meta.get("gate") or {})),
            note=str(meta.get("note", "")),
        )

    def versions(self, site: str | None = None) -> list[ModelVersion]:
        """Every complete version, oldest first; only one site's when ``site`` is given."""
        if not self._versions.is_dir():
            return []
        out: list[ModelVersion] = []
        names = sorted(
            (p.name for p in self._versions.iterdir() if self._number(p.name)),
            key=self._number,
        )
        for name in names:
            try:
                v = self.get(name)
            except UnknownVersionError:
                continue  # claimed but not finished (or abandoned)
            if site is None or v.site == site:
                out.append(v)
        return out

    # ----------------------------------------------------------------- sites

    def sites(self) -> list[str]:
        """Sites that have (or had) a version in service."""
        if not self._sites.is_dir():
            return []
        return sorted(p.stem for p in self._sites.glob("*.json"))

    def pointer_file(self, site: str) -> Path:
        """The file that names the site's version in service (watch its mtime)."""
        return self._sites / f"{_check_site(site)}.json"

    def site(self, site: str) -> SiteModels:
        """Which version serves a site, and the ones before it."""
        p = self.pointer_file(site)
        if not p.is_file():
            return SiteModels(site=site, current=None)
        raw = json.loads(p.read_text(encoding="utf-8"))
        return SiteModels(
            site=site,
            current=raw.get("current"),
            history=tuple(str(v) for v in raw.get("history", ())),
        )

    def current(self, site: str) -> ModelVersion | None:
        """The version in service for a site, or None."""
        vid = self.site(site).current
        return self.get(vid) if vid else None

    def current_path(self, site: str) -> Path | None:
        """The model folder in service for a site, or None (cheap: one small read)."""
        vid = self.site(site).current
        return self._versions / vid if vid else None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, (self.root / ".lock").open("a") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def _write_site(self, state: SiteModels) -> None:
        write_atomic(
            self.pointer_file(state.site),
            json.dumps(
                {
                    "current": state.current,
                    "history": list(state.history[-HISTORY_LIMIT:]),
                    "changed": _utc_now(),
                },
                indent=1,
            ),
        )

    def deploy(self, site: str, version_id: str) -> ModelVersion:
        """Put a version in service for a site; the one it replaces can be rolled back to.

        Args:
            site: The site.
            version_id: The version (any site's; a default model can serve any site).

        Returns:
            The version now in service.

        Raises:
            UnknownVersionError: When there is no such version.
        """
        version = self.get(version_id)
        with self._locked():
            state = self.site(site)
            if state.current == version_id:
                return version
            history = state.history
            if state.current:
                history = (*history, state.current)
            self._write_site(SiteModels(site=site, current=version_id, history=history))
        _LOGGER.info("site %s: %s in service (was %s)", site, version_id, state.current)
        return version

    def rollback(self, site: str) -> ModelVersion:
        """Return a site to the version in service before the current one.

        Args:
            site: The site.

        Returns:
            The version now in service.

        Raises:
            NothingToRollBackError: When no earlier version was in service.
        """
        with self._locked():
            state = self.site(site)
            history = list(state.history)
            while history:
                previous = history.pop()
                try:
                    version = self.get(previous)
                except UnknownVersionError:
                    continue  # deleted since; go further back
                self._write_site(
                    SiteModels(site=site, current=previous, history=tuple(history))
                )
                _LOGGER.info(
                    "site %s rolled back from %s to %s", site, state.current, previous
                )
                return version
        msg = f"site {site} has no earlier version to roll back to"
        raise NothingToRollBackError(msg)
