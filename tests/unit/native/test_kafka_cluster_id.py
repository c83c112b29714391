import base64
import uuid

from infra.native import servers


def test_a_cluster_id_never_starts_with_a_dash_even_when_the_random_bytes_would_make_one(monkeypatch):
    # 0xf8… encodes to "-" first in URL-safe base64; the storage tool would read it as an option
    dashed, plain = uuid.UUID(bytes=b"\xf8" + b"\x00" * 15), uuid.UUID(bytes=b"\x01" * 16)
    draws = iter([dashed, dashed, plain])
    monkeypatch.setattr(servers.uuid, "uuid4", lambda: next(draws))
    cluster_id = servers.kafka_cluster_id()
    assert cluster_id == base64.urlsafe_b64encode(plain.bytes).rstrip(b"=").decode()
    assert len(cluster_id) == 22
