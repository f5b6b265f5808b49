"""axe-core (from the npm registry, node_modules/axe-core) run inside real Chromium."""

import contextlib
import weakref
from pathlib import Path

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# axe's best-practice rules that the WCAG tags leave out but a screen reader user feels:
# one h1, headings in order, every part of the page inside a landmark, distinct landmarks,
# ids unique (a duplicate breaks label-for and aria references).
STRUCTURE = (
    "duplicate-id",
    "duplicate-id-active",
    "duplicate-id-aria",
    "landmark-main-is-top-level",
    "landmark-no-duplicate-main",
    "landmark-complementary-is-top-level",
    "aria-allowed-role",
    "presentation-role-conflict",
    "label-title-only",
    "page-has-heading-one",
    "heading-order",
    "empty-heading",
    "landmark-one-main",
    "landmark-unique",
    "region",
    "empty-table-header",
    "skip-link",
    "tabindex",
)


_CONTEXTS_WITH_AXE: "weakref.WeakSet" = weakref.WeakSet()


def _load_axe(page) -> None:
    """axe on the page, and on every page its browser context opens next: sending axe's
    half a megabyte with each page took a walk's pages 0.13 s each, evaluating it from
    the context's own copy (an init script, which the CSP does not govern) far less."""
    if page.evaluate("typeof window.axe !== 'undefined'"):
        return
    if page.context not in _CONTEXTS_WITH_AXE:
        page.context.add_init_script(path=str(AXE_JS))
        _CONTEXTS_WITH_AXE.add(page.context)
    page.add_script_tag(path=str(AXE_JS))


def axe_violations(page, also: tuple[str, ...] = ()) -> list[dict]:
    """Run axe on the current page at WCAG 2.2 AA (plus the rules named in `also`); return
    the violations (empty is good).

    The page's own Content-Security-Policy forbids injected scripts, so the browser
    context used for this must be created with bypass_csp=True.
    """
    _load_axe(page)
    result = page.evaluate(
        """async ([tags, also]) => await axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
            rules: Object.fromEntries(also.map((id) => [id, {enabled: true}])),
        })""",
        [WCAG_22_AA, list(also)],
    )
    return [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]][:5],
        }
        for violation in result["violations"]
    ]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {v['targets']}" for v in violations
    )


@contextlib.contextmanager
def axe_context(browser, viewport=None):
    """A page in a browser context of its own that may inject axe-core despite the site's
    CSP."""
    context = browser.new_context(
        viewport=viewport or {"width": 1280, "height": 900}, bypass_csp=True
    )
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
    finally:
        context.close()
