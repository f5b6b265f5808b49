"""Small text helpers the letters share: references in natural order, paragraphs and
address lines from typed text, dates for the snapshot and for people."""

import datetime
import re

from django.utils.formats import date_format


def natural_key(reference: str) -> list:
    """R2 before R10, A9 before A10."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", reference)]


def iso(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; single line breaks stay inside one."""
    text = text.replace("\r\n", "\n").strip()
    return [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]


def address_lines(text: str) -> list[str]:
    """Address lines: one per line, or split at commas when written on one line."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if len(lines) == 1 and "," in lines[0]:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    return lines


def long_date(value: datetime.date | None) -> str:
    """ "14 March 2026", with the month named in the active language."""
    return date_format(value, "j F Y") if value else ""
