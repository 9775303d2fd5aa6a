"""Page furniture (captions, credits, agency trailers) never reaches the ranker."""

import pytest

from summarizer.boilerplate import is_boilerplate
from summarizer.sentences import split_sentences

WIRE_STORY = "\n".join([
    "FILE PHOTO: Cranes unload a freighter at the port of Porthallow, Cornwall, May 2, 2025. "
    "REUTERS/Jo Pengelly/File Photo",
    "PORTHALLOW, Cornwall, Nov 24 (Reuters) - Orders for Cornish fishing boats rose for a third "
    "month in October, the harbour board said on Monday.",
    "Advertisement · Scroll to continue",
    "Boatyards reported 41 new orders, up from 29 a year earlier.",
    "A fishing boat leaves the harbour at dawn. (AP Photo/Sam Trelawny, File)",
    "Media playback is unsupported on your device",
    "Support for the new quota rules fell to 38%, according to a Reuters/Ipsos poll.",
    "Reporting by Kate Polglase in Porthallow; Editing by Tom Ray",
    "Kerenza Hocking contributed to this report.",
    "Our Standards: The Thomson Reuters Trust Principles.",
])


def test_wire_story_keeps_only_story_sentences():
    assert [s.text for s in split_sentences(WIRE_STORY)] == [
        "Orders for Cornish fishing boats rose for a third month in October, the harbour board "
        "said on Monday.",
        "Boatyards reported 41 new orders, up from 29 a year earlier.",
        "Support for the new quota rules fell to 38%, according to a Reuters/Ipsos poll.",
    ]


@pytest.mark.parametrize(
    "line",
    [
        "FILE - A trawler is moored in the harbour, Oct. 5, 2024.",
        "REUTERS/Jo Pengelly",
        "Trawlers in the harbour on Sunday. Photograph: Jo Pengelly/Reuters",
        "Boats in the bay. (Photo by Jo Pengelly/Getty Images)",
        "Boats in the bay. AFP via Getty Images",
        "Additional reporting by Kate Polglase; Writing by Tom Ray; Editing by Ann Lee",
        "cnn 's jo pengelly and tom ray contributed to this report .",
        "Tom Ray contributed reporting from Truro.",
        "Image source, Getty Images",
        "Scroll down for video",
        "scroll down for video .",
        "Follow @newsbotwire on Twitter for the latest updates.",
        "Share your photos with Newsbot Wire.",
        "ADVERTISEMENT",
    ],
)
def test_furniture_lines_are_boilerplate(line):
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "sentence",
    [
        "Reporting by the harbour board showed that orders had doubled.",
        "Scientists from 40 countries contributed to the report on fish stocks.",
        "The file photo showed the harbour before the storm.",
        "Support fell to 38%, according to a Reuters/Ipsos poll.",
        "Editing by hand took the team three weeks, the publisher said.",
        "Thousands follow the team to every away game.",
        "Users can scroll down the page to see older posts.",
    ],
)
def test_story_sentences_are_not_boilerplate(sentence):
    assert not is_boilerplate(sentence)
