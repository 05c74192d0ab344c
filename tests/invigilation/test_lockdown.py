"""Safe Exam Browser's published algorithms, checked against values computed here from SEB's
documentation (safeexambrowser.org/developer/seb-config-key.html) and Moodle's quizaccess_seb tests."""

import hashlib
import plistlib

import pytest

from invigilation.lockdown import (
    Verdict,
    browser_exam_keys,
    config_key,
    key_hash,
    read_seb_file,
    seb_file,
    seb_json,
    session_settings,
    verify,
)

START = "https://exams.example.org/learner/sign-in?session=7"
QUIT = "https://exams.example.org/learner/safe-exam-browser/closed"
KEY = hashlib.sha256(b"a session's settings").hexdigest()
BROWSER_EXAM_KEY = hashlib.sha256(b"an approved SEB build").hexdigest()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_config_key_is_the_sha256_of_the_sorted_unescaped_json_without_the_originator_version():
    settings = {"startURL": START, "URLFilterRules": [{"regex": False, "expression": "https://exams.example.org/*",
                                                       "active": True, "action": 1}],
                "originatorVersion": "SEB_Win_3.10.1", "proxies": {}, "examKeySalt": b"\x01\x02", "allowQuit": True}
    written = ('{"allowQuit":true,"examKeySalt":"AQI=","startURL":"' + START + '",'
               '"URLFilterRules":[{"action":1,"active":true,"expression":"https://exams.example.org/*","regex":false}]}')
    assert seb_json(settings) == written
    assert config_key(settings) == sha256(written)


@pytest.mark.parametrize(("settings", "written"), [  # Moodle's property_list_test, json_data_provider
    ({"testKey": "testValue", "allowWLAN": "testValue2", "allowWlan": "testValue3"},
     '{"allowWlan":"testValue3","allowWLAN":"testValue2","testKey":"testValue"}'),
    ({"string": "ws:\\localhost"}, '{"string":"ws:\\localhost"}'),  # a backslash is not escaped
    ({"url": "http://test.com"}, '{"url":"http://test.com"}'),  # nor a slash
    ({"string": "hello wörld"}, '{"string":"hello wörld"}'),  # nor non-ASCII text
    ({"bool": True, "emptydict": {}}, '{"bool":true}'),  # an empty dictionary is left out
    ({"bool": True, "array": []}, '{"array":[],"bool":true}'),  # an empty array is kept
    ({"dict": {"banana": False, "apple": True}}, '{"dict":{"apple":true,"banana":false}}'),
])
def test_seb_json_follows_the_documented_formatting(settings, written):
    assert seb_json(settings) == written


def test_keys_sort_as_in_the_documented_example():
    """Keys in the order of the example SEB-JSON string on SEB's Config Key page."""
    documented = ["additionalResources", "allowAirPlay", "allowBrowsingBackForward", "allowedDisplayBuiltin",
                  "allowedDisplaysMaxNumber", "allowFlashFullscreen", "enableF1", "enableF10", "enableF11",
                  "enableF12", "enableF2", "examKeySalt", "exitKey1", "touchOptimized", "URLFilterEnable",
                  "URLFilterEnableContentFilter", "URLFilterIgnoreList", "URLFilterMessage", "urlFilterRegex",
                  "URLFilterRules", "urlFilterTrustedContent", "whitelistURLFilter", "zoomMode"]
    written = seb_json({key: 0 for key in reversed(documented)})
    assert written == "{" + ",".join(f'"{key}":0' for key in documented) + "}"


def test_the_header_hash_is_the_sha256_of_the_url_without_its_fragment_then_the_key():
    url = "https://exams.example.org/api/runner/attempts/3/items/2?x=1"
    assert key_hash(url, KEY) == sha256(url + KEY)
    assert key_hash(url + "#top", KEY) == sha256(url + KEY)


@pytest.mark.parametrize(("received", "verdict"), [
    (sha256(START + KEY), Verdict.PASSED),
    (sha256(START + KEY).upper(), Verdict.PASSED),  # Base16 in either case
    (None, Verdict.NOT_SAFE_EXAM_BROWSER),  # missing
    ("", Verdict.NOT_SAFE_EXAM_BROWSER),
    (sha256(START + hashlib.sha256(b"another session").hexdigest()), Verdict.WRONG_CONFIGURATION),  # wrong key
    (sha256(QUIT + KEY), Verdict.WRONG_CONFIGURATION),  # the hash of another URL
    (sha256(START + "?" + KEY), Verdict.WRONG_CONFIGURATION),
    ("not a hash", Verdict.WRONG_CONFIGURATION),
    ("é" * 64, Verdict.WRONG_CONFIGURATION),  # a header's bytes arrive as Latin-1 text: no server error
])
def test_the_config_key_hash_is_checked_for_the_requested_url(received, verdict):
    assert verify(START, KEY, [], received, None) is verdict


def test_no_session_file_refuses_everyone():
    assert verify(START, None, [], sha256(START + KEY), None) is Verdict.NO_CONFIGURATION


@pytest.mark.parametrize(("request_hash", "verdict"), [
    (sha256(START + BROWSER_EXAM_KEY), Verdict.PASSED),
    (None, Verdict.UNAPPROVED_BROWSER),
    (sha256(START + KEY), Verdict.UNAPPROVED_BROWSER),
    (sha256(QUIT + BROWSER_EXAM_KEY), Verdict.UNAPPROVED_BROWSER),
])
def test_approved_browser_exam_keys_need_a_request_hash_for_one_of_them(request_hash, verdict):
    other = hashlib.sha256(b"another approved build").hexdigest()
    assert verify(START, KEY, [other, BROWSER_EXAM_KEY], sha256(START + KEY), request_hash) is verdict


def test_the_seb_file_is_an_xml_plist_naming_the_start_url_and_its_key_is_derived_from_it():
    data = seb_file(session_settings(START, QUIT))
    assert data.startswith(b"<?xml") and b"<!DOCTYPE plist" in data
    settings = plistlib.loads(data)
    assert settings["startURL"] == START and settings["quitURL"] == QUIT
    assert settings["sendBrowserExamKey"] is True and settings["permittedProcesses"] == []
    assert settings["URLFilterRules"] == [{"action": 1, "active": True, "expression": "https://exams.example.org/*",
                                           "regex": False}]
    assert config_key(read_seb_file(data)) == sha256(seb_json(settings))
    assert config_key({**settings, "originatorVersion": "SEB_OSX_3.6"}) == config_key(settings)


def test_settings_refuse_a_quit_url_on_another_site_and_a_relative_start():
    with pytest.raises(ValueError):
        session_settings(START, "https://elsewhere.example/quit")
    with pytest.raises(ValueError):
        session_settings("/learner/sign-in", QUIT)


def test_browser_exam_keys_are_64_hex_digits_one_a_line():
    assert browser_exam_keys(f"{BROWSER_EXAM_KEY.upper()}\n\n{BROWSER_EXAM_KEY}\n") == [BROWSER_EXAM_KEY]
    assert browser_exam_keys("") == []
    with pytest.raises(ValueError, match="64 hexadecimal digits"):
        browser_exam_keys("abc123")
