#!/usr/bin/env python3
"""Every public item of ring-core a user calls has an example in its docs.

The items: public types (structs, enums, unions, traits, type aliases),
free functions, the inherent methods of public types and the methods of the
crate's own public traits, as rustdoc sees them (its JSON output, so
re-exports, private modules and `#[doc(hidden)]` count exactly as in the
rendered docs). Fields, variants, constants and the methods of trait
implementations (documented by their trait) are not items a user calls.

An item has an example when its own doc comment holds a Rust code block
(text, ignore and compile_fail blocks are not examples), or when a shared
example calls it: a Rust code block in the doc comment of its type, of any
of its type's impl blocks, of its module, or of another type of its module
(or that type's impl blocks) whose example names its type, that names it
(`.name(`, `::name(`, `name(` for a free function, the type's name for a
type).

The items where an example makes no sense are listed with the reason in
scripts/doc_examples_allow.txt (one path a line, `#` and the reason after
it). The check fails on an item with no example that is not listed, and on
a listed item that is no longer public or now has an example (so the list
stays short and true).

    python3 scripts/doc_examples.py            # the check (scripts/test.sh)
    python3 scripts/doc_examples.py --list     # every item without one
    python3 scripts/doc_examples.py --counts   # with / without, by module

rustdoc's JSON output is unstable: it is produced here with
RUSTC_BOOTSTRAP=1 in a target directory of its own, which changes nothing
in the normal build.
"""

import json
import os
import re
import subprocess
import sys
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ALLOW = os.path.join(ROOT, "scripts", "doc_examples_allow.txt")
TODO = os.path.join(ROOT, "scripts", "doc_examples_todo.txt")

# Types whose methods come in several impl blocks, one per family: each
# block's doc comment opens with a `# Family` heading, which rustdoc shows
# above the block's methods.
HEADED = {"Driver"}
TARGET = os.path.join(ROOT, "target", "doc-json")

# Fence tokens that mark a block as something other than a Rust example.
NOT_EXAMPLE = {"text", "ignore", "compile_fail", "sh", "bash", "console", "c",
               "toml", "json", "plain", "none", "diff", "txt"}


def rustdoc_json():
    env = dict(os.environ, RUSTC_BOOTSTRAP="1", CARGO_TARGET_DIR=TARGET)
    env.pop("RUSTDOCFLAGS", None)
    cmd = ["cargo", "rustdoc", "-p", "ring-core", "--lib", "--locked", "-q",
           "--all-features", "--", "-Z", "unstable-options",
           "--output-format", "json"]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    with open(os.path.join(TARGET, "doc", "ring_core.json")) as f:
        return json.load(f)


def code_blocks(docs):
    """The Rust code blocks of a doc comment, as text."""
    blocks, cur, rust = [], None, False
    for line in (docs or "").splitlines():
        s = line.strip()
        if s.startswith("```"):
            if cur is None:
                info = s[3:].strip()
                toks = {t.strip() for t in re.split(r"[,\s]+", info) if t.strip()}
                rust = not (toks & NOT_EXAMPLE)
                cur = []
            else:
                if rust:
                    blocks.append("\n".join(cur))
                cur = None
            continue
        if cur is not None:
            # rustdoc's hidden lines still run: keep them, minus the `# `.
            cur.append(re.sub(r"^#\s?", "", s) if s != "#" else "")
    return blocks


def calls(blocks, name, free=False):
    pat = r"(\.|::)" + re.escape(name) + r"\b"
    if free:
        pat = r"(^|[^\w])" + re.escape(name) + r"\s*(::<[^>]*>)?\s*\("
    return any(re.search(pat, b, re.M) for b in blocks)


def names_type(blocks, name):
    return any(re.search(r"\b" + re.escape(name) + r"\b", b) for b in blocks)


def collect(d):
    idx = d["index"]
    get = lambda i: idx.get(str(i)) if str(i) in idx else idx.get(i)

    def kind(it):
        return next(iter(it["inner"]))

    items = {}  # path -> (kind, has_own, has_shared)
    unheaded = []  # impl blocks of HEADED types with no `# Family` heading
    seen_types = set()
    seen_mods = set()

    def walk_module(mod, mpath):
        if mod["id"] in seen_mods:
            return
        seen_mods.add(mod["id"])
        mblocks = code_blocks(mod.get("docs"))
        # The examples of the module's own items (types and their impl
        # blocks) are shared with the other items of the module that they
        # name: a `FixedBuffers` example that names `FixedBuf` shows it.
        sibling = []
        for cid in mod["inner"]["module"]["items"]:
            it = get(cid)
            if it is None or it["crate_id"] != 0:
                continue
            if kind(it) == "use" and it["inner"]["use"].get("id") is not None and not it["inner"]["use"]["is_glob"]:
                it = get(it["inner"]["use"]["id"]) or it
            sibling += item_blocks(it)
        for cid in mod["inner"]["module"]["items"]:
            it = get(cid)
            if it is None or it["crate_id"] != 0:
                continue
            visit(it, mpath, mblocks + sibling)

    def item_blocks(it):
        k = kind(it)
        if k not in ("struct", "enum", "union", "trait", "type_alias"):
            return []
        out = code_blocks(it.get("docs"))
        for iid in it["inner"][k].get("impls", []) if k != "trait" and k != "type_alias" else []:
            imp = get(iid)
            if imp is not None and imp["crate_id"] == 0 and imp["inner"]["impl"]["trait"] is None:
                out += code_blocks(imp.get("docs"))
        return out

    def visit(it, mpath, mblocks):
        k = kind(it)
        if it.get("visibility") != "public" and k != "impl":
            return
        if k == "use":
            u = it["inner"]["use"]
            tgt = get(u["id"]) if u.get("id") is not None else None
            if tgt is None or tgt["crate_id"] != 0:
                return
            if u["is_glob"]:
                if kind(tgt) == "module":
                    walk_module(tgt, mpath)
                return
            visit(tgt, mpath, mblocks)
        elif k == "module":
            walk_module(it, mpath + "::" + it["name"])
        elif k in ("struct", "enum", "union", "trait", "type_alias"):
            if it["id"] in seen_types:
                return
            seen_types.add(it["id"])
            tpath = mpath + "::" + it["name"]
            own = code_blocks(it.get("docs"))
            items[tpath] = (k, bool(own), names_type(mblocks, it["name"]))
            # A module's example is shared with a type's methods only in
            # the blocks that name the type.
            shared = own + [b for b in mblocks if names_type([b], it["name"])]
            if k == "trait":
                for fid in it["inner"]["trait"]["items"]:
                    f = get(fid)
                    if f and kind(f) == "function":
                        add_fn(f, tpath, shared)
            else:
                shared = shared + item_blocks(it)
                for iid in it["inner"][k].get("impls", []):
                    imp = get(iid)
                    if imp is None or imp["crate_id"] != 0:
                        continue
                    im = imp["inner"]["impl"]
                    if im["trait"] is not None or im.get("is_synthetic") or im.get("blanket_impl"):
                        continue
                    if it["name"] in HEADED and not re.match(r"#\s+\S", imp.get("docs") or ""):
                        span = imp.get("span") or {}
                        unheaded.append(f'{span.get("filename")}:{(span.get("begin") or [0])[0]}')
                    iblocks = code_blocks(imp.get("docs")) + shared
                    for fid in im["items"]:
                        f = get(fid)
                        if f and kind(f) == "function" and f.get("visibility") == "public":
                            add_fn(f, tpath, iblocks)
        elif k == "function":
            fpath = mpath + "::" + it["name"]
            own = code_blocks(it.get("docs"))
            items.setdefault(fpath, ("fn", bool(own), calls(mblocks, it["name"], free=True)))

    def add_fn(f, tpath, blocks):
        p = tpath + "::" + f["name"]
        own = code_blocks(f.get("docs"))
        items.setdefault(p, ("method", bool(own), calls(blocks, f["name"])))

    walk_module(get(d["root"]), "ring_core")
    return items, unheaded


def load_allow(path=ALLOW, why=True):
    allow = {}
    if not os.path.exists(path):
        return allow
    with open(path) as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            item, _, reason = s.partition("#")
            if why and not reason.strip():
                sys.exit(f"{path}:{n}: every allowed item says why after a '#'")
            allow[item.strip()] = reason.strip()
    return allow


def main():
    args = set(sys.argv[1:])
    if "--json" in args:
        with open(os.path.join(TARGET, "doc", "ring_core.json")) as f:
            d = json.load(f)
    else:
        d = rustdoc_json()
    items, unheaded = collect(d)
    allow = load_allow()
    todo = load_allow(TODO, why=False)
    missing = sorted(p for p, (_, own, shared) in items.items() if not own and not shared)
    with_ex = len(items) - len(missing)
    if "--counts" in args:
        by = Counter()
        tot = Counter()
        for p, (_, own, shared) in items.items():
            m = "::".join(p.split("::")[:3])
            tot[m] += 1
            if not own and not shared:
                by[m] += 1
        for m in sorted(tot):
            print(f"{tot[m] - by[m]:5} with {by[m]:5} without  {m}")
    if "--list" in args:
        for p in missing:
            print(p + ("    (allowed)" if p in allow else ""))
    print(f"doc examples: {len(items)} public items a user calls, {with_ex} with an "
          f"example, {len(missing)} without ({len([p for p in missing if p in allow])} allowed)")
    if "--update-todo" in args:
        with open(TODO, "w") as f:
            f.write(TODO_HEADER)
            for p in missing:
                if p not in allow:
                    f.write(p + "\n")
        todo = load_allow(TODO, why=False)
    print(f"doc examples: {len(todo)} still to write (scripts/doc_examples_todo.txt)")
    bad = [p for p in missing if p not in allow and p not in todo]
    stale = [p for p in list(allow) + list(todo) if p not in items or p not in missing]
    for p in stale:
        print(f"listed but no longer needed (gone or has an example now): {p}")
    for p in bad:
        print(f"no example: {p}")
    for u in unheaded:
        print(f"impl block with no '# Family' heading in its doc comment: {u}")
    if "--list" in args or "--counts" in args:
        return 0
    if stale:
        print("(python3 scripts/doc_examples.py --update-todo rewrites the to-do list)")
    return 1 if bad or stale or unheaded else 0


TODO_HEADER = """\
# Public items of ring-core still without an example in their docs: the
# work left, not a list of exceptions (those are doc_examples_allow.txt,
# each with its reason). scripts/doc_examples.py fails on an item missing
# an example that is on neither list, and on an item listed here that has
# one now; `python3 scripts/doc_examples.py --update-todo` rewrites this
# file after examples are added. The list only shrinks.
"""


if __name__ == "__main__":
    sys.exit(main())
