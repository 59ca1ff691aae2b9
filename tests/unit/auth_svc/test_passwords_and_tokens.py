"""Password hashing parameters and rules, and token generation."""

from __future__ import annotations

from argon2 import PasswordHasher

from auth_svc.lib.passwords import PasswordHashing, common_passwords, is_common_password
from auth_svc.lib.tokens import hash_token, new_token


async def test_hashes_use_argon2id_with_the_owasp_parameters() -> None:
    hashing = PasswordHashing()
    stored = await hashing.hash("correct horse battery")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert (await hashing.verify(stored, "correct horse battery")).matches
    assert not (await hashing.verify(stored, "wrong horse battery")).matches
    assert not (await hashing.verify("not a hash", "anything")).matches


async def test_a_hash_with_older_parameters_comes_back_rehashed() -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("pw pw pw pw pw")
    verification = await PasswordHashing().verify(old, "pw pw pw pw pw")
    assert verification.matches
    assert verification.new_hash is not None
    assert verification.new_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_the_common_password_list_ships_and_matches_case_insensitively() -> None:
    assert len(common_passwords()) > 50
    assert is_common_password("Password1234")
    assert not is_common_password("violet tractor lantern")


def test_tokens_are_long_random_and_stored_as_hashes() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(len(token) >= 43 for token in tokens)  # 32 bytes, URL-safe base64
    token = tokens.pop()
    assert hash_token(token) == hash_token(token) != token
    assert len(hash_token(token)) == 64
