"""Materials of an application: the upload form's target and the private, permission-checked download."""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_POST

from evaluations.enums import MaterialKind
from evaluations.materials import get_visible_file_or_404, upload_material
from evaluations.models import Material
from evaluations.selectors import applications_visible_to
from ipcity.downloads import private_file_response

logger = logging.getLogger(__name__)


class MaterialUploadForm(forms.Form):
    """Input only: who may upload what, and whether the file is acceptable, is the service's decision."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=MaterialKind.choices)
    title = forms.CharField(label=pgettext_lazy("document", "Title"), max_length=200, required=False)
    material = forms.ModelChoiceField(label=gettext_lazy("New version of"), queryset=Material.objects.none(),
                                      required=False)
    # Empty files reach the service, which explains the refusal in its own words.
    file = forms.FileField(label=gettext_lazy("File"), allow_empty_file=True)

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["material"].queryset = Material.objects.filter(application=application)


@login_required
@require_POST
def material_upload(request, pk: int):
    application = get_object_or_404(applications_visible_to(request.user), pk=pk)
    form = MaterialUploadForm(request.POST, request.FILES, application=application)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}：{error}" if label else error)
        return redirect("application_detail", pk=application.pk)
    data = form.cleaned_data
    try:
        material_file = upload_material(application, kind=data["kind"], file=data["file"], title=data["title"],
                                        material=data["material"], by=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("“%(name)s” was saved as version %(version)s of “%(material)s”.") % {
            "name": material_file.original_name, "version": material_file.version,
            "material": material_file.material})
    return redirect("application_detail", pk=application.pk)


@login_required
@require_GET
def material_download(request, pk: int):
    return download_response(get_visible_file_or_404(request.user, pk), request.user)


def download_response(material_file, user) -> FileResponse:
    """The stored file as an attachment with its stored type (the page and the API)."""
    return private_file_response(
        material_file.file, filename=material_file.original_name, content_type=material_file.content_type,
        obj=material_file, sha256=material_file.sha256, by=user)


urlpatterns = [
    path("applications/<int:pk>/materials/upload/", material_upload, name="material_upload"),
    path("materials/files/<int:pk>/download/", material_download, name="material_download"),
]
