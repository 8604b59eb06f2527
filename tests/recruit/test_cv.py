"""CV sniffing by content: every file is built here, byte by byte where the format allows."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest

from recruit.cv import ALLOWED, CvRejected, sniff_cv

MiB = 1024 * 1024

FREESECT, ENDOFCHAIN, FATSECT, DIFSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC
NOSTREAM = 0xFFFFFFFF
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --- builders ---------------------------------------------------------------------------------------


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
        b"trailer <</Root 1 0 R>>\n%%EOF\n"
    )


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    pixels = zlib.compress(b"\x00\x80")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def jpeg_bytes() -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xd9"


def docx_bytes(names: dict[str, bytes] | None = None) -> bytes:
    files = names or {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/content-types"/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document><w:body><w:p>CV</w:p></w:body></w:document>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def dir_entry(
    name: str,
    kind: int,
    start: int = ENDOFCHAIN,
    size: int = 0,
    *,
    right: int = NOSTREAM,
    child: int = NOSTREAM,
) -> bytes:
    """One 128-byte [MS-CFB] directory entry."""
    encoded = (name + "\0").encode("utf-16-le")
    return (
        encoded.ljust(64, b"\0")
        + struct.pack("<HBB", len(encoded), kind, 1)
        + struct.pack("<III", NOSTREAM, right, child)
        + b"\0" * 16  # CLSID
        + b"\0" * 4  # state bits
        + b"\0" * 16  # creation and modification times
        + struct.pack("<IQ", start, size)
    )


def empty_entry() -> bytes:
    return b"\0" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM) + b"\0" * 48


def cfb_file(
    *, n_sectors: int, fat: dict[int, int], sectors: dict[int, bytes], fat_ids: list[int], first_dir: int
) -> bytes:
    """A version 3 compound file (512-byte sectors). `fat` maps sector → next; FAT sectors beyond the
    header's 109 go into a DIFAT sector placed right after the last FAT sector."""
    per_fat = 128
    entries = [fat.get(i, FREESECT) for i in range(len(fat_ids) * per_fat)]
    body = {sector: data for sector, data in sectors.items()}
    for index, sector in enumerate(fat_ids):
        body[sector] = struct.pack(f"<{per_fat}I", *entries[index * per_fat : (index + 1) * per_fat])
    extra = fat_ids[109:]
    first_difat, n_difat = ENDOFCHAIN, 0
    if extra:
        assert len(extra) <= 127
        first_difat, n_difat = fat_ids[-1] + 1, 1
        body[first_difat] = struct.pack("<128I", *(extra + [FREESECT] * (127 - len(extra))), ENDOFCHAIN)
    header_difat = (fat_ids[:109] + [FREESECT] * 109)[:109]
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        OLE2_MAGIC,
        b"\0" * 16,
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        len(fat_ids),
        first_dir,
        0,
        4096,
        ENDOFCHAIN,
        0,
        first_difat,
        n_difat,
    ) + struct.pack("<109I", *header_difat)
    assert len(header) == 512
    out = bytearray(header + b"\0" * (n_sectors * 512))
    for sector, data in body.items():
        assert len(data) <= 512
        out[(sector + 1) * 512 : (sector + 1) * 512 + len(data)] = data
    return bytes(out)


def ole2_bytes(stream_names: list[str]) -> bytes:
    """Root + the streams, 4 entries per directory sector, the directory chained over sectors 1 → 10 so
    the entries from the fifth on are only found by following the FAT. The first stream owns 4 KiB of
    data in sectors 2-9. The sibling tree is a right-leaning chain in CFB name order, so a full CFB
    reader (olefile) lists the same streams."""
    order = sorted(range(len(stream_names)), key=lambda i: (len(stream_names[i]), stream_names[i].upper()))
    right = {order[k] + 1: order[k + 1] + 1 for k in range(len(order) - 1)}  # entry ids, root is 0
    entries = [dir_entry("Root Entry", 5, child=order[0] + 1)]
    for index, name in enumerate(stream_names, start=1):
        start, size = (2, 4096) if index == 1 else (ENDOFCHAIN, 0)
        entries.append(dir_entry(name, 2, start, size, right=right.get(index, NOSTREAM)))
    entries += [empty_entry()] * (8 - len(entries))
    assert len(entries) == 8
    fat = {0: FATSECT, 1: 10, 10: ENDOFCHAIN, 9: ENDOFCHAIN}
    fat.update({sector: sector + 1 for sector in range(2, 9)})
    sectors = {1: b"".join(entries[:4]), 10: b"".join(entries[4:])}
    sectors.update({sector: bytes([sector]) * 512 for sector in range(2, 10)})
    return cfb_file(n_sectors=11, fat=fat, sectors=sectors, fat_ids=[0], first_dir=1)


WORD_STREAMS = ["\x01CompObj", "\x05SummaryInformation", "1Table", "Data", "WordDocument"]


def sniff(data: bytes, max_bytes: int = 20 * MiB) -> tuple[str, str]:
    return sniff_cv(io.BytesIO(data), max_bytes=max_bytes)


def rejected(data: bytes, max_bytes: int = 20 * MiB) -> str:
    with pytest.raises(CvRejected) as excinfo:
        sniff(data, max_bytes)
    return str(excinfo.value)


# --- accepted ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind", "content_type"),
    [
        (pdf_bytes(), "pdf", "application/pdf"),
        (png_bytes(), "png", "image/png"),
        (jpeg_bytes(), "jpg", "image/jpeg"),
        (docx_bytes(), "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (ole2_bytes(WORD_STREAMS), "doc", "application/msword"),
    ],
)
def test_accepted_by_content(data, kind, content_type):
    assert sniff(data) == (kind, content_type)
    assert kind in ALLOWED


def test_word_document_found_in_first_directory_sector():
    assert sniff(ole2_bytes(["WordDocument", "1Table"]))[0] == "doc"


def test_doc_whose_directory_sector_needs_a_difat_sector():
    # 110 FAT sectors: the directory's FAT entry lives in the 110th, which only the DIFAT sector lists.
    directory_sector = 109 * 128 + 5
    fat_ids = list(range(110))
    fat = {sector: FATSECT for sector in fat_ids}
    fat[110] = DIFSECT
    fat[directory_sector] = ENDOFCHAIN
    entries = dir_entry("Root Entry", 5, child=1) + dir_entry("WordDocument", 2) + empty_entry() * 2
    data = cfb_file(
        n_sectors=directory_sector + 1,
        fat=fat,
        sectors={directory_sector: entries},
        fat_ids=fat_ids,
        first_dir=directory_sector,
    )
    assert sniff(data) == ("doc", "application/msword")


def test_file_type_is_judged_from_the_start_and_position_is_restored(tmp_path):
    path = tmp_path / "upload.bin"
    path.write_bytes(pdf_bytes())
    with path.open("rb") as handle:
        handle.seek(7)
        assert sniff_cv(handle, max_bytes=MiB) == ("pdf", "application/pdf")
        assert handle.tell() == 7


def test_size_at_the_limit_is_accepted():
    data = pdf_bytes().ljust(1000, b"\n")
    assert sniff(data, max_bytes=1000)[0] == "pdf"


# --- rejected ---------------------------------------------------------------------------------------


class CountingReader(io.BytesIO):
    """A real in-memory file that remembers how much was read from it."""

    bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_oversize_is_rejected_after_reading_at_most_max_bytes_plus_one():
    reader = CountingReader(pdf_bytes() + b"\0" * (5 * MiB))
    with pytest.raises(CvRejected, match="cv: larger than 1000 bytes"):
        sniff_cv(reader, max_bytes=1000)
    assert reader.bytes_read <= 1001
    assert reader.tell() == 0


def test_empty_file_is_rejected():
    assert "empty" in rejected(b"")


@pytest.mark.parametrize(
    "data",
    [
        b"MZ\x90\x00\x03\x00\x00\x00" + b"\0" * 56 + b"This program cannot be run in DOS mode. %PDF-1.4",
        b"\x7fELF\x02\x01\x01\x00" + b"\0" * 8 + b"%PDF-1.4",
        b"#!/bin/sh\necho %PDF-1.4\n",
        b"<html><body>%PDF-</body></html>",
        b" %PDF-1.4 leading space",
        b"GIF89a\x01\x00\x01\x00",
        b"\x89PNX\r\n\x1a\n",
    ],
    ids=["mz", "elf", "script", "html", "pdf-not-at-start", "gif", "broken-png"],
)
def test_other_content_is_rejected_whatever_the_name(data):
    assert rejected(data) == "cv: file type not allowed (pdf, doc, docx, jpg, png)"


def test_ole2_without_word_document_stream_is_rejected():
    message = rejected(ole2_bytes(["\x01CompObj", "\x05SummaryInformation", "Workbook"]))
    assert "WordDocument" in message


def test_ole2_with_word_document_as_a_storage_is_rejected():
    data = bytearray(ole2_bytes(WORD_STREAMS))
    # WordDocument is the sixth entry: second directory sector (10), slot 1; make it a storage.
    type_offset = (10 + 1) * 512 + 128 + 0x42
    assert data[type_offset] == 2
    data[type_offset] = 1
    assert "WordDocument" in rejected(bytes(data))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda data: data[:300],  # truncated inside the header
        lambda data: data[:1024],  # the directory chain points past the end
        lambda data: data[:0x30] + struct.pack("<I", 5000) + data[0x34:],  # directory sector out of range
        lambda data: data[:0x1C] + b"\xff\xfe" + data[0x1E:],  # wrong byte order mark
    ],
    ids=["short-header", "truncated", "dir-out-of-range", "byte-order"],
)
def test_malformed_ole2_is_rejected(mangle):
    assert rejected(mangle(ole2_bytes(WORD_STREAMS))) == "cv: malformed OLE2 file"


def test_ole2_with_a_cyclic_directory_chain_is_rejected():
    data = bytearray(ole2_bytes(["\x01CompObj"]))
    # FAT entry for sector 10 pointed back at sector 1: the chain 1 → 10 → 1 → … never ends.
    fat_offset = 512 + 10 * 4
    assert struct.unpack_from("<I", data, fat_offset)[0] == ENDOFCHAIN
    struct.pack_into("<I", data, fat_offset, 1)
    assert rejected(bytes(data)) == "cv: malformed OLE2 file"


def test_zip_without_word_document_is_rejected():
    xlsx_like = docx_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
    assert "word/document.xml" in rejected(xlsx_like)


def test_zip_without_content_types_is_rejected():
    assert "word/document.xml" in rejected(docx_bytes({"word/document.xml": b"<w:document/>"}))


def test_zip_expanding_beyond_ten_times_max_bytes_is_rejected():
    files = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"\0" * (10 * MiB + 1)}
    bomb = docx_bytes(files)
    assert len(bomb) < 100_000  # compressed it is tiny; only the declared size gives it away
    assert "expands to more than" in rejected(bomb, max_bytes=MiB)


def test_zip_declaring_a_huge_size_is_rejected_without_extracting():
    data = bytearray(docx_bytes())
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xFFFFFFF0)  # uncompressed size of the first entry
    assert "expands to more than 209715200 bytes" in rejected(bytes(data))


def test_zip_with_too_many_entries_is_rejected():
    files = {"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"}
    files.update({f"word/media/{i}.txt": b"" for i in range(1000)})
    assert "more than 1000 entries" in rejected(docx_bytes(files))


def with_declared_entries(data: bytes, total: int, *, zip64: bool = False) -> bytes:
    """Rewrite the end of central directory to declare `total` entries; with zip64 the count goes into
    a zip64 end record (as writers do past 65535 entries) and the classic record says 0xFFFF."""
    eocd = data.rfind(b"PK\x05\x06")
    _disk, _cd_disk, _on_disk, _total, cd_size, cd_offset, _comment = struct.unpack_from("<HHHHIIH", data, eocd + 4)
    if not zip64:
        return data[:eocd] + b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, total, total, cd_size, cd_offset, 0)
    record = b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, total, total, cd_size, cd_offset)
    locator = b"PK\x06\x07" + struct.pack("<IQI", 0, eocd, 1)
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 0xFFFF, 0xFFFF, cd_size, 0xFFFFFFFF, 0)
    return data[:eocd] + record + locator + end


def test_zip_whose_end_record_declares_too_many_entries_is_rejected():
    assert "more than 1000 entries" in rejected(with_declared_entries(docx_bytes(), 60000))


def test_zip64_end_record_is_read():
    assert sniff(with_declared_entries(docx_bytes(), 3, zip64=True))[0] == "docx"
    assert "more than 1000 entries" in rejected(with_declared_entries(docx_bytes(), 5000, zip64=True))


def test_encrypted_zip_is_rejected():
    # zipfile cannot write encrypted entries, so set the "encrypted" flag (bit 0 of the general purpose
    # flags) the way `zip -e` leaves it, in both the local and the central header of word/document.xml.
    data = bytearray(docx_bytes())
    name = b"word/document.xml"
    local = data.find(b"PK\x03\x04")
    while data[local + 30 : local + 30 + len(name)] != name:
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    assert rejected(bytes(data)) == "cv: encrypted zip"


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04" + b"\0" * 100,
        docx_bytes()[:200],
    ],
    ids=["garbage", "truncated"],
)
def test_malformed_zip_is_rejected(data):
    assert rejected(data) == "cv: malformed zip"
