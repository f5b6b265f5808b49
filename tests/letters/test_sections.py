"""The deep-dive and investment sections the reviews app adds to the formal letters."""

from letters.models import Letter
from letters.rendering import letter_render_html
from letters.sections import deep_dive_letter_section, investment_letter_section
from letters.snapshot import letter_build_snapshot
from reviews.models import Investment
from tests import factories


def test_deep_dive_section_gives_the_latest_assurance_per_area(opcc_staff, report_a, review_a):
    section = deep_dive_letter_section(
        report=report_a, user=opcc_staff, letter_kind=Letter.Kind.SECTION_55
    )
    [item] = section["items"]
    assert item["heading"] == "Children who go missing: Child protection deep dive, 1 October 2026"
    assert item["details"] == [
        "Current performance: partly assured",
        "Improvement plans: assured",
        "Revisit: 15 January 2027",
    ]
    assert "Response to missing children is inconsistent." in item["text"]


def test_deep_dive_section_is_none_without_a_judged_review(opcc_staff, report_a):
    assert deep_dive_letter_section(report=report_a, user=opcc_staff, letter_kind="") is None


def test_deep_dive_section_is_scoped_to_the_author(opcc_staff_b, report_a, review_a):
    assert deep_dive_letter_section(report=report_a, user=opcc_staff_b, letter_kind="") is None


def test_investment_section_lists_live_investments_with_total(
    opcc_staff, office_a, force_a, report_a, investment_a, recommendation_a
):
    withdrawn = factories.InvestmentFactory(
        office=office_a, force=force_a, status=Investment.Status.WITHDRAWN
    )
    withdrawn.recommendations.add(recommendation_a)
    section = investment_letter_section(report=report_a, user=opcc_staff, letter_kind="")
    assert section["intro"] == (
        "The OPCC has invested £25,000 in 1 award serving this report's recommendations."
    )
    [item] = section["items"]
    assert item["heading"] == "Missing children analyst: £25,000"
    assert "Serves R1" in item["details"]


def test_letters_carry_both_sections(opcc_staff, report_a, review_a, investment_a):
    letter = factories.LetterFactory(report=report_a, kind=Letter.Kind.FORMAL_RESPONSE)
    snapshot = letter_build_snapshot(letter=letter, user=opcc_staff)
    kinds = [section["kind"] for section in snapshot["sections"]]
    assert kinds == ["deep_dives", "investments"]
    html = letter_render_html(snapshot, is_draft=True)
    assert "OPCC deep-dive reviews" in html and "Missing children analyst" in html
