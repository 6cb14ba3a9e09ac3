#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practice.settings")
    from django.core.management import execute_from_command_line

    from records.keycheck import KeyCheckFailed

    try:
        execute_from_command_line(sys.argv)
    except KeyCheckFailed as exc:
        # A wrong FIELD_ENCRYPTION_KEY: the message, not a traceback.
        print(exc, file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
