"""Synthetic platform cards for tests, and helpers to make variants of them.

The cards are copies of `../shared/data/*_candidate.json` kept in tests/fixtures/cards, so the suite
runs without the shared folder; `test_platforms` checks the copies still match when it is present.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

CARDS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "cards"
SHARED_DATA_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CARD_FILES = {
    "Boss": "boss_candidate.json",
    "maimai": "maimai_candidate.json",
    "liepin": "liepin_candidate.json",
    "Linkedin": "linkedin_candidate.json",
}

DELETE = object()
"""Value for `vary` that removes the key instead of setting it."""


def load_card(platform: str) -> dict:
    """A fresh copy of the platform's synthetic card (safe to mutate)."""
    return json.loads((CARDS_DIR / CARD_FILES[platform]).read_text(encoding="utf-8"))


def vary(card: dict, changes: dict[str, object]) -> dict:
    """A deep copy of `card` with dotted paths set, e.g. {"geekCard.geekWorks.0.company": "x"};
    digits index lists; a value of DELETE removes the key."""
    card = copy.deepcopy(card)
    for path, value in changes.items():
        *parents, last = path.split(".")
        node = card
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        elif value is DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    return card


def boss_card(**geek_card: object) -> dict:
    """The BOSS card with `geekCard` fields replaced (DELETE removes one)."""
    return vary(load_card("Boss"), {f"geekCard.{key}": value for key, value in geek_card.items()})


def boss_work(company: str = "", title: str = "", duty: str = "", skills: list[str] | None = None) -> dict:
    """One `geekCard.geekWorks` item with only the fields the parser reads."""
    return {
        "company": company,
        "positionName": title,
        "positionCategory": "",
        "responsibility": duty,
        "workEmphasisList": skills or [],
    }
