"""Test settings: the project's settings, with a fast password hasher.

The environment still decides the database (DATABASE_URL), the broker
(CELERY_BROKER_URL) and the cache (REDIS_URL), so the same suite runs on the
embedded default and on PostgreSQL and Redis in CI.
"""

import os

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault(
    "SECRET_KEY", "test-only-secret-key-with-enough-length-and-entropy-0123456789"
)
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from portal.settings import *  # noqa: E402,F403

# MD5 for speed; PBKDF2 too, as in production, so the temporary admin passwords
# (one PBKDF2 iteration, customers.services) verify.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tests must not depend on the shared broker unless they ask for it: they run
# tasks eagerly, and the Celery tests start their own worker on the real broker.
CELERY_TASK_ALWAYS_EAGER = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
