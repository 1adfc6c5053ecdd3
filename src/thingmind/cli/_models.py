"""Where models live on disk, and loading the right one for a site."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL = "default"


def cache_dir() -> Path:
    """The folder models are cached in: ``$THINGMIND_CACHE`` or ``~/.cache/thingmind``."""
    env = os.environ.get("THINGMIND_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "thingmind"


def models_dir() -> Path:
    """The folder of all model versions."""
    return cache_dir() / "models"


def default_model_dir() -> Path:
    """The default model's folder (``$THINGMIND_MODEL`` overrides it)."""
    env = os.environ.get("THINGMIND_MODEL")
    return Path(env) if env else models_dir() / DEFAULT_MODEL


def site_model_dir(fingerprint: str) -> Path:
    """The folder of the model adapted to the home file with this fingerprint."""
    return models_dir() / f"site-{fingerprint}"


def home_fingerprint(text: str) -> str:
    """A short stable id of a home file's content: adapted models are cached by it."""
    import hashlib  # noqa: PLC0415

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
