"""factory_boy factories for the whole domain. Tests build what they need from these."""

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from letters.models import Letter
from oversight.models import (
    CauseOfConcern,
    Finding,
    Force,
    InspectionReport,
    Judgement,
    Office,
    PartnerAgency,
    PriorityArea,
    User,
)
from oversight.roles import group_name, roles_ensure_groups, user_set_role
from recommendations.models import (
    Action,
    ActionPlan,
    ExtensionRequest,
    ProgressUpdate,
    Rag,
    Recommendation,
)
from reviews.models import DeepDiveReview, FollowUp, Investment, LineOfEnquiry

PASSWORD = "correct-horse-battery-staple"


class ForceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Force
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Force {n} Police")
    chief_constable = "Chief Constable Jo Bloggs"


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ["name"]
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Office of the PCC {n}")
    slug = factory.LazyAttribute(lambda office: slugify(office.name))
    commissioner = "Pat Commissioner"

    @factory.post_generation
    def forces(self, create, extracted, **kwargs):
        if create and extracted:
            self.forces.add(*extracted)


class PartnerAgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerAgency
        django_get_or_create = ["name"]
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Council {n} children's services")
    kind = PartnerAgency.Kind.CHILDRENS_SERVICES

    @factory.post_generation
    def forces(self, create, extracted, **kwargs):
        if create and extracted:
            self.forces.add(*extracted)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save(update_fields=["password"])


def person_with_role(username: str, role: str, **fields) -> User:
    """A person with a role and its group, as an administrator's invitation makes one."""
    role_groups_ensure()
    user = UserFactory(username=username, role=role, **fields)
    return user_set_role(user=user, role=role)


def role_groups_ensure() -> None:
    """The role groups with their permissions. Migrating makes them (and a transactional
    test's flush makes them again), so they are made here only if missing: refreshing
    them every time cost ~20 ms for each of the five people most tests make."""
    names = [group_name(role) for role in User.Role]
    if Group.objects.filter(name__in=names).count() < len(names):
        roles_ensure_groups()


class InspectionReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InspectionReport

    force = factory.SubFactory(ForceFactory)
    programme = InspectionReport.Programme.CHILD_PROTECTION
    title = factory.Sequence(lambda n: f"Inspection report {n}")
    published_on = datetime.date(2026, 9, 1)


class PriorityAreaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriorityArea

    report = factory.SubFactory(InspectionReportFactory)
    position = factory.Sequence(lambda n: n + 1)
    title = factory.Sequence(lambda n: f"Priority area {n}")


class JudgementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Judgement

    report = factory.SubFactory(InspectionReportFactory)
    topic = factory.Sequence(lambda n: f"Topic {n}")
    grade = Judgement.Grade.ADEQUATE


class CauseOfConcernFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CauseOfConcern

    report = factory.SubFactory(InspectionReportFactory)
    reference = factory.Sequence(lambda n: f"C{n + 1}")
    text = "A serious, systemic shortcoming."


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    report = factory.SubFactory(InspectionReportFactory)
    kind = Finding.Kind.CONCERN
    text = "Something does not work well."


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    report = factory.SubFactory(InspectionReportFactory)
    reference = factory.Sequence(lambda n: f"R{n + 1}")
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"The force should improve thing number {n}.")
    timescale = Recommendation.Timescale.THREE_MONTHS
    due_on = datetime.date(2026, 12, 1)


class ActionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ActionPlan
        django_get_or_create = ["report", "force"]

    report = factory.SubFactory(InspectionReportFactory)
    force = factory.LazyAttribute(lambda plan: plan.report.force)
    status = ActionPlan.Status.ACTIVE


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action
        skip_postgeneration_save = True

    plan = factory.SubFactory(ActionPlanFactory)
    reference = factory.Sequence(lambda n: f"A{n + 1}")
    description = factory.Sequence(lambda n: f"Do the thing {n}.")
    target_date = datetime.date(2027, 3, 31)
    status = Action.Status.IN_PROGRESS
    rag = Rag.AMBER
    cadence = Action.Cadence.MONTHLY
    next_update_due = datetime.date(2026, 12, 15)

    @factory.post_generation
    def recommendations(self, create, extracted, **kwargs):
        if create and extracted:
            self.recommendations.add(*extracted)


class ExtensionRequestFactory(factory.django.DjangoModelFactory):
    """A request waiting for the OPCC's decision, by the action's delivery lead, to move its
    current target date 90 days on. For a decided one give `decision`, `decided_by` and
    `decided_at` (and a `decision_comment` to refuse)."""

    class Meta:
        model = ExtensionRequest

    action = factory.SubFactory(ActionFactory)
    requested_by = factory.LazyAttribute(lambda e: e.action.delivery_lead)
    requested_at = factory.LazyFunction(timezone.now)
    from_date = factory.LazyAttribute(lambda e: e.action.current_target_date)
    to_date = factory.LazyAttribute(lambda e: e.from_date + datetime.timedelta(days=90))
    reason = "Two posts are vacant; recruitment is under way."


class ProgressUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgressUpdate

    action = factory.SubFactory(ActionFactory)
    author = factory.LazyAttribute(lambda u: u.action.delivery_lead)
    written_on = datetime.date(2026, 11, 1)
    narrative = "Progress is being made."
    rag = Rag.AMBER
    percent_complete = 40


class LetterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Letter

    report = factory.SubFactory(InspectionReportFactory)
    kind = Letter.Kind.FORMAL_RESPONSE
    signatory_name = "Jo Bloggs"
    signatory_title = "Chief Constable"


class DeepDiveReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DeepDiveReview

    office = factory.SubFactory(OfficeFactory)
    force = factory.SubFactory(ForceFactory)
    theme = "Child protection"
    held_on = datetime.date(2026, 10, 1)


class LineOfEnquiryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LineOfEnquiry

    review = factory.SubFactory(DeepDiveReviewFactory)
    position = factory.Sequence(lambda n: n + 1)
    question = "How does the force know?"


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUp

    review = factory.SubFactory(DeepDiveReviewFactory)
    description = "Bring the data back to the panel."
    due_on = datetime.date(2026, 12, 20)


class InvestmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Investment

    office = factory.SubFactory(OfficeFactory)
    force = factory.SubFactory(ForceFactory)
    title = "Intelligence sharing"
    purpose = "Share intelligence with partners."
    amount = "10000.00"
    awarded_on = factory.LazyFunction(timezone.localdate)


def tiny_pdf(text: str = "Evidence") -> bytes:
    """A small but valid one-page PDF, for evidence uploads."""
    stream = f"BT /F1 12 Tf 20 100 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_from_objects(objects)


def pdf_from_objects(objects: list[bytes], *, version: str = "1.4") -> bytes:
    """A PDF of `objects` (numbered from 1, the first the catalog) with a correct
    cross-reference table and trailer."""
    out = f"%PDF-{version}\n".encode()
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return out
