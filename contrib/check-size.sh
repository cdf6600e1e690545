#!/bin/sh
# check-size.sh -- fail when a file under src/ is over 800 lines or a C
# function is over 80 lines, except what contrib/size-exceptions lists
# (generated code and data tables, each with its reason).
# A function's length is counted as clang-tidy's readability-function-size
# counts it (LineThreshold): from the line of its opening brace to the line
# of its closing brace. The scan relies on the house format (.clang-format,
# BreakBeforeBraces: Linux, checked by `make check`): a function body opens
# with "{" alone at column 0 and closes with "}" alone at column 0.
# Usage: contrib/check-size.sh [FILE...]   (default: every file git tracks under src/)
# Exit status: 0 when within the limits, 1 with one line per offender.
set -eu
cd "$(dirname "$0")/.."
if [ $# -eq 0 ]; then
    set -- $(git ls-files src)
fi
exec python3 - "$@" <<'EOF'
import re
import sys

FILE_MAX = 800
FUNCTION_MAX = 80
EXCEPTIONS = "contrib/size-exceptions"

# "path" excepts a file's length, "path:function" one function; '#' comments.
excepted = set()
with open(EXCEPTIONS, encoding="utf-8") as f:
    for line in f:
        entry = line.split("#", 1)[0].strip()
        if entry:
            excepted.add(entry)
used = set()
offenders = []


def check(key, message):
    if key in excepted:
        used.add(key)
    else:
        offenders.append(message)


name_re = re.compile(r"([A-Za-z_]\w*)\s*\(")
for path in sys.argv[1:]:
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
    except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
        continue
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) > FILE_MAX:
        check(path, f"{path}: {len(lines)} lines (limit {FILE_MAX})")
    if not path.endswith(".c"):
        continue
    opened = None
    for i, line in enumerate(lines):
        if line == "{":
            opened = i
        elif line == "}" and opened is not None:
            length = i - opened
            # The signature: the lines above the brace, back to a blank line,
            # a comment's end, a preprocessor line or the previous definition.
            sig = []
            j = opened - 1
            while j >= 0 and lines[j].strip() and not lines[j].startswith(("#", "}")) \
                    and not lines[j].rstrip().endswith(("*/", ";")):
                sig.insert(0, lines[j])
                j -= 1
            m = name_re.search(" ".join(sig))
            name = m.group(1) if m else "?"
            if length > FUNCTION_MAX:
                check(f"{path}:{name}",
                      f"{path}:{opened + 1}: {name} is {length} lines (limit {FUNCTION_MAX})")
            opened = None

for message in offenders:
    print("check-size: " + message, file=sys.stderr)
for stale in sorted(excepted - used):
    print(f"check-size: note: {EXCEPTIONS} lists {stale}, which is within the limits",
          file=sys.stderr)
if offenders:
    print(f"check-size: {len(offenders)} over the limits", file=sys.stderr)
    sys.exit(1)
print(f"check-size: files <= {FILE_MAX} lines, functions <= {FUNCTION_MAX} lines "
      f"({len(used)} listed exceptions)")
EOF
