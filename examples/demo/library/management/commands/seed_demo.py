"""Fill the demo database with a few authors and books (idempotent)."""

import datetime
from decimal import Decimal

from django.core.management.base import BaseCommand

from library.models import Author, Book

AUTHORS = {
    "Ursula K. Le Guin": (datetime.date(1929, 10, 21), [("A Wizard of Earthsea", "1968-11-01", "9.99"),
                                                        ("The Dispossessed", "1974-05-01", "12.50")]),
    "Octavia E. Butler": (datetime.date(1947, 6, 22), [("Kindred", "1979-06-01", "11.00")]),
    "Ted Chiang": (datetime.date(1967, 10, 20), [("Exhalation", "2019-05-07", "15.00")]),
}


class Command(BaseCommand):
    help = "Seed the demo database with authors and books"

    def handle(self, *args, **options):
        for name, (born, books) in AUTHORS.items():
            author, _ = Author.objects.get_or_create(name=name, defaults={"born": born})
            for title, published, price in books:
                Book.objects.get_or_create(
                    title=title, author=author,
                    defaults={"published": datetime.date.fromisoformat(published), "price": Decimal(price)})
        self.stdout.write(f"seeded {Author.objects.count()} authors, {Book.objects.count()} books")
