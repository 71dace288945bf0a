from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _insurers_present(sender: AppConfig, using: str = "default", **kwargs: Any) -> None:
    from filiform.insurance.seed import seed_insurers

    seed_insurers(sender.get_model("Insurer"), using=using)


class InsuranceConfig(AppConfig):
    name = "filiform.insurance"
    label = "insurance"
    verbose_name = "Insurance and direct billing"

    def ready(self) -> None:
        # After migrate and after flush (tests that flush the tables): the insurers are back.
        post_migrate.connect(_insurers_present, sender=self, dispatch_uid="insurers_present")

        from filiform.billing.reports import register_claims_source
        from filiform.clinics.cards import register_card
        from filiform.insurance.claims import claims_for_reports, invoice_claims_card

        register_card(page="invoice", name="insurance", order=10, context=invoice_claims_card)
        register_claims_source(claims_for_reports)
