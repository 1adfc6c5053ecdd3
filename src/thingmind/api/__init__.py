"""The HTTP API (FastAPI); it mounts the dashboard of ``thingmind.web``."""
