"""The pages' blank space squeezed (recommendations.views.squeezed) as the pattern it
replaces squeezed it: each run of blank space that crosses a line break, one line break."""

import random
import re

from recommendations.views import squeezed

PATTERN = re.compile(r"\s*\n\s*")
BYTES_PATTERN = re.compile(rb"\s*\n\s*")
# Spaces, tabs, line breaks, and the Unicode blank space that \s and str.strip() both take
# (a no-break space, an em space, a file separator, a next-line character).
PIECES = [" ", "\t", "\n", "\r", "\x0b", "\x0c", "\xa0", "\u2003", "\x1c", "\x85", "a", "<b>"]


def test_each_run_across_a_line_break_is_one_line_break():
    assert squeezed("  <li>\n      <a>x</a>  \n\n   </li>  ") == "  <li>\n<a>x</a>\n</li>  "
    assert squeezed("no break  here") == "no break  here"
    assert squeezed("\n") == "\n"
    assert squeezed(b"<p>\n   text \r\n</p>") == b"<p>\ntext\n</p>"


def test_it_writes_what_the_pattern_writes_for_any_text():
    rng = random.Random(20261206)
    for _ in range(20_000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 24)))
        assert squeezed(text) == PATTERN.sub("\n", text), repr(text)
        data = text.encode()
        assert squeezed(data) == BYTES_PATTERN.sub(b"\n", data), repr(data)
