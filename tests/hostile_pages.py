"""Crafted inputs that cost far more CPU to read than their size suggests (issue #33)."""

from __future__ import annotations

import zlib

from tests.pdf_files import pdf_file


def many_paragraphs(n: int) -> str:
    """An HTML page whose article is `n` tiny paragraphs: the extractor's time grows
    super-linearly with them (50k take ~7 s, 600k run for minutes)."""
    return (
        "<html><head><title>Many paragraphs</title></head><body><article>"
        + "<p>Short words here.</p>" * n
        + "</article></body></html>"
    )


def shared_stream_pdf(pages: int, operations: int) -> bytes:
    """A small PDF whose `pages` pages all draw one compressed content stream of
    `operations` text operations: each page re-parses the whole stream."""
    ops = b"BT /F1 9 Tf 72 700 Td (x) Tj ET\n" * operations
    stream = zlib.compress(ops, 9)
    font = 3 + pages + 1
    content = 3 + pages
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
    ]
    for _ in range(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
    objects.append(
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(stream), stream)
    )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    return pdf_file(objects)
