"""Prometheus metrics of one API instance (its own registry, so apps never clash)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

if TYPE_CHECKING:
    from collections.abc import Callable

CONTENT_TYPE = CONTENT_TYPE_LATEST
"""The media type of :meth:`ApiMetrics.render`."""

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class ApiMetrics:
    """The service's counters, histograms and gauges."""

    def __init__(self) -> None:
        """Create the metrics in a fresh registry."""
        self.registry = CollectorRegistry(auto_describe=True)
        """Where the metrics live."""
        self.requests = Counter(
            "thingmind_http_requests",
            "HTTP requests, by method, route template and status code.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "thingmind_http_request_seconds",
            "HTTP request latency, by route template.",
            ["route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.conversations = Counter(
            "thingmind_conversation_turns",
            "Sentences handled, by outcome (action_done, query_answer, error).",
            ["outcome"],
            registry=self.registry,
        )
        self.conversation_seconds = Histogram(
            "thingmind_conversation_seconds",
            "From a sentence to the devices' new state (the brain's own timing).",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.service_calls = Counter(
            "thingmind_service_calls",
            "Device service calls made through the API, by result (ok, refused).",
            ["result"],
            registry=self.registry,
        )
        self.websocket_clients = Gauge(
            "thingmind_websocket_clients",
            "Clients connected to the event stream.",
            registry=self.registry,
        )
        self.devices = Gauge(
            "thingmind_devices", "Devices of the site.", registry=self.registry
        )
        self.events_seen = Gauge(
            "thingmind_events_seen",
            "Device events the brain has consumed.",
            registry=self.registry,
        )
        self._on_render: list[Callable[[], None]] = []

    def on_render(self, func: Callable[[], None]) -> None:
        """Call ``func`` before each scrape (to refresh gauges).

        Args:
            func: Sets gauges from live values.
        """
        self._on_render.append(func)

    def render(self) -> bytes:
        """Return the metrics in Prometheus' text format."""
        for func in self._on_render:
            func()
        return generate_latest(self.registry)
