"""Synthetic candidate cards: the shipped templates (`cards.json`, trimmed from synthetic fixtures)
with a run's ids, names and, for a candidate meant to be screened out, an excluded company."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path

PLATFORMS = ("Boss", "maimai", "liepin", "Linkedin")
# The job's `exclude_companies`: a card naming it fails screening (every platform lists companies).
EXCLUDED_COMPANY = "模拟外包服务有限公司"


@cache
def templates() -> dict[str, dict]:
    data = json.loads(Path(__file__).with_name("cards.json").read_text(encoding="utf-8"))
    return {platform: data[platform] for platform in PLATFORMS}


def card(platform: str, *, cid: str, name: str, fit: bool = True) -> dict:
    """A card for `platform` whose candidate id is `cid` (as the platform would write it)."""
    info = copy.deepcopy(templates()[platform])
    company = None if fit else EXCLUDED_COMPANY
    if platform == "Boss":
        geek = info["geekCard"]
        geek["geekId"] = int(cid) if cid.isdigit() else cid
        geek["geekName"] = name
        if company:
            geek["geekWorks"][0]["company"] = company
    elif platform == "maimai":
        info["id"] = int(cid) if cid.isdigit() else cid
        info["name"] = name
        if company:
            info["companies"][0] = company
            info["exp"][0]["company"] = company
    elif platform == "liepin":
        info["usercIdEncode"] = cid
        info["showName"] = name
        if company:
            info["basicInfoForm"]["resCompany"] = company
            info["workExps"][0]["compName"] = company
    else:
        info["id"] = cid
        info["profile"]["name"] = name
        info["profile"]["contactInfo"]["url"] = cid
        if company:
            info["profile"]["experiences"][0]["companyName"] = company
    return info


def pdf_cv(name: str) -> bytes:
    """A small, well-formed one-page PDF (what a candidate's CV upload looks like to the server)."""
    # Latin text only: the base-14 fonts carry no CJK glyphs; the name goes in the document title.
    text = b"BT /F1 14 Tf 72 720 Td (Curriculum vitae - simulated candidate) Tj ET"
    title = name.encode("utf-16-be").hex().upper().encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(text) + text + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Title <FEFF" + title + b"> >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 6 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
