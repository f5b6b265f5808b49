"""Reading numbered recommendations pasted from a published report."""

import pytest

from recommendations.paste_import import (
    MAX_CHARACTERS,
    MAX_ITEMS,
    parse_recommendations,
    timescale_in,
)

PUBLISHED = """Recommendations

1. Immediately, the force should ensure that every child sexual exploitation case is identi-
fied, recorded as such and allocated to a specialist investigator.

2) Within three months, the force should put in place a process to track child sexual
exploitation investigations.

Recommendation 3: Within six months, the force should:
• review how it shares intelligence with partner agencies; and
• report its findings to the OPCC.
"""


def test_each_numbered_paragraph_is_one_recommendation():
    result = parse_recommendations(PUBLISHED)
    assert result.ok
    assert [item.reference for item in result.items] == ["R1", "R2", "R3"]


def test_hard_wrapped_lines_are_joined_and_hyphenation_undone():
    item = parse_recommendations(PUBLISHED).items[0]
    assert item.text == (
        "Immediately, the force should ensure that every child sexual exploitation case is "
        "identified, recorded as such and allocated to a specialist investigator."
    )


def test_bullets_keep_their_own_lines():
    item = parse_recommendations(PUBLISHED).items[2]
    assert item.text.splitlines() == [
        "Within six months, the force should:",
        "• review how it shares intelligence with partner agencies; and",
        "• report its findings to the OPCC.",
    ]


def test_timescales_are_read_from_the_wording():
    result = parse_recommendations(PUBLISHED)
    assert [item.timescale for item in result.items] == ["immediately", "3_months", "6_months"]


@pytest.mark.parametrize(
    ("text", "timescale"),
    [
        ("The force should immediately review its policy.", "immediately"),
        ("Within one month, the force should ...", "1_month"),
        ("Within 3 months the force should ...", "3_months"),
        ("Within twelve months the force should ...", "12_months"),
        ("Within a year the force should ...", "12_months"),
        ("The force should improve its records.", "none"),
        ("Within six months, and immediately where children are at risk", "6_months"),
    ],
)
def test_timescale_in_finds_the_first_one_stated(text, timescale):
    assert timescale_in(text) == timescale


def test_areas_for_improvement_get_their_own_references():
    result = parse_recommendations("AFI 1 The force should improve its records.\nAFI2: And more.")
    assert [(item.reference, item.kind) for item in result.items] == [
        ("AFI1", "afi"),
        ("AFI2", "afi"),
    ]
    assert result.notes == [
        "No timescale was found in AFI1: choose one below if the report states it elsewhere.",
        "No timescale was found in AFI2: choose one below if the report states it elsewhere.",
    ]


@pytest.mark.parametrize("start", ["1.", "1)", "(1)", "R1", "R1:", "Rec 1 -", "Recommendation 1"])
def test_common_numberings_are_understood(start):
    result = parse_recommendations(f"{start} Immediately, do the thing.")
    assert [item.reference for item in result.items] == ["R1"]
    assert result.items[0].text == "Immediately, do the thing."


def test_a_number_inside_wrapped_text_does_not_start_a_new_recommendation():
    result = parse_recommendations(
        "1. Within six months, the force should review\n3 months of data and\n1.5 million records."
    )
    assert len(result.items) == 1


def test_text_before_the_first_number_is_left_out_with_a_note():
    result = parse_recommendations(PUBLISHED)
    assert result.notes == ["Text before the first number was left out: “Recommendations”."]


def test_a_gap_in_the_numbering_is_pointed_out():
    result = parse_recommendations("1. Immediately, a.\n3. Immediately, b.")
    assert result.ok
    assert result.notes == [
        "R3 follows number 1: check that no recommendation is missing or out of order."
    ]


def test_a_repeated_number_blocks_saving():
    result = parse_recommendations("1. Immediately, a.\n1. Immediately, b.")
    assert not result.ok
    assert "R1 appears more than once (line 2)" in result.errors[0]


def test_a_reference_already_on_the_report_blocks_saving():
    result = parse_recommendations("1. Immediately, a.", existing_references={"R1"})
    assert not result.ok
    assert result.errors == [
        "R1 is already on this report: renumber it in the text, or leave it out and edit the "
        "existing one."
    ]


def test_a_number_without_text_blocks_saving():
    result = parse_recommendations("1. Immediately, a.\n2.\n")
    assert result.errors == [
        "R2 (line 2) has no text: add the wording after its number, or remove the number."
    ]


def test_text_without_numbers_says_how_to_number_it():
    result = parse_recommendations("The force should do better.")
    assert not result.ok
    assert result.errors[0].startswith("No numbered recommendations were found.")


def test_too_many_at_once_is_refused():
    text = "\n".join(f"{n}. Immediately, item {n}." for n in range(1, MAX_ITEMS + 2))
    result = parse_recommendations(text)
    assert not result.ok
    assert f"paste at most {MAX_ITEMS}" in result.errors[0]


def test_text_over_the_length_limit_is_refused_before_it_is_read():
    text = "1. Immediately, do the thing.\n" * (MAX_CHARACTERS // 30 + 1)
    result = parse_recommendations(text)
    assert not result.ok
    assert result.items == []
    assert result.errors == [
        f"The pasted text has {len(text):,} characters; at most {MAX_CHARACTERS:,} can be "
        "read at a time. Split it: paste the first part, add those recommendations, then "
        "paste the rest."
    ]


def test_text_at_the_length_limit_is_read():
    line = "1. Immediately, do the thing."
    text = line + " " * (MAX_CHARACTERS - len(line))
    assert parse_recommendations(text).ok


def test_a_line_break_counts_once_towards_the_limit_as_the_person_sees_it():
    """Browsers send each line break of a text box as two characters (CR LF)."""
    line = "1. Immediately, do the thing."
    text = (line + "\r\n") * (MAX_CHARACTERS // (len(line) + 1))
    assert len(text) > MAX_CHARACTERS
    assert not any("characters" in error for error in parse_recommendations(text).errors)
