"""Django's ``migrate``, run as the owning role when FILIFORM_MIGRATION_DATABASE_URL is set, then
granting the application's role its privileges (filiform/audit/db_roles.py)."""

from __future__ import annotations

from typing import Any

import dj_database_url
from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS, connections

from filiform.audit.db_roles import RoleSetupError, database_roles_grant, owner_settings


class Command(DjangoMigrate):
    help = (
        f"{DjangoMigrate.help} With FILIFORM_MIGRATION_DATABASE_URL set (PostgreSQL), runs as "
        "that role and then grants DATABASE_URL's role read and write, append-only on the audit log."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        owner_url = settings.FILIFORM_MIGRATION_DATABASE_URL
        if not owner_url or options["database"] != DEFAULT_DB_ALIAS:
            super().handle(*args, **options)
            return
        connection = connections[DEFAULT_DB_ALIAS]
        app_role = str(connection.settings_dict["USER"])
        try:
            as_owner = owner_settings(connection.settings_dict, dj_database_url.parse(owner_url))
        except RoleSetupError as error:
            raise CommandError(str(error)) from error
        # One process, one migration: the default connection becomes the owner's, so that data
        # migrations (which use the default alias) run as the owner too.
        connection.close()
        connection.settings_dict.update(as_owner)
        super().handle(*args, **options)
        try:
            database_roles_grant(connection=connection, app_role=app_role)
        except RoleSetupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Granted {app_role}: read and write, append-only on the audit log (owner: "
            f"{as_owner['USER']})."
        )
