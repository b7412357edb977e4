"""django-bolt's older module name for `django_bolt.status`."""

from .status import *  # noqa: F403
