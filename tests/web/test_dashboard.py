"""The dashboard in headless Chromium: command box, device cards, history charts.

Screenshots at phone and desktop sizes are saved under ``test-artifacts/screenshots``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from web.conftest import PHONE, TOKEN

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Browser, Page

    from web.conftest import LiveSite

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _card(device_id: str) -> str:
    return f".card[data-device-id='{device_id}']"


def test_command_turns_off_the_kitchen_lights(
    page: Page, live_site: LiveSite, size: str, screenshots: Path
) -> None:
    for light in ("light.kitchen_ceiling", "light.kitchen_counter"):
        assert page.get_attribute(_card(light), "data-on") == "true"
    page.fill("#command", "turn off the kitchen lights")
    page.press("#command", "Enter")
    page.wait_for_selector("#reply:not([hidden])")
    page.wait_for_selector("#actions li >> nth=1")
    answer = page.text_content("#answer") or ""
    done = sorted(
        page.eval_on_selector_all(
            "#actions li", "items => items.map(i => i.dataset.deviceId)"
        )
    )
    assert answer.strip()
    assert done == ["light.kitchen_ceiling", "light.kitchen_counter"]
    for light in done:
        page.wait_for_selector(f"{_card(light)}[data-on='false']")
        assert live_site.brain.registry.state(light)["on"] is False
    assert live_site.brain.registry.state("light.bedroom")["on"] is False
    page.screenshot(path=screenshots / f"command-{size}.png", full_page=True)


def test_card_toggles_its_device(page: Page, live_site: LiveSite) -> None:
    lamp = _card("light.living_room_lamp")
    page.click(f"{lamp} [data-role='primary']")
    page.wait_for_selector(f"{lamp}[data-on='true']")
    assert live_site.brain.registry.state("light.living_room_lamp")["on"] is True
    page.click(f"{lamp} [data-role='primary']")
    page.wait_for_selector(f"{lamp}[data-on='false']")
    assert live_site.brain.registry.state("light.living_room_lamp")["on"] is False


def test_sensor_history_chart_marks_alerts(
    page: Page, size: str, screenshots: Path
) -> None:
    page.click(f"{_card('sensor.kitchen_temperature')} [data-role='history']")
    page.wait_for_selector("#chart[open] #chart-plot canvas")
    plot = page.locator("#chart-plot")
    assert int(plot.get_attribute("data-points") or 0) > 100
    assert plot.get_attribute("data-alerts") == "1"
    assert "kitchen unusually warm" in (page.text_content("#chart-alerts") or "")
    page.screenshot(path=screenshots / f"chart-{size}.png")
    page.click("#chart .ranges [data-range='21600']")
    page.wait_for_function(
        "document.querySelector('#chart-plot').dataset.alerts === '0'"
    )


def test_dashboard_screenshots(page: Page, size: str, screenshots: Path) -> None:
    page.screenshot(path=screenshots / f"dashboard-{size}.png", full_page=True)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow == 0  # nothing wider than the screen
    floors = page.eval_on_selector_all(
        ".floor > h2", "hs => hs.map(h => h.textContent)"
    )
    assert floors[:2] == ["Ground floor", "First floor"]


def test_a_missing_token_asks_for_one(browser: Browser, live_site: LiveSite) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(live_site.url)
    page.wait_for_selector("#login[open]")
    page.fill("#token", TOKEN)
    page.click("#login-form button[type='submit']")
    page.wait_for_selector("body[data-ready='true']")
    assert page.locator(".card").count() == 11
    context.close()
