"""Where the built dashboard lies inside the installed package."""

from __future__ import annotations

from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
"""The built dashboard: ``index.html``, ``app.js``, ``app.css`` and ``vendor/``."""
INDEX_FILE = STATIC_DIR / "index.html"
"""The dashboard's single page."""


def static_dir() -> Path:
    """Return the folder of the built dashboard.

    Returns:
        :data:`STATIC_DIR`.

    Raises:
        FileNotFoundError: When the dashboard was not built (no ``index.html``).
    """
    if not INDEX_FILE.is_file():
        msg = (
            f"the dashboard is not built ({INDEX_FILE} is missing); run "
            "`npm ci && npm run build` in src/thingmind/web/frontend"
        )
        raise FileNotFoundError(msg)
    return STATIC_DIR
