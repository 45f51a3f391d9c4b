"""The user's personal API tokens: create (the key is shown once), list, revoke."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cities import tokens
from ipcity.forms import StyledForm


class TokenForm(StyledForm):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=80, help_text=gettext_lazy(
        "What will use it, e.g. “省统计系统” or “OA 对接”."))


@login_required
def api_tokens(request):
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = tokens.create_api_token(request.user, name=form.cleaned_data["name"], by=request.user)
        except ValidationError as exc:
            form.add_error("name" if hasattr(exc, "error_dict") and "name" in exc.error_dict else None,
                           exc.error_dict["name"] if hasattr(exc, "error_dict") and "name" in exc.error_dict
                           else exc)
        else:
            form = TokenForm()
            messages.success(request, _("Token “%(name)s” created. Copy the key now: it will not be shown again.")
                             % {"name": token.name})
    return render(request, "cities/api_tokens.html", {
        "form": form, "new_key": new_key, "tokens": tokens.tokens_of(request.user)},
        status=400 if form.errors else 200)


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = get_object_or_404(tokens.tokens_of(request.user), pk=pk)
    try:
        tokens.revoke_api_token(token, by=request.user)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("Token “%(name)s” revoked: it no longer opens the API.") % {"name": token.name})
    return redirect("api_tokens")
