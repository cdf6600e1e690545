#!/bin/sh
# check-layers.sh -- fail when an include in src/ points up a layer, or when
# includes between modules form a cycle. The layers are declared once, in
# src/LAYERS (bottom to top); a module is a .c/.h pair (src/api/api.c and
# src/api/api.h are the module api/api).
# Usage: contrib/check-layers.sh [SRC_DIR]   (default: src)
# Exit status: 0 when clean, 1 with one line per problem on stderr.
set -eu
src=${1:-src}
exec python3 - "$src" <<'EOF'
import os
import re
import sys

src = sys.argv[1]
problems = []

# src/LAYERS: "name folder..." per line, bottom to top; '#' starts a comment.
layer_of = {}  # folder (or file under src/) -> (index, layer name)
names = []
with open(os.path.join(src, "LAYERS"), encoding="utf-8") as f:
    for lineno, line in enumerate(f, 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) < 2:
            problems.append(f"{src}/LAYERS:{lineno}: a layer needs a name and folders")
            continue
        for folder in fields[1:]:
            if folder in layer_of:
                problems.append(f"{src}/LAYERS:{lineno}: {folder} is already in layer "
                                f"{layer_of[folder][1]}")
            layer_of[folder] = (len(names), fields[0])
        names.append(fields[0])

# Every C file under src/, by module.
files = []
for root, _dirs, entries in os.walk(src):
    for e in entries:
        if e.endswith((".c", ".h")):
            files.append(os.path.relpath(os.path.join(root, e), src))
files.sort()


def module(rel):
    return rel[:-2]


def layer(rel):
    top = rel.split(os.sep, 1)[0]
    return layer_of.get(top)


include_re = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
# A header whose first comment says "internal to FOLDER/" is for that folder
# only; the database engine's own header only for the store (its engine is
# nobody else's business: the layers above see an opaque struct db).
internal_re = re.compile(r"internal to[\s*]+(\w+)/")
engine_re = re.compile(r"^\s*#\s*include\s+<(sqlite3\.h|libpq-fe\.h)>")
ENGINE_FOLDER = "store"
# Inside the store, the engines' APIs are for the engines' own files: the
# others run their SQL through store/db_sql.h's statements (db_step,
# db_bind_*, db_col_*), the contract both engines fulfil.
ENGINE_FILES = {"store/db_sql.h", "store/db.c", "store/db_checkpoint.c", "store/db_health.c",
                "store/db_version.c", "store/backup.c", "store/archive.c", "store/db_pg.c",
                "store/db_stmt.c"}
engine_call_re = re.compile(r"\b(sqlite3_\w+|SQLITE_\w+|PQ\w+|PGRES_\w+)")


def internal_folder(target):
    with open(os.path.join(src, target), encoding="utf-8") as f:
        head = f.read(600)
    end = head.find("*/")
    m = internal_re.search(head[:end if end >= 0 else len(head)])
    return m.group(1) if m else None


edges = {}  # module -> {module: (file, line)}
nincludes = 0
for rel in files:
    here = layer(rel)
    if here is None:
        problems.append(f"{src}/{rel}: {rel.split(os.sep, 1)[0]} is in no layer of "
                        f"{src}/LAYERS")
        continue
    with open(os.path.join(src, rel), encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            e = engine_re.match(line)
            if e and rel.split(os.sep, 1)[0] != ENGINE_FOLDER:
                problems.append(f"{src}/{rel}:{lineno}: includes <{e.group(1)}>: only "
                                f"{ENGINE_FOLDER}/ talks to the database engine")
            code = line.split("//", 1)[0].split("/*", 1)[0]
            call = engine_call_re.search(code)
            if (call and rel.split(os.sep, 1)[0] == ENGINE_FOLDER and rel not in ENGINE_FILES
                    and not code.lstrip().startswith("*")):
                problems.append(f"{src}/{rel}:{lineno}: {call.group(1)}: a store module "
                                "runs its SQL through store/db_sql.h, not the engine's API")
            m = include_re.match(line)
            if not m:
                continue
            target = m.group(1)
            if not os.path.exists(os.path.join(src, target)):
                # A header beside the file, or a generated one: not a module of src/.
                continue
            nincludes += 1
            inside = internal_folder(target)
            if inside and rel.split(os.sep, 1)[0] != inside:
                problems.append(f"{src}/{rel}:{lineno}: includes {target}, internal to "
                                f"{inside}/")
            there = layer(target)
            if there is None:
                continue  # reported for the file itself
            if there[0] > here[0]:
                problems.append(f"{src}/{rel}:{lineno}: includes {target}: layer {here[1]} "
                                f"must not include layer {there[1]} above it")
            a, b = module(rel), module(target)
            if a != b:
                edges.setdefault(a, {}).setdefault(b, (rel, lineno))

# Cycles: strongly connected components (Tarjan, iterative) of the module graph.
modules = sorted({module(r) for r in files})
index, low, on_stack, stack, sccs = {}, {}, set(), [], []
counter = 0
for start in modules:
    if start in index:
        continue
    work = [(start, iter(sorted(edges.get(start, {}))))]
    index[start] = low[start] = counter
    counter += 1
    stack.append(start)
    on_stack.add(start)
    while work:
        v, it = work[-1]
        advanced = False
        for w in it:
            if w not in index:
                index[w] = low[w] = counter
                counter += 1
                stack.append(w)
                on_stack.add(w)
                work.append((w, iter(sorted(edges.get(w, {})))))
                advanced = True
                break
            if w in on_stack:
                low[v] = min(low[v], index[w])
        if advanced:
            continue
        work.pop()
        if work:
            low[work[-1][0]] = min(low[work[-1][0]], low[v])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                sccs.append(sorted(scc))


def cycle_in(scc):
    """One cycle through the component's first module, as a list of modules."""
    members = set(scc)
    first = scc[0]
    paths = {first: [first]}
    queue = [first]
    while queue:
        v = queue.pop(0)
        for w in sorted(edges.get(v, {})):
            if w == first:
                return paths[v] + [first]
            if w in members and w not in paths:
                paths[w] = paths[v] + [w]
                queue.append(w)
    return scc + [first]


for scc in sccs:
    cycle = cycle_in(scc)
    steps = []
    for a, b in zip(cycle, cycle[1:]):
        f, line = edges[a][b]
        steps.append(f"{src}/{f}:{line} includes {b}.h")
    others = [m for m in scc if m not in cycle]
    also = f" (the cycle also takes in {', '.join(others)})" if others else ""
    problems.append("include cycle " + " -> ".join(cycle) + ": " + "; ".join(steps) + also)

for p in problems:
    print("check-layers: " + p, file=sys.stderr)
if problems:
    sys.exit(1)
print(f"check-layers: {len(modules)} modules, {nincludes} includes in {len(names)} layers: "
      "none points up, no cycle")
EOF
