"""The bench command: messages per second through the whole pipeline."""

from comptoir.nlp.bench import bench, sample_texts


def test_bench_times_the_whole_pipeline():
    texts = sample_texts(300)
    result = bench(texts, batch_size=100)
    assert result.messages == 300
    assert result.messages_per_second > 0
    assert result.mean_characters > 10


def test_bench_reads_a_text_file(tmp_path):
    source = tmp_path / "texts.txt"
    source.write_text("first message\n\nsecond message\n")
    assert set(sample_texts(10, source)) == {"first message", "second message"}
