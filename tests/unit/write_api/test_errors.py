def test_allow_lists_every_method_the_openapi_document_gives_a_path():
    from services.write_api.entrypoints.errors import allowed_methods

    paths = {
        "/customers": {"post": {}},
        "/customers/{customer_id}": {"patch": {}, "delete": {}},
        "/orders/{order_id}/cancel": {"post": {}},
    }
    assert allowed_methods(paths, "/customers/5") == ["DELETE", "PATCH"]
    assert allowed_methods(paths, "/customers") == ["POST"]
    assert allowed_methods(paths, "/orders/7/cancel") == ["POST"]
    assert allowed_methods(paths, "/customers/5/extra") == []
