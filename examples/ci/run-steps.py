#!/usr/bin/env python3
"""Runs a GitHub Actions workflow's steps here, as a script: how the recipes beside this file
are tested (cli/tests/ci_recipes.rs runs it on each of them).

Usage: run-steps.py WORKFLOW.yml [--checkout DIR] [--workspace DIR] [--json FILE]
                    [--git-url URL=DIR] [--step-timeout SECONDS]
       run-steps.py --parse WORKFLOW.yml     (print the parsed workflow as JSON)

Every job runs in order, each in a fresh workspace (--workspace, or a temporary folder). Each
step's `run:` is run as GitHub's runner runs it, `bash --noprofile --norc -eo pipefail`, in
the workspace (or its `working-directory:`), with the workflow's, the job's and the step's
`env:` and CI=true, GITHUB_WORKSPACE set. A step without `if:` runs while every step before it
passed; `if: always()` and `if: failure()` steps run after a failure too, as on GitHub. The
run fails when a step fails.

`uses:` steps have local equivalents, and only the actions below are known; any other is an
error, so that a recipe cannot use an action that was never tried:
  actions/checkout           copies --checkout DIR (default: WORKFLOW's name without .yml,
                             beside it) into the workspace: the repository the recipe is for
  dtolnay/rust-toolchain     checks that cargo and rustc run (the toolchain is already here)
  actions/cache,             nothing: a cache miss, so the steps after it must work without
  Swatinem/rust-cache        the cache
  actions/upload-artifact    checks that every `path:` line names at least one file
  mikepenz/action-junit-report  checks that `report_paths` finds JUnit XML files, and that
                             each parses as one, and prints their counts
--git-url URL=DIR makes git (and cargo, through CARGO_NET_GIT_FETCH_WITH_CLI) fetch URL from
the local repository DIR instead (git's `url.DIR.insteadOf URL`): a recipe names the real
repository, the test serves it from this checkout.

The YAML is read by a small parser of the subset workflows use (block mappings and
sequences, plain and quoted scalars, `|` blocks, comments; every scalar is a string), so
that the script needs python3 alone. Anything outside that subset (anchors, flow
collections, `>` blocks, tabs) is an error naming the line. --parse prints what it read,
which cli/tests/ci_recipes.rs compares with PyYAML's reading where PyYAML is installed.

Exit codes: 0 every step passed, 1 a step failed, 2 the workflow cannot be run here (a
parse error, an unknown action or key, a `${{ }}` expression in a command). --json FILE
writes each step's outcome: {"result", "jobs": [{"id", "steps": [{"name", "outcome",
"exit", "seconds"}]}]}.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET


class Unsupported(Exception):
    """The workflow uses something this script does not run: exit 2."""


# ---------------------------------------------------------------------------------------------
# YAML, the subset workflows use.


def load_yaml(text, where):
    """Parses `text` (from file `where`) into dicts, lists, strings and None."""
    lines = text.split("\n")
    for n, line in enumerate(lines, 1):
        if "\t" in line[: len(line) - len(line.lstrip(" \t"))]:
            raise Unsupported(f"{where}:{n}: a tab in the indentation")
    parser = _Parser(lines, where)
    i = parser.next_content(0)
    if i is None:
        return None
    value, i = parser.node(i, parser.indent_of(i))
    i = parser.next_content(i)
    if i is not None:
        raise parser.error(i, "unexpected indentation")
    return value


class _Parser:
    def __init__(self, lines, where):
        self.lines, self.where = lines, where

    def error(self, i, what):
        return Unsupported(f"{self.where}:{i + 1}: {what}: {self.lines[i].strip()!r}")

    @staticmethod
    def indent(line):
        return len(line) - len(line.lstrip(" "))

    def next_content(self, i):
        """The first line from i on that is not blank or a comment (None: none is left)."""
        while i is not None and i < len(self.lines):
            s = self.lines[i].strip()
            if s and not s.startswith("#"):
                return i
            i += 1
        return None

    def indent_of(self, i):
        return self.indent(self.lines[i])

    def node(self, i, indent):
        if re.match(r"-( |$)", self.lines[i][indent:]):
            return self.sequence(i, indent)
        return self.mapping(i, indent)

    def sequence(self, i, indent):
        items = []
        while i is not None and self.indent_of(i) == indent:
            rest = self.lines[i][indent:]
            if not re.match(r"-( |$)", rest):
                raise self.error(i, "expected a `- ` item")
            body = rest[1:].lstrip(" ")
            if not body or body.startswith("#"):
                j = self.next_content(i + 1)
                if j is None or self.indent_of(j) <= indent:
                    items.append(None)
                    i = j
                    continue
                value, i = self.node(j, self.indent_of(j))
            else:
                # The item starts on the dash's line: read it as if it were indented there.
                inner = len(rest) - len(body) + indent
                self.lines[i] = " " * inner + body
                if _key_split(body) is not None:
                    value, i = self.mapping(i, inner)
                else:
                    value, i = self.scalar_line(i, body)
            items.append(value)
            i = self.next_content(i)
        return items, i

    def mapping(self, i, indent):
        out = {}
        while i is not None and self.indent_of(i) == indent:
            body = self.lines[i][indent:]
            if re.match(r"-( |$)", body):
                break
            split = _key_split(body)
            if split is None:
                raise self.error(i, "expected `key: value`")
            key, rest = split
            if key in out:
                raise self.error(i, f"the key {key!r} twice")
            rest = _strip_comment(rest)
            if rest == "":
                j = self.next_content(i + 1)
                if j is not None and self.indent_of(j) > indent:
                    out[key], i = self.node(j, self.indent_of(j))
                elif j is not None and self.indent_of(j) == indent and re.match(
                    r"-( |$)", self.lines[j][indent:]
                ):
                    out[key], i = self.sequence(j, indent)
                else:
                    out[key], i = None, j
                continue
            if rest in ("|", "|-"):
                out[key], i = self.literal(i, indent, keep_newline=(rest == "|"))
                i = self.next_content(i)
                continue
            out[key], i = self.scalar_line(i, rest)
            i = self.next_content(i)
        return out, i

    def literal(self, i, indent, keep_newline):
        """A `|` block: the lines indented past the key, with their common indent removed."""
        j, block = i + 1, []
        while j < len(self.lines):
            line = self.lines[j]
            if line.strip() and self.indent(line) <= indent:
                break
            block.append(line)
            j += 1
        while block and not block[-1].strip():
            block.pop()
        if not block:
            return "", j
        cut = min(self.indent(line) for line in block if line.strip())
        text = "\n".join(line[cut:] for line in block)
        return text + ("\n" if keep_newline else ""), j

    def scalar_line(self, i, text):
        text = _strip_comment(text)
        if text[:1] in ("'", '"'):
            q = text[0]
            if len(text) < 2 or text[-1] != q:
                raise self.error(i, "a quoted scalar must end on its line")
            inner = text[1:-1]
            if q == "'":
                return inner.replace("''", "'"), i + 1
            try:
                return json.loads('"' + inner + '"'), i + 1
            except ValueError:
                raise self.error(i, "a double-quoted scalar with an escape JSON does not have")
        if text[:1] in ("[", "{", "&", "*", "!", ">", "|", "%", "@", "`"):
            raise self.error(i, f"{text[0]!r} (flow collections, anchors, tags, folded blocks)")
        return text, i + 1


def _key_split(body):
    """`key: rest` or `key:` into (key, rest); None when the line is not a mapping entry."""
    m = re.match(r"""('[^']*'|"[^"]*"|[^'"\s#:][^:#]*?)\s*:(?:\s+(.*)|$)""", body)
    if m is None:
        return None
    key = m.group(1)
    if key[0] in "'\"":
        key = key[1:-1]
    return key, (m.group(2) or "")


def _strip_comment(text):
    """Removes a ` # comment` (outside quotes) and trailing blanks."""
    quote = None
    for k, c in enumerate(text):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"" and (k == 0 or text[k - 1] == " "):
            quote = c
        elif c == "#" and (k == 0 or text[k - 1] == " "):
            return text[:k].rstrip()
    return text.rstrip()


# ---------------------------------------------------------------------------------------------
# The runner.

STEP_KEYS = {"name", "id", "run", "uses", "with", "env", "if", "working-directory", "shell",
             "timeout-minutes"}
JOB_KEYS = {"name", "runs-on", "steps", "env", "permissions", "timeout-minutes"}
TOP_KEYS = {"name", "on", "permissions", "env", "jobs", "concurrency"}


def run_workflow(path, checkout, workspace, git_urls, step_timeout):
    with open(path, encoding="utf-8") as f:
        wf = load_yaml(f.read(), path)
    if not isinstance(wf, dict) or not isinstance(wf.get("jobs"), dict):
        raise Unsupported(f"{path}: no `jobs:` mapping")
    _check_keys(wf, TOP_KEYS, path)
    env = dict(os.environ)
    env["CI"] = "true"
    if git_urls:
        env["CARGO_NET_GIT_FETCH_WITH_CLI"] = "true"
        env["GIT_CONFIG_COUNT"] = str(len(git_urls))
        for k, (url, local) in enumerate(git_urls):
            env[f"GIT_CONFIG_KEY_{k}"] = f"url.file://{os.path.abspath(local)}.insteadOf"
            env[f"GIT_CONFIG_VALUE_{k}"] = url
    env.update(_env(wf.get("env"), path))
    result = {"workflow": path, "result": "success", "jobs": []}
    for job_id, job in wf["jobs"].items():
        where = f"{path}: job {job_id}"
        if not isinstance(job, dict) or not isinstance(job.get("steps"), list):
            raise Unsupported(f"{where}: no `steps:` list")
        _check_keys(job, JOB_KEYS, where)
        if workspace:
            ws = os.path.abspath(workspace)
            if os.path.exists(ws) and os.listdir(ws):
                raise Unsupported(f"{ws}: the workspace must be empty or absent")
            os.makedirs(ws, exist_ok=True)
        else:
            ws = tempfile.mkdtemp(prefix=f"run-steps-{job_id}-")
        job_env = dict(env, GITHUB_WORKSPACE=ws, **_env(job.get("env"), where))
        print(f"== job {job_id} in {ws}", flush=True)
        steps, failed = [], False
        for n, step in enumerate(job["steps"], 1):
            swhere = f"{where}: step {n}"
            if not isinstance(step, dict):
                raise Unsupported(f"{swhere}: not a mapping")
            _check_keys(step, STEP_KEYS, swhere)
            name = step.get("name") or step.get("uses") or (step.get("run") or "").split("\n")[0]
            record = {"name": name, "outcome": "skipped", "exit": None, "seconds": 0.0}
            steps.append(record)
            if not _should_run(step.get("if"), failed, swhere):
                print(f"-- step {n}: {name}: skipped", flush=True)
                continue
            print(f"-- step {n}: {name}", flush=True)
            started = time.monotonic()
            step_env = dict(job_env, **_env(step.get("env"), swhere))
            if "run" in step:
                code = _run(step, ws, step_env, step_timeout, swhere)
            elif "uses" in step:
                code = _uses(step, ws, checkout, swhere)
            else:
                raise Unsupported(f"{swhere}: neither `run:` nor `uses:`")
            record["seconds"] = round(time.monotonic() - started, 2)
            record["exit"] = code
            record["outcome"] = "success" if code == 0 else "failure"
            if code != 0:
                print(f"-- step {n}: {name}: failed (exit {code})", flush=True)
                failed = True
        result["jobs"].append({"id": job_id, "workspace": ws, "steps": steps})
        if failed:
            result["result"] = "failure"
    return result


def _check_keys(d, allowed, where):
    unknown = sorted(set(d) - allowed)
    if unknown:
        raise Unsupported(f"{where}: keys this script does not run: {', '.join(unknown)}")


def _env(d, where):
    if d is None:
        return {}
    if not isinstance(d, dict):
        raise Unsupported(f"{where}: `env:` is not a mapping")
    for k, v in d.items():
        if v is None or "${{" in v:
            raise Unsupported(f"{where}: env {k}: only plain values (no `${{{{ }}}}`)")
    return d


def _should_run(cond, failed, where):
    if cond is None:
        return not failed
    c = cond.strip()
    if c.startswith("${{") and c.endswith("}}"):
        c = c[3:-2].strip()
    if c in ("always()", "success() || failure()", "!cancelled()"):
        return True
    if c == "failure()":
        return failed
    if c == "success()":
        return not failed
    raise Unsupported(f"{where}: `if: {cond}` is not one of always(), success(), failure()")


def _run(step, ws, env, step_timeout, where):
    script = step["run"]
    if "${{" in script:
        raise Unsupported(f"{where}: a `${{{{ }}}}` expression in `run:` (use env: instead)")
    if step.get("shell", "bash") != "bash":
        raise Unsupported(f"{where}: shell {step['shell']!r} (only bash)")
    cwd = os.path.join(ws, step.get("working-directory", "."))
    timeout = step_timeout
    if step.get("timeout-minutes"):
        timeout = min(timeout, float(step["timeout-minutes"]) * 60)
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as f:
        f.write(script)
    try:
        proc = subprocess.Popen(["bash", "--noprofile", "--norc", "-eo", "pipefail", f.name],
                                cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()
            print(f"{where}: timed out after {timeout:.0f} s", flush=True)
            return 124
    finally:
        os.unlink(f.name)


def _uses(step, ws, checkout, where):
    action = step["uses"].split("@")[0]
    inputs = step.get("with") or {}
    if action == "actions/checkout":
        if set(inputs) - {"fetch-depth"}:
            raise Unsupported(f"{where}: actions/checkout with {sorted(inputs)}")
        if not os.path.isdir(checkout):
            raise Unsupported(f"{where}: nothing to check out: {checkout} is not a folder")
        shutil.copytree(checkout, ws, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("target", "__pycache__"))
        print(f"copied {checkout} into the workspace", flush=True)
        return 0
    if action == "dtolnay/rust-toolchain":
        for tool in ("cargo", "rustc"):
            out = subprocess.run([tool, "--version"], capture_output=True, text=True)
            if out.returncode != 0:
                print(f"{where}: {tool} --version failed: {out.stderr}", flush=True)
                return 1
            print(out.stdout.strip(), flush=True)
        return 0
    if action in ("actions/cache", "Swatinem/rust-cache"):
        print("cache: a miss (nothing restored)", flush=True)
        return 0
    if action == "actions/upload-artifact":
        paths = [p.strip() for p in (inputs.get("path") or "").split("\n") if p.strip()]
        if not paths:
            raise Unsupported(f"{where}: actions/upload-artifact without `path:`")
        missing = [p for p in paths if not p.startswith("!") and not _glob(ws, p)]
        for p in paths:
            for f in _glob(ws, p):
                print(f"artifact {inputs.get('name', 'artifact')}: {os.path.relpath(f, ws)} "
                      f"({os.path.getsize(f)} bytes)", flush=True)
        if missing:
            print(f"{where}: no file to upload for {', '.join(missing)}", flush=True)
            return 1
        return 0
    if action == "mikepenz/action-junit-report":
        files = _glob(ws, inputs.get("report_paths") or "**/junit-reports/TEST-*.xml")
        if not files:
            print(f"{where}: no JUnit file matches report_paths", flush=True)
            return 1
        for f in files:
            try:
                root = ET.parse(f).getroot()
            except ET.ParseError as e:
                print(f"{where}: {f}: not XML: {e}", flush=True)
                return 1
            if root.tag not in ("testsuites", "testsuite"):
                print(f"{where}: {f}: the root is <{root.tag}>, not <testsuites>", flush=True)
                return 1
            cases = root.iter("testcase")
            counts = {"tests": 0, "failures": 0, "skipped": 0}
            for case in cases:
                counts["tests"] += 1
                counts["failures"] += case.find("failure") is not None
                counts["skipped"] += case.find("skipped") is not None
            print(f"JUnit {os.path.relpath(f, ws)}: {counts['tests']} tests, "
                  f"{counts['failures']} failures, {counts['skipped']} skipped", flush=True)
        return 0
    raise Unsupported(f"{where}: no local equivalent for `uses: {step['uses']}` "
                      "(add one to run-steps.py)")


def _glob(ws, pattern):
    pattern = os.path.expanduser(pattern)
    full = pattern if os.path.isabs(pattern) else os.path.join(ws, pattern)
    return sorted(f for f in glob.glob(full, recursive=True) if os.path.isfile(f))


def main(argv):
    args = {"checkout": None, "workspace": None, "json": None, "git_urls": [],
            "step_timeout": 600.0}
    positional, parse_only = [], False
    it = iter(argv)
    for a in it:
        if a == "--parse":
            parse_only = True
        elif a in ("--checkout", "--workspace", "--json", "--git-url", "--step-timeout"):
            v = next(it, None)
            if v is None:
                raise Unsupported(f"{a} needs a value")
            if a == "--git-url":
                url, sep, local = v.partition("=")
                if not sep:
                    raise Unsupported(f"--git-url {v!r}: expected URL=DIR")
                args["git_urls"].append((url, local))
            elif a == "--step-timeout":
                args["step_timeout"] = float(v)
            else:
                args[a[2:]] = v
        elif a.startswith("-"):
            raise Unsupported(f"unknown option {a} (see the top of {sys.argv[0]})")
        else:
            positional.append(a)
    if len(positional) != 1:
        raise Unsupported("expected one workflow file")
    path = positional[0]
    if parse_only:
        with open(path, encoding="utf-8") as f:
            print(json.dumps(load_yaml(f.read(), path), indent=1))
        return 0
    checkout = args["checkout"] or os.path.splitext(path)[0]
    result = run_workflow(path, checkout, args["workspace"], args["git_urls"],
                          args["step_timeout"])
    if args["json"]:
        with open(args["json"], "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    print(f"== {path}: {result['result']}", flush=True)
    return 0 if result["result"] == "success" else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (Unsupported, OSError) as e:
        print(f"run-steps.py: {e}", file=sys.stderr)
        sys.exit(2)
