"""argon2id password hashing off the event loop, and the password rules.

Hashing costs ~19 MiB and tens of milliseconds of CPU, so it runs in a worker thread and at
most one hash per CPU runs at a time: a burst of sign-ins queues instead of exhausting
memory or starving the event loop.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text().splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def is_common_password(password: str) -> bool:
    return password.lower() in common_passwords()


RESEMBLANCE_MIN_LENGTH = 4  # "Eve" would refuse "seven", "Ada" "Canada": too many good ones


def resembles_account(password: str, email: str, display_name: str) -> bool:
    """The password is the address, or contains its local part or the display name
    (case-insensitive): the first things an attacker who knows the person tries."""
    folded = password.casefold()
    local_part = email.rpartition("@")[0]
    if folded == email.casefold():
        return True
    pieces = (local_part, display_name.strip())
    return any(
        len(piece) >= RESEMBLANCE_MIN_LENGTH and piece.casefold() in folded for piece in pieces
    )


def usable_cpus() -> int:
    """The CPUs this process may run on (taskset, cgroup cpusets), not the machine's: two
    hashes interleaved on one core take longer each and evict each other's 19 MiB from
    the cache, so each costs more CPU than one after the other."""
    return len(os.sched_getaffinity(0)) or 1


@dataclass
class Verification:
    matches: bool
    new_hash: str | None = None  # set when the stored hash used older parameters


@dataclass
class PasswordHashing:
    memory_cost: int = 19456
    time_cost: int = 2
    parallelism: int = 1
    max_concurrency: int = field(default_factory=lambda: usable_cpus())

    def __post_init__(self) -> None:
        self._hasher = PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_cost,
            parallelism=self.parallelism,
            type=Type.ID,
        )
        self._slots = asyncio.Semaphore(self.max_concurrency)
        self._dummy_hash: str | None = None

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str, password: str) -> Verification:
        async with self._slots:
            return await asyncio.to_thread(self._verify, stored_hash, password)

    async def verify_against_dummy(self, password: str) -> None:
        """Spend the same time as a real check, for e-mail addresses without an account."""
        if self._dummy_hash is None:
            self._dummy_hash = await self.hash("dummy password for unknown accounts")
        await self.verify(self._dummy_hash, password)

    def _verify(self, stored_hash: str, password: str) -> Verification:
        try:
            self._hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return Verification(matches=False)
        if self._hasher.check_needs_rehash(stored_hash):
            return Verification(matches=True, new_hash=self._hasher.hash(password))
        return Verification(matches=True)
