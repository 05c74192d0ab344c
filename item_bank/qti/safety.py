"""Reading untrusted packages safely: zip limits, path checks and XML without DTDs.

A QTI package is someone else's zip file. Before anything in it is parsed we refuse
absolute paths, `..` components, symbolic links, too many entries, too much data once
uncompressed and entries that expand suspiciously (a high compression ratio), as well as
entries that are damaged, encrypted or listed twice, and XML is parsed with defusedxml
with DTDs forbidden, so entity expansion ("billion laughs") and external entities (XXE)
never happen. Before an import reads its items, `check_package` refuses a package with
nothing in it, and a manifest that is not well-formed, lists no resources or has an
href that is absolute, a URL or climbs out with `..`.
"""

import lzma
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path, PurePosixPath
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

MAX_ENTRIES = 2000
MAX_TOTAL_BYTES = 50 * 1024 * 1024  # uncompressed, whole package
MAX_ENTRY_BYTES = 5 * 1024 * 1024  # uncompressed, one file
MAX_RATIO = 100  # uncompressed / compressed size of one entry
MAX_PACKAGE_BYTES = 20 * 1024 * 1024  # a .zip as read or uploaded
MAX_DEPTH = 64  # element nesting in one XML file
MANIFEST = "imsmanifest.xml"
URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # also a drive letter, as in C:\


class UnsafePackage(ValueError):
    """The package as a whole is refused; the message says what and where."""


@dataclass(frozen=True)
class PackageFiles:
    """The files of a package by their path inside it (POSIX, relative), read into memory."""

    name: str
    files: dict[str, bytes]
    only: str | None = None  # the one item file to read, when a manifest came along for its tags


def read_source(path: Path) -> PackageFiles:
    """A .zip package, a folder (with or without a manifest) or a single item .xml file."""
    if path.is_symlink():
        raise UnsafePackage(f"{path}: is a symbolic link")
    if path.is_dir():
        try:
            return _read_folder(path)
        except OSError as error:
            raise UnsafePackage(f"{error.filename or path}: cannot be read ({error.strerror or error})") from error
    if not path.is_file():
        raise UnsafePackage(f"{path}: no such file or folder")
    if path.suffix.lower() not in (".zip", ".xml"):
        raise UnsafePackage(f"{path}: expected a .zip package, a folder or an item .xml file")
    try:
        _check_size(path.name, path.stat().st_size, path.suffix.lower() == ".zip")
        if path.suffix.lower() == ".xml":
            return _read_item_file(path)
        return read_file(path.name, path.read_bytes())
    except OSError as error:
        raise UnsafePackage(f"{error.filename or path}: cannot be read ({error.strerror or error})") from error


def read_file(name: str, data: bytes) -> PackageFiles:
    """An uploaded or named file: a .zip package or a single item .xml file."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in (".zip", ".xml"):
        _check_size(name, len(data), suffix == ".zip")
    if suffix == ".zip":
        return read_zip(data, name)
    if suffix == ".xml":
        return PackageFiles(name, {PurePosixPath(name).name: data})
    raise UnsafePackage(f"{name}: expected a .zip package or an item .xml file")


def read_zip(data: bytes, name: str) -> PackageFiles:
    """Every entry of a zip archive after the safety checks; raises UnsafePackage."""
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError) as error:
        raise UnsafePackage(f"{name}: is not a readable zip archive ({error})") from error
    with archive:
        entries = [info for info in archive.infolist() if not info.filename.endswith("/")]
        if len(entries) > MAX_ENTRIES:
            raise UnsafePackage(f"{name}: has {len(entries)} entries, more than the limit of {MAX_ENTRIES}")
        declared = sum(info.file_size for info in entries)
        if declared > MAX_TOTAL_BYTES:
            raise UnsafePackage(f"{name}: would uncompress to {declared} bytes, "
                                f"more than the limit of {MAX_TOTAL_BYTES}")
        files: dict[str, bytes] = {}
        for info in entries:
            entry = safe_member_path(info.filename, name)
            if not entry:
                raise UnsafePackage(f"{name}: entry {info.filename!r} has no name")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UnsafePackage(f"{name}: entry {info.filename!r} is a symbolic link")
            if entry in files:
                raise UnsafePackage(f"{name}: entry {info.filename!r} is {entry}, which the package holds already")
            _check_size(f"{name}: entry {info.filename!r}", info.file_size)
            if info.file_size > 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                raise UnsafePackage(f"{name}: entry {info.filename!r} expands {ratio} times, "
                                    f"more than the limit of {MAX_RATIO} (a zip bomb?)")
            files[entry] = _read_entry(archive, info, name)
        if sum(len(content) for content in files.values()) > MAX_TOTAL_BYTES:
            raise UnsafePackage(f"{name}: uncompresses to more than the limit of {MAX_TOTAL_BYTES} bytes")
    return PackageFiles(name, files)


def safe_member_path(raw: str, package: str) -> str:
    """A member path normalised to POSIX; absolute paths and `..` are refused."""
    path = raw.replace("\\", "/")
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        raise UnsafePackage(f"{package}: entry {raw!r} has an absolute path")
    parts = PurePosixPath(path).parts
    if ".." in parts:
        raise UnsafePackage(f"{package}: entry {raw!r} climbs out of the package with '..'")
    return "/".join(part for part in parts if part != ".")


def check_package(package: PackageFiles) -> None:
    """Refuse a package with nothing to import, or whose manifest is not well-formed XML,
    lists no resources or has an href outside the package; raises UnsafePackage."""
    if not package.files:
        raise UnsafePackage(f"{package.name}: is empty")
    manifests = sorted(path for path in package.files if PurePosixPath(path).name == MANIFEST)
    if not manifests and not any(path.lower().endswith(".xml") for path in package.files):
        raise UnsafePackage(f"{package.name}: holds neither an {MANIFEST} nor any .xml item file")
    for manifest in manifests:
        where = f"{package.name}: {manifest}"
        try:
            root = parse_xml(package.files[manifest], where)
        except ValueError as error:
            raise UnsafePackage(str(error)) from error
        elements = list(root.iter())
        if not any(element.tag.rsplit("}", 1)[-1] == "resource" for element in elements):
            raise UnsafePackage(f"{where}: lists no resources, so there is nothing to import")
        for element in elements:
            href = element.get("href")
            if href is not None:
                _check_href(href, where)


def _check_href(href: str, where: str) -> None:
    """An href of a manifest must be a relative path that stays in the manifest's folder."""
    path = href.replace("\\", "/")
    if path.startswith("/") or URL_SCHEME.match(path):
        raise UnsafePackage(f"{where}: href {href!r} is an absolute path or URL; "
                            f"an href must be a path inside the package")
    if ".." in PurePosixPath(path).parts:
        raise UnsafePackage(f"{where}: href {href!r} uses '..', which a package may not use to leave its folder")


def parse_xml(data: bytes, where: str) -> Element:
    """Parse XML with DTDs, entities and external references refused, and nesting limited
    (deep nesting would exhaust recursion in later processing); raises ValueError."""
    try:
        root = fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise ValueError(f"{where}: refused, the XML declares a DTD or entities, which are not allowed") from error
    except ParseError as error:
        raise ValueError(f"{where}: is not well-formed XML ({error})") from error
    except LookupError as error:  # an encoding Python does not know, e.g. encoding="x-unknown"
        encoding = str(error).removeprefix("unknown encoding: ")
        raise ValueError(f"{where}: is not readable XML: it declares the unknown encoding {encoding!r}") from error
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ValueError(f"{where}: refused, elements are nested more than {MAX_DEPTH} deep")
        stack.extend((child, depth + 1) for child in element)
    return root


def _read_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    """Read at most the declared size plus one byte, so a lying header cannot blow up memory;
    damaged data (a wrong CRC, a corrupt compressed stream) refuses the package."""
    if info.flag_bits & 0x1:
        raise UnsafePackage(f"{name}: entry {info.filename!r} is encrypted")
    try:
        with archive.open(info) as stream:
            content = stream.read(min(info.file_size, MAX_ENTRY_BYTES) + 1)
    except NotImplementedError as error:
        raise UnsafePackage(f"{name}: entry {info.filename!r} is compressed by a method we cannot read "
                            f"({info.compress_type})") from error
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError) as error:
        raise UnsafePackage(f"{name}: entry {info.filename!r} is corrupt ({error})") from error
    if len(content) > info.file_size:
        raise UnsafePackage(f"{name}: entry {info.filename!r} is larger than its header says")
    return content


def _read_item_file(path: Path) -> PackageFiles:
    """One item file, with the manifest of the package it came from (its folder or the
    one above) when there is one, since that is where the item's tags are."""
    for folder in (path.parent, path.parent.parent):
        manifest = folder / MANIFEST
        if manifest.is_file() and not manifest.is_symlink():
            _check_size(str(manifest), manifest.stat().st_size)
            relative = path.relative_to(folder).as_posix()
            return PackageFiles(path.name, {MANIFEST: manifest.read_bytes(), relative: path.read_bytes()}, relative)
    return read_file(path.name, path.read_bytes())


def _read_folder(root: Path) -> PackageFiles:
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if path.is_symlink():
            raise UnsafePackage(f"{root}: {relative} is a symbolic link")
        if not path.is_file():
            continue
        if len(files) >= MAX_ENTRIES:
            raise UnsafePackage(f"{root}: has more than the limit of {MAX_ENTRIES} files")
        size = path.stat().st_size
        _check_size(f"{root}: {relative}", size)
        total += size
        if total > MAX_TOTAL_BYTES:
            raise UnsafePackage(f"{root}: holds more than the limit of {MAX_TOTAL_BYTES} bytes")
        files[relative] = path.read_bytes()
    return PackageFiles(root.name, files)


def _check_size(where: str, size: int, package: bool = False) -> None:
    limit, what = (MAX_PACKAGE_BYTES, "a package") if package else (MAX_ENTRY_BYTES, "one file")
    if size > limit:
        raise UnsafePackage(f"{where}: is {size} bytes, more than the limit of {limit} for {what}")
