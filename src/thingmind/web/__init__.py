"""The dashboard's static assets, served by ``thingmind.api``.

The files under :data:`STATIC_DIR` are built from ``frontend/`` with one command
(``cd src/thingmind/web/frontend && npm ci && npm run build``) and committed, so the
package serves the dashboard with no internet and no Node.js at run time.
"""

from thingmind.web._assets import INDEX_FILE, STATIC_DIR, static_dir

__all__ = ["INDEX_FILE", "STATIC_DIR", "static_dir"]
