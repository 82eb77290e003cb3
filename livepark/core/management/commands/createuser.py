"""`livepark createuser NAME --role ROLE [--enterprise USCC] [--anchor ID] [--password P]`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from livepark.core import audit
from livepark.core.errors import ServiceError
from livepark.core.roles import Role
from livepark.core.services import user_create
from livepark.registry.models import Anchor, Enterprise


class Command(BaseCommand):
    help = "Create a login with one role."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--enterprise", help="USCC of the user's enterprise (enterprise and bank roles)")
        parser.add_argument("--anchor", type=int, help="Anchor id (anchor role)")
        parser.add_argument("--password", help="omit for a login that can only use API tokens")
        parser.add_argument("--name", default="", help="display name")

    def handle(self, *args, username, role, enterprise, anchor, password, name, **options):
        ent = None
        if enterprise:
            ent = Enterprise.objects.filter(uscc=enterprise.upper()).first()
            if ent is None:
                raise CommandError(f"no enterprise with USCC {enterprise}")
        anc = Anchor.objects.filter(pk=anchor).first() if anchor else None
        if anchor and anc is None:
            raise CommandError(f"no anchor with id {anchor}")
        try:
            with audit.channel("cli"):
                user = user_create(
                    actor=None,
                    username=username,
                    role=role,
                    password=password,
                    enterprise=ent,
                    anchor=anc,
                    display_name=name,
                )
        except ServiceError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(f"created {user.username} ({user.get_role_display()})")
