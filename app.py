"""Start the web chat: `python app.py [--host H] [--port P] [--index DIR]` (the app is qa.faces.web)."""

import sys

from qa.faces.web import main

if __name__ == "__main__":
    sys.exit(main())
