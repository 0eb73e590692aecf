from django.core.management.base import BaseCommand, CommandError

from continuity.models import APIKey, Customer, Scope


class Command(BaseCommand):
    help = "Create an API key bound to a customer (or staff-wide); prints the key as the last line."

    def add_arguments(self, parser):
        bound = parser.add_mutually_exclusive_group(required=True)
        bound.add_argument("--customer", help="slug of the customer the key is bound to")
        bound.add_argument("--staff", action="store_true", help="a staff-wide key")
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", default="read", help="comma-separated: read,write,ingest")

    def handle(self, *args, customer=None, staff=False, name: str, scopes: str, **options):
        wanted = [scope.strip() for scope in scopes.split(",") if scope.strip()]
        unknown = sorted(set(wanted) - set(Scope.values))
        if not wanted or unknown:
            raise CommandError(
                f"Unknown scope(s) {', '.join(unknown) or '(none given)'}; "
                f"choose from {', '.join(Scope.values)}."
            )
        owner = None
        if customer:
            owner = Customer.objects.filter(slug=customer).first()
            if owner is None:
                raise CommandError(f"No customer with slug '{customer}'.")
        key, raw_key = APIKey.generate(name=name, scopes=wanted, customer=owner)
        bound_to = f"customer {owner.slug}" if owner else "staff"
        self.stdout.write(f"Created key '{key.name}' ({bound_to}; scopes {', '.join(key.scopes)}).")
        self.stdout.write("Store it now: it is not shown again.")
        self.stdout.write(raw_key)
