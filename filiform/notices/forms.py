"""The acknowledgement form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from filiform.notices.safety import NOTE_MAX


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label=_("What was done or decided"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("E.g. “Room searched again, needle found in the sharps bin”."),
        error_messages={"required": _("Write what was done or decided before acknowledging.")},
    )
