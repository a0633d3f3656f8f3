"""The pages' gettext catalogs: every message the pages show has its Chinese text."""

from gridbrain.web import i18n
from gridbrain.web.i18n_extract import message_ids


def test_every_message_of_the_pages_has_a_chinese_translation():
    missing = sorted(m for m in message_ids() if m not in i18n.catalog("zh"))
    assert missing == []


def test_the_catalog_holds_no_message_the_pages_no_longer_use():
    assert sorted(set(i18n.catalog("zh")) - message_ids()) == []


def test_chinese_is_the_default_and_english_shows_the_message_ids():
    i18n.use("zh")
    assert i18n.gettext("Log in") == "登录"
    i18n.use("en")
    assert i18n.gettext("Log in") == "Log in"
    i18n.use("zh")


def test_a_message_without_a_translation_falls_back_to_its_english_id():
    i18n.use("zh")
    assert i18n.gettext("a sentence nobody translated") == "a sentence nobody translated"
