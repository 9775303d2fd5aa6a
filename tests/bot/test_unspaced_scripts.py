"""Japanese, Chinese and Thai pages (no spaces between words) are judged by their length in
words, not by `str.split()`, which sees each paragraph as one word. The articles are invented."""

from __future__ import annotations

import pytest

from bot.cache import MemoryCache
from bot.config import CacheConfig, Config, FetchConfig
from bot.extract import article_from_text, extract_article
from bot.service import SummaryService
from summarizer.text.bullets import clean_bullet
from summarizer.text.wordcount import word_count
from tests.fakes import FakeSummarizer
from tests.pages import PageServer, article_html

JAPANESE = """港町に新しい図書館が開館
架空の港町である浜風町は十一月二十日、駅前の再開発地区に新しい町立図書館を開館した。建物は三階建てで、約十二万冊の本を収めることができるという。
町によると、総工費はおよそ四十二億円で、その半分を国の補助金でまかなった。屋上には太陽光パネルを設置し、館内の照明に使う電力の三割を自給する計画だ。
開館式には町民およそ五百人が集まり、町長は「子どもから高齢者まで、誰もが気軽に立ち寄れる場所にしたい」とあいさつした。
新図書館では、平日の開館時間を午後九時まで延長するほか、地元の漁業の歴史を紹介する常設展示室も設けた。
一方で、旧図書館の跡地の利用方法はまだ決まっておらず、町議会では公園にする案と住宅地として売却する案が検討されている。
町の教育委員会は、来年度中に利用者の意見を集め、蔵書や開館時間の見直しに生かす方針を示した。"""

CHINESE = """山城启用全新电动公交线路
虚构的山城市本周一正式启用三条全新的电动公交线路，连接火车站、大学城和新建的工业园区。
市交通局表示，新线路共投入六十辆电动公交车，每辆车充满电后可以行驶约二百五十公里。
据估计，新线路每天可以运送约三万名乘客，并且每年减少大约八千吨二氧化碳排放。
不少市民对新线路表示欢迎。一名在工业园区上班的工程师说，过去他每天开车上班需要四十分钟，现在坐公交只需要半个小时。
不过，也有居民担心，老城区的道路比较狭窄，公交车在高峰时段可能会造成拥堵。
交通局回应称，将在未来三个月内观察客流和路况，并根据情况调整发车间隔和停靠站点。"""

THAI = """เมืองริมทะเลเปิดสวนสาธารณะแห่งใหม่
เทศบาลเมืองชายหาดทอง ซึ่งเป็นเมืองสมมุติ ได้เปิดสวนสาธารณะแห่งใหม่ริมชายหาดเมื่อวันจันทร์ที่ผ่านมา
โดยมีประชาชนเข้าร่วมงานกว่าหนึ่งพันคน
สวนแห่งนี้มีพื้นที่ประมาณสามสิบไร่ ประกอบด้วยลานกีฬา เส้นทางจักรยาน และพื้นที่ปลูกต้นไม้พื้นเมืองหลายชนิด
นายกเทศมนตรีกล่าวว่า เทศบาลใช้งบประมาณทั้งหมดประมาณหกสิบล้านบาท และคาดว่าจะมีผู้มาใช้บริการวันละหลายพันคน
ชาวบ้านหลายคนแสดงความพอใจ เพราะก่อนหน้านี้ไม่มีพื้นที่สีเขียวขนาดใหญ่ในตัวเมือง
อย่างไรก็ตาม ผู้ประกอบการร้านค้าริมหาดบางรายกังวลว่าที่จอดรถอาจไม่เพียงพอในช่วงวันหยุด
เทศบาลระบุว่าจะสร้างลานจอดรถเพิ่มเติมอีกสองแห่งภายในปีหน้า"""

ARTICLES = {"ja": JAPANESE, "zh": CHINESE, "th": THAI}


def localized_html(text: str, lang: str) -> str:
    return article_html(text).replace('<html lang="en">', f'<html lang="{lang}">')


@pytest.mark.parametrize("lang", ARTICLES)
def test_an_unspaced_article_page_passes_the_gate(lang):
    text = ARTICLES[lang]
    article = extract_article(localized_html(text, lang), "https://news.example/story")
    first_paragraph = text.splitlines()[1]
    assert first_paragraph in article.text
    assert article.language == lang
    # a few whitespace "words" per paragraph, yet well over the gate's 80 words
    assert len(article.text.split()) < 80 <= article.word_count


def test_reading_time_counts_characters_for_japanese():
    long_text = "\n".join([JAPANESE] + JAPANESE.splitlines()[1:] * 5)
    article = article_from_text(long_text)
    # ~2,000 characters are ~1,000 words: some four minutes, not the one of a few "words"
    assert article.word_count == pytest.approx(len(article.text.replace("\n", "")) / 2, rel=0.1)
    assert article.reading_minutes >= 4


def test_a_japanese_teaser_is_still_too_short():
    from bot.pagegate import PageRejected

    with pytest.raises(PageRejected) as caught:
        article_from_text(JAPANESE.splitlines()[1])
    assert caught.value.reason == "too_short"


def test_word_count_of_spaced_text_is_split_and_of_unspaced_text_its_characters():
    assert word_count("The council met on Monday -- and voted.") == 8
    assert word_count("東京都は新しい図書館を開いた。") == 7  # 14 characters, 2 a word
    assert word_count("新しいiPhoneの発売日") == 4 + 1  # 8 Japanese characters + "iPhone"


def test_a_long_thai_bullet_is_shortened_at_its_parenthetical():
    sentence = (
        "เทศบาลเมืองชายหาดทองได้เปิดสวนสาธารณะแห่งใหม่ริมชายหาดเมื่อวันจันทร์ที่ผ่านมา "
        "(ตามข้อมูลของสำนักงานเทศบาลและกรมการท่องเที่ยว) "
        "โดยมีประชาชนเข้าร่วมงานกว่าหนึ่งพันคนและมีการแสดงดนตรีพื้นเมืองตลอดทั้งวัน"
    )
    bullet = clean_bullet(sentence, target_words=40)
    assert "สำนักงานเทศบาล" not in bullet
    assert bullet.startswith("เทศบาลเมืองชายหาดทอง") and bullet.endswith("ตลอดทั้งวัน")


async def test_a_japanese_page_served_over_http_is_summarized():
    server = await PageServer().start()
    server.add("/ja", localized_html(JAPANESE, "ja"))
    config = Config(
        fetch=FetchConfig(allowed_networks=("127.0.0.1/32",), allowed_ports=(server.port,)),
        cache=CacheConfig(backend="memory"),
    )
    service = SummaryService(config, FakeSummarizer(), cache=MemoryCache(10))
    try:
        result = await service.summarize_url(f"{server.base}/ja")
    finally:
        await service.close()
        await server.stop()
    assert result.title == "港町に新しい図書館が開館"
    assert result.bullets and "浜風町" in result.bullets[0].text
    assert result.reading_minutes == 1
