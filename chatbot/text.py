"""Small text helpers shared by contact extraction, history merging and the rule engine. Pure Python."""

from __future__ import annotations

import re
import unicodedata

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space map one character to one character, so
# offsets found in the converted text are valid in the original: masking rewrites only the matched spans
# and leaves the candidate's own punctuation alone.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = 0x20

_SPACES = re.compile(r"\s+")
# A space that touches a non-ASCII character carries no meaning (pages re-wrap CJK text freely); spaces
# between ASCII words do ("hello world" is not "helloworld").
_LOOSE_SPACE = re.compile(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])")


def halfwidth(text: str) -> str:
    """Full-width letters, digits and punctuation as ASCII; the length is unchanged."""
    return text.translate(_HALFWIDTH)


def normalise(text: str) -> str:
    """Comparison key for a chat bubble, equal however the page rendered it: NFKC, invisible format
    characters (zero-width spaces, BOM) dropped, whitespace collapsed to one space between ASCII words
    and removed next to CJK text, stripped."""
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    text = _SPACES.sub(" ", text).strip()
    return _LOOSE_SPACE.sub("", text)
