"""The browser chat: ``python app.py`` serves it on http://127.0.0.1:7860, as ``qa serve`` does.

It takes the same flags (``--host``, ``--port``, ``--auth USER:PASSWORD``, ``--index DIR``).
"""

import sys

from qa.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
