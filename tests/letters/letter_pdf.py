"""Reading letter PDFs back the way a person's tools would: poppler's pdftotext and pdfinfo."""

import re
import subprocess
import tempfile
from pathlib import Path


def _run(command: list[str], pdf: bytes) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "letter.pdf"
        path.write_bytes(pdf)
        return subprocess.run(
            [*command, str(path), *(["-"] if command[0] == "pdftotext" else [])],
            check=True,
            capture_output=True,
            text=True,
        ).stdout


def pdf_text(pdf: bytes) -> str:
    """The text, laid out as printed (pdftotext -layout)."""
    return _run(["pdftotext", "-layout"], pdf)


def flat(text: str) -> str:
    """Whitespace collapsed, so wrapped lines of one table cell read as one string."""
    return re.sub(r"\s+", " ", text)


def pdf_info(pdf: bytes) -> dict[str, str]:
    info = {}
    for line in _run(["pdfinfo"], pdf).splitlines():
        key, _, value = line.partition(":")
        info[key.strip()] = value.strip()
    return info


def pdf_fonts(pdf: bytes) -> str:
    return _run(["pdffonts"], pdf)
