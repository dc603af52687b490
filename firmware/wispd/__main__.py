import sys

from wispd.main import main

sys.exit(main())
