"""Hand-made .xlsx files: a valid workbook whose parts are then edited byte by byte."""

import io
import re
import struct
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

SHEET = "xl/worksheets/sheet1.xml"
XML_DECLARATION = re.compile(r"^<\?xml[^>]*\?>")

# Nine levels of ten references each: 10^9 "lol"s if the parser expands entities.
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + ("" if i == 1 else str(i - 1)) + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


def edit_part(data: bytes, part: str, edit) -> bytes:
    """The workbook with one part's text replaced by ``edit(text)``."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == part:
                content = edit(content.decode()).encode()
            target.writestr(item.filename, content)
    return out.getvalue()


def with_doctype(text: str, doctype: str) -> str:
    return doctype + XML_DECLARATION.sub("", text)


def rows_bomb(data: bytes, rows: int) -> bytes:
    """The workbook with ``rows`` extra rows of 19 cells appended to the first sheet."""

    def edit(text):
        head, tail = text.split("</sheetData>")
        cells = "".join(f'<c r="{c}{{r}}"><v>1</v></c>' for c in "ABCDEFGHIJKLMNOPQRS")
        body = "".join(f'<row r="{r}">{cells.format(r=r)}</row>' for r in range(1000, 1000 + rows))
        return head + body + "</sheetData>" + tail

    return edit_part(data, SHEET, edit)


def understate_size(data: bytes, part: str, claimed: int) -> bytes:
    """The zip with ``part``'s uncompressed size written as ``claimed`` in both headers.

    A zip bomb that lies about its size, to pass a check of the declared sizes.
    """
    raw = bytearray(data)
    name = part.encode()
    # Local file header: signature PK\\x03\\x04, uncompressed size at offset 22.
    local = raw.find(b"PK\x03\x04")
    while local != -1:
        name_length = struct.unpack_from("<H", raw, local + 26)[0]
        if raw[local + 30 : local + 30 + name_length] == name:
            struct.pack_into("<I", raw, local + 22, claimed)
        local = raw.find(b"PK\x03\x04", local + 4)
    # Central directory header: signature PK\\x01\\x02, uncompressed size at offset 24.
    central = raw.find(b"PK\x01\x02")
    while central != -1:
        name_length = struct.unpack_from("<H", raw, central + 28)[0]
        if raw[central + 46 : central + 46 + name_length] == name:
            struct.pack_into("<I", raw, central + 24, claimed)
        central = raw.find(b"PK\x01\x02", central + 4)
    return bytes(raw)


def upload(content: bytes, name: str = "return.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def row_height(data: bytes, row: int, height: float) -> bytes:
    """The workbook with the first sheet's ``row`` set to ``height`` points (openpyxl
    does not write a height of 0, Excel does when a row is dragged shut)."""

    def edit(text):
        marker = f'<row r="{row}"'
        assert marker in text, f"no row {row}"
        return text.replace(marker, f'{marker} ht="{height}" customHeight="1"', 1)

    return edit_part(data, SHEET, edit)


def column_width(data: bytes, column: int, width: float) -> bytes:
    """The workbook with the first sheet's ``column`` (1 for A) ``width`` characters wide."""

    def edit(text):
        col = re.search(rf'<col [^>]*\bmin="{column}" max="{column}"[^>]*/>', text)
        assert col, f"no width for column {column}"
        new = re.sub(r'width="[^"]*"', f'width="{width}"', col.group(0))
        return text.replace(col.group(0), new, 1)

    return edit_part(data, SHEET, edit)
