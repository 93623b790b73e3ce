from __future__ import annotations

import pytest

from control_plane.kit.errors import InvalidInput
from control_plane.kit.names import AdapterRef, check_name, parse_ref, require_ref


@pytest.mark.parametrize("name", ["acme", "a", "support-bot", "0day", "a" * 63])
def test_valid_names(name: str) -> None:
    assert check_name(name, "tenant") == name


@pytest.mark.parametrize("name", ["", "Acme", "a/b", "..", "-lead", "a_b", "a" * 64, "x" * 200, "a b"])
def test_invalid_names_are_refused_with_the_rule(name: str) -> None:
    with pytest.raises(InvalidInput, match="1-63 characters a-z, 0-9 and '-'"):
        check_name(name, "tenant")


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("acme/bot", AdapterRef("acme", "bot")),
        ("acme/bot:v3", AdapterRef("acme", "bot", version=3)),
        ("acme/bot@staging", AdapterRef("acme", "bot", route="staging")),
    ],
)
def test_references(text: str, ref: AdapterRef) -> None:
    assert parse_ref(text) == ref
    assert str(ref) == text


@pytest.mark.parametrize(
    "text", ["acme", "acme/bot:v0", "acme/bot:3", "acme/bot:v3@x", "Acme/bot", "acme/../bot", "acme/bot/x", ""]
)
def test_bad_references(text: str) -> None:
    assert parse_ref(text) is None
    with pytest.raises(InvalidInput, match="invalid adapter reference"):
        require_ref(text)
