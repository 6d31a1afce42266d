"""Database addresses: parsed as libpq does, usable by psycopg, asyncpg and eventsourcing."""

from __future__ import annotations

import dataclasses

import asyncpg
import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.database import DatabaseAddress, open_database
from registry.settings import Settings

# Any text a URL can carry once percent-encoded (no lone surrogates: they have no UTF-8).
_TEXT = st.characters(codec="utf-8")
_HOST_NAMES = st.from_regex(
    r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?(\.[a-z0-9]{1,10}){0,3}", fullmatch=True
)
_IP_ADDRESSES = st.ip_addresses().map(str)
_SOCKET_DIRS = st.from_regex(r"/[A-Za-z0-9 ._%&+=/-]{0,40}", fullmatch=True)

addresses = st.builds(
    DatabaseAddress,
    host=st.one_of(_HOST_NAMES, _IP_ADDRESSES, _SOCKET_DIRS),
    port=st.integers(min_value=1, max_value=65535),
    user=st.text(_TEXT, min_size=1),
    password=st.text(_TEXT),
    dbname=st.text(_TEXT, min_size=1),
)


@given(addresses)
def test_an_address_survives_a_round_trip_through_its_dsn(address: DatabaseAddress) -> None:
    assert DatabaseAddress.from_url(address.dsn()) == address


def test_a_url_gives_every_part_of_the_address() -> None:
    address = DatabaseAddress.from_url("postgresql://ppp:s3cret@db.example.org:6543/registry")

    assert address == DatabaseAddress("db.example.org", 6543, "ppp", "s3cret", "registry")


def test_the_short_postgres_scheme_is_accepted() -> None:
    assert DatabaseAddress.from_url("postgres://ppp@db/ppp").host == "db"


def test_missing_parts_default_as_libpq_does() -> None:
    address = DatabaseAddress.from_url("postgresql://analyst@db")

    assert (address.port, address.password, address.dbname) == (5432, "", "analyst")


def test_an_empty_url_means_postgres_on_localhost() -> None:
    address = DatabaseAddress.from_url("postgresql://")

    assert address == DatabaseAddress("localhost", 5432, "postgres", "", "postgres")


def test_percent_encoded_parts_are_decoded() -> None:
    address = DatabaseAddress.from_url("postgresql://us%40r:p%3Aw%2Fd@db/data%20base")

    assert (address.user, address.password, address.dbname) == ("us@r", "p:w/d", "data base")


def test_a_socket_directory_may_be_given_as_the_host_parameter() -> None:
    address = DatabaseAddress.from_url("postgresql://postgres@/ppp?host=/var/run/postgresql")

    assert address == DatabaseAddress("/var/run/postgresql", 5432, "postgres", "", "ppp")


def test_a_percent_encoded_socket_directory_may_be_given_as_the_host() -> None:
    address = DatabaseAddress.from_url("postgresql://postgres@%2Ftmp%2Fpg:5433/ppp")

    assert (address.host, address.port, address.is_socket) == ("/tmp/pg", 5433, True)


def test_an_ipv6_host_is_written_in_brackets() -> None:
    address = DatabaseAddress.from_url("postgresql://ppp@[::1]:5433/ppp")

    assert (address.host, address.port) == ("::1", 5433)
    assert "@[::1]:5433/" in address.dsn()


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("mysql://root@localhost/ppp", "postgresql://"),
        ("postgresql://ppp@db:port/ppp", "port"),
        ("postgresql://ppp@db:70000/ppp", "port"),
        ("postgresql://ppp@db/ppp?sslmode=require", "sslmode"),
    ],
)
def test_a_url_the_registry_cannot_use_is_refused(url: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        DatabaseAddress.from_url(url)


def test_the_eventsourcing_library_gets_the_same_address() -> None:
    address = DatabaseAddress("/tmp/pg", 5432, "postgres", "", "ppp")

    assert address.eventsourcing_env() == {
        "POSTGRES_DBNAME": "ppp",
        "POSTGRES_HOST": "/tmp/pg",
        "POSTGRES_PORT": "5432",
        "POSTGRES_USER": "postgres",
        "POSTGRES_PASSWORD": "",
    }


def test_with_dbname_changes_only_the_database() -> None:
    address = DatabaseAddress("db", 5432, "ppp", "pw", "postgres")

    assert address.with_dbname("ppp_test") == dataclasses.replace(address, dbname="ppp_test")


def test_the_password_stays_out_of_the_address_repr() -> None:
    assert "s3cret" not in repr(DatabaseAddress("db", 5432, "ppp", "s3cret", "ppp"))


def test_a_database_url_is_used_as_it_is_without_starting_anything() -> None:
    settings = Settings.from_env(
        {"HOME": "/nonexistent", "DATABASE_URL": "postgresql://ppp@db/ppp"}
    )

    with open_database(settings) as address:
        assert address == DatabaseAddress("db", 5432, "ppp", "", "ppp")


def test_psycopg_connects_with_the_dsn(database: DatabaseAddress) -> None:
    with psycopg.connect(database.dsn()) as connection:
        row = connection.execute("select 1, current_database()").fetchone()

    assert row == (1, database.dbname)


@pytest.mark.anyio
async def test_asyncpg_connects_with_the_dsn(database: DatabaseAddress) -> None:
    connection = await asyncpg.connect(database.dsn())
    try:
        row = await connection.fetchrow("select 1 as one, current_database() as name")
    finally:
        await connection.close()

    assert row is not None
    assert (row["one"], row["name"]) == (1, database.dbname)


def test_a_nested_use_of_the_embedded_server_leaves_it_running(
    postgres_settings: Settings, postgres_server: DatabaseAddress
) -> None:
    if postgres_settings.database_url is not None:
        pytest.skip("DATABASE_URL is set: no embedded server to share")

    with open_database(postgres_settings) as address:
        assert address == postgres_server

    with psycopg.connect(postgres_server.dsn()) as connection:
        assert connection.execute("select 1").fetchone() == (1,)
