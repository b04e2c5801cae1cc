#!/bin/sh
# The image's application build steps, run by the Dockerfile and by CI alike:
# static files collected with the production storage (hashed names and the
# manifest that a web process with DEBUG off reads), message catalogues compiled.
set -eu
DEBUG=0 SECRET_KEY="${SECRET_KEY:-build-time-only-never-used-to-sign-anything-0123456789}" \
  python manage.py collectstatic --no-input --verbosity 0
DEBUG=1 python manage.py compilemessages --verbosity 0
