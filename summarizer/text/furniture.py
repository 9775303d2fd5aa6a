"""Recognise page furniture: lines and sentences that are not the story.

Pasted articles and extracted pages carry share bars, bylines, photo captions and credits,
agency trailers ("Reporting by ...; Editing by ...", "... contributed to this report") and
player notices. None of them may become a bullet, and left in they also skew the ranker's
position and centrality features, so they are dropped before ranking.
"""

from __future__ import annotations

import re

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
      | if\s+you\s+have\s+a\s+(?:news\s+)?(?:story|news)\s+(?:suggestion|tip|idea)\b.*
      | subscribe\s+to\s+(?:the\s+|our\s+)?(?:[\w'’-]+\s+){0,4}newsletters?\b.*
      | find\s+all\s+the\s+latest\b.{0,80}\bon\s+our\b.*    # "... transfers on our dedicated page"
      | find\s+out\s+how\s+to\s+get\s+into\b.{0,60}\bguide\b.*
      | we\s+use\s+cookies\b.*
      | read\s+the\s+full\s+(?:story|article|report)\b.{0,60}
      | follow\s+(?:our|the)\s+live\s+(?:coverage|updates|blog)\b.*
      | by\s*\.\s*[\w .'’|-]{0,80}   # tokenised "by . daily mail reporter ."
      | (?:email|facebook|twitter|whatsapp|linkedin|pinterest|messenger|reddit)
        (?:\s*[|·•,/]\s*(?:email|facebook|twitter|whatsapp|linkedin|pinterest|messenger|reddit))*
      | our\s+standards\s*:.*
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
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
GLUED_FURNITURE = re.compile(
    rf"""share\s+this\s+with\s*(?:{_NETWORK}\s*)+copy\s+this\s+link
      | these\s+are\s+external\s+links\s+and\s+will\s+open\s+in\s+a\s+new\s+window\.?
      | {_MEDIA_PLAYBACK}\.?
      | more\s+on\s+this\s+and\s+other\s+(?:[\w'’-]+\s+){{0,3}}stories
        (?:\s+from\s+[^.!?\n]{{1,40}}\.)?
      | (?:\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\s+)?last\s+updated\s+at\s+\d{{1,2}}[:.]\d{{2}}
        (?:\s*(?-i:AM|PM))?(?:\s*(?-i:BST|GMT|UTC|CEST|CET|[ECMP][SD]T))?
        (?:\s+on\s+\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}\s+\d{{4}})?(?:\s?\.)?
      # Daily Mail's header as scraped pages join its parts: "By . Jane Doe . PUBLISHED: .
      # 14:11 EST, 25 October 2013 . | . UPDATED: . 15:36 EST, 25 October 2013 .", "By . Jane
      # Doe . Last updated at 4:41 PM on 14th February 2012 .", or only "By . Jane Doe ." at
      # the start of the line (capitalised names, perhaps "and" / "for MailOnline")
      | (?:by\s+\.\s+(?:[^.|\n]{{1,60}}?\s+\.\s+){{1,4}}?)?
        (?:published\s*:\s*(?:\.\s+)?[^.|\n]{{5,60}}?\s+\.\s+\|\s+\.\s+
           updated\s*:\s*(?:\.\s+)?[^.|\n]{{5,60}}?\s+\.
         | last\s+updated\s+at\s+[^.|\n]{{5,60}}?\s+\.)
      | (?-i:^By\s+\.\s+[A-Z][\w'’-]*(?:\s+(?:and|for|the|[A-Z][\w'’-]*)){{0,6}}\s+\.(?=\s))
      # a quoted crosshead between a stop and the paragraph it heads: "… authority. 'Dramatic
      # erosion'Critics say …" (only a capitalised phrase with no stop, glued to a capital)
      | (?:(?<=[.!?])|(?<=[.!?]\s)|(?<=[.!?]["”’])|(?<=[.!?]["”’]\s))
        ['‘](?-i:[A-Z])[^'‘’.!?\n]{{1,60}}?['’](?=(?-i:[A-Z][a-z]))""",
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
        if _PHOTO_CAPTION.search(story):
            return True
    # the common case is decided by the word check, without the regex (~3 µs instead of ~35)
    return not _ACTION_WORDS.isdisjoint(words) and bool(_ACTION_CAPTION.search(sentence))


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
