from pathlib import Path

import pytest

from bot.config import Config, config_from_dict, load_config, secret
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
