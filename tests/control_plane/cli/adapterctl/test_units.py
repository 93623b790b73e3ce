"""The pieces that need no server: durations, --since, references, tables, waiting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from control_plane.cli.adapterctl import output, routes
from control_plane.cli.adapterctl.arguments import adapter_ref, parse_duration, parse_since
from control_plane.cli.adapterctl.errors import CliError
from control_plane.kit.names import AdapterRef


@pytest.mark.parametrize(
    "text, seconds", [("90", 90), ("90s", 90), ("5m", 300), ("2h", 7200), ("7d", 604800), ("1.5m", 90)]
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5x", "-5s", "m", "5 m s"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(CliError, match="invalid duration"):
        parse_duration(text)


def test_since() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert parse_since("2h", now) == "2026-11-24T10:00:00+00:00"
    assert parse_since("2026-11-01", now) == "2026-11-01T00:00:00+00:00"
    assert parse_since("2026-11-01T08:00:00Z", now) == "2026-11-01T08:00:00+00:00"
    assert parse_since("2026-11-01T09:00:00+01:00", now) == "2026-11-01T08:00:00+00:00"


def test_adapter_references_name_the_bad_part() -> None:
    assert adapter_ref("acme/bot") == AdapterRef("acme", "bot")
    with pytest.raises(CliError, match="invalid tenant name 'Acme'"):
        adapter_ref("Acme/bot")
    with pytest.raises(CliError, match="invalid adapter reference 'acme'"):
        adapter_ref("acme")
    with pytest.raises(CliError, match="expected tenant/adapter, got 'acme/bot:v1'$"):
        adapter_ref("acme/bot:v1")


def test_tables_and_cells() -> None:
    rows = [{"a": "x", "b": None}, {"a": "longer", "b": {"k": [1, 2], "n": {"v1": 90}, "s": "two words"}}]
    text = output.table(rows, [("A", lambda r: r["a"]), ("B", lambda r: r["b"])])
    assert text.splitlines() == [
        "A       B",
        "x       -",
        "longer  k=[1,2] n={v1=90} s='two words'",
    ]
    assert output.when("2026-11-24T09:15:02.123456Z") == "2026-11-24 09:15:02 UTC"
    assert output.when("2026-11-24T10:15:02+01:00") == "2026-11-24 09:15:02 UTC"
    assert output.when("2026-11-24T09:15:02") == "2026-11-24 09:15:02 UTC"
    assert [output.human_size(n) for n in (0, 1023, 1024, 5 * 1024**2, 3 * 1024**3)] == [
        "0 B", "1023 B", "1.0 KiB", "5.0 MiB", "3.0 GiB",
    ]  # fmt: skip


BOT = AdapterRef("acme", "bot")


class Route:
    """A stand-in for the control plane's route endpoint: answers from a script."""

    def __init__(self, *answers: dict[str, Any], status: dict[str, Any] | None = None) -> None:
        self.answers = list(answers)
        self.status = status
        self.calls = 0

    def get(self, path: str) -> dict[str, Any]:
        if path == "/v1/adapters/acme/bot/status":
            if self.status is None:
                raise CliError("no status here")
            return self.status
        assert path == "/v1/adapters/acme/bot/routes/staging"
        self.calls += 1
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def test_wait_polls_until_ready(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(routes, "POLL_INTERVAL", 0.01)
    route = Route({"ready": False}, {"ready": False}, {"ready": True})
    routes.wait_until_ready(route, BOT, "staging", timedelta(seconds=10))  # type: ignore[arg-type]
    assert route.calls == 3
    assert capsys.readouterr().err.splitlines() == [
        "waiting for the workers to serve acme/bot@staging (up to 10s)…",
        "acme/bot@staging is ready",
    ]


def test_wait_takes_a_route_without_readiness_as_ready(capsys: pytest.CaptureFixture[str]) -> None:
    route = Route({"name": "staging"})
    routes.wait_until_ready(route, BOT, "staging", timedelta(seconds=10))  # type: ignore[arg-type]
    assert route.calls == 1 and capsys.readouterr().err == ""


def test_wait_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "POLL_INTERVAL", 0.01)
    with pytest.raises(CliError, match=r"acme/bot@staging was not ready after 0.05s: the workers have not loaded") as failure:
        routes.wait_until_ready(Route({"ready": False}), BOT, "staging", timedelta(seconds=0.05))  # type: ignore[arg-type]
    assert failure.value.hint == "see 'adapterctl status acme/bot'; the new revision is recorded and stays in effect"


def test_wait_timeout_names_the_workers_and_errors_that_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "POLL_INTERVAL", 0.01)
    arms = [{"name": "acme/bot:v1", "weight": 90}, {"name": "acme/bot:v2", "weight": 10}, {"name": "acme/bot:v3", "weight": 0}]
    status = {
        "unplaced": {"acme/bot:v3": "rank 64 exceeds every worker's max_lora_rank", "other/x:v1": "full"},
        "workers": [
            {"name": "w1", "state": "live", "versions": [
                {"version": "acme/bot:v1", "state": "loaded", "error": None},
                {"version": "acme/bot:v2", "state": "failed", "error": "422 rank 16 above max 8"},
            ]},
            {"name": "w2", "state": "live", "versions": [{"version": "acme/bot:v2", "state": "loading", "error": None}]},
            {"name": "w3", "state": "lost", "versions": [{"version": "acme/bot:v2", "state": "failed", "error": "gone"}]},
        ],
    }
    route = Route({"ready": False, "current": {"arms": arms}, "unsynced_workers": ["w4"]}, status=status)
    with pytest.raises(CliError) as failure:
        routes.wait_until_ready(route, BOT, "staging", timedelta(seconds=0.05))  # type: ignore[arg-type]
    assert str(failure.value) == (
        "acme/bot@staging was not ready after 0.05s: worker w1 failed to load acme/bot:v2: 422 rank 16 above max 8; "
        "worker w2 has not loaded acme/bot:v2 yet (loading); worker(s) w4 have not confirmed the new routing table yet"
    )
