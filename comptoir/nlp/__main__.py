"""Run the NLP command line as `python -m comptoir.nlp …`."""

import sys

from comptoir.nlp.cli import main

sys.exit(main(sys.argv[1:]))
