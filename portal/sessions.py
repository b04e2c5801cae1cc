"""Sessions read from the cache, kept in the database: Django's cached_db, made outage-safe.

A request then reads its session with one Redis round trip instead of a query.
Every cache call goes through portal.outages.cache_call, so Redis being away
costs no timeout per request (the database answers) and never an error; and
a cache entry lapses after SIGNED_IN_SECONDS, so a change the cache missed
while it was unreachable (a sign-out's delete) is forgotten within minutes.
"""

from __future__ import annotations

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

from portal.outages import cache_call
from portal.signin import SIGNED_IN_SECONDS


class SessionStore(cached_db.SessionStore):
    def _cache_seconds(self, expiry=None) -> int:
        return max(0, min(self.get_expiry_age(expiry=expiry), SIGNED_IN_SECONDS))

    def load(self):
        data = cache_call(self._cache.get, self.cache_key)
        if data is None:
            stored = self._get_session_from_db()
            if stored:
                data = self.decode(stored.session_data)
                cache_call(
                    self._cache.set,
                    self.cache_key,
                    data,
                    self._cache_seconds(expiry=stored.expire_date),
                )
            else:
                data = {}
        return data

    def exists(self, session_key):
        if not session_key:
            return False
        cached = cache_call(self._cache.has_key, self.cache_key_prefix + session_key)
        return bool(cached) or DBStore.exists(self, session_key)

    def save(self, must_create=False):
        DBStore.save(self, must_create)
        cache_call(self._cache.set, self.cache_key, self._session, self._cache_seconds())

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        cache_call(self._cache.delete, self.cache_key_prefix + session_key)
