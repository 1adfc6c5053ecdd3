"""The dashboard's other pages in headless Chromium: automations, alerts, audit, users, model.

An automation is made from a sentence (typed, drafted, shown, confirmed), toggled and
triggered, and its trace read; the other pages open and show the site's data.
Screenshots at phone and desktop sizes are saved under ``test-artifacts/screenshots``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from thingmind.core import Event, EventKind

if TYPE_CHECKING:
    from pathlib import Path

    from playwright.sync_api import Page

    from web.conftest import LiveSite

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SENTENCE = "turn on the garden lights when the bedroom window opens"
"""A sentence the tiny model reads as an automation (a trigger and an action)."""


def _open(page: Page, name: str) -> None:
    page.click(f"#nav a[data-page='{name}']")
    page.wait_for_selector(f"body[data-loaded='{name}']")


def _window(live_site: LiveSite, *, opened: bool) -> None:
    """The bedroom window reports its state, as a device would (on the brain's loop)."""
    event = Event(
        kind=EventKind.STATE_CHANGED,
        time=live_site.brain.clock.now(),
        device_id="binary_sensor.bedroom_window",
        data={"on": opened},
        source="sim",
    )

    def report() -> None:
        live_site.brain.registry.set_state("binary_sensor.bedroom_window", event.data)
        live_site.automations.engine.process(event)

    live_site.on_loop(report)


def test_automation_from_a_sentence_toggled_and_traced(
    page: Page, live_site: LiveSite, size: str, screenshots: Path
) -> None:
    _open(page, "automations")
    page.fill("#draft-text", SENTENCE)
    page.press("#draft-text", "Enter")
    page.wait_for_selector("#draft[data-ok='true']:not([hidden])")
    assert (page.text_content("#draft-summary") or "").strip()
    assert "binary_sensor.bedroom_window" in (page.text_content("#draft-yaml") or "")
    assert live_site.automations.automations() == []  # shown, not yet running
    page.screenshot(path=screenshots / f"automation-draft-{size}.png", full_page=True)

    page.click("#draft-confirm")
    item = page.wait_for_selector(".automation[data-enabled='true']")
    assert item is not None
    automation_id = item.get_attribute("data-automation-id") or ""
    assert page.is_hidden("#draft")
    assert live_site.automations.engine.is_enabled(automation_id)

    page.click(".automation [data-role='toggle']")
    page.wait_for_selector(".automation[data-enabled='false']")
    assert not live_site.automations.engine.is_enabled(automation_id)
    page.click(".automation [data-role='toggle']")
    page.wait_for_selector(".automation[data-enabled='true']")

    _window(live_site, opened=True)
    assert live_site.brain.registry.state("light.garden")["on"] is True
    page.click(".automation [data-role='traces']")
    page.wait_for_selector(
        "#trace-list[data-count='1'] .trace[data-outcome='finished']"
    )
    assert "bedroom_window" in (page.text_content("#trace-list") or "")
    page.screenshot(path=screenshots / f"automation-traces-{size}.png")


def test_yaml_problems_are_shown_in_the_editor(page: Page) -> None:
    _open(page, "automations")
    page.click("#automation-new")
    page.fill(
        "#editor-yaml",
        "- id: broken\n  triggers: [{trigger: time, at: '25:00'}]\n"
        "  actions: [{action: light.turn_on, target: {entity_id: light.nowhere}}]\n",
    )
    page.click("#editor-save")
    page.wait_for_selector("#editor-problems li")
    problems = page.eval_on_selector_all(
        "#editor-problems li", "items => items.map(i => i.textContent)"
    )
    assert any("triggers[0].at" in p for p in problems)
    assert page.locator(".automation").count() == 0


def test_alerts_page_lists_alerts(page: Page, size: str, screenshots: Path) -> None:
    _open(page, "alerts")
    assert "kitchen unusually warm" in (page.text_content("#alert-list") or "")
    assert page.locator("#alert-list .alert").count() == 1
    page.screenshot(path=screenshots / f"alerts-{size}.png", full_page=True)


def test_audit_page_shows_what_was_done(
    page: Page, size: str, screenshots: Path
) -> None:
    lamp = ".card[data-device-id='light.living_room_lamp']"
    page.click(f"{lamp} [data-role='primary']")
    page.wait_for_selector(f"{lamp}[data-on='true']")
    _open(page, "audit")
    rows = page.eval_on_selector_all(
        "#audit-table tbody tr", "rows => rows.map(r => r.textContent)"
    )
    assert any("owner" in r and "light.living_room_lamp" in r for r in rows)
    page.screenshot(path=screenshots / f"audit-{size}.png", full_page=True)


def test_users_page_makes_a_token(page: Page, size: str, screenshots: Path) -> None:
    _open(page, "users")
    assert page.locator("#user-list .user[data-user='owner']").count() == 1
    page.fill("#token-label", "wall tablet")
    page.click("#token-form button[type='submit']")
    page.wait_for_selector("#token-secret:not([hidden])")
    assert "tm_" in (page.text_content("#token-secret") or "")
    page.wait_for_selector("#token-list .token[data-revoked='false']")
    page.screenshot(path=screenshots / f"users-{size}.png", full_page=True)


def test_model_page_shows_the_model_in_service(
    page: Page, size: str, screenshots: Path
) -> None:
    _open(page, "model")
    row = page.locator("#model-table tr[data-in-service='true']")
    assert row.count() == 1
    assert row.get_attribute("data-version") == "v1"
    assert page.is_hidden("#training")  # this site does not adapt its model
    page.screenshot(path=screenshots / f"model-{size}.png", full_page=True)
