"""What charting tells other apps, inside the transaction of the change (a receiver that fails
rolls the change back, so a signed visit never lacks what signing must bring with it)."""

from django.dispatch import Signal

# sent with visit=<Visit>, access=<Access> once a visit is signed and locked
visit_signed = Signal()
# sent with visit=<Visit>, access=<Access> when a visit is marked entered in error
visit_entered_in_error = Signal()
