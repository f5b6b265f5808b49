"""Why an uploaded file may not be kept, in words that complete a sentence about it.

Welsh does not start that sentence with the name: the frame "“%(name)s” %(reason)s" is
translated too (oversight.shared.uploads), and each reason is written as a whole clause."""

from django.utils.translation import gettext as _


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
        _(
            "is not a complete, readable %(what)s: it may be damaged, or only named like one. "
            "Save or export it again and upload the new copy."
        )
        % {"what": what},
        code="damaged",
    )
