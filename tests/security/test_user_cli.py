"""``thingmind user list|export|delete``: the owner's command line over a site's data."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from argon2 import PasswordHasher
import pytest
from typer.testing import CliRunner

from thingmind.cli._app import EXIT_BAD_INPUT, app
from thingmind.core import Event, EventKind
from thingmind.store import AuditLog, Credentials, SqliteStore, database_for

if TYPE_CHECKING:
    from pathlib import Path


class Files:
    """A site's database and corrections log, with anna's and sam's data."""

    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "thingmind.db"
        self.corrections = tmp_path / "corrections.jsonl"
        self.url = f"sqlite:///{self.db}"
        with SqliteStore(self.db, flush_interval=None) as store:
            db = database_for(store)
            creds = Credentials(db, hasher=PasswordHasher(time_cost=1, memory_cost=64))
            self.token = creds.add_token("anna", label="phone")
            creds.add_token("sam")
            audit = AuditLog(db)
            audit.append({"user": "anna", "source": "speech", "text": "lock up"})
            audit.append({"user": "sam", "source": "speech", "text": "lamp on"})
            db.close()
            store.append(
                [
                    Event(
                        kind=EventKind.ACTION,
                        time=1.0,
                        device_id="light.kitchen",
                        data={"service": "turn_on"},
                        source="user:anna",
                    )
                ]
            )
        self.corrections.write_text(
            json.dumps({"user": "anna", "sentence": "the porch light"}) + "\n",
            encoding="utf-8",
        )

    def run(self, *args: str, answer: str = "") -> Any:
        return CliRunner().invoke(
            app,
            [*args, "--store", self.url, "--corrections", str(self.corrections)],
            input=answer,
        )


@pytest.fixture
def files(tmp_path: Path) -> Files:
    return Files(tmp_path)


def test_list_names_everyone_with_data(files: Files) -> None:
    result = files.run("user", "list")
    assert (result.exit_code, result.output.split()) == (0, ["anna", "sam"])


def test_export_writes_one_json_document(files: Files, tmp_path: Path) -> None:
    out = tmp_path / "anna.json"
    result = files.run("user", "export", "anna", "--out", str(out))
    document = json.loads(out.read_text(encoding="utf-8"))
    assert result.exit_code == 0
    assert document["user"] == "anna"
    assert [r["record"]["text"] for r in document["audit"]] == ["lock up"]
    assert [e["device_id"] for e in document["events"]] == ["light.kitchen"]
    assert document["corrections"] == [{"user": "anna", "sentence": "the porch light"}]
    assert files.token.split("_", 2)[2] not in out.read_text(encoding="utf-8")


def test_delete_asks_first_and_no_keeps_everything(files: Files) -> None:
    result = files.run("user", "delete", "anna", answer="n\n")
    listed = files.run("user", "list")
    assert result.exit_code == 1  # aborted
    assert listed.output.split() == ["anna", "sam"]


def test_delete_with_yes_removes_it_and_the_trail_verifies(files: Files) -> None:
    deleted = files.run("user", "delete", "anna", "--yes")
    listed = files.run("user", "list")
    verified = CliRunner().invoke(app, ["audit", "verify", "--store", files.url])
    shown = CliRunner().invoke(
        app, ["audit", "show", "--json", "--store", files.url, "--last", "5"]
    )
    records = [json.loads(line) for line in shown.output.splitlines()]
    assert deleted.exit_code == 0
    assert "1 audit records erased" in deleted.output
    assert listed.output.split() == ["owner", "sam"]  # owner: who erased
    assert verified.exit_code == 0
    assert "(1 erased on request)" in verified.output
    assert records[0]["erased"] == "erased on request"
    assert "anna" not in shown.output
    assert files.corrections.read_text(encoding="utf-8") == ""


@pytest.mark.parametrize(
    "args",
    [("user", "export"), ("user", "delete", "é", "--yes")],
    ids=["no-user", "bad-user"],
)
def test_a_missing_or_bad_user_is_bad_input(
    files: Files, args: tuple[str, ...]
) -> None:
    result = files.run(*args)
    assert result.exit_code == EXIT_BAD_INPUT
