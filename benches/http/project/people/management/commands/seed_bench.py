"""`manage.py seed_bench`: the rows `GET /users` reads (benchdata.members())."""

import benchdata
from django.core.management.base import BaseCommand

from people.models import Member


class Command(BaseCommand):
    help = "Replace the Member rows with the benchmark's"

    def handle(self, *args, **options):
        Member.objects.all().delete()
        Member.objects.bulk_create(Member(**row, bio="x" * 500) for row in benchdata.members())
        self.stdout.write(f"seeded {Member.objects.count()} members")
