"""My note templates and insertion favourites: a small page to add and remove them. Templates
hold no patient information (they are the text a note starts from); owners may share one with
the whole clinic."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from filiform.charting.forms import NoteTemplateForm
from filiform.charting.models import InsertionFavourite, NoteTemplate
from filiform.charting.views_context import note_templates
from filiform.clinics.access import Access, Permission
from filiform.clinics.decorators import clinic_page


def _page_url(access: Access) -> str:
    return reverse("charting:templates", kwargs={"clinic_slug": access.clinic.slug})


@clinic_page(Permission.CLINICAL_RECORD)
def templates(request: HttpRequest, access: Access) -> HttpResponse:
    may_share = access.is_owner
    form = NoteTemplateForm(request.POST or None, may_share=may_share)
    if request.method == "POST" and form.is_valid():
        template: NoteTemplate = form.save(commit=False)
        template.clinic_id = access.membership.clinic_id
        template.owner = None if form.cleaned_data.get("clinic_wide") else access.user
        template.save()
        messages.success(request, _("Template “%(n)s” saved.") % {"n": template.name})
        return HttpResponseRedirect(_page_url(access))
    return render(
        request,
        "charting/templates.html",
        {
            "form": form,
            "templates": note_templates(access),
            "may_share": may_share,
            "favourites": InsertionFavourite.objects.of(access).filter(owner=access.membership),
        },
    )


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def template_delete(request: HttpRequest, access: Access, template_id: int) -> HttpResponse:
    template = next((t for t in note_templates(access) if t.pk == template_id), None)
    if template is None or (template.owner_id is None and not access.is_owner):
        raise Http404("No such template of yours.")
    NoteTemplate.objects.of(access).filter(pk=template.pk).delete()
    messages.success(request, _("Template “%(n)s” removed.") % {"n": template.name})
    return HttpResponseRedirect(_page_url(access))


@clinic_page(Permission.CLINICAL_RECORD)
@require_POST
def favourite_delete(request: HttpRequest, access: Access, favourite_id: int) -> HttpResponse:
    favourite = (
        InsertionFavourite.objects.of(access)
        .filter(pk=favourite_id, owner=access.membership)
        .first()
    )
    if favourite is None:
        raise Http404("No such favourite of yours.")
    favourite.delete()
    messages.success(request, _("Favourite “%(n)s” removed.") % {"n": favourite.name})
    return HttpResponseRedirect(_page_url(access))
