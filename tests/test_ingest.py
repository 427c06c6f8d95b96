"""Reading inputs: each way an article can be unusable has its own clear message."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from summarizer.core.errors import InputError
from summarizer.text.ingest import make_article, read_article, text_sha256


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the article is empty"),
        (b"  \n\t \r\n", "the article is only whitespace"),
        (b"PK\x03\x04\x00\x00binary", "binary data"),
        (b"caf\xe9 au lait", r"not valid UTF-8 \(byte 0xe9 at offset 3\)"),
        (bytes(range(1, 32)) * 10, "control characters"),
    ],
)
def test_unusable_content(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as failure:
        read_article(str(path))
    assert str(failure.value).startswith(str(path))


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_article(str(tmp_path / "nope.txt"))
    with pytest.raises(InputError, match="is a directory"):
        read_article(str(tmp_path))


def test_exact_text_is_kept_crlf_and_all(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes("Line one.\r\nLigne deux, café.\r\n".encode())
    article = read_article(str(path))
    assert article.text == "Line one.\r\nLigne deux, café.\r\n"
    assert article.id == "crlf"
    assert article.sha256 == text_sha256(article.text)


def test_byte_order_mark_is_not_part_of_the_text(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfHello world.")
    assert read_article(str(path)).text == "Hello world."


def test_stdin_gets_a_hash_id() -> None:
    article = read_article("-", stdin=io.BytesIO(b"Troops entered the town."))
    assert article.origin == "<stdin>"
    assert article.id == article.sha256[:16]


def test_callers_id_wins() -> None:
    assert make_article("Some text.", id="abc").id == "abc"


def test_a_lone_surrogate_is_refused_with_its_offset() -> None:
    with pytest.raises(InputError, match=r"^request: the article cannot be encoded as UTF-8 .*offset 6\)"):
        make_article("Troops\ud800 entered the town.", origin="request")
    with pytest.raises(InputError, match=r"the title cannot be encoded as UTF-8 \(lone surrogate U\+DFFF"):
        make_article("Troops entered the town.", title="A \udfff title")
