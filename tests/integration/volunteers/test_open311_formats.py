"""GeoReport v2 in both formats: every route answers XML beside JSON with the spec's element
names (read here with a strict parser), plus the discovery document and service definitions."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.integration.volunteers.helpers import OPEN311_KEY, act, report

API_KEY = OPEN311_KEY
SERVICE_FIELDS = [
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
]
REQUEST_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]


def xml_of(answer, status=200) -> ET.Element:
    assert answer.status_code == status, answer.data
    assert answer.mimetype == "text/xml"
    return ET.fromstring(answer.data)


def children(node: ET.Element) -> list[str]:
    return [child.tag for child in node]


def test_services_and_their_definitions_in_both_formats(client, world):
    services = xml_of(client.get("/open311/v2/services.xml"))
    assert services.tag == "services"
    assert {children(s) == SERVICE_FIELDS for s in services} == {True}
    assert {s.findtext("metadata") for s in services} == {"false"}
    as_json = client.get("/open311/v2/services.json").json
    assert [s.findtext("service_code") for s in services] == [s["service_code"] for s in as_json]

    definition = client.get("/open311/v2/services/road_damage.json")
    assert definition.status_code == 200
    assert definition.json == {"service_code": "road_damage", "attributes": []}
    root = xml_of(client.get("/open311/v2/services/road_damage.xml"))
    assert root.tag == "service_definition" and children(root) == ["service_code", "attributes"]
    assert root.findtext("service_code") == "road_damage" and len(root.find("attributes")) == 0

    missing = xml_of(client.get("/open311/v2/services/unicorns.xml"), 404)
    assert missing.tag == "errors" and children(missing[0]) == ["code", "description"]
    assert missing[0].findtext("code") == "404"
    assert client.get("/open311/v2/services/unicorns.json").json[0]["code"] == 404


def test_requests_in_both_formats(client, world):
    rid = report(client, world.rider).json["id"]
    act(client, world.coordinator, rid, "verify")
    listed = xml_of(client.get("/open311/v2/requests.xml"))
    assert listed.tag == "service_requests" and children(listed) == ["request"]
    assert children(listed[0]) == REQUEST_FIELDS
    as_json = client.get("/open311/v2/requests.json").json[0]
    for name in REQUEST_FIELDS:
        assert listed[0].findtext(name) == ("" if as_json[name] is None else str(as_json[name]))
    one = xml_of(client.get(f"/open311/v2/requests/{rid}.xml"))
    assert one.tag == "service_requests" and one[0].findtext("service_request_id") == rid
    unknown = xml_of(client.get("/open311/v2/requests/nope.xml"), 404)
    assert unknown[0].findtext("code") == "404"
    bad = xml_of(client.get("/open311/v2/requests.xml?status=maybe"), 400)
    assert bad.tag == "errors" and bad[0].findtext("description")


def test_posting_a_request_answers_in_the_asked_format(client, world, open311_keys):
    form = {"api_key": API_KEY, "service_code": "other", "lat": "31.2304", "long": "121.4737"}
    created = xml_of(client.post("/open311/v2/requests.xml", data=form), 201)
    assert created.tag == "service_requests"
    assert children(created[0]) == ["service_request_id", "service_notice", "account_id"]
    assert created[0].findtext("service_request_id")
    refused = xml_of(client.post("/open311/v2/requests.xml", data={**form, "api_key": "x"}), 403)
    assert refused.tag == "errors" and refused[0].findtext("code") == "403"
    incomplete = xml_of(client.post("/open311/v2/requests.xml", data={"api_key": API_KEY}), 400)
    assert "lat" in incomplete[0].findtext("description")


def test_control_characters_never_break_the_xml(client, world):
    rid = report(client, world.rider, description="lamp\x01out\x1f").json["id"]
    act(client, world.coordinator, rid, "verify")
    listed = xml_of(client.get("/open311/v2/requests.xml"))
    assert listed[0].findtext("description") == "lampout"


def test_the_discovery_document(client, world):
    discovery = client.get("/open311/discovery.json")
    assert discovery.status_code == 200
    body = discovery.json
    assert {"changeset", "contact", "key_service", "endpoints"} <= body.keys()
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2") and endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = xml_of(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    assert children(root) == ["changeset", "contact", "key_service", "endpoints"]
    (node,) = root.find("endpoints")
    assert node.tag == "endpoint"
    assert children(node) == ["specification", "url", "changeset", "type", "formats"]
    assert [f.text for f in node.find("formats")] == endpoint["formats"]
