"""GeoReport v2's two formats: the same answer as JSON or as XML, by the path's extension.

The XML follows the spec's element names: a list's element is named after what it holds
(``<services>`` holds ``<service>``, ``<service_requests>`` holds ``<request>``, ``<errors>``
holds ``<error>``...), ``null`` is an empty element and booleans are ``true``/``false``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from flask import Response, json

FORMATS = ("json", "xml")
FORMAT_RULE = "<any(json, xml):fmt>"
XML_MIMETYPE = "text/xml"
JSON_MIMETYPE = "application/json"

# a list element -> the name of each element in it
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# characters XML 1.0 cannot carry at all (a strict parser refuses the whole document)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def element(tag: str, value: Any) -> ET.Element:
    """``value`` (a dict, a list or a scalar) as an element named ``tag``."""
    node = ET.Element(tag)
    if isinstance(value, dict):
        for key, inner in value.items():
            node.append(element(key, inner))
    elif isinstance(value, list):
        item_tag = ITEM_NAMES[tag]
        for inner in value:
            node.append(element(item_tag, inner))
    else:
        node.text = _text(value)
    return node


def xml_bytes(root: str, value: Any) -> bytes:
    document: bytes = ET.tostring(element(root, value), encoding="utf-8", xml_declaration=True)
    return document


def answer(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    """The answer in ``fmt``: JSON as it is, or XML under a ``root`` element.

    JSON has no root: a list stays a list, as GeoReport's JSON is.
    """
    if fmt == "xml":
        return Response(xml_bytes(root, value), status=status, mimetype=XML_MIMETYPE)
    return Response(json.dumps(value), status=status, mimetype=JSON_MIMETYPE)


def path_format(path: str) -> str:
    """The format a path asks for (its extension); JSON unless it ends in ``.xml``."""
    return "xml" if path.endswith(".xml") else "json"
