"""Project-level API: discovered from ROOT_URLCONF's package (demo.api)."""

from django_bolt import BoltAPI

api = BoltAPI()


@api.get("/health")
def health() -> dict:
    return {"status": "ok"}
