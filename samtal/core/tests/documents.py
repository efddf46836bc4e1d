"""Text of exported documents, for tests that check what a PDF or Word file says."""

from __future__ import annotations

import io
import re

from docx import Document
from pypdf import PdfReader


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(content))
    return collapse(" ".join(page.extract_text() or "" for page in reader.pages))


def docx_text(content: bytes) -> str:
    """Every paragraph, table cell and footer line of a Word file."""
    document = Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    for section in document.sections:
        lines.extend(p.text for p in section.footer.paragraphs)
    return collapse("\n".join(lines))
