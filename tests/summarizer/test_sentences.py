from summarizer.text.furniture import is_boilerplate
from summarizer.text.sentences import split_sentences


def texts(text: str) -> list[str]:
    return [s.text for s in split_sentences(text)]


def assert_sentences_with_exact_spans(text: str, expected: list[str]) -> None:
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == expected
    for s in sentences:
        assert text[s.start : s.end] == s.text


def test_abbreviations_decimals_and_quotes_stay_in_one_sentence():
    text = (
        'The U.S. economy grew 3.5% in the quarter, Mr. Smith said. '
        'Gen. Jones called it "remarkable." Prices rose 2.1 percent.'
    )
    assert texts(text) == [
        "The U.S. economy grew 3.5% in the quarter, Mr. Smith said.",
        'Gen. Jones called it "remarkable."',
        "Prices rose 2.1 percent.",
    ]


def test_datelines_are_trimmed_but_spans_point_into_the_input():
    text = (
        "WASHINGTON (Reuters) - The Senate passed the bill on Tuesday.\n"
        "(CNN) -- Rescuers reached the village after two days.\n"
        "LONDON, March 3 (AP) — Rail workers began a strike.\n"
        "TRURO, Cornwall, March 3 (Newsbot Wire) - The council approved the line."
    )
    assert_sentences_with_exact_spans(
        text,
        [
            "The Senate passed the bill on Tuesday.",
            "Rescuers reached the village after two days.",
            "Rail workers began a strike.",
            "The council approved the line.",
        ],
    )


def test_a_dateline_split_off_on_its_own_is_no_sentence():
    # pysbd returns "(CNN)" as a sentence when a space follows it; glued, it was always trimmed
    for text in ("(CNN) The ferry sank on Monday. Nine were rescued.",
                 "(CNN)The ferry sank on Monday. Nine were rescued.",
                 "LAGOS (AP) The ferry sank on Monday. Nine were rescued."):
        assert texts(text) == ["The ferry sank on Monday.", "Nine were rescued."]


def test_a_sentence_opening_on_by_is_no_byline():
    assert texts("By the time police arrived, he had gone. Nine were rescued.") == [
        "By the time police arrived, he had gone.",
        "Nine were rescued.",
    ]


def test_boilerplate_lines_are_dropped():
    text = "\n".join(
        [
            "By Jane Doe, Reuters",
            "The council approved the budget after a long debate.",
            "[File: A council meeting in progress /Reuters]",
            "Read more: Budget explained",
            "Source: City council minutes",
            "Share this with Email Facebook Twitter",
            "Advertisement",
            "Published: 12:20 EST, 3 April 2015",
            "The vote was 7 to 2.",
        ]
    )
    assert texts(text) == [
        "The council approved the budget after a long debate.",
        "The vote was 7 to 2.",
    ]


def test_share_widget_glued_to_the_story_is_cut_out_not_the_story():
    # a scraped BBC page: one line, the widget glued to the first sentence with no space
    text = (
        "Share this withEmailFacebookMessengerMessengerTwitterPinterestWhatsAppLinkedInCopy this "
        "linkThe harbour trust said it would reopen the slipway in May. Repairs cost £40,000.\n"
        "Share this with Email Facebook Twitter WhatsApp LinkedIn Copy this link These are "
        "external links and will open in a new window Fishermen welcomed the news. "
        "The lifeboat station stays open.Share this with Email Facebook Copy this linkThe "
        "council agreed."
    )
    assert_sentences_with_exact_spans(
        text,
        [
            "The harbour trust said it would reopen the slipway in May.",
            "Repairs cost £40,000.",
            "Fishermen welcomed the news.",
            "The lifeboat station stays open.",
            "The council agreed.",
        ],
    )


def test_share_widget_alone_is_still_dropped():
    text = (
        "Share this with Email Facebook Messenger Twitter Copy this link\n"
        "Share this with your friends and family\n"
        "The vote was 7 to 2."
    )
    assert texts(text) == ["The vote was 7 to 2."]


def test_a_quotation_run_over_paragraphs_is_not_one_long_sentence():
    # each paragraph of the quote opens with a mark and only the last closes; pasted without
    # its line breaks, pysbd pairs the marks wrongly and returned all of it as one sentence
    text = (
        'The harbour master said: "The trust will reopen the slipway in May, and the boatyards '
        "along the quay have been told to expect a busy summer with more visitors than in any "
        'year since 1958.It is good news. "We are proud of the work the volunteers have done '
        'over the winter, and we thank the council for its help with the repairs." The U.S. '
        "Navy sent a ship. Mr. Smith agreed."
    )
    assert_sentences_with_exact_spans(
        text,
        [
            'The harbour master said: "The trust will reopen the slipway in May, and the boatyards '
            "along the quay have been told to expect a busy summer with more visitors than in any "
            "year since 1958.",
            "It is good news.",
            '"We are proud of the work the volunteers have done over the winter, and we thank the '
            'council for its help with the repairs."',
            "The U.S. Navy sent a ship.",
            "Mr. Smith agreed.",
        ],
    )


def test_a_stop_glued_to_the_next_paragraph_is_split_in_a_short_sentence_too():
    # a scraped page lost the line break between paragraphs; pysbd never splits "2017.The"
    text = (
        "The trust has raised the final £1m for the theatre in 2017.The theatre will reopen "
        "next spring. The final score was 24-10.Owens scored twice, a steward told the BBC.On "
        'the quay, the depth was "about 2km (1.2 miles)."The harbour was closed.'
    )
    assert_sentences_with_exact_spans(
        text,
        [
            "The trust has raised the final £1m for the theatre in 2017.",
            "The theatre will reopen next spring.",
            "The final score was 24-10.",
            "Owens scored twice, a steward told the BBC.",
            'On the quay, the depth was "about 2km (1.2 miles)."',
            "The harbour was closed.",
        ],
    )


def test_a_quoted_crosshead_glued_to_its_paragraph_is_cut_out():
    # a pasted BBC page: the crosshead lost its line breaks on both sides
    text = (
        "Homes were sold by the local authority. 'Dramatic erosion'Critics say such a move "
        "would hurt. It was \"a narrow ideology\".'Own agendas'The report found more. "
        "Sant'Angelo is a town, and he said 'no'Then left."
    )
    assert_sentences_with_exact_spans(
        text,
        [
            "Homes were sold by the local authority.",
            "Critics say such a move would hurt.",
            'It was "a narrow ideology".',
            "The report found more.",
            "Sant'Angelo is a town, and he said 'no'Then left.",
        ],
    )


def test_a_stop_glued_after_an_acronym_with_a_digit_or_before_an_acronym_is_split():
    # "WW1.The", "MH17.The": an acronym ending in a digit; "£35.NHS": a number, then an acronym
    text = (
        "The project honours those who died during WW1.The fee was set at £35.NHS Improvement "
        "said it was fair. Flight MH17.The claim was ignored. The blast killed 30.IS said so."
    )
    assert_sentences_with_exact_spans(
        text,
        [
            "The project honours those who died during WW1.",
            "The fee was set at £35.",
            "NHS Improvement said it was fair.",
            "Flight MH17.",
            "The claim was ignored.",
            "The blast killed 30.",
            "IS said so.",
        ],
    )


def test_a_quote_mark_glued_between_two_sentences_goes_with_its_own():
    # after an even number of marks the glued mark opens the next sentence's quotation,
    # after an odd number it closes the one the first sentence opened
    assert_sentences_with_exact_spans(
        'Wales last reached a major tournament in 1958."This team can go on," said the coach.',
        [
            "Wales last reached a major tournament in 1958.",
            '"This team can go on," said the coach.',
        ],
    )
    assert_sentences_with_exact_spans(
        'He said: "We should maybe have scored 265 or 270."But we took wickets at the right time.',
        [
            'He said: "We should maybe have scored 265 or 270."',
            "But we took wickets at the right time.",
        ],
    )


def test_two_paragraphs_of_one_quotation_are_two_sentences_even_when_short():
    # each paragraph of a quotation opens with a mark and only the last one closes
    assert_sentences_with_exact_spans(
        'She said: "Children should never be pulled off a flight. "Airlines cannot gamble on '
        'passengers not turning up." Mr. "Fast" Eddie Jones agreed.',
        [
            'She said: "Children should never be pulled off a flight.',
            '"Airlines cannot gamble on passengers not turning up."',
            'Mr. "Fast" Eddie Jones agreed.',
        ],
    )


def test_glued_abbreviations_domains_and_addresses_stay_whole():
    for sentence in (
        "The U.S.Army and Gov.Brown met at the St.Ives harbour office on Monday.",
        "The figures were published on gov.uk.Tables and all on Monday.",
        "The firm made 3.5m last year and 2.1bn the year before.",
        "Write to Jane.Doe@example.org or see www.Example.com for the list.",
        "The list is at https://example.org/News.Today on the council's site.",
        "The app runs on Node.JS and ASP.NET and needs 3.5GB of memory.",
    ):
        assert texts(sentence) == [sentence]


def test_a_long_sentence_keeps_its_titles_and_abbreviations():
    sentence = (
        "Gov. Brown, who met Dr. Ruth Ames of the U.S. Army and Sen. Hale at the St. Ives "
        "harbour office after the Batman v. Superman premiere on Monday, said the slipway, "
        "the quay, the boatyards and the old "
        "lifeboat station would all be repaired before the summer season, when more than "
        "forty thousand visitors are expected to arrive in the town."
    )
    assert len(sentence.split()) > 50
    assert texts(sentence) == [sentence]


def test_inline_caption_removed_from_sentence_text():
    text = "Protesters gathered [File: Crowds outside parliament /Reuters] near the square."
    assert texts(text) == ["Protesters gathered near the square."]


def test_list_items_are_separate_sentences_without_markers():
    text = (
        "Key points:\n- Taxes rise for top earners\n- Pensions are protected\n"
        "2. Rail fares freeze"
    )
    got = texts(text)
    assert got[-3:] == ["Taxes rise for top earners", "Pensions are protected", "Rail fares freeze"]


def test_tokenised_lowercase_text_is_split():
    text = (
        'marseille , france ( cnn ) the prosecutor said he was not aware of any video . '
        'robin told cnn that " so far no videos were used . " he added , " a person needs to '
        'give it to investigators . " all 150 on board were killed .'
    )
    assert texts(text) == [
        "the prosecutor said he was not aware of any video .",
        'robin told cnn that " so far no videos were used . "',
        'he added , " a person needs to give it to investigators . "',
        "all 150 on board were killed .",
    ]


def test_real_sentences_are_not_boilerplate():
    assert not is_boilerplate("By the end of the year, prices had doubled across the region.")
    assert not is_boilerplate("Sign language interpreters joined the briefing on Monday.")
    assert is_boilerplate("By John Smith")
    assert is_boilerplate("READ MORE: The full list of winners")


def test_empty_and_symbol_only_input_has_no_sentences():
    assert split_sentences("") == []
    assert split_sentences("   \n\n  ") == []
    assert split_sentences("*** --- ***") == []


def test_non_english_uses_language_rules():
    text = "Der Bundestag hat am Dienstag ein Gesetz beschlossen. Die Opposition stimmte dagegen."
    assert len(split_sentences(text, "de")) == 2
