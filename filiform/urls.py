from django.urls import include, path

from filiform.api import api
from filiform.operations.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("accounts/", include("filiform.accounts.urls")),
    path("", include("filiform.clinics.urls")),
    path("", include("filiform.patients.urls")),
    path("", include("filiform.audit.urls")),
    path("", include("filiform.notices.urls")),
    path("", include("filiform.practitioners.urls")),
    path("", include("filiform.consent.urls")),
    path("", include("filiform.screening.urls")),
    path("", include("filiform.clearance.urls")),
    path("", include("filiform.anatomy.urls")),
    path("", include("filiform.supplies.urls")),
    path("", include("filiform.charting.urls")),
    path("", include("filiform.charting.urls_records")),
    path("", include("filiform.aftercare.urls")),
    path("", include("filiform.portal.urls")),
    path("", include("filiform.outcomes.urls")),
    path("", include("filiform.outcomes.urls_capture")),
    path("", include("filiform.billing.urls")),
    path("", include("filiform.billing.urls_reports")),
    path("", include("filiform.insurance.urls")),
    path("", include("filiform.insurance.urls_claims")),
]

handler403 = "filiform.clinics.errors.forbidden"
handler404 = "filiform.clinics.errors.not_found"
handler500 = "filiform.clinics.errors.server_error"
