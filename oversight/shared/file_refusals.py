"""Why an uploaded file may not be kept, in words that complete a sentence about it."""


class Refused(Exception):
    """The file may not be kept. `reason` completes a sentence that starts with the file's
    name; `code` is the ValidationError code; `with_allowed` says whether to follow it with
    what is accepted (a rename instruction needs no list)."""

    def __init__(self, reason: str, *, code: str = "bad_type", with_allowed: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.with_allowed = with_allowed


def damaged(what: str) -> Refused:
    return Refused(
        f"is not a complete, readable {what}: it may be damaged, or only named like one. "
        "Save or export it again and upload the new copy.",
        code="damaged",
    )
