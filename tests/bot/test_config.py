from pathlib import Path

import pytest

from bot.config import (
    CacheConfig,
    Config,
    InvalidConfig,
    config_from_dict,
    load_config,
    secret,
)
from bot.errors import ConfigError

EXAMPLE = Path(__file__).parents[2] / "config.example.toml"


def test_example_config_loads_and_matches_defaults():
    assert load_config(EXAMPLE) == Config()


def test_every_key_is_in_the_example_with_a_comment():
    import dataclasses

    text = EXAMPLE.read_text()

    def walk(cls):
        for f in dataclasses.fields(cls):
            if dataclasses.is_dataclass(f.type) or dataclasses.is_dataclass(f.default):
                yield from walk(type(f.default))
            else:
                yield f.name

    for name in walk(Config):
        if name in ("summarizer", "fetch"):
            continue
        assert f"\n{name} = " in text or f"\n# {name} = " in text, f"{name} missing"


def test_every_key_in_the_example_is_documented_by_a_comment():
    lines = EXAMPLE.read_text().splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.lstrip().startswith("#") and not line.startswith("["):
            # a comment right above, or above a pair of related keys (min/max)
            above = [lines[i - 1].lstrip(), lines[i - 2].lstrip()]
            assert any(a.startswith("#") for a in above), f"undocumented: {line}"


def test_no_file_gives_defaults():
    assert load_config(None) == Config()


def test_values_are_read_and_immutable():
    config = config_from_dict(
        {"summarizer": {"bullets": 5}, "policy": {"channels": {"slack:T1:C1": "auto"}}}
    )
    assert config.summarizer.bullets == 5
    assert config.policy.channels["slack:T1:C1"] == "auto"
    with pytest.raises(AttributeError):
        config.summarizer.bullets = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.policy.channels["x"] = "off"  # type: ignore[index]


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"summarizer": {"bulets": 5}}, "summarizer.bulets"),
        ({"sumarizer": {}}, "sumarizer"),
        ({"summarizer": {"bullets": 50}}, "summarizer.bullets must be between 1 and 10"),
        ({"summarizer": {"bullets": "3"}}, "summarizer.bullets must be an integer"),
        ({"summarizer": {"bullets": True}}, "summarizer.bullets must be an integer"),
        ({"fetch": {"timeout_total": "fast"}}, "fetch.timeout_total must be a number"),
        ({"fetch": {"allowed_networks": "10.0.0.0/8"}}, "fetch.allowed_networks must be a list"),
        ({"fetch": {"allowed_ports": [80, "x"]}}, "fetch.allowed_ports[1] must be an integer"),
        ({"policy": {"default": "always"}}, "policy.default must be one of"),
        ({"policy": {"channels": {"slack:T1": "loud"}}}, "policy.channels.slack:T1"),
        ({"slack": {"enabled": "yes"}}, "slack.enabled must be true or false"),
        ({"summarizer": {"generation": {"num_beams": 0}}}, "summarizer.generation.num_beams"),
        ({"cache": []}, "cache: expected a table"),
    ],
)
def test_bad_values_name_the_key(data, needle):
    with pytest.raises(ConfigError) as err:
        config_from_dict(data)
    assert needle in str(err.value)


def test_invalid_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[summarizer\nbullets = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


def test_secret_names_the_variable(monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        secret("SLACK_BOT_TOKEN", required_for="Slack")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    assert secret("SLACK_BOT_TOKEN", required_for="Slack") == "xoxb-1"


def test_every_problem_is_reported_at_once_with_a_hint():
    with pytest.raises(InvalidConfig) as err:
        config_from_dict(
            {
                "sumarizer": {"bullets": 3},
                "summarizer": {"bullets": 50, "generation": {"num_beams": "4"}},
                "fetch": {"allowed_ports": [80, "x", 443, -1.5]},
            }
        )
    assert list(err.value.problems) == [
        "unknown config key 'sumarizer'; did you mean 'summarizer'?",
        "summarizer.bullets must be between 1 and 10, got 50",
        "summarizer.generation.num_beams must be an integer, got '4'",
        "fetch.allowed_ports[1] must be an integer, got 'x'",
        "fetch.allowed_ports[3] must be an integer, got -1.5",
    ]
    assert str(err.value).startswith("5 problems in the config:\n  - unknown config key")


def test_an_unknown_key_without_a_near_match_lists_the_known_ones():
    with pytest.raises(ConfigError) as err:
        config_from_dict({"cache": {"zzz": 1}})
    assert "did you mean" not in str(err.value)
    assert "; known keys here: backend, data_dir," in str(err.value)


# --- where the SQLite files live ----------------------------------------------------------------


@pytest.fixture
def platform_dirs(monkeypatch, tmp_path):
    """platformdirs reads XDG_* on Linux: point them at tmp_path, and work in an empty cwd."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("NEWSBOT_DATA_DIR", raising=False)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    return tmp_path


def test_default_cache_and_state_live_in_the_user_platform_dirs(platform_dirs):
    cache = CacheConfig()
    assert cache.data_dir == ""
    assert cache.cache_dir() == platform_dirs / "cache" / "newsbot"
    assert cache.state_dir() == platform_dirs / "data" / "newsbot"


async def test_sqlite_files_are_created_there_and_not_in_the_cwd(platform_dirs):
    from bot.cache import open_cache
    from bot.state import open_state_store

    cache = open_cache(CacheConfig())
    await cache.put_success("k", {"bullets": [{"text": "A fact."}]}, 60)
    await cache.close()
    state = open_state_store(CacheConfig())
    assert await state.claim("event-1", 60) is True
    await state.close()
    assert (platform_dirs / "cache" / "newsbot" / "cache.sqlite3").is_file()
    assert (platform_dirs / "data" / "newsbot" / "state.sqlite3").is_file()
    assert list((platform_dirs / "cwd").iterdir()) == []


def test_data_dir_or_the_environment_puts_both_files_in_one_folder(platform_dirs, monkeypatch):
    monkeypatch.setenv("NEWSBOT_DATA_DIR", "/srv/newsbot")
    from_env = CacheConfig()
    assert from_env.cache_dir() == from_env.state_dir() == Path("/srv/newsbot")
    chosen = CacheConfig(data_dir="here")  # the config wins over the environment
    assert chosen.cache_dir() == chosen.state_dir() == Path("here")


def test_container_keeps_its_volume_path():
    """The image's placeholder config leaves data_dir empty: the Dockerfile must name the
    folder on its volume, where the files lived before platform dirs."""
    dockerfile = (EXAMPLE.parent / "Dockerfile").read_text()
    assert load_config(EXAMPLE).cache.data_dir == ""
    assert "COPY config.example.toml /etc/newsbot/config.toml" in dockerfile
    assert "NEWSBOT_DATA_DIR=/var/lib/newsbot/data" in dockerfile
    assert 'VOLUME ["/var/lib/newsbot"]' in dockerfile
