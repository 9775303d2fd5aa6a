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

# A sports photo caption describes the moment in the picture, in the present tense, after a
# bare subject: "Smith (left) celebrates his goal", "Jones and Brown battle for the ball on
# Monday", "Lee shows his frustration during the defeat". Story sentences report in the past
# tense or through a clause, so the subject may hold no verb, pronoun, clause word or comma:
# "It celebrates the completion of ...", "The club has failed to score in ..." and "Footage
# shows the thieves in action" are not captions.
_SUBJECT_STOP_WORDS = (
    "who which that as when after while if because said says to is are was were has have had "
    "will would should could can may might must did does do be been being not it he she they "
    "we i you there this these those what shows watch watches see sees saw went go goes got "
    "gets made makes took takes gave gives came comes"
).split()
# "-ed" words in a caption's subject that are no past tense: "Manchester United's Smith"
_NOT_PAST_TENSE = "united pictured red fred ted ned ahmed mohammed mohamed seed".split()
_CAPTION_SUBJECT = (
    r"^(?:(?!\b(?:" + "|".join(_SUBJECT_STOP_WORDS) + r"|(?!(?:" + "|".join(_NOT_PAST_TENSE)
    + r")\b)\w+ed)\b)[^,;:\"“”?!.]"
    r"|\.(?=\w)|\([^()]{0,30}\)){1,110}?\s"
)
_FOR_THE_BALL = r"for\s+(?:the|a)\s+(?:ball|header|possession|high\s+ball|loose\s+ball)\b"
# the verb after one subject: "celebrates", "vies for the ball", "fires home"
_ACTION_SINGULAR = (
    r"(?:celebrates\s"
    r"|reacts\s+(?:after|as|during|at|on|in|to\s+(?:missing|his|her|their|a"
    r"|the\s+(?:final|defeat|loss|miss)))\b"
    r"|looks\s+on\b"
    r"|(?:vies|competes|tussles|battles|challenges|jostles|fights|goes\s+up|jumps|rises|leaps"
    r"|contests)\s+" + _FOR_THE_BALL
    + r"|contests\s+(?:the\s+ball|a\s+header|possession)\b"
    r"|shows\s+(?:his|her|their)\s+(?:frustration|dejection|delight|disappointment|emotion"
    r"|anguish|joy|despair|anger)s?\b"
    r"|holds\s+(?:aloft|up)\s+(?:the|a|his|her|their)\b"
    r"|lifts\s+(?:the|a)\s+(?:trophy|cup)\b"
    r"|runs\s+(?:with|at)\s+the\s+ball\b"
    r"|tries\s+to\s+(?:cut|get|dribble|beat|evade|escape|shake|wriggle|break|find|keep|win)\b"
    r"|walks\s+off\b"
    r"|warms\s+up\b"
    r"|(?:applauds|salutes|thanks)\s+(?:the\s+)?(?:fans|crowd|supporters)\b"
    r"|waves\s+to\s+(?:the\s+)?(?:fans|crowd|supporters)\b"
    r"|shakes\s+hands\s+with\b"
    r"|(?:scores|heads|fires|slots|curls|strikes|shoots|volleys|nods|taps|drills|smashes|sweeps"
    r"|rifles|lashes)\s+(?:home|past|in\s+(?:his|her|their)\b"
    r"|(?:a|his|her|their)\s+(?:side|team|first|second|third|opening|winning|late|\w+\s+goal)"
    r"|the\s+(?:ball|opener|winner|equaliser|first|second|third))"
    # a person as the object: not "Easter embraces the mystery of ..."
    r"|(?:congratulates|embraces|hugs|consoles|comforts|kisses)\s+"
    r"(?!(?:the|a|an|this|that|and|or|to|from|for|of|in|on|at|with)\b)"
    r"|gestures\s+(?:to|towards|during|on|at|as|after|from|in)\b"
    r"|(?:shouts|issues|gives)\s+instructions|barks\s+orders\b"
    r"|in\s+action\s+(?:for|against|during|at|on|in)\b)"
)
# the verb after "X and Y": "Smith and Jones battle for the ball"
_ACTION_PLURAL = (
    r"(?:(?:celebrate|embrace|hug)\s|react\s+(?:after|as|during|at|to)\b|look\s+on\b"
    r"|(?:vie|compete|tussle|battle|challenge|jostle|fight|go\s+up|jump|contest)\s+"
    + _FOR_THE_BALL
    + r"|contest\s+(?:the\s+ball|a\s+header|possession)\b|shake\s+hands\b)"
)
_ACTION_CAPTION = re.compile(
    _CAPTION_SUBJECT + _ACTION_SINGULAR
    + r"|^(?=[^,;]{0,80}\band\b)" + _CAPTION_SUBJECT + _ACTION_PLURAL,
    re.IGNORECASE,
)
# Every _ACTION_CAPTION verb is one of these words, followed by a space; a sentence without
# one is decided without the regex.
_ACTION_WORDS = frozenset(
    "celebrates celebrate reacts react looks look vies vie competes compete tussles tussle "
    "battles battle challenges challenge jostles jostle fights fight goes go jumps jump rises "
    "leaps contests contest shows holds lifts runs tries walks warms applauds salutes thanks "
    "waves shakes shake scores heads fires slots curls strikes shoots volleys nods taps drills "
    "smashes sweeps rifles lashes congratulates embraces embrace hugs hug consoles comforts "
    "kisses gestures shouts issues gives barks action".split()
)
# Every _PHOTO_CAPTION branch contains one of these (lower-cased) or starts with an opener.
_CAPTION_CUES = (
    "pictur", "photograph", "seen ", "shown ", "pose", "posing", "posted", "shared", "tweeted",
    "uploaded", "smile", "up for",
)
_CAPTION_OPENERS = ("above", "below", "inset", "top", "bottom", "left", "right")


def is_photo_caption(sentence: str, *, sports: bool = True) -> bool:
    """True for a sentence that describes a photo rather than the story.

    It is kept in the article (its position and similarities still inform the ranking) but
    is picked as a bullet only when nothing else is left: "Smith poses with the trophy" tells
    a chat reader nothing and points at a picture they cannot see. `sports=False` leaves out
    the sports action captions ("Smith celebrates his goal"), to measure what they are worth.
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
        if _PHOTO_CAPTION.search(story):
            return True
    # the common case is decided by the word check, without the regex (~3 µs instead of ~35)
    return (
        sports and not _ACTION_WORDS.isdisjoint(words) and bool(_ACTION_CAPTION.search(sentence))
    )
