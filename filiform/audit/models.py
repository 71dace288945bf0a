"""The audit log: append-only, hash-chained.

Each entry stores the hash of the one before it and a gapless sequence number, so that an edited,
inserted or deleted entry breaks the chain at a findable place (``filiform audit verify``).
Database triggers refuse UPDATE and DELETE on the table (see the migrations).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditAction(models.TextChoices):
    READ = "read", _("Read")
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    EXPORT = "export", _("Export")
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOCKED_OUT = "locked_out", _("Locked out")
    LOGOUT = "logout", _("Signed out")
    IDLE_LOGOUT = "idle_logout", _("Signed out when idle")
    OTP_VERIFIED = "otp_verified", _("Two-factor code accepted")
    OTP_FAILED = "otp_failed", _("Two-factor code refused")
    OTP_ENROLLED = "otp_enrolled", _("Two-factor enrolled")
    OTP_REMOVED = "otp_removed", _("Two-factor removed")
    RECOVERY_CODES = "recovery_codes", _("Recovery codes issued")
    RECOVERY_CODE_USED = "recovery_code_used", _("Recovery code used")
    PASSWORD_RESET = "password_reset", _("Password reset requested")
    PASSWORD_CHANGED = "password_changed", _("Password changed")
    PERMISSION_DENIED = "permission_denied", _("Permission denied")
    CSRF_FAILURE = "csrf_failure", _("Form check failed (CSRF)")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    TOKEN_REFUSED = "token_refused", _("API token refused")
    CLINIC_SWITCH = "clinic_switch", _("Switched clinic")


class AuditChainHead(models.Model):
    """One row per database: the last sequence number and hash, locked while appending."""

    seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    def __str__(self) -> str:
        return f"audit chain head #{self.seq}"


class AuditEntry(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_email = models.CharField(max_length=254, blank=True)
    clinic_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=32, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=500, blank=True)
    via = models.CharField(max_length=16, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering: ClassVar[list[str]] = ["-seq"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["clinic_id", "-at"], name="audit_clinic_time"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def payload(self) -> dict[str, Any]:
        """The fields the hash covers, in a stable form."""
        return {
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_email": self.actor_email,
            "clinic_id": self.clinic_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "patient_id": self.patient_id,
            "ip": self.ip,
            "user_agent": self.user_agent,
            "via": self.via,
            "detail": self.detail,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        canonical = json.dumps(self.payload(), sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
