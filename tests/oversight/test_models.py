import datetime

from tests import factories


def test_section_55_due_is_56_days_after_publication(db):
    report = factories.InspectionReportFactory(published_on=datetime.date(2015, 7, 16))
    assert report.section_55_due_on == datetime.date(2015, 9, 10)


def test_action_plan_due_is_six_weeks_after_publication(db):
    report = factories.InspectionReportFactory(published_on=datetime.date(2015, 7, 16))
    assert report.action_plan_due_on == datetime.date(2015, 8, 27)


def test_current_target_date_prefers_revised(action_a):
    assert action_a.current_target_date == action_a.target_date
    action_a.revised_target_date = datetime.date(2027, 9, 30)
    action_a.revision_reason = "Supplier delay"
    assert action_a.current_target_date == datetime.date(2027, 9, 30)


def test_every_model_has_a_readable_str(action_a, opcc_staff):
    update = factories.ProgressUpdateFactory(action=action_a)
    assert str(update).startswith("Update on A1")
    assert str(action_a).startswith("A1: ")
    assert str(opcc_staff) == opcc_staff.get_full_name()
