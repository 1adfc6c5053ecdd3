"""A live server on the small web-test home, a tiny trained model, and headless Chromium.

The site is served as ``thingmind serve`` serves one: the gate, audit trail and
credentials in its SQLite file, the automations manager, the users' data, and a model
registry holding the tiny model as its one version.

Chromium is Debian's (``apt install chromium chromium-driver``), launched from
``/usr/bin/chromium``; Playwright's own browser downloads are never used. Tests skip,
saying why, when Chromium, Playwright or the training stack is missing.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from dataclasses import dataclass
import os
from pathlib import Path
import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from thingmind.api import CredentialsAuth, create_app
from thingmind.brain import AlertNotifier, AutomationManager, Brain
from thingmind.bus import EventBus
from thingmind.core import Event, EventKind, ManualClock
from thingmind.registry import LocalDriver, Registry, parse_home
from thingmind.rules import SiteLocation
from thingmind.store import SqliteStore, UserData
from tiny_site import HOME_YAML

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from playwright.sync_api import Browser, Page, ViewportSize

CHROMIUM = Path(os.environ.get("THINGMIND_CHROMIUM", "/usr/bin/chromium"))
"""The system Chromium the tests drive."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "web-test-token-0123"  # noqa: S105
T0 = 1_705_276_800.0
"""The site's clock (2024-01-15 00:00 UTC)."""
SCREENSHOTS = Path(
    os.environ.get("THINGMIND_SCREENSHOTS", "test-artifacts/screenshots")
)
"""Where the tests save their screenshots."""
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 860}


def pytest_configure(config: pytest.Config) -> None:
    # Until pyproject.toml lists it (--strict-markers).
    config.addinivalue_line("markers", "browser: drives headless Chromium (Playwright)")


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveSite:
    """A running server and what the tests need to check on it."""

    url: str
    brain: Brain
    automations: AutomationManager
    loop: asyncio.AbstractEventLoop

    def on_loop(self, func: Callable[[], object]) -> object:
        """Run ``func`` on the server's event loop (where the brain lives); wait for it."""
        done: Future[object] = Future()

        def run() -> None:
            try:
                done.set_result(func())
            except Exception as err:  # noqa: BLE001  (handed to the test thread)
                done.set_exception(err)

        self.loop.call_soon_threadsafe(run)
        return done.result(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt install chromium chromium-driver)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the Python package playwright is not installed"
    )
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def model_dir(tiny_model_dir: Path) -> Path:
    """The tiny model trained once per session on the test home (tests/conftest.py)."""
    return tiny_model_dir


def _seed_history(store: SqliteStore) -> None:
    # A day of kitchen temperatures, one a minute, with a warm spell and its alert.
    store.append(
        Event(
            kind=EventKind.STATE_CHANGED,
            time=T0 - 86_400 + i * 60,
            device_id="sensor.kitchen_temperature",
            data={
                "value": round(
                    20 + 2 * ((i % 240) / 240) + (3 if 900 < i < 960 else 0), 2
                )
            },
            source="sim",
        )
        for i in range(1440)
    )
    store.append(
        [
            Event(
                kind=EventKind.ALERT,
                time=T0 - 86_400 + 930 * 60,
                device_id="sensor.kitchen_temperature",
                data={"message": "kitchen unusually warm", "severity": "warning"},
                source="rule:kitchen_warm",
            )
        ]
    )
    store.flush()


class _Server:
    def __init__(self, app: Any) -> None:
        import uvicorn  # noqa: PLC0415

        config = uvicorn.Config(
            app, host="127.0.0.1", port=0, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, name="web-test-server")

    def _run(self) -> None:
        try:
            self.loop.run_until_complete(self.server.serve())
        finally:
            self.loop.close()

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                msg = "the test server did not start"
                raise RuntimeError(msg)
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_site(model_dir: Path, tmp_path: Path) -> Iterator[LiveSite]:
    from thingmind.cli._serve import RegistryCatalog, build_security  # noqa: PLC0415
    from thingmind.nlu import OnnxTagger  # noqa: PLC0415
    from thingmind.train._versions import ModelRegistry  # noqa: PLC0415

    home = parse_home(HOME_YAML, source="web-test-home")
    devices = LocalDriver(Registry(home))
    bus = EventBus()
    store = SqliteStore(tmp_path / "history.db", flush_interval=None)
    store.open()
    _seed_history(store)
    clock = ManualClock(T0)
    stack = build_security(home, store, config={})
    users = UserData.for_store(store)
    models = ModelRegistry(tmp_path / "models")
    version = models.add(model_dir, site="home", move=False, note="the tiny model")
    models.deploy("home", version.id)
    brain = Brain(
        home=home,
        parser=OnnxTagger(model_dir),
        driver=devices,
        bus=bus,
        store=store,
        clock=clock,
        security=stack.security,
    )
    automations = AutomationManager(
        brain,
        site=SiteLocation(latitude=51.5, longitude=-0.1, timezone="UTC"),
        store=store,
        notifier=AlertNotifier(bus=bus, clock=clock, store=store),
    )
    app = create_app(
        brain=brain,
        driver=devices,
        bus=bus,
        store=store,
        auth=CredentialsAuth(stack.credentials, bootstrap=TOKEN),
        clock=clock,
        site_name="Test home",
        audit=stack.audit,
        models=RegistryCatalog(models, "home"),
        users=users,
        automations=automations,
    )
    server = _Server(app)
    with server as url:
        yield LiveSite(url=url, brain=brain, automations=automations, loop=server.loop)
    users.close()
    stack.close()
    store.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


SIZES: dict[str, ViewportSize] = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(params=list(SIZES), ids=list(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def page(browser: Browser, live_site: LiveSite, size: str) -> Iterator[Page]:
    context = browser.new_context(
        viewport=SIZES[size], device_scale_factor=2 if size == "phone" else 1
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{live_site.url}/#token={TOKEN}")
    page.wait_for_selector("body[data-ready='true']")
    page.wait_for_selector("#link[data-state='on']")  # the live stream is up
    yield page
    context.close()
    assert errors == []
