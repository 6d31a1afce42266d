"""Settings come from the environment, once, with defaults and errors that name the variable."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.settings import Settings, SettingsError, settings_table

HOME = {"HOME": "/home/analyst"}


def test_an_empty_environment_gives_the_documented_defaults() -> None:
    settings = Settings.from_env(HOME)

    assert settings == Settings(
        database_url=None,
        data_dir=Path("/home/analyst/.local/share/ppp-registry"),
        host="127.0.0.1",
        port=8000,
        write_threads=8,
        group_commit=True,
        max_body_bytes=1_048_576,
        run_projector=True,
        consistency_timeout=2.0,
        log_level="INFO",
    )


def test_every_variable_can_be_overridden() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://ppp:ppp@postgres:5432/ppp",
            "PPP_DATA_DIR": "/var/lib/ppp",
            "PPP_HOST": "0.0.0.0",
            "PPP_PORT": "9000",
            "PPP_WRITE_THREADS": "2",
            "PPP_GROUP_COMMIT": "false",
            "PPP_MAX_BODY_BYTES": "4096",
            "PPP_RUN_PROJECTOR": "false",
            "PPP_CONSISTENCY_TIMEOUT": "0.5",
            "PPP_LOG_LEVEL": "debug",
        }
    )

    assert settings == Settings(
        database_url="postgresql://ppp:ppp@postgres:5432/ppp",
        data_dir=Path("/var/lib/ppp"),
        host="0.0.0.0",
        port=9000,
        write_threads=2,
        group_commit=False,
        max_body_bytes=4096,
        run_projector=False,
        consistency_timeout=0.5,
        log_level="DEBUG",
    )


def test_the_data_directory_follows_xdg_data_home() -> None:
    settings = Settings.from_env({**HOME, "XDG_DATA_HOME": "/srv/data"})

    assert settings.data_dir == Path("/srv/data/ppp-registry")


def test_a_relative_xdg_data_home_is_ignored_as_the_xdg_specification_requires() -> None:
    settings = Settings.from_env({**HOME, "XDG_DATA_HOME": "data"})

    assert settings.data_dir == Path("/home/analyst/.local/share/ppp-registry")


def test_an_empty_value_means_the_default() -> None:
    settings = Settings.from_env({**HOME, "DATABASE_URL": "", "PPP_PORT": " "})

    assert (settings.database_url, settings.port) == (None, 8000)


@pytest.mark.parametrize("text", ["1", "true", "YES", "on"])
def test_the_projector_flag_accepts_the_usual_spellings_of_true(text: str) -> None:
    assert Settings.from_env({**HOME, "PPP_RUN_PROJECTOR": text}).run_projector is True


@pytest.mark.parametrize("text", ["0", "false", "No", "OFF"])
def test_the_projector_flag_accepts_the_usual_spellings_of_false(text: str) -> None:
    assert Settings.from_env({**HOME, "PPP_RUN_PROJECTOR": text}).run_projector is False


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/ppp"),
        ("PPP_HOST", "local host"),
        ("PPP_PORT", "http"),
        ("PPP_PORT", "0"),
        ("PPP_PORT", "65536"),
        ("PPP_WRITE_THREADS", "0"),
        ("PPP_WRITE_THREADS", "-1"),
        ("PPP_MAX_BODY_BYTES", "1MB"),
        ("PPP_RUN_PROJECTOR", "maybe"),
        ("PPP_CONSISTENCY_TIMEOUT", "soon"),
        ("PPP_CONSISTENCY_TIMEOUT", "0"),
        ("PPP_CONSISTENCY_TIMEOUT", "nan"),
        ("PPP_CONSISTENCY_TIMEOUT", "inf"),
        ("PPP_LOG_LEVEL", "LOUD"),
    ],
)
def test_an_invalid_value_is_refused_naming_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match=variable) as refusal:
        Settings.from_env({**HOME, variable: value})

    assert refusal.value.variable == variable
    assert isinstance(refusal.value, ValueError)


@given(st.integers(min_value=1, max_value=65535))
def test_every_tcp_port_is_accepted(port: int) -> None:
    assert Settings.from_env({**HOME, "PPP_PORT": str(port)}).port == port


@given(st.one_of(st.integers(max_value=0), st.integers(min_value=65536)))
def test_a_number_outside_the_tcp_port_range_is_refused(number: int) -> None:
    with pytest.raises(SettingsError, match="PPP_PORT"):
        Settings.from_env({**HOME, "PPP_PORT": str(number)})


@given(st.text(min_size=1).filter(lambda text: text.strip() and not text.strip().isascii()))
def test_a_port_that_is_not_plain_ascii_digits_is_refused(text: str) -> None:
    with pytest.raises(SettingsError, match="PPP_PORT"):
        Settings.from_env({**HOME, "PPP_PORT": text})


@given(st.from_regex(r"[0-9]{1,4}[^0-9\s][0-9]{0,4}", fullmatch=True))
def test_a_port_with_anything_but_digits_in_it_is_refused(text: str) -> None:
    with pytest.raises(SettingsError, match="PPP_PORT"):
        Settings.from_env({**HOME, "PPP_PORT": text})


def test_the_settings_table_documents_every_setting_once() -> None:
    table = settings_table()

    assert len(table) == len(dataclasses.fields(Settings))
    assert len({variable for variable, _default, _meaning in table}) == len(table)
    assert all(variable and default and meaning for variable, default, meaning in table)
    assert table[0][0] == "DATABASE_URL"


def test_the_database_url_stays_out_of_the_settings_repr() -> None:
    settings = Settings.from_env({**HOME, "DATABASE_URL": "postgresql://ppp:secret@db/ppp"})

    assert "secret" not in repr(settings)


def test_the_readme_documents_every_setting() -> None:
    from pathlib import Path

    from registry.settings import settings_table

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for variable, _default, meaning in settings_table():
        assert f"`{variable}`" in readme and meaning in readme, variable
