#!/usr/bin/env python
"""The middleware test project (tests/test_middleware_server.py and benches/middleware.py)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mwsite.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
