"""Merging the history a bot scraped from the page into the stored transcript. Pure Python.

The page shows the conversation however it likes: the full history, only the latest window, the same
history again on a retry, one robot reply split into several bubbles. `merge` aligns on (side, text)
and returns only what is new.
"""

from __future__ import annotations

from collections.abc import Sequence

from chatbot.text import normalise
from chatbot.types import RECRUITER, ROBOT, SYSTEM, USER, Turn

__all__ = ["ROBOT_SIDE", "last_speaker", "merge", "normalise", "user_lines_after_last_robot"]

ROBOT_SIDE = frozenset({ROBOT, RECRUITER})
# The page cannot tell our lines from a recruiter's: anything robot-side it shows that we did not
# already store was typed by a human.
_INCOMING_SPEAKER = {ROBOT: RECRUITER, RECRUITER: RECRUITER, USER: USER, SYSTEM: SYSTEM}

_Key = tuple[str, str]
# How many trailing robot-side lines may be missing from the page: a reply is a few bubbles, and the
# bound keeps a pathological transcript from costing a full alignment per line.
MAX_UNSEEN_LINES = 20


def _side(speaker: str) -> str:
    return ROBOT if speaker in ROBOT_SIDE else speaker


def _units(turns: Sequence[Turn]) -> tuple[list[_Key], list[tuple[int, str]]]:
    """One comparison unit per non-blank line: the server stores a multi-line reply as separate
    bubbles while some pages join them (or the reverse), so turns are compared line by line."""
    keys: list[_Key] = []
    origin: list[tuple[int, str]] = []
    for index, turn in enumerate(turns):
        side = _side(turn.speaker)
        for line in (turn.text or "").splitlines():
            key = normalise(line)
            if key:
                keys.append((side, key))
                origin.append((index, line.strip()))
    return keys, origin


def _z_array(seq: list[object]) -> list[int]:
    """z[i] = length of the longest common prefix of seq and seq[i:] (Z-algorithm, linear time)."""
    n = len(seq)
    z = [0] * n
    if n:
        z[0] = n
    left = right = 0
    for i in range(1, n):
        if i < right:
            z[i] = min(right - i, z[i - left])
        while i + z[i] < n and seq[z[i]] == seq[i + z[i]]:
            z[i] += 1
        if i + z[i] > right:
            left, right = i, i + z[i]
    return z


def _best_overlap(stored: list[_Key], incoming: list[_Key]) -> tuple[int, int]:
    """(length, end) of the longest run incoming[end-length:end] equal to a suffix of `stored`; among
    equally long runs the one ending latest, since a repeated short line ("好的") most likely matches
    the newest occurrence and the opposite choice would answer an old message twice."""
    # Reversing both turns "suffix of stored" into "prefix", which the Z-algorithm measures at every
    # position of the incoming sequence in one pass.
    sentinel = object()
    seq: list[object] = [*reversed(stored), sentinel, *reversed(incoming)]
    z = _z_array(seq)
    base = len(stored) + 1
    best_len, best_end = 0, 0
    for pos in range(len(incoming)):
        length = z[base + pos]
        if length > best_len:
            best_len, best_end = length, len(incoming) - pos
    return best_len, best_end


def merge(stored: list[Turn], incoming: list[Turn]) -> list[Turn]:
    """The turns of `incoming` (the page's history, oldest first) that `stored` lacks, in order.

    - Alignment is on (side, normalised text), robot and recruiter being one side, line by line.
    - The same history again gives []; a window or the full history gives what follows the overlap.
    - When no suffix of `stored` appears in `incoming`, the trailing robot-side lines of `stored` are
      taken as not shown yet (a reply the bot has not sent, or a retry of the call that produced it)
      and the alignment is tried without them, so a retry never duplicates the transcript.
    - No overlap at all: everything in `incoming` is new.
    - Robot lines in the new part are returned as `recruiter` (the server did not produce them);
      blank lines are dropped.
    """
    in_keys, in_origin = _units(incoming)
    if not in_keys:
        return []
    st_keys, _ = _units(stored)
    start = 0
    anchor = len(st_keys)
    while anchor > 0:
        length, end = _best_overlap(st_keys[:anchor], in_keys)
        if length:
            start = end
            break
        if st_keys[anchor - 1][0] != ROBOT or len(st_keys) - anchor >= MAX_UNSEEN_LINES:
            break
        anchor -= 1
    return _turns_from(incoming, in_origin, start)


def _turns_from(incoming: list[Turn], origin: list[tuple[int, str]], start: int) -> list[Turn]:
    new: list[Turn] = []
    grouped: dict[int, list[str]] = {}
    for index, line in origin[start:]:
        grouped.setdefault(index, []).append(line)
    first_unit_of = {}
    for unit, (index, _line) in enumerate(origin):
        first_unit_of.setdefault(index, unit)
    for index, lines in grouped.items():
        turn = incoming[index]
        speaker = _INCOMING_SPEAKER.get(turn.speaker, turn.speaker)
        # A turn the overlap ends inside contributes only its remaining lines.
        text = turn.text.strip() if first_unit_of[index] >= start else "\n".join(lines)
        new.append(Turn(speaker, text))
    return new


def user_lines_after_last_robot(turns: Sequence[Turn]) -> list[Turn]:
    """The user turns after the last robot or recruiter turn (all user turns when there is none)."""
    since: list[Turn] = []
    for turn in reversed(turns):
        if turn.speaker in ROBOT_SIDE:
            break
        if turn.speaker == USER:
            since.append(turn)
    since.reverse()
    return since


def last_speaker(turns: Sequence[Turn]) -> str:
    """The side of the last non-blank, non-system turn (robot and recruiter are one side), "" if none."""
    for turn in reversed(turns):
        if turn.speaker != SYSTEM and normalise(turn.text):
            return _side(turn.speaker)
    return ""
