"""Hostile input to the seed API: every URL answers its own failure shape, makes nothing,
and leaves no traceback in the log."""

import logging
import urllib.parse

import pytest

LONG = "n" * 5000
BAD_NUMBERS = ["²", "٣", "１", "0", "00", "01", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10",
               "12345678901234567890", str(2 ** 31), str(2 ** 63), "", "null", "[1]", "%00", "1%00"]
CREATE_QUERIES = (
    [f"name=x&instance_type={urllib.parse.quote(n)}" for n in BAD_NUMBERS]
    + [f"name=x&instance_type=1&image_id={urllib.parse.quote(n)}" for n in BAD_NUMBERS]
    + ["name=&instance_type=1", "instance_type=1", "name=x", "name=%00&instance_type=1",
       "name=%20%20&instance_type=1", "name=a%1Fb&instance_type=1", "name=%EF%BF%BE&instance_type=1",
       f"name={LONG}&instance_type=1", "name=x&instance_type=1&instance_type=2",
       "name=x&name=y&instance_type=1"]
)
ID_ENDPOINTS = {"/vm/query?vmid=": 0, "/vm/destroy?vmid=": {"status": 0},
                "/pm/query?pmid=": 0, "/pm/listvms?pmid=": 0}


def answer(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers["Content-Type"].startswith("application/json")
    return response.get_json()


@pytest.fixture
def no_traceback(caplog):
    caplog.set_level(logging.DEBUG)
    yield
    assert not [r for r in caplog.records if r.exc_info], "a client's mistake logged a traceback"


@pytest.mark.parametrize("query", CREATE_QUERIES)
def test_create_answers_vmid_0_and_makes_nothing(client, ctx, no_traceback, query):
    assert answer(client, f"/vm/create?{query}") == {"vmid": 0}
    assert [vm for vm in ctx.store.vms.list() if vm.state != "failed"] == []
    assert all(pm.used_cpu == 0 for pm in ctx.store.pms.list())


@pytest.mark.parametrize("endpoint, failure", sorted(ID_ENDPOINTS.items()))
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_ids_answer_the_failure_shape(client, no_traceback, endpoint, failure, value):
    assert answer(client, endpoint + urllib.parse.quote(value)) == failure


@pytest.mark.parametrize("path", ["/pm/²", "/pm/99999999999999999999", "/pm/0/listvms",
                                  "/pm/%00", "/pm/1%2F2", "/vm/create/", "/vm/destroy/"])
def test_paths_answer_their_shape(client, no_traceback, path):
    expected = {"vmid": 0} if path.startswith("/vm/create") else (
        {"status": 0} if path.startswith("/vm/destroy") else 0)
    assert answer(client, path) == expected


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_other_methods_answer_the_failure_shape(client, no_traceback, method):
    response = client.open("/vm/create?name=x&instance_type=1", method=method)
    assert response.status_code == 200 and response.get_json() == {"vmid": 0}
    response = client.open("/vm/destroy?vmid=1", method=method)
    assert response.status_code == 200 and response.get_json() == {"status": 0}


@pytest.mark.parametrize("query", [
    "vmid=1", "vmid=1&vmid=2", "a=&b", "&&vmid=7&", "name=a+b", "name=a%20b", "name=x;y=1",
    "name=%C3%A9", "k=v=w", "=v", "name=%2B", "x"])
def test_the_query_is_read_as_werkzeug_decodes_it(client, query):
    """The seed API splits a plain query itself (no %-escape, '+' or ';'): whichever way a
    query is read, every argument is what werkzeug's own decoding gives."""
    from service.api import seed

    with client.application.test_request_context(f"/vm/query?{query}"):
        from flask import request

        expected = {key: request.args.getlist(key) for key in request.args}
        assert seed._query(request._get_current_object()) == expected
