#!/usr/bin/env python3
"""The GitHub Actions example's deploy steps, run as GitHub runs them.

Every `run:` block of deploy/examples/github-actions.yml that runs
`ecluse ... deploy` is written to a file and run with the shell GitHub
would use: `bash -e {0}` when the step (or the job's or workflow's
`defaults.run`) names no shell, `bash --noprofile --norc -eo pipefail {0}`
for `shell: bash`. `ecluse` on PATH is the built binary, the database a
private PostgreSQL (`ecluse scratch`), and the project has a post revision
that fails: the pre and deploy steps must succeed, and the post step must
fail, whatever pipes it holds. Each step that writes to $GITHUB_STEP_SUMMARY
must append a Markdown table to it, and must still fail when ecluse fails
(here: a database that cannot be reached).

Environment: ECLUSE_BIN (the binary), ECLUSE_SOURCE_ROOT (the repository).
"""
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ecluse = os.path.realpath(os.environ["ECLUSE_BIN"])
source = Path(os.environ["ECLUSE_SOURCE_ROOT"])
workflow_file = source / "deploy/examples/github-actions.yml"
SHELLS = {
    None: ["bash", "-e", "{0}"],
    "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", "{0}"],
    "sh": ["sh", "-e", "{0}"],
}


def shell_of(workflow, job, step):
    for holder in (step, job.get("defaults", {}).get("run", {}),
                   workflow.get("defaults", {}).get("run", {})):
        if "shell" in holder:
            return holder["shell"]
    return None


def argv_of(shell, script):
    template = SHELLS.get(shell)
    if template is None:  # a custom shell: "command [options] {0}"
        template = shell.split()
    return [script if word == "{0}" else word for word in template]


def has_markdown_table(text):
    """A heading line, then a header row and its delimiter row: what
    GitHub renders as a table in a job summary."""
    lines = text.splitlines()
    return any(lines[i].startswith("### ecluse ") and lines[i + 2].startswith("| ")
               and re.fullmatch(r"\|( --- \|)+", lines[i + 3])
               for i in range(len(lines) - 3))


def main():
    workflow = yaml.safe_load(workflow_file.read_text())
    work = Path(tempfile.mkdtemp(prefix="ecluse-gha-"))
    bindir = work / "bin"
    bindir.mkdir()
    (bindir / "ecluse").symlink_to(ecluse)
    project = work / "project"
    project.mkdir()

    def run_ecluse(*args):
        subprocess.run([ecluse, "-q", *args], cwd=project, check=True,
                       stdout=subprocess.DEVNULL)

    run_ecluse("init")
    run_ecluse("revision", "-m", "create items", "--head", "pre@head")
    run_ecluse("revision", "-m", "a post revision that fails", "--head", "post@head")
    for branch, sql in (("pre", "CREATE TABLE items (id int);"),
                        ("post", "ALTER TABLE no_such_table ADD COLUMN x int;")):
        (revision,) = (project / "migrations" / branch).glob("*.sql")
        text = revision.read_text()
        revision.write_text(text.replace("-- ecluse:upgrade\n",
                                         "-- ecluse:upgrade\n" + sql + "\n", 1))
    hook = project / "deploy" / "hook"
    hook.parent.mkdir(exist_ok=True)
    hook.write_text("#!/bin/sh\necho rolled out\n")
    hook.chmod(0o755)

    url_file = work / "scratch-url"
    with open(url_file, "w") as out:
        scratch = subprocess.Popen([ecluse, "scratch"], stdout=out,
                                   stderr=subprocess.DEVNULL)
    failures = []
    try:
        deadline = time.monotonic() + 60
        while not url_file.read_text().strip():
            if time.monotonic() > deadline or scratch.poll() is not None:
                sys.exit("ecluse scratch did not start")
            time.sleep(0.1)
        env = dict(os.environ,
                   PATH=f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
                   ECLUSE_DATABASE_URL=url_file.read_text().strip(),
                   ECLUSE_DEPLOY_ID="gha-test")
        expected = {"pre": "succeed", "deploy": "succeed", "post": "fail"}
        seen = set()
        summaries = 0

        def run_step(argv, step_env):
            return subprocess.run(argv, cwd=project, env=step_env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, timeout=300)

        for job_name, job in workflow["jobs"].items():
            for index, step in enumerate(job.get("steps", [])):
                block = step.get("run")
                if not block or "ecluse" not in block:
                    continue
                name = step.get("name", block.strip())
                if "GITHUB_STEP_SUMMARY" in block:
                    script = work / f"{job_name}-{index}.sh"
                    script.write_text(block)
                    argv = argv_of(shell_of(workflow, job, step), str(script))
                    summary = work / f"{job_name}-{index}.md"  # one file per step, as GitHub
                    summary.write_text("")
                    result = run_step(argv, dict(env, GITHUB_STEP_SUMMARY=str(summary)))
                    print(f"{job_name} / {name}: {' '.join(argv[:-1])} -> exit "
                          f"{result.returncode}")
                    if result.returncode != 0:
                        print(result.stdout)
                        failures.append(f"{job_name} / {name}: exit {result.returncode}, but "
                                        "a summary step must succeed")
                    elif not has_markdown_table(summary.read_text()):
                        failures.append(f"{job_name} / {name}: no Markdown table in "
                                        f"$GITHUB_STEP_SUMMARY: {summary.read_text()!r}")
                    broken = run_step(argv, dict(
                        env, GITHUB_STEP_SUMMARY=str(summary),
                        ECLUSE_DATABASE_URL="postgresql://nobody@127.0.0.1:1/nowhere"))
                    print(f"{job_name} / {name}, the database unreachable -> exit "
                          f"{broken.returncode}")
                    if broken.returncode == 0:
                        failures.append(f"{job_name} / {name}: succeeded although ecluse "
                                        "failed")
                    summaries += 1
                    continue
                if " deploy" not in block:
                    continue
                phase = next((p for p in ("pre", "deploy", "post")
                              if f"--phase {p}" in block), None)
                if phase is None:
                    failures.append(f"{job_name}: a deploy step without --phase: {block!r}")
                    continue
                if "${{" in block:
                    failures.append(f"{job_name}: an expression in a run block: {block!r}")
                    continue
                script = work / f"{job_name}-{index}.sh"
                script.write_text(block)
                argv = argv_of(shell_of(workflow, job, step), str(script))
                result = run_step(argv, env)
                ok = result.returncode == 0
                print(f"{job_name} / {name}: {' '.join(argv[:-1])} -> exit {result.returncode}")
                if ok != (expected[phase] == "succeed"):
                    print(result.stdout)
                    failures.append(f"{job_name} / {name}: exit {result.returncode}, "
                                    f"but the {phase} step must {expected[phase]}")
                seen.add(phase)
        for phase in expected:
            if phase not in seen:
                failures.append(f"no step runs `ecluse deploy --phase {phase}`")
        if summaries == 0:
            failures.append("no step appends ecluse's Markdown to $GITHUB_STEP_SUMMARY")
    finally:
        scratch.send_signal(2)
        scratch.wait(timeout=60)
        subprocess.run(["rm", "-rf", str(work)])
    for failure in failures:
        print("FAILED:", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
