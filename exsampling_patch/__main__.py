import sys

from exsampling_patch.cli import main

sys.exit(main())
