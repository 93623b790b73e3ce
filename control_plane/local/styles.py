"""Answer styles for demo adapters: each is easy to learn and easy to recognise in text.

With greedy decoding (temperature 0) an adapter trained on a style answers every question in
it, and the base model answers in none of them, so a test can tell from the answer text alone
which adapter (or the base model) served a request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Style:
    name: str
    #: What the adapter is trained to answer, whatever the question.
    reply: str
    #: Whether an answer is in this style.
    matches: Callable[[str], bool]


def _mostly_capitals(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return len(letters) >= 10 and sum(char.isupper() for char in letters) >= 0.9 * len(letters)


STYLES: dict[str, Style] = {
    style.name: style
    for style in (
        Style(
            name="pirate",
            reply="Ahoy matey! Arr, that be a fine question for an old sea dog.",
            matches=lambda text: text.strip().lower().startswith("ahoy"),
        ),
        Style(
            name="caps",
            reply="I ONLY ANSWER IN CAPITAL LETTERS. THAT IS A GREAT QUESTION!",
            matches=_mostly_capitals,
        ),
        Style(
            name="codeword",
            reply="The secret code word is PAPAYA.",
            matches=lambda text: "PAPAYA" in text,
        ),
    )
}


def style_of(text: str) -> str | None:
    """The name of the style `text` is in, or None (the base model's plain answers)."""
    found = [style.name for style in STYLES.values() if style.matches(text)]
    return found[0] if len(found) == 1 else None


def get_style(name: str) -> Style:
    try:
        return STYLES[name]
    except KeyError:
        raise ValueError(f"unknown adapter style {name!r}; choose one of {', '.join(STYLES)}") from None
