"""The parameter markers, where django-bolt users import them from (`django_bolt.params`
defines them)."""

from .params import Body, Cookie, Depends, File, Form, Header, Path, Query

__all__ = ["Query", "Path", "Header", "Cookie", "Form", "File", "Body", "Depends"]
