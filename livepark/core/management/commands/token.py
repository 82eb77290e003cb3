"""`livepark token create USER [--name N]` (prints the token alone on its last line) / `token revoke PREFIX`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from livepark.core import audit
from livepark.core.errors import ServiceError
from livepark.core.models import User
from livepark.core.services import token_create, token_revoke


class Command(BaseCommand):
    help = "Create or revoke API tokens."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="issue a token for a user")
        create.add_argument("username")
        create.add_argument("--name", default="")
        revoke = sub.add_parser("revoke", help="revoke a token by its prefix or the whole token")
        revoke.add_argument("token")
        lst = sub.add_parser("list", help="list a user's tokens")
        lst.add_argument("username")

    def handle(self, *args, action, **options):
        with audit.channel("cli"):
            try:
                if action == "create":
                    user = User.objects.filter(username=options["username"]).first()
                    if user is None:
                        raise CommandError(f"no user {options['username']}")
                    token, secret = token_create(actor=None, user=user, name=options["name"])
                    self.stdout.write(f"token {token.prefix} for {user.username}; shown once, store it now:")
                    self.stdout.write(secret)
                elif action == "revoke":
                    token = token_revoke(actor=None, prefix=options["token"])
                    self.stdout.write(f"revoked {token.prefix}")
                else:
                    for t in User.objects.get(username=options["username"]).api_tokens.order_by("created_at"):
                        state = "revoked" if t.revoked_at else "active"
                        self.stdout.write(f"{t.prefix}\t{state}\t{t.name}\t{t.created_at:%Y-%m-%d %H:%M}")
            except ServiceError as exc:
                raise CommandError(exc.detail) from None
            except User.DoesNotExist:
                raise CommandError(f"no user {options['username']}") from None
