"""Who is who, asked of the Hub: users' names, groups, admin flags and last activity, cached briefly."""
from __future__ import annotations

import asyncio
import json
import logging
import time

from tornado.httpclient import AsyncHTTPClient, HTTPRequest

log = logging.getLogger("leading-edge")
USERS_CACHE_S = 30
FRESH_S = 5.0  # the least time between two fresh readings of the user list for names not in it


class HubDirectory:
    """Hub users (names, groups, admin flags, last activity), cached briefly."""

    def __init__(self, api_url: str, token: str, group: str):
        self.api_url, self.token, self.group = api_url.rstrip("/"), token, group
        self._users: list[dict] = []
        self._fetched = 0.0
        self._groups: dict[str, set[str]] = {}
        self._groups_fetched = float("-inf")
        self._last_fresh = float("-inf")
        self._lock = asyncio.Lock()
        self._refresh: asyncio.Future | None = None  # a background re-read of the user list

    async def _get(self, path: str):
        req = HTTPRequest(f"{self.api_url}/{path}", headers={"Authorization": f"token {self.token}"},
                          request_timeout=20)
        resp = await AsyncHTTPClient().fetch(req)
        return json.loads(resp.body)

    async def _all(self, resource: str) -> list[dict]:
        """Every item of one of the Hub's paged lists (users, groups), 200 a request."""
        items: list[dict] = []
        while True:
            page = await self._get(f"{resource}?offset={len(items)}&limit=200")
            page = page["items"] if isinstance(page, dict) else page
            items += page
            if len(page) < 200:
                return items

    async def users(self, fresh: bool = False) -> list[dict]:
        """Every hub user. A list older than ``USERS_CACHE_S`` is answered at once and read again in
        the background (paging through 1,000 users takes the Hub most of a second, which would
        otherwise fall on whichever dashboard asked next); ``fresh``, or no list yet, waits for it."""
        if not fresh and self._fetched:
            if time.monotonic() - self._fetched > USERS_CACHE_S and (self._refresh is None or self._refresh.done()):
                self._refresh = asyncio.ensure_future(self._reread())
            return self._users
        async with self._lock:
            if fresh or not self._fetched:
                self._users, self._fetched = await self._all("users"), time.monotonic()
            return self._users

    async def _reread(self) -> None:
        try:
            async with self._lock:
                if time.monotonic() - self._fetched > USERS_CACHE_S:
                    self._users, self._fetched = await self._all("users"), time.monotonic()
        except Exception as exc:  # noqa: BLE001 - the old list serves until the Hub answers again
            log.warning("could not list hub users: %s", exc)

    async def user(self, name: str) -> dict | None:
        """The Hub's model of ``name`` (groups, admin flag), or None if the Hub has no such user. A
        name missing from the cached list is asked again, but at most every few seconds: requests
        naming users who do not exist cannot make the service re-read a long list each time."""
        found = next((u for u in await self.users() if u["name"] == name), None)
        if found is None and time.monotonic() - self._last_fresh >= FRESH_S:
            self._last_fresh = time.monotonic()
            found = next((u for u in await self.users(fresh=True) if u["name"] == name), None)
        return found

    async def groups(self) -> dict[str, set[str]]:
        """Every hub group and its members (cached as long as the users): whether a cohort file's
        group exists, and who is in it."""
        async with self._lock:
            if time.monotonic() - self._groups_fetched > USERS_CACHE_S:
                groups = {g["name"]: set(g.get("users") or []) for g in await self._all("groups")}
                self._groups, self._groups_fetched = groups, time.monotonic()
            return self._groups

    def is_facilitator_model(self, model: dict) -> bool:
        return bool(model.get("admin")) or self.group in (model.get("groups") or [])

    async def is_facilitator(self, model: dict) -> bool:
        if self.is_facilitator_model(model):
            return True
        # A token's own model carries groups but not the admin flag: ask the Hub (briefly cached).
        try:
            found = await self.user(model["name"])
            if found is not None:
                return self.is_facilitator_model(found)
        except Exception as exc:  # noqa: BLE001 - the Hub unreachable: treat as a participant
            log.warning("could not ask the Hub whether %s is an admin: %s", model["name"], exc)
        return False

