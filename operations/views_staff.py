"""Add a staff member in one step: login, brand(s) and what they may do (a preset group)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.forms import BaseUserCreationForm
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from bookings.models import Tenant
from charterops.tenancy import scope_to_user
from operations.services import STAFF_GROUPS, staff_member_add


class StaffMemberForm(BaseUserCreationForm):
    brands = forms.ModelMultipleChoiceField(
        queryset=Tenant.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="They see and manage only these brands.",
    )
    group = forms.ChoiceField(
        label="Access",
        choices=[
            ("Brand staff", "Brand staff: bookings, calendar, crew, day sheets"),
            ("Brand manager", "Brand manager: that, plus boats, deleting bookings and saving over a clash"),
        ],
        widget=forms.RadioSelect,
        initial="Brand staff",
    )

    class Meta(BaseUserCreationForm.Meta):
        fields = ("username", "first_name", "last_name", "email")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["brands"].queryset = scope_to_user(Tenant.objects.order_by("name"), user, "id")


def staff_add(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("auth.add_user"):
        raise PermissionDenied
    form = StaffMemberForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["group"] not in STAFF_GROUPS:
            raise PermissionDenied
        member = staff_member_add(
            username=data["username"],
            email=data["email"],
            password=data["password1"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            brands=list(data["brands"]),
            group_name=data["group"],
        )
        messages.success(request, f"{member.get_username()} can now log in as {data['group'].lower()}.")
        return redirect(reverse("admin:auth_user_change", args=[member.pk]))
    context = {
        **admin.site.each_context(request),
        "title": "Add staff member",
        "form": form,
    }
    return TemplateResponse(request, "operations/staff_add.html", context)
