from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "filiform.billing"
    label = "billing"
    verbose_name = "Billing"
