"""How references are written down, so that the same one is recognised wherever it comes
from: the edit form, a pasted report or a spreadsheet."""


def normalise_publisher_reference(value: str) -> str:
    """The publisher's ID with its spaces tidied ("PEEL  2023 R3 " → "PEEL 2023 R3"). IDs
    are compared without regard to case."""
    return " ".join(str(value or "").split())
