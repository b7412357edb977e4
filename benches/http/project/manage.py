#!/usr/bin/env python
"""The Django project both django-bolt servers (this project's and django-bolt 0.13) serve."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "benchsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
