"""Importing recommendations through the API (a report's, or a national report's with
their addressees): the same two steps as the pages.

POST the spreadsheet (CSV or .xlsx, the report's template) without a fingerprint and the
answer is the plan (what would be added and changed, line by line, and every bad row) with
its fingerprint; nothing is saved. POST the same file again with that fingerprint and the
plan is applied in one transaction, all rows or none, by the same service as the page
(services_import.recommendations_import): refused with 409 when the report changed since
the plan was shown, with 400 and each bad row's line when any row is bad.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from oversight.selectors import reports_visible_to
from oversight.shared.uploads import check_upload
from recommendations.forms import SPREADSHEET_KINDS
from recommendations.selectors import (
    national_import_plan,
    national_reports_visible_to,
    report_import_plan,
)
from recommendations.services import require_recommendation_editor
from recommendations.services_import import ImportedFile, recommendations_import
from recommendations.services_national import national_recommendations_import
from recommendations.spreadsheet_import import MAX_FILE_BYTES, ImportPlan


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The report's spreadsheet: CSV or .xlsx, in the columns of its template.",
        error_messages={
            "required": "Send the spreadsheet to import (.xlsx or CSV) as the field “file”.",
            "empty": "The file is empty: send the spreadsheet again.",
        },
    )
    fingerprint = serializers.RegexField(
        r"^[0-9a-f]{64}$",
        required=False,
        help_text="Leave out to see the plan; give the plan's fingerprint to apply it.",
        error_messages={"invalid": "Give the 64-character fingerprint of the plan you saw."},
    )


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.CharField()
    changed_on = serializers.DateField()
    becomes_current = serializers.BooleanField()


class NewRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    reference = serializers.CharField(source="fields.reference")
    kind = serializers.CharField(source="fields.kind")
    text = serializers.CharField(source="fields.text")
    timescale = serializers.CharField(source="fields.timescale")
    hmicfrs_status = StatusChangeSerializer(source="status_change", allow_null=True)


class ChangedRowSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    recommendation_id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    changes = ChangeSerializer(many=True)
    hmicfrs_status = StatusChangeSerializer(source="status_change", allow_null=True)


class RowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True, help_text="Null: the file as a whole.")
    message = serializers.CharField()


class ImportPlanSerializer(serializers.Serializer):
    applied = serializers.BooleanField()
    fingerprint = serializers.CharField()
    new = NewRowSerializer(many=True)
    changed = ChangedRowSerializer(many=True)
    unchanged = serializers.IntegerField(help_text="How many rows match the report already.")
    not_in_file = serializers.ListField(
        child=serializers.CharField(),
        help_text="References of the report's recommendations the file leaves out (kept).",
    )
    errors = RowErrorSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField())


def _plan_data(plan: ImportPlan, *, applied: bool) -> dict:
    return ImportPlanSerializer(
        {
            "applied": applied,
            "fingerprint": plan.fingerprint,
            "new": plan.new,
            "changed": plan.changed,
            "unchanged": len(plan.unchanged),
            "not_in_file": [existing.reference for existing in plan.missing],
            "errors": plan.errors,
            "notes": plan.notes,
        }
    ).data


class _SpreadsheetImport(generics.GenericAPIView):
    """The two steps over a spreadsheet: `_plan` (reads only) and `_apply` (the service),
    for whatever `_target` finds for the person."""

    serializer_class = ImportRequestSerializer
    parser_classes = [MultiPartParser]

    def _target(self, pk: int):
        raise NotImplementedError

    def _plan(self, target, upload: ImportedFile) -> ImportPlan:
        raise NotImplementedError

    def _apply(self, target, upload: ImportedFile, fingerprint: str) -> ImportPlan:
        raise NotImplementedError

    def post(self, request, pk: int):
        target = self._target(pk)
        incoming = self.get_serializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        values = incoming.validated_data
        try:
            checked = check_upload(
                values["file"], kinds=SPREADSHEET_KINDS, max_bytes=MAX_FILE_BYTES
            )
        except ValidationError as refusal:
            raise exceptions.ValidationError({"file": refusal.messages}) from None
        checked.file.seek(0)
        upload = ImportedFile(name=checked.original_name, data=checked.file.read())
        if "fingerprint" not in values:
            plan = self._plan(target, upload)
            answer = status.HTTP_200_OK if plan.ok else status.HTTP_400_BAD_REQUEST
            return Response(_plan_data(plan, applied=False), status=answer)
        try:
            plan = self._apply(target, upload, values["fingerprint"])
        except ValidationError as refusal:
            if getattr(refusal, "code", None) == "stale":
                return Response(
                    {"error": " ".join(refusal.messages), "fields": {}},
                    status=status.HTTP_409_CONFLICT,
                )
            plan = self._plan(target, upload)
            data = _plan_data(plan, applied=False)
            if plan.ok:  # refused by a service rule the plan cannot see
                data["errors"] = [{"line": None, "message": m} for m in refusal.messages]
            return Response(data, status=status.HTTP_400_BAD_REQUEST)
        return Response(_plan_data(plan, applied=True), status=status.HTTP_201_CREATED)


IMPORT_RESPONSES = {
    200: OpenApiResponse(ImportPlanSerializer, description="The plan; nothing saved."),
    201: OpenApiResponse(ImportPlanSerializer, description="Imported."),
    400: OpenApiResponse(ImportPlanSerializer, description="Bad rows; nothing saved."),
    409: OpenApiResponse(description="The recommendations changed since the plan was shown."),
}


class ReportImport(_SpreadsheetImport):
    """Import a report's recommendations from its spreadsheet: first the plan, then (with
    the plan's fingerprint) the import itself. OPCC staff of an overseeing office only,
    with a token that may write."""

    def get_queryset(self):
        return reports_visible_to(self.request.user)

    def _target(self, pk: int):
        report = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            require_recommendation_editor(self.request.user, report)
        except PermissionDenied as refusal:
            raise exceptions.PermissionDenied(str(refusal)) from None
        return report

    def _plan(self, target, upload):
        return report_import_plan(
            user=self.request.user,
            report=target,
            name=upload.name,
            data=upload.data,
            today=timezone.localdate(),
        )

    def _apply(self, target, upload, fingerprint):
        return recommendations_import(
            report=target, by=self.request.user, upload=upload, expected_fingerprint=fingerprint
        )

    @extend_schema(request=ImportRequestSerializer, responses=IMPORT_RESPONSES)
    def post(self, request, pk: int):
        return super().post(request, pk)


class NationalReportImport(_SpreadsheetImport):
    """Import a national report's recommendations (with their addressees) from its
    spreadsheet, kept in step in every force's copy: the office that entered the report
    only, with a token that may write."""

    def get_queryset(self):
        return national_reports_visible_to(self.request.user).select_related("entered_by")

    def _target(self, pk: int):
        national_report = get_object_or_404(self.get_queryset(), pk=pk)
        user = self.request.user
        if not user.is_opcc_staff or user.office_id != national_report.entered_by_id:
            raise exceptions.PermissionDenied(
                f"{national_report.entered_by} entered this national report and keeps its text."
            )
        return national_report

    def _plan(self, target, upload):
        return national_import_plan(
            user=self.request.user,
            national_report=target,
            name=upload.name,
            data=upload.data,
            today=timezone.localdate(),
        )

    def _apply(self, target, upload, fingerprint):
        return national_recommendations_import(
            national_report=target,
            by=self.request.user,
            name=upload.name,
            data=upload.data,
            expected_fingerprint=fingerprint,
        )

    @extend_schema(request=ImportRequestSerializer, responses=IMPORT_RESPONSES)
    def post(self, request, pk: int):
        return super().post(request, pk)
