"""English photo captions left in the running text: they describe a picture, not the story.

Part of the English pack (en.py). A caption stays in the article (its position and
similarities still inform the ranking) but is chosen as a bullet only when nothing else is
left; a photo pointer inside a story sentence (", pictured in 2007,") is dropped by the
English bullet polish.
"""

from __future__ import annotations

import re

# A photo caption left in the running text (Daily Mail style): "Pictured: ...", "X is pictured
# in ...", "X poses with ...", "seen here", "posted this photo". English only, and only the
# present-tense forms a caption uses, so "He was pictured leaving court" or "the plan poses a
# risk" stay story sentences.
_PHOTO_CAPTION = re.compile(
    r"^(?:pictured|above|below|inset|top|bottom|left|right)\s*(?::|,|\bis\b|\bare\b)"
    r"|\b(?:is|are)\s+(?:pictured|photographed|seen\s+here|shown\s+here)\b"
    r"|\b(?:seen|shown|pictured)\s+(?:here|above|below|left|right|centre|center)\b"
    # "poses with", "the pair pose with"; not "visitors who pose with", "queued to pose with"
    r"|(?:\bposes|\bposing|(?<!\bwho\s)(?<!\bto\s)\bpose)\s+"
    r"(?:with|for\s+(?:a|the)\s+(?:photo|picture|camera|selfie)s?"
    r"|in\s+(?:her|his|their|a|an|the)\b|in\s+front\s+of|alongside|next\s+to|beside)"
    r"|\b(?:posted|shared|tweeted|uploaded)\s+(?:this|these)\s+"
    r"(?:photo|picture|image|snap|selfie|video|clip)s?\b"
    r"|\bsmiles?\s+for\s+the\s+cameras?\b"
    r"|\blines?\s+up\s+for\s+a\s+(?:photo|picture)\b",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"\([^()]*\)")
# A pose the story reports rather than a caption: "posted a picture of himself posing with …",
# "released photographs of the men posing in front of …", "images of boys in erotic poses".
_REPORTED_POSE = re.compile(
    r"\b(?:photo(?:graph)?|picture|image|footage|video|snap|selfie)s?\b[^.]{0,60}?\bof\b"
    r"[^.]{0,80}?\bpos(?:ing|es|e)\b"
    r"|\bin\s+(?:[^\W\d_]+\s+)?poses\b",
    re.IGNORECASE,
)
#: ", pictured in 2007," / ", seen here celebrating the win,": a pointer to a photo inside a
#: story sentence (the bullet clean-up drops it too). Not "pictured as", which is a metaphor.
PHOTO_APPOSITIVE = re.compile(
    r",\s+(?:pictured\b(?!\s+as\b)|(?:seen|shown)\s+here\b)[^,.;:\"“”()]{0,80}(?:,\s*|(?=[.!?]$))",
    re.I,
)
#: Longer sentences are story text even if they mention a photo.
PHOTO_CAPTION_MAX_WORDS = 40

# Every _PHOTO_CAPTION branch contains one of these (lower-cased) or starts with an opener.
_CAPTION_CUES = (
    "pictur", "photograph", "seen ", "shown ", "pose", "posing", "posted", "shared", "tweeted",
    "uploaded", "smile", "up for",
)
_CAPTION_OPENERS = ("above", "below", "inset", "top", "bottom", "left", "right")


def is_photo_caption(sentence: str) -> bool:
    """True for a sentence that describes a photo rather than the story.

    It is kept in the article (its position and similarities still inform the ranking) but
    is picked as a bullet only when nothing else is left: "Smith poses with the trophy" tells
    a chat reader nothing and points at a picture they cannot see.
    """
    words = sentence.lower().split()
    if len(words) > PHOTO_CAPTION_MAX_WORDS:
        return False
    lowered = " ".join(words)
    if any(cue in lowered for cue in _CAPTION_CUES) or lowered.startswith(_CAPTION_OPENERS):
        # "(pictured here in 2010)" or ", seen here in 2010," inside a story sentence is a
        # pointer the bullet clean-up drops; what is left decides
        story = PHOTO_APPOSITIVE.sub(", ", _BRACKETED.sub(" ", sentence))
        story = _REPORTED_POSE.sub(" ", story)
        return bool(_PHOTO_CAPTION.search(story))
    return False
