"""Command line of the NLP package: `train`, `evaluate` and `bench` (wired as `comptoir nlp …`)."""

import argparse
import json
import sys
from pathlib import Path

from comptoir.nlp.tasks import LANGUAGES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="comptoir nlp", description="Train, evaluate and time the NLP models."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train every task's model and write them into the package")
    train.add_argument(
        "--tweeteval", type=Path, required=True, help="TweetEval folder (offensive, hate, irony, …)"
    )
    train.add_argument("--mlma-fr", type=Path, required=True, help="MLMA French train.csv")
    train.add_argument("--output", type=Path, help="where to write the models (default: the package)")
    train.add_argument("--languages", default=",".join(LANGUAGES), help="comma-separated, default fr,en")
    evaluate = commands.add_parser("evaluate", help="score test splits laid out like TweetEval")
    evaluate.add_argument("--data", type=Path, required=True, help="folder with <task>/test_text.txt …")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    evaluate.add_argument("--lang", help="language of the texts (default: detected from the data)")
    bench = commands.add_parser("bench", help="messages per second through the whole pipeline")
    bench.add_argument("--messages", type=int, default=20_000)
    bench.add_argument("--batch-size", type=int, default=1_000)
    bench.add_argument(
        "--texts", type=Path, help="a file with one message per line (default: packaged examples)"
    )
    return parser


def _train(arguments: argparse.Namespace) -> int:
    from comptoir.nlp.backends import MODELS_DIRECTORY
    from comptoir.nlp.train import main_train

    languages = [language.strip() for language in arguments.languages.split(",") if language.strip()]
    return main_train(arguments.tweeteval, arguments.mlma_fr, arguments.output or MODELS_DIRECTORY, languages)


def _evaluate(arguments: argparse.Namespace) -> int:
    from comptoir.nlp.evaluate import EvaluationError, evaluate

    try:
        scores = evaluate(arguments.data, arguments.lang)
    except (EvaluationError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if arguments.json:
        print(json.dumps({score.task: score.as_json() for score in scores}))
        return 0
    print(f"{'task':<10} {'lang':<5} {'macro_f1':>9} {'macro_recall':>13} {'accuracy':>9} {'n':>7}")
    for score in scores:
        print(
            f"{score.task:<10} {score.language:<5} {score.macro_f1:>9.4f} {score.macro_recall:>13.4f}"
            f" {score.accuracy:>9.4f} {score.n:>7}"
        )
    return 0


def _bench(arguments: argparse.Namespace) -> int:
    from comptoir.nlp.bench import bench, sample_texts

    result = bench(sample_texts(arguments.messages, arguments.texts), arguments.batch_size)
    print(
        f"{result.messages} messages (mean {result.mean_characters:.0f} characters), batch size {result.batch_size}:"
        f" {result.seconds:.2f} s, {result.messages_per_second:,.0f} msg/s"
        f" ({result.cpu_seconds:.2f} CPU s, {result.messages_per_cpu_second:,.0f} msg per CPU second)"
    )
    return 0


def main(argv: list[str]) -> int:
    arguments = _parser().parse_args(argv)
    handlers = {"train": _train, "evaluate": _evaluate, "bench": _bench}
    return handlers[arguments.command](arguments)
