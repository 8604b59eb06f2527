"""CV uploads judged by content, not by name (CONTRACT candidate/result).

Accepted: PDF, PNG, JPEG by magic bytes; DOC as an OLE2 compound file holding a `WordDocument` stream;
DOCX as a zip holding `word/document.xml` and `[Content_Types].xml`. Containers are inspected from their
directories only: nothing is decompressed or extracted, so a zip bomb costs nothing but its declared sizes
are still refused.
"""

from __future__ import annotations

import io
import struct
import zipfile
from typing import BinaryIO

from hunter_robot.errors import UploadRejected, UploadTooLarge

ALLOWED = ("pdf", "doc", "docx", "jpg", "png")

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "jpg": "image/jpeg",
    "png": "image/png",
}

MAX_ZIP_ENTRIES = 1000
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_EXPANSION_FACTOR = 10

_PNG = b"\x89PNG\r\n\x1a\n"
_JPEG = b"\xff\xd8\xff"
_PDF = b"%PDF-"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"


class CvRejected(UploadRejected):
    """The upload is not an acceptable CV; the message is safe to return to the client."""


class CvTooLarge(CvRejected, UploadTooLarge):
    """The upload is larger than allowed."""


def sniff_cv(fileobj: BinaryIO, *, max_bytes: int) -> tuple[str, str]:
    """(kind, content_type) for an acceptable CV, else CvRejected.

    Reads the whole file from its start (at most max_bytes + 1 bytes) and puts the position back.
    """
    try:
        position = fileobj.tell()
    except (AttributeError, OSError):
        position = None
    try:
        if position is not None:
            fileobj.seek(0)
        data = _read_at_most(fileobj, max_bytes + 1)
    finally:
        if position is not None:
            fileobj.seek(position)
    if len(data) > max_bytes:
        raise CvTooLarge(f"cv: larger than {max_bytes} bytes")
    if not data:
        raise CvRejected("cv: empty file")
    kind = _kind(data, max_bytes)
    return kind, CONTENT_TYPES[kind]


def _read_at_most(fileobj: BinaryIO, limit: int) -> bytes:
    chunks = []
    left = limit
    while left > 0:
        chunk = fileobj.read(min(left, 1024 * 1024))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _kind(data: bytes, max_bytes: int) -> str:
    if data.startswith(_PDF):
        return "pdf"
    if data.startswith(_PNG):
        return "png"
    if data.startswith(_JPEG):
        return "jpg"
    if data.startswith(_OLE2):
        if _ole2_has_stream(data, "WordDocument"):
            return "doc"
        raise CvRejected("cv: OLE2 file without a WordDocument stream is not a Word document")
    if data.startswith(_ZIP):
        _check_docx(data, max_bytes)
        return "docx"
    raise CvRejected("cv: file type not allowed (pdf, doc, docx, jpg, png)")


# --- OLE2 / Compound File Binary ([MS-CFB]) ---------------------------------------------------------

_ENDOFCHAIN = 0xFFFFFFFE
_MAXREGSECT = 0xFFFFFFFA  # sector numbers at or above this are markers, not sectors
_STREAM = 2
_DIR_ENTRY = 128


class _Malformed(Exception):
    pass


def _ole2_has_stream(data: bytes, wanted: str) -> bool:
    try:
        return wanted in _ole2_stream_names(data)
    except (_Malformed, struct.error):
        raise CvRejected("cv: malformed OLE2 file") from None


def _ole2_stream_names(data: bytes) -> set[str]:
    """Names of stream entries, read by following the directory's sector chain through the FAT.

    Every directory entry is read, not just the tree, which is enough to tell a Word file from an Excel
    or other compound file. Chains are bounded by the number of sectors in the file, so a cyclic FAT
    cannot loop forever.
    """
    if len(data) < 512:
        raise _Malformed
    major, byte_order, sector_shift = struct.unpack_from("<HHH", data, 0x1A)
    if byte_order != 0xFFFE or (major, sector_shift) not in ((3, 9), (4, 12)):
        raise _Malformed
    sector_size = 1 << sector_shift
    n_fat_sectors, first_dir = struct.unpack_from("<II", data, 0x2C)
    first_difat, n_difat = struct.unpack_from("<II", data, 0x44)
    n_sectors = -(-len(data) // sector_size) - 1  # the header fills sector "-1"
    if n_sectors <= 0 or n_fat_sectors > n_sectors:
        raise _Malformed

    def sector(number: int) -> bytes:
        if number >= n_sectors:
            raise _Malformed
        start = (number + 1) * sector_size
        # The last sector of a file may be short; the format pads it implicitly.
        return data[start : start + sector_size].ljust(sector_size, b"\0")

    fat_sectors = list(struct.unpack_from("<109I", data, 0x4C))
    per_difat = sector_size // 4 - 1
    difat_next, seen = first_difat, set()
    for _ in range(n_difat):
        if difat_next >= _MAXREGSECT or difat_next in seen:
            raise _Malformed
        seen.add(difat_next)
        values = struct.unpack(f"<{per_difat + 1}I", sector(difat_next))
        fat_sectors.extend(values[:per_difat])
        difat_next = values[per_difat]
    fat_sectors = fat_sectors[:n_fat_sectors]
    per_fat = sector_size // 4

    def next_sector(number: int) -> int:
        index, slot = divmod(number, per_fat)
        if index >= len(fat_sectors) or fat_sectors[index] >= _MAXREGSECT:
            raise _Malformed
        return struct.unpack_from("<I", sector(fat_sectors[index]), slot * 4)[0]

    names: set[str] = set()
    current, visited = first_dir, set()
    while current != _ENDOFCHAIN:
        if current >= _MAXREGSECT or current in visited:
            raise _Malformed
        visited.add(current)
        block = sector(current)
        for offset in range(0, sector_size, _DIR_ENTRY):
            name_len = struct.unpack_from("<H", block, offset + 0x40)[0]
            entry_type = block[offset + 0x42]
            if entry_type != _STREAM or not 2 <= name_len <= 64 or name_len % 2:
                continue
            # name_len counts the terminating NUL.
            names.add(block[offset : offset + name_len - 2].decode("utf-16-le", errors="replace"))
        current = next_sector(current)
    return names


# --- DOCX (Office Open XML in a zip) ----------------------------------------------------------------

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_ZIP64_EOCD = b"PK\x06\x06"


def _check_docx(data: bytes, max_bytes: int) -> None:
    # Counted from the end record before zipfile builds one object per entry.
    if _declared_entries(data) > MAX_ZIP_ENTRIES:
        raise CvRejected(f"cv: zip has more than {MAX_ZIP_ENTRIES} entries")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, EOFError, OSError):
        raise CvRejected("cv: malformed zip") from None
    if len(infos) > MAX_ZIP_ENTRIES:
        raise CvRejected(f"cv: zip has more than {MAX_ZIP_ENTRIES} entries")
    limit = min(ZIP_EXPANSION_FACTOR * max_bytes, MAX_ZIP_UNCOMPRESSED)
    if sum(info.file_size for info in infos) > limit:
        raise CvRejected(f"cv: zip expands to more than {limit} bytes")
    if any(info.flag_bits & 0x1 for info in infos):
        raise CvRejected("cv: encrypted zip")
    names = {info.filename for info in infos}
    if "word/document.xml" not in names or "[Content_Types].xml" not in names:
        raise CvRejected("cv: zip is not a Word document (no word/document.xml)")


def _declared_entries(data: bytes) -> int:
    # The end record sits in the last 22 bytes plus at most a 64 KiB comment.
    start = max(0, len(data) - 22 - 0xFFFF)
    at = data.rfind(_EOCD, start)
    if at < 0 or at + 22 > len(data):
        raise CvRejected("cv: malformed zip")
    total = struct.unpack_from("<H", data, at + 10)[0]
    locator = at - 20
    if locator >= 0 and data[locator : locator + 4] == _ZIP64_LOCATOR:
        offset = struct.unpack_from("<Q", data, locator + 8)[0]
        if offset + 56 > len(data) or data[offset : offset + 4] != _ZIP64_EOCD:
            raise CvRejected("cv: malformed zip")
        # The classic record then holds 0xFFFF placeholders; the zip64 record has the real count.
        total = struct.unpack_from("<Q", data, offset + 32)[0]
    return total
