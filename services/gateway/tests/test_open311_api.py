"""Open311 GeoReport v2 end to end: a real gateway (uvicorn) in front of the real feedback service
(`nameko run` subprocess) on the real broker; clients post form-encoded (the spec) or JSON with an
API token as `api_key`, and read JSON or XML.

One feedback service and one gateway for the module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from presscenter.gateway.routes.open311 import JURISDICTION_ID
from presscenter.gateway.testing.accounts import ADMIN, SignedIn, login
from presscenter.gateway.testing.stack import gateway_and_services, ok
from presscenter.shared.rpc.feedback import GeoReportRequest, GeoReportService

CAST: dict[str, dict[str, Any]] = {
    "journalist": {"username": "journalist.open311", "role": "journalist", "outlet": "Báo Hà Nội Mới"},
    "other_journalist": {"username": "journalist.other311", "role": "journalist", "outlet": "VnExpress"},
    "officer": {"username": "officer.hbt", "role": "unit_officer", "unit_code": "phuong-hai-ba-trung"},
}
V2 = "/open311/v2"


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory: pytest.TempPathFactory, embedded_mongo: Any) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("open311")
    services = {"feedback": {"WORKING_CALENDAR": "always"}}
    with gateway_and_services(embedded_mongo.uri, workdir, services, vhost_prefix="gateway-open311") as stack:
        yield stack.url


@pytest.fixture(scope="module")
def keys(http: httpx.Client, cast: dict[str, SignedIn]) -> dict[str, str]:
    """API tokens: the journalist's with and without `questions:write`, the other journalist's."""
    admin = {"Authorization": f"Bearer {login(http, *ADMIN)}"}

    def issue(account_id: str, scopes: list[str]) -> str:
        body = {"account_id": account_id, "name": "open311 app", "scopes": scopes}
        response = http.post("/v1/admin/api-tokens", json=body, headers=admin)
        assert response.status_code == 201, response.text
        return str(response.json()["token"])

    return {
        "writer": issue(cast["journalist"].account_id, ["questions:write"]),
        "reader": issue(cast["journalist"].account_id, ["releases:write"]),
        "other": issue(cast["other_journalist"].account_id, ["questions:write"]),
    }


def errors(response: httpx.Response, status: int) -> list[dict[str, Any]]:
    """The spec's error list: `[{code, description}]`, the code being the HTTP status."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    found = response.json()
    assert isinstance(found, list) and found and all(error["code"] == status for error in found), found
    assert all(isinstance(error["description"], str) and error["description"] for error in found)
    return found  # type: ignore[no-any-return]


def post_form(http: httpx.Client, key: str, **fields: str) -> httpx.Response:
    form = {
        "api_key": key,
        "service_code": "urban-order",
        "description": "Rác tồn đọng nhiều ngày tại ngõ 12 phố Huế.",
        "address_string": "ngõ 12 phố Huế, phường Hai Bà Trưng",
        **fields,
    }
    return http.post(f"{V2}/requests.json", data=form)


def test_discovery_and_the_service_list_in_json_and_xml(http: httpx.Client) -> None:
    discovery = ok(http.get(f"{V2}/discovery.json"))
    endpoint = discovery["endpoints"][0]
    assert endpoint["url"].endswith("/open311/v2") and "text/xml" in endpoint["formats"]
    listed = http.get(f"{V2}/services.json", params={"jurisdiction_id": JURISDICTION_ID})
    services = [GeoReportService.model_validate(service) for service in ok(listed)]
    traffic = next(service for service in services if service.service_code == "traffic")
    assert (traffic.service_name, traffic.metadata, traffic.type) == ("Giao thông", False, "realtime")
    assert listed.headers["cache-control"] == "public, max-age=300"
    xml = http.get(f"{V2}/services.xml", params={"locale": "en"})
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("text/xml")
    assert xml.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    names = {service.findtext("service_code"): service.findtext("service_name") for service in root}
    assert names["traffic"] == "Traffic and transport"
    assert ok(http.get(f"{V2}/services/traffic.json")) == {"service_code": "traffic", "attributes": []}
    assert errors(http.get(f"{V2}/services/potholes.json"), 404)[0]["description"].startswith("service_code:")
    wrong = errors(http.get(f"{V2}/services.json", params={"jurisdiction_id": "saigon.gov.vn"}), 404)
    assert "jurisdiction_id" in wrong[0]["description"]
    assert http.get(f"{V2}/services.yaml").status_code == 400


def test_a_form_post_becomes_the_journalists_question_and_its_record_follows_it(
    http: httpx.Client, cast: dict[str, SignedIn], keys: dict[str, str]
) -> None:
    created = ok(post_form(http, keys["writer"], **{"attribute[priority]": "urgent", "lat": "21.02", "long": "105.85"}))
    request_id = created[0]["service_request_id"]
    assert created[0]["service_notice"].startswith("Đã chuyển đến Phường Hai Bà Trưng")
    question = ok(http.get(f"/v1/questions/{request_id}", headers=cast["journalist"].headers))
    assert (question["origin"], question["priority"], question["unit_code"]) == (
        "open311",
        "urgent",
        "phuong-hai-ba-trung",
    )
    assert question["journalist_id"] == cast["journalist"].account_id and "21.02, 105.85" in question["body"]

    mine = ok(http.get(f"{V2}/requests/{request_id}.json", params={"api_key": keys["writer"]}))
    record = GeoReportRequest.model_validate(mine[0])
    assert (record.status, record.service_code, record.agency_responsible) == (
        "open",
        "urban-order",
        "Phường Hai Bà Trưng",
    )
    by_header = http.get(f"{V2}/requests.json", headers={"Authorization": f"Bearer {keys['writer']}"})
    assert request_id in {item["service_request_id"] for item in ok(by_header)}
    assert by_header.headers["cache-control"] == "private, no-cache"
    xml = http.get(f"{V2}/requests/{request_id}.xml", params={"api_key": keys["writer"]})
    assert ElementTree.fromstring(xml.content).find("request/service_request_id").text == request_id  # type: ignore[union-attr]
    # the public and other journalists see it once it is answered for the public Q&A, not before
    assert errors(http.get(f"{V2}/requests/{request_id}.json"), 404)
    assert errors(http.get(f"{V2}/requests/{request_id}.json", params={"api_key": keys["other"]}), 404)
    officer = cast["officer"].headers
    assert ok(
        http.post(f"/v1/questions/{request_id}/answer", json={"text": "Đã thu gom.", "public": True}, headers=officer)
    )
    public = ok(http.get(f"{V2}/requests.json", params={"status": "closed"}))
    answered = next(item for item in public if item["service_request_id"] == request_id)
    assert answered["status"] == "closed" and "Đã thu gom." in answered["status_notes"]
    assert http.get(f"{V2}/requests.json").headers["cache-control"] == "public, max-age=30"


def test_a_json_post_works_like_the_form(http: httpx.Client, keys: dict[str, str]) -> None:
    body = {
        "api_key": keys["writer"],
        "service_code": "health",
        "description": "Số ca sốt xuất huyết tuần này?",
        "address_id": "so-yte",
        "attribute": {"priority": "normal"},
    }
    created = http.post(f"{V2}/requests.xml", json=body)
    assert created.status_code == 200 and created.headers["content-type"].startswith("text/xml"), created.text
    request_id = ElementTree.fromstring(created.content).findtext("request/service_request_id")
    record = ok(http.get(f"{V2}/requests.json", params={"service_request_id": f"{request_id},q-khong-co",
                                                        "api_key": keys["writer"]}))  # fmt: skip
    assert [(r["service_request_id"], r["address_id"], r["agency_responsible"]) for r in record] == [
        (request_id, "so-yte", "Sở Y tế Hà Nội")
    ]
    flat = {**body, "attribute[priority]": "urgent"}
    del flat["attribute"]
    assert ok(http.post(f"{V2}/requests.json", json=flat))[0]["service_request_id"]
    unknown_member = errors(http.post(f"{V2}/requests.json", json={**body, "colour": "red"}), 400)
    assert unknown_member[0]["description"].startswith("colour")


def test_refusals_come_in_the_spec_error_format(
    http: httpx.Client, cast: dict[str, SignedIn], keys: dict[str, str]
) -> None:
    anonymous = errors(post_form(http, ""), 401)
    assert "api_key" in anonymous[0]["description"]
    assert "invalid api_key" in errors(post_form(http, "pc_not_a_real_token"), 403)[0]["description"]
    assert "questions:write" in errors(post_form(http, keys["reader"]), 403)[0]["description"]
    officer_post = http.post(f"{V2}/requests.json", data={"service_code": "health", "description": "x"},
                             headers=cast["officer"].headers)  # fmt: skip
    assert "journalist" in errors(officer_post, 403)[0]["description"]
    missing = errors(http.post(f"{V2}/requests.json", data={"api_key": keys["writer"], "description": "x"}), 400)
    assert missing[0]["description"].startswith("service_code")
    unknown = errors(post_form(http, keys["writer"], service_code="potholes"), 400)
    assert "service_code" in unknown[0]["description"]
    urgent = errors(post_form(http, keys["writer"], **{"attribute[priority]": "asap"}), 400)
    assert "priority" in urgent[0]["description"]
    assert errors(post_form(http, keys["writer"], jurisdiction_id="saigon.gov.vn"), 404)
    assert errors(http.post(f"{V2}/requests.json", content=b"{", headers={"content-type": "application/json"}), 400)
    assert errors(http.post(f"{V2}/requests.json", content=b"x", headers={"content-type": "text/plain"}), 415)
    bad_date = errors(http.get(f"{V2}/requests.json", params={"start_date": "2026-11-01T00:00:00"}), 400)
    assert bad_date[0]["description"].startswith("start_date")
    xml = http.get(f"{V2}/requests/q-khong-co.xml")
    assert xml.status_code == 404 and ElementTree.fromstring(xml.content).findtext("error/code") == "404"
