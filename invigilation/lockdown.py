"""Safe Exam Browser (SEB): the settings file a session's workstations open, the Config Key derived
from it, and the check of the key hashes SEB sends with every request. Pure: no Flask, no database.

What SEB defines, and where it says so:

* The settings are an XML property list (plist); SEB opens an unencrypted one as it is (SEB's
  "SEB File Format", safeexambrowser.org/developer/seb-file-format.html; Moodle's quizaccess_seb
  serves its generated settings the same way).
* The **Config Key** (safeexambrowser.org/developer/seb-config-key.html, "Summary Config Key
  Generation") is the Base16 (lower-case hex) SHA-256 of the settings' "SEB-JSON": the root
  dictionary without `originatorVersion`, with no whitespace and no character escaping, every
  dictionary's keys sorted case-insensitively (recursively, inside arrays too), empty
  dictionaries left out, strings in UTF-8, `<data>` as Base64. SEB for Windows writes a `"`
  inside a string as `\\"` and nothing else escaped (seb-win-refactoring,
  `ConfigurationData/Json.cs`); Moodle does the same (`property_list::to_json`).
* With `sendBrowserExamKey` on, SEB sends `X-SafeExamBrowser-ConfigKeyHash`: the SHA-256 hex of
  the absolute URL of the request without its fragment, followed by the Config Key (same page,
  "Checking the Config Key"; seb-win-refactoring `KeyGenerator.CalculateConfigurationKeyHash`:
  `url.Split('#')[0] + key`, UTF-8, lower-case hex). The URL is the whole URL, query included
  (Moodle's `access_manager` hashes `$FULLME`).
* It also sends `X-SafeExamBrowser-RequestHash`: the same hash of the URL followed by the
  **Browser Exam Key** (SEB's "Browser Exam Key" specification,
  SEB-Specification-BrowserExamKey.pdf; `KeyGenerator.CalculateBrowserExamKeyHash`). SEB derives
  the BEK from its own build and the settings, so a server cannot compute it: the awarding body
  copies it from the SEB version it approves, after opening the session's file in it.

The Config Key is derived here from the settings the app wrote, never typed in or shown; a
hash compares in constant time.
"""

import base64
import hashlib
import hmac
import plistlib
import re
from enum import StrEnum
from urllib.parse import urlsplit

SettingValue = str | bool | int | bytes | list["SettingValue"] | dict[str, "SettingValue"]
Settings = dict[str, SettingValue]

CONFIG_KEY_HEADER = "X-SafeExamBrowser-ConfigKeyHash"
REQUEST_HASH_HEADER = "X-SafeExamBrowser-RequestHash"
ORIGINATOR_VERSION = "originatorVersion"  # metadata SEB leaves out of the Config Key
MEDIA_TYPE = "application/seb"
_HEX_KEY = re.compile(r"[0-9a-f]{64}")


class Verdict(StrEnum):
    """What the check of one request found."""

    PASSED = "passed"
    NOT_SAFE_EXAM_BROWSER = "not_safe_exam_browser"  # no Config Key hash: another browser
    WRONG_CONFIGURATION = "wrong_configuration"  # a hash, but not of this URL with this session's key
    UNAPPROVED_BROWSER = "unapproved_browser"  # no approved Browser Exam Key matches
    NO_CONFIGURATION = "no_configuration"  # the session's SEB file has not been made yet

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]


VERDICT_LABELS = {
    Verdict.PASSED: "Safe Exam Browser checked",
    Verdict.NOT_SAFE_EXAM_BROWSER: "Refused: not Safe Exam Browser",
    Verdict.WRONG_CONFIGURATION: "Refused: Safe Exam Browser without this session's file",
    Verdict.UNAPPROVED_BROWSER: "Refused: a Safe Exam Browser version not approved",
    Verdict.NO_CONFIGURATION: "Refused: the session's Safe Exam Browser file is not made",
}


def origin(url: str) -> str:
    """`scheme://host[:port]` of an absolute http(s) URL."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an absolute http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def session_settings(start_url: str, quit_url: str) -> Settings:
    """SEB settings for one session: open `start_url`, allow only the app's own origin, run no
    other application, send the key hashes with every request, quit at `quit_url`.

    Key names and values as SEB for Windows reads them (seb-win-refactoring
    `ConfigurationData/Keys.cs`); keys left out keep SEB's own (locked-down) defaults.
    """
    home = origin(start_url)
    if origin(quit_url) != home:
        raise ValueError("the quit URL must be on the same site as the start URL")
    return {
        "startURL": start_url,
        "quitURL": quit_url,
        "quitURLConfirm": False,
        "sebConfigPurpose": 0,  # 0: start an exam (1 would reconfigure the client)
        "sendBrowserExamKey": True,  # send X-SafeExamBrowser-ConfigKeyHash and -RequestHash
        "URLFilterEnable": True,
        "URLFilterEnableContentFilter": True,
        "URLFilterRules": [{"action": 1, "active": True, "expression": f"{home}/*", "regex": False}],  # 1: allow
        "permittedProcesses": [],
        "allowSwitchToApplications": False,
        "allowQuit": True,  # the invigilator can close SEB after a technical failure
        "allowPreferencesWindow": False,
        "allowBrowsingBackForward": False,
        "allowDownUploads": False,
        "allowPrint": False,
        "allowSpellCheck": False,
        "allowDictionaryLookup": False,
        "allowVirtualMachine": False,
        "allowScreenSharing": False,
        "enablePrintScreen": False,
        "enableRightMouse": False,
        "enablePrivateClipboard": True,
        "newBrowserWindowByLinkPolicy": 0,  # 0: links to new windows are blocked
        "newBrowserWindowByScriptPolicy": 0,
        "browserViewMode": 1,  # full screen
        "enableZoomPage": True,  # access arrangements: enlarged text
        "enableZoomText": True,
        "browserWindowAllowReload": True,
        "showReloadButton": True,
        "examSessionClearCookiesOnStart": True,  # each sitting starts signed out
    }


def seb_file(settings: Settings) -> bytes:
    """The settings as an unencrypted `.seb` file: an XML property list."""
    return plistlib.dumps(settings, fmt=plistlib.FMT_XML, sort_keys=True)


def read_seb_file(data: bytes) -> Settings:
    """The settings of an unencrypted `.seb` file (an XML property list whose root is a dictionary)."""
    settings = plistlib.loads(data, fmt=plistlib.FMT_XML)
    if not isinstance(settings, dict):
        raise ValueError("a .seb file's property list must hold a dictionary")
    return settings


def _key_order(key: str) -> tuple[str, str]:
    """Case-insensitive order; where only case differs, lower case first (allowWlan before allowWLAN)."""
    return key.lower(), key.swapcase()


def seb_json(value: SettingValue) -> str:
    """The "SEB-JSON" text of settings (Config Key page, step 1)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, bytes):
        return '"' + base64.b64encode(value).decode("ascii") + '"'
    if isinstance(value, list):
        return "[" + ",".join(seb_json(item) for item in value) + "]"
    if isinstance(value, dict):
        members = [f'"{key}":{seb_json(item)}' for key, item in sorted(value.items(), key=lambda kv: _key_order(kv[0]))
                   if key != ORIGINATOR_VERSION and item != {}]
        return "{" + ",".join(members) + "}"
    raise TypeError(f"SEB settings hold no {type(value).__name__} values here (dates and reals are not generated)")


def config_key(settings: Settings) -> str:
    """The Config Key: SHA-256 of the settings' SEB-JSON, lower-case hex (Config Key page, steps 2-3)."""
    return hashlib.sha256(seb_json(settings).encode("utf-8")).hexdigest()


def key_hash(url: str, key: str) -> str:
    """What SEB sends for a request of `url`: SHA-256 hex of the URL without its fragment, then the key."""
    return hashlib.sha256((url.split("#", 1)[0] + key).encode("utf-8")).hexdigest()


def _matches(url: str, key: str, received: str) -> bool:
    """Whether a header holds the hash of `url` and `key` (anything but 64 hex digits never does)."""
    received = received.strip().lower()
    return bool(_HEX_KEY.fullmatch(received)) and hmac.compare_digest(key_hash(url, key), received)


def browser_exam_keys(text: str) -> list[str]:
    """Browser Exam Keys typed one a line (64 hex digits each), lower-cased and without repeats."""
    keys: list[str] = []
    for line in text.split():
        key = line.strip().lower()
        if not _HEX_KEY.fullmatch(key):
            raise ValueError(f"a Browser Exam Key is 64 hexadecimal digits, not {line[:70]!r}")
        if key not in keys:
            keys.append(key)
    return keys


def verify(url: str, session_config_key: str | None, approved_browser_exam_keys: list[str],
           config_key_hash: str | None, request_hash: str | None) -> Verdict:
    """Check one request of `url` (as the browser sent it) against the session's Config Key and,
    when the awarding body approved any, its Browser Exam Keys."""
    if session_config_key is None:
        return Verdict.NO_CONFIGURATION
    if not config_key_hash:
        return Verdict.NOT_SAFE_EXAM_BROWSER
    if not _matches(url, session_config_key, config_key_hash):
        return Verdict.WRONG_CONFIGURATION
    if approved_browser_exam_keys and not (
            request_hash and any(_matches(url, key, request_hash) for key in approved_browser_exam_keys)):
        return Verdict.UNAPPROVED_BROWSER
    return Verdict.PASSED
