"""The query side decodes exactly the tokens the write side issues, and refuses the rest."""

from __future__ import annotations

import pytest

from services.query_api.consistency.token import MalformedToken, decode_token, lsn_text
from services.write_api.domain.consistency import encode_token

# Produced by the write side for LSN 16/B374D848 (its own test pins the same string).
WRITE_SIDE_TOKEN = "v1.AAAAFrN02Eg"


def test_decodes_a_token_the_write_side_produced():
    assert decode_token(WRITE_SIDE_TOKEN) == 0x16_B374D848
    assert lsn_text(decode_token(WRITE_SIDE_TOKEN)) == "16/B374D848"


@pytest.mark.parametrize("lsn", [0, 1, 255, 0x16_B374D848, 2**32, 2**63, 2**64 - 1])
def test_agrees_with_the_write_side_encoder(lsn):
    # A compatibility check run by tests only: the two sides share no run-time code.
    assert decode_token(encode_token(lsn)) == lsn


def test_tokens_order_like_their_lsns():
    assert decode_token(encode_token(0x16_B374D848)) < decode_token(encode_token(0x17_00000000))


@pytest.mark.parametrize(
    "token",
    [
        "",
        "v1.",
        "v2.AAAAFrN02Eg",
        "AAAAFrN02Eg",
        "V1.AAAAFrN02Eg",
        "v1.AAAAFrN02E",
        "v1.AAAAFrN02Eg=",
        "v1.AAAAFrN02E+",
        "v1.AAAAFrN02Eh",
        "v1.AAAAFrN02Eg\n",
        " v1.AAAAFrN02Eg",
        "v1.AAAAFrN02EgA",
        "v1.AAAA FrN02E",
        None,
        12,
    ],
)
def test_malformed_tokens_are_refused(token):
    with pytest.raises(MalformedToken):
        decode_token(token)  # type: ignore[arg-type]
