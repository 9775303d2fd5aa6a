"""Recognise page furniture: lines and sentences that are not the story.

Pasted articles and extracted pages carry share bars, bylines, photo captions and credits,
agency trailers ("Reporting by ...; Editing by ...", "... contributed to this report") and
player notices. None of them may become a bullet, and left in they also skew the ranker's
position and centrality features, so they are dropped before ranking.
"""

from __future__ import annotations

import re

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
      | scroll\s+down\s+for\s+(?:the\s+)?(?:video|videos|more)\b.{0,40}
      | share\s+this\s+with.*
      | (?:click|tap)\s+here\b.*
      | sign\s+up\b.*
      | (?:subscribe|newsletter)\b.{0,60}
      | advertisement(?:\s*[·•|:-]?\s*scroll\s+to\s+continue(?:\s+with\s+content)?)?
      | (?:published|updated|posted|last\s+(?:modified|updated))\s*(?:on|at|:)?\s*
        (?:[\d:]|(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\b
        |(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d).*
      # a line that is only a date, perhaps with a time: "March 3, 2026 at 3:45 p.m. EST"
      | (?:\d{1,2}\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+
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
      | we\s+use\s+cookies\b.*
      | read\s+the\s+full\s+(?:story|article|report)\b.{0,60}
      | follow\s+(?:our|the)\s+live\s+(?:coverage|updates|blog)\b.*
      | by\s*\.\s*[\w .'’|-]{0,80}   # tokenised "by . daily mail reporter ."
      | (?:email|facebook|twitter|whatsapp|linkedin|pinterest|messenger|reddit)
        (?:\s*[|·•,/]\s*(?:email|facebook|twitter|whatsapp|linkedin|pinterest|messenger|reddit))*
      | our\s+standards\s*:.*
      | media\s+playback\s+is\s+(?:unsupported|not\s+supported)\s+on\s+your\s+device\s*\.?
      # "CNN's Jane Doe contributed to this report." / "Tom Lee contributed reporting."
      | .{0,200}?\bcontributed\s+(?:to\s+this\s+(?:report|story|article)
        |reporting(?:\s+from\s+[\w .,'’-]{1,60})?)\s*\.?
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

# The commonest of the same in German, French, Spanish and Italian news pages.
_FURNITURE_OTHER = re.compile(
    r"""^\s*(?:
        (?:lesen\s+sie\s+(?:auch|mehr)|mehr\s+zum\s+thema|das\s+könnte\s+sie\s+auch\s+interessieren
        |(?:à\s+)?lire\s+aussi|voir\s+aussi|(?:lea|lee)\s+también|te\s+puede\s+interesar
        |leggi\s+anche)\s*(?::.*)?      # alone or before a colon: "Voir aussi loin ..." is prose
      | (?:fotos?|bild|quelle|crédits?\s+photo|fuente|fonte)\s*:.{0,120}
      | (?:anzeige|werbung|publicité|publicidad|pubblicità)
    )\s*$""",
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

# A menu or widget label rather than prose: "Share", "Getty Images", "Most read", "Topics".
# Characters bound it too: a CJK or Thai paragraph is one "word" to str.split().
LABEL_MAX_WORDS = 3
LABEL_MAX_CHARS = 25
_SENTENCE_END = tuple(".!?…:;\"”’»)。！？．؟।")

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
    lowered = " ".join(words)
    if len(words) > PHOTO_CAPTION_MAX_WORDS or not (
        any(cue in lowered for cue in _CAPTION_CUES) or lowered.startswith(_CAPTION_OPENERS)
    ):
        return False  # the common case, decided without the regexes (~3 µs instead of ~35)
    # "(pictured here in 2010)" or ", seen here in 2010," inside a story sentence is a pointer
    # the bullet clean-up drops; what is left decides
    story = PHOTO_APPOSITIVE.sub(", ", _BRACKETED.sub(" ", sentence))
    return bool(_PHOTO_CAPTION.search(story))


def is_boilerplate(line: str) -> bool:
    """True for a line or sentence that is page furniture (byline, caption, share bar...)."""
    return bool(
        _FURNITURE.match(line)
        or _FURNITURE_OTHER.match(line)
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


def is_page_label(line: str) -> bool:
    """True for a short line without sentence punctuation: a menu item, credit or subhead.

    Only whole lines are judged this way (a pasted page's "Share", "Getty Images" or "Most
    read"); they cannot become bullets, and left in they shift every later sentence's position.
    """
    text = line.strip()
    return (
        0 < len(text.split()) <= LABEL_MAX_WORDS
        and len(text) <= LABEL_MAX_CHARS
        and not text.endswith(_SENTENCE_END)
    )
