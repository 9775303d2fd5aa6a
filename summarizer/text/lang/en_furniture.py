"""English page furniture: lines and sentences that are not the story (part of en.py).

Pasted articles and extracted pages carry share bars, bylines, photo captions and credits,
agency trailers ("Reporting by ...; Editing by ...", "... contributed to this report") and
player notices. None of them may become a bullet, and left in they also skew the ranker's
position and centrality features, so they are dropped before ranking.
"""

from __future__ import annotations

import re

from summarizer.text.lang import alternation

#: Month and weekday stems as dates on a page spell them: "Mar", "March"; "Thurs", "Thursday".
MONTH_STEMS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAY_STEMS = (
    "mon", "tue", "tues", "wed", "wednes", "thu", "thurs", "fri", "sat", "satur", "sun",
)  # fmt: skip
_MONTH = rf"(?:{alternation(MONTH_STEMS)})[a-z]*\.?"
_WEEKDAY = rf"(?:{alternation(WEEKDAY_STEMS)})(?:day)?"

# A caption inside running text: "[File: A protester ... /Reuters]" or "(Photo: AP)".
INLINE_CAPTION = re.compile(
    r"\[(?:file|photo|image|picture|video)\b[^\]]{0,300}\]"
    r"|\((?:photo|image|picture|video)s?\s*(?:by|:|credit)[^)]{0,200}\)",
    re.IGNORECASE,
)

# A player notice: a whole line of its own, or glued into the story (GLUED_FURNITURE).
_MEDIA_PLAYBACK = (
    r"media\s+playback\s+is\s+(?:unsupported|not\s+supported)\s+on\s+(?:your|this)\s+device"
)

# A whole line (or sentence) that is page furniture.
_FURNITURE = re.compile(
    r"""^\s*(?:
        (?:read|see|watch|listen)\s+(?:more|also|next)\b.*
      | (?:more|related)(?:\s+(?:on|stories|coverage|news))?\s*:.*
      | source\s*:.*
      | (?:photo|image|picture|video|graphic)s?\s*(?:copyright|caption|credit|source|:).*
      | (?:copyright|©|\(c\))\s.*
      | all\s+rights\s+reserved.*
      | (?:share|follow|like)\s+(?:this|us|on)\b.*
      | follow\s+@\w+.*                      # "Follow @bbcnewsbeat on Twitter ..."
      | share\s+your\s+(?:photos|pictures|videos|stories|story|views)\s+with\b.*
      | share\s+this\s+with.*
      | (?:click|tap)\s+here\b.*
      | sign\s+up\b.*
      | (?:subscribe|newsletter)\b.{0,60}
      | advertisement(?:\s*[·•|:-]?\s*scroll\s+to\s+continue(?:\s+with\s+content)?)?
      | (?:published|updated|posted|last\s+(?:modified|updated))\s*(?:on|at|:)?\s*
        (?:[\d:]|""" + _WEEKDAY + r"""\b
        |""" + _MONTH + r"""\s+\d).*
      # a line that is only a date, perhaps with a time: "March 3, 2026 at 3:45 p.m. EST"
      | (?:\d{1,2}\s+)?""" + _MONTH + r"""\s+
        (?:\d{1,2},?\s+)?\d{4}(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d{2}\s*(?:[ap]\.?\s?m\.?)?\s*[a-z]{0,4})?
      | listen\s+to\s+(?:this\s+)?(?:article|story)\b.{0,40}
      | \d{1,3}[\s-]*min(?:ute)?s?\s+read
      | skip\s+(?:advert|ad|advertisement)s?\b.*
      | copy\s+(?:link|url)
      | supported\s+by
      | loading(?:\.{3}|…)?
      | (?:watch|listen|credit)\s*:.{0,100}     # teasers are short; longer is glued prose
      | more\s+from\s+[^.!?]{1,40}           # "More from BBC News" (no full stop)
      | (?:most\s+(?:read|popular|viewed)|trending(?:\s+now)?|top\s+stories|related\s+articles)
      | this\s+(?:article|story|piece)\s+(?:was|is|has\s+been)\s+(?:originally\s+)?
        (?:published|republished|adapted|updated|amended|corrected)\b.*
      | editor[’']?s\s+note\s*:.*
      | contact\s+the\s+(?:author|reporter|writer)s?\b.*
      | (?:get|read)\s+(?:our|the)\s+(?:free\s+)?(?:[\w-]+\s+){0,2}newsletter\b.*
      | want\s+more\s+(?:stories|news|articles)\b.*
      | have\s+a\s+(?:news\s+)?tip\s*\?.*
      | if\s+you\s+have\s+a\s+(?:news\s+)?(?:story|news)\s+(?:suggestion|tip|idea)\b.*
      | subscribe\s+to\s+(?:the\s+|our\s+)?(?:[\w'’-]+\s+){0,4}newsletters?\b.*
      | we\s+use\s+cookies\b.*
      | read\s+the\s+full\s+(?:story|article|report)\b.{0,60}
      | follow\s+(?:our|the)\s+live\s+(?:coverage|updates|blog)\b.*
      | (?:email|facebook|twitter|whatsapp|linkedin|pinterest|messenger|reddit)
        (?:\s*[|·•,/]\s*(?:email|facebook|twitter|whatsapp|linkedin|pinterest|messenger|reddit))*
      | """ + _MEDIA_PLAYBACK + r"""\s*\.?
      # "CNN's Jane Doe contributed to this report." / "Tom Lee contributed reporting."
      | .{0,200}?\bcontributed\s+(?:to\s+this\s+(?:report|story|article)
        |reporting(?:\s+from\s+[\w .,'’-]{1,60})?)\s*\.?
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

# Widgets and notices that a scraped or pasted page glues into the running text, often with
# no space on either side: "Share this withEmailFacebook…Copy this linkThe firm said ...",
# "Media playback is not supported on this deviceThe 23-year-old ...", "More on this and
# other Yorkshire storiesThe union's ...", "27 August 2016 Last updated at 12:34 BST The
# restaurant ...", a crosshead ("… authority. 'Dramatic erosion'Critics say …"). Judged as a
# whole line, the story glued to one would go with it, so the sentence splitter cuts them out
# of their line instead (GLUED_FURNITURE.finditer).
_NETWORK = r"(?:e-?mail|facebook|messenger|twitter|pinterest|whatsapp|linkedin|reddit|telegram)"
GLUED_FURNITURE = re.compile(
    rf"""share\s+this\s+with\s*(?:{_NETWORK}\s*)+copy\s+this\s+link
      | these\s+are\s+external\s+links\s+and\s+will\s+open\s+in\s+a\s+new\s+window\.?
      | {_MEDIA_PLAYBACK}\.?
      | more\s+on\s+this\s+and\s+other\s+(?:[\w'’-]+\s+){{0,3}}stories
        (?:\s+from\s+[^.!?\n]{{1,40}}\.)?
      | (?:\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\s+)?last\s+updated\s+at\s+\d{{1,2}}[:.]\d{{2}}
        (?:\s*(?-i:AM|PM))?(?:\s*(?-i:BST|GMT|UTC|CEST|CET|[ECMP][SD]T))?
        (?:\s+on\s+\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+\d{{4}})?(?:\s?\.)?
      # a quoted crosshead between a stop and the paragraph it heads: "… authority. 'Dramatic
      # erosion'Critics say …" (only a capitalised phrase with no stop, glued to a capital)
      | (?:(?<=[.!?])|(?<=[.!?]\s)|(?<=[.!?]["”’])|(?<=[.!?]["”’]\s))
        ['‘](?-i:[A-Z])[^'‘’.!?\n]{{1,60}}?['’](?=(?-i:[A-Z][a-z]))""",
    re.IGNORECASE | re.VERBOSE,
)

# "By Jane Doe", "By Jane Doe and Tom Lee, Reuters": capitalised names only, so that
# "By the end of the year, ..." stays a sentence.
_BYLINE = re.compile(
    r"^\s*(?:[Bb]y|BY)\s+[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|&|de|van|von|da|al-\w+)){0,5}"
    r"(?:\s*[,|/·-]\s*[A-Z][\w .'’&-]{0,50})?\s*$"
)

# "Jane Doe, CNN", "Jane Doe | Reuters": a byline without "By", for the big agencies only.
_NAME_THEN_AGENCY = re.compile(
    r"^\s*[A-Z][\w.'’-]+(?:\s+(?:[A-Z][\w.'’-]+|and|&)){1,5}\s*[,|·–—-]\s*"
    r"(?:CNN|Reuters|AP|AFP|(?:The\s+)?Associated\s+Press|BBC(?:\s+News)?|Bloomberg|NPR)\s*$"
)

# Agency caption openers: "FILE PHOTO: A ship ...", "FILE - In this photo ...". Upper case only.
_CAPTION_START = re.compile(r"^\s*FILE(?:\s+PHOTO)?\s*(?::|\s[-–—])\s")

# A caption line ends with its photo credit. Case-sensitive and specific, so that a story
# sentence ending "... a Reuters/Ipsos poll." is not one.
_PHOTO_CREDIT_END = re.compile(
    r"(?:\bREUTERS/[^/\n]{1,60}(?:/File(?:\s+Photo)?)?"
    r"|\((?:AP|AFP|EPA|Reuters)\s+Photo/[^)\n]{1,80}\)"
    r"|\(Photo(?:graph)?\s+(?:by|credit:?)\s[^)\n]{1,80}\)"
    r"|\bvia\s+Getty\s+Images\)?"
    r"|\b(?:Photograph|Photo|Picture|Image)\s*:\s*[^/\n]{1,60}/[\w .'’-]{1,40})\s*\.?\s*$"
)
#: Longer lines are story text even if they end in a credit.
CAPTION_MAX_WORDS = 60

# "Reporting by Maria Lee in Berlin; Editing by Tom Ray": roles, then capitalised names only.
_CREDIT_ROLE = re.compile(
    r"(?:additional\s+)?(?:reporting|writing|editing|research|compiled|graphics)\s+by\b", re.I
)
_NAME_LINKS = frozenset("and in from with de van von da al bin".split())


def is_furniture(line: str) -> bool:
    """True for a line or sentence that is page furniture (byline, caption, share bar...)."""
    return bool(
        _FURNITURE.match(line)
        or _BYLINE.match(line)
        or _NAME_THEN_AGENCY.match(line)
        or _CAPTION_START.match(line)
        or _is_credit_line(line)
        or (len(line.split()) <= CAPTION_MAX_WORDS and _PHOTO_CREDIT_END.search(line))
    )


def _is_credit_line(line: str) -> bool:
    text = line.strip().strip("()").rstrip(".").strip()
    if not _CREDIT_ROLE.match(text):
        return False
    words = re.findall(r"[^\W\d_][\w.'’-]*", _CREDIT_ROLE.sub(" ", text))
    return 0 < len(words) <= 40 and all(w[0].isupper() or w.lower() in _NAME_LINKS for w in words)
