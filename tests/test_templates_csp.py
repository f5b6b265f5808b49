"""The Content-Security-Policy allows scripts and styles from the site's own files only
(script-src 'self', style-src 'self'): a template with an inline script, a style block or
attribute, an event-handler attribute or a javascript: URL would break in the browser.

HTML e-mails (templates/*/email/) are not served under the policy, and mail clients need
their styles inline, so they are left out. SVG presentation attributes (fill=, stroke=)
are not styles and are allowed.
"""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

COMMENTS = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.DOTALL)
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.DOTALL | re.IGNORECASE)
RULES = [
    ("style block", re.compile(r"<style\b", re.IGNORECASE)),
    ("style= attribute", re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE)),
    ("on*= event handler", re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)),
    ("hx-on handler (needs eval)", re.compile(r"<[^>]*\s(?:hx|data-hx)-on\b", re.IGNORECASE)),
    ("javascript: URL", re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)),
]


def csp_offences(source: str) -> list[str]:
    """What in this template the policy would block, with line numbers."""
    source = COMMENTS.sub(lambda match: "\n" * match.group().count("\n"), source)
    found = []

    def line_of(position: int) -> int:
        return source.count("\n", 0, position) + 1

    for match in SCRIPT.finditer(source):
        attributes, body = match.groups()
        if body.strip() or not re.search(r"\ssrc\s*=", f" {attributes}"):
            found.append(f"line {line_of(match.start())}: inline script")
    for what, pattern in RULES:
        found += [f"line {line_of(match.start())}: {what}" for match in pattern.finditer(source)]
    return found


def served_templates() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES.rglob("*.html")
        if "email" not in path.relative_to(TEMPLATES).parts
    )


def test_templates_need_no_inline_script_or_style():
    offenders = [
        f"{path.relative_to(TEMPLATES)} {offence}"
        for path in served_templates()
        for offence in csp_offences(path.read_text())
    ]
    assert offenders == [], "Blocked by the Content-Security-Policy:\n" + "\n".join(offenders)


def test_templates_scan_covers_the_pages():
    names = {str(path.relative_to(TEMPLATES)) for path in served_templates()}
    assert {"base.html", "recommendations/report_detail.html"} <= names
    assert not any("/email/" in name for name in names)


def test_scan_finds_each_kind_of_offence():
    source = """
<script>alert(1)</script>
<script src="/static/js/app.js" defer></script>
<style>p { color: red }</style>
<p class="x" style="color: red">x</p>
<button type="button" onclick="go()">Go</button>
<a href="javascript:go()">Go</a>
<form hx-on::after-request="go()"></form>
<svg><rect fill="#b3261e" width="4" height="4"/></svg>
{% comment %}An example: <p style="x">{% endcomment %}
"""
    offences = csp_offences(source)
    assert offences == [
        "line 2: inline script",
        "line 4: style block",
        "line 5: style= attribute",
        "line 6: on*= event handler",
        "line 8: hx-on handler (needs eval)",
        "line 7: javascript: URL",
    ]
