"""Importing a report's recommendations through the API: the same two steps as the page.

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
from recommendations.selectors import report_import_plan
from recommendations.services import require_recommendation_editor
from recommendations.services_import import ImportedFile, recommendations_import
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


class ReportImport(generics.GenericAPIView):
    """Import a report's recommendations from its spreadsheet: first the plan, then (with
    the plan's fingerprint) the import itself. OPCC staff of an overseeing office only,
    with a token that may write."""

    serializer_class = ImportRequestSerializer
    parser_classes = [MultiPartParser]

    def get_queryset(self):
        return reports_visible_to(self.request.user)

    @extend_schema(
        request=ImportRequestSerializer,
        responses={
            200: OpenApiResponse(ImportPlanSerializer, description="The plan; nothing saved."),
            201: OpenApiResponse(ImportPlanSerializer, description="Imported."),
            400: OpenApiResponse(ImportPlanSerializer, description="Bad rows; nothing saved."),
            409: OpenApiResponse(description="The report changed since the plan was shown."),
        },
    )
    def post(self, request, pk: int):
        report = get_object_or_404(self.get_queryset(), pk=pk)
        try:
            require_recommendation_editor(request.user, report)
        except PermissionDenied as refusal:
            raise exceptions.PermissionDenied(str(refusal)) from None
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
            plan = report_import_plan(
                user=request.user,
                report=report,
                name=upload.name,
                data=upload.data,
                today=timezone.localdate(),
            )
            answer = status.HTTP_200_OK if plan.ok else status.HTTP_400_BAD_REQUEST
            return Response(_plan_data(plan, applied=False), status=answer)
        try:
            plan = recommendations_import(
                report=report,
                by=request.user,
                upload=upload,
                expected_fingerprint=values["fingerprint"],
            )
        except ValidationError as refusal:
            if getattr(refusal, "code", None) == "stale":
                return Response(
                    {"error": " ".join(refusal.messages), "fields": {}},
                    status=status.HTTP_409_CONFLICT,
                )
            plan = report_import_plan(
                user=request.user,
                report=report,
                name=upload.name,
                data=upload.data,
                today=timezone.localdate(),
            )
            data = _plan_data(plan, applied=False)
            if plan.ok:  # refused by a service rule the plan cannot see
                data["errors"] = [{"line": None, "message": m} for m in refusal.messages]
            return Response(data, status=status.HTTP_400_BAD_REQUEST)
        return Response(_plan_data(plan, applied=True), status=status.HTTP_201_CREATED)
