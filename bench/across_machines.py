"""The narrowed grid as separate machines that share only a bucket, against the same grid on one machine.

    python bench/across_machines.py --base /tmp/machines [--sequential]

Starts a real S3-compatible server on localhost (moto's server: `moto[server]`, tests/requirements.txt),
clones this checkout once per machine (each clone gets its own .tox), and runs the jobs of the
generated CI workflow: begin; produce-tf215 and produce-tf221; consume-tf215, and consume-tf221 in
2 shards; then report in a third clone. Every job starts from an empty local store and meets the
others only through s3://, with `tox -e store -- pull/push` around it, as in CI. Then the same grid
on one machine (one clone, plain tox, a local store). Prints both wall times, the bytes moved
through the bucket, and whether the two reports' verdicts are equal, cell for cell.
tests/test_across_machines.py runs the same jobs (sequentially) and kills a shard on the way.
"""
import argparse
import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENVS = ("tf215", "tf221")
NARROW = ["--producers", "tf2_module,tf1_builder", "--cases", "add_two,dense",
          "--consumers", "tf1_session,tf2_load,saved_model_cli"]
BUCKET = "matrix-store"
URL = "s3://%s/shared" % BUCKET
RUN = "20261129T000000Z-across"


class JobFailed(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class S3(object):
    """moto's S3 server on localhost, with one bucket; `env` is what a job needs to reach it."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer
        port = free_port()
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        self.server.start()
        self.endpoint = "http://127.0.0.1:%d" % port
        self.env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_DEFAULT_REGION": "us-east-1", "AWS_ENDPOINT_URL": self.endpoint}
        import boto3
        boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_bucket(Bucket=BUCKET)

    def stop(self) -> None:
        self.server.stop()


def clean_env(extra: dict) -> dict:
    """This process's environment without the tox environment it may run in, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("TOX_") and k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if "/.tox/" not in p)
    env.update(extra)
    return env


class Machine(object):
    """One clone of the checkout: its own .tox and its own local store."""

    def __init__(self, base: str, name: str, env: dict) -> None:
        self.folder = os.path.join(base, name, "main")
        self.env = env
        self.moved = 0
        if not os.path.isdir(self.folder):
            clone(self.folder)
        self.log = os.path.join(base, name, "jobs.log")

    def tox(self, *args: str, check: bool = True) -> str:
        done = subprocess.run([tox_command()] + list(args), cwd=self.folder, env=self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True)
        with open(self.log, "a") as f:
            f.write("$ tox %s\n%s\n" % (" ".join(args), done.stdout))
        if check and done.returncode != 0:
            raise JobFailed("tox %s in %s exited %d:\n%s" % (" ".join(args), self.folder, done.returncode,
                                                             done.stdout[-4000:]))
        for moved in re.findall(r"artifacts, (\d+) bytes (?:from|to) s3://", done.stdout):
            self.moved += int(moved)
        return done.stdout

    def fresh_store(self) -> None:
        shutil.rmtree(os.path.join(self.folder, "artifacts"), ignore_errors=True)

    def store(self, action: str, step: str, shard: str = "") -> str:
        return self.tox("-e", "store", "--", action, "--url", URL, "--step", step, "--run-id", RUN,
                        *(["--shard", shard] if shard else []))

    def job(self, step: str, shard: str = "") -> str:
        """One CI job: an empty store, pull what it needs, run the step, push what it wrote."""
        self.fresh_store()
        if step == "begin":
            out = self.tox("-e", "begin", "--", "--run-id", RUN)
        else:
            self.store("pull", step, shard)
            out = self.tox("-e", step, "--", *NARROW, *(["--shard", shard] if shard else []))
        self.store("push", step, shard)
        return out

    def killed_job(self, step: str, shard: str, after_cells: int = 1) -> None:
        """A job killed (kill -9 of tox's process group) once it has recorded `after_cells` cells: nothing pushed."""
        self.fresh_store()
        self.store("pull", step, shard)
        proc = subprocess.Popen([tox_command(), "-e", step, "--", *NARROW, "--shard", shard], cwd=self.folder,
                                env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                start_new_session=True)
        results = os.path.join(self.folder, "artifacts", "results", RUN)
        deadline = time.time() + 600
        while proc.poll() is None and time.time() < deadline:
            lines = 0
            for name in os.listdir(results) if os.path.isdir(results) else []:
                if name.startswith("consume-") and not name.endswith("-env.jsonl"):
                    with open(os.path.join(results, name)) as f:
                        lines += sum(1 for _ in f)
            if lines >= after_cells:
                break
            time.sleep(0.2)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()

    def report(self) -> str:
        self.fresh_store()
        self.store("pull", "report")
        return self.tox("-e", "report")

    def verdicts(self) -> dict:
        """cell -> (status, reason) of the latest report, with this clone's paths taken out."""
        with open(os.path.join(self.folder, "reports", "latest", "results.csv")) as f:
            rows = list(csv.DictReader(f))
        here = os.path.dirname(self.folder)
        return {r["cell"]: (r["status"], r["reason"].replace(here, "<clone>")) for r in rows}


def clone(folder: str) -> None:
    """A clone of this checkout as it is now: HEAD, plus uncommitted changes and new files not ignored."""
    subprocess.check_call(["git", "clone", "-q", ROOT, folder])
    diff = subprocess.run(["git", "diff", "HEAD", "--binary"], cwd=ROOT, stdout=subprocess.PIPE, check=True).stdout
    if diff:
        subprocess.run(["git", "apply"], cwd=folder, input=diff, check=True)
    new = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                         stdout=subprocess.PIPE, check=True).stdout.decode().split("\0")
    for name in filter(None, new):
        os.makedirs(os.path.dirname(os.path.join(folder, name)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, name), os.path.join(folder, name))


def tox_command() -> str:
    found = shutil.which("tox", path=clean_env({})["PATH"])
    if not found:
        raise JobFailed("tox is not on PATH (python3 -m pip install tox tox-uv)")
    return found


def one_machine(base: str, env: dict) -> Machine:
    single = Machine(base, "single", env)
    single.fresh_store()
    steps = ["begin"] + ["produce-" + e for e in ENVS] + ["consume-" + e for e in ENVS] + ["report"]
    single.tox("-e", ",".join(steps), "--", *NARROW)
    return single


def machines(base: str, env: dict, parallel: bool) -> list:
    """The grid as CI jobs on three clones: [a, b, c], c built the report."""
    a, b, c = Machine(base, "machine-a", env), Machine(base, "machine-b", env), Machine(base, "machine-c", env)

    def together(jobs):
        if not parallel:
            for machine, step, shard in jobs:
                machine.job(step, shard)
            return
        errors = []

        def run(machine, step, shard):
            try:
                machine.job(step, shard)
            except Exception as exc:  # reported after all jobs ended
                errors.append(exc)
        threads = [threading.Thread(target=run, args=job) for job in jobs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]

    a.job("begin")
    together([(a, "produce-tf215", ""), (b, "produce-tf221", "")])
    # consume jobs: machine c has its own clone for the second shard (three jobs at once)
    together([(a, "consume-tf215", ""), (b, "consume-tf221", "1/2"), (c, "consume-tf221", "2/2")])
    c.report()
    return [a, b, c]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True, help="where the clones go (kept between runs: their .tox is reused)")
    p.add_argument("--sequential", action="store_true", help="run the jobs one after another")
    args = p.parse_args()
    os.makedirs(args.base, exist_ok=True)
    s3 = S3()
    try:
        env = clean_env(s3.env)
        for name in ("single", "machine-a", "machine-b", "machine-c"):  # install every env first: not timed
            m = Machine(args.base, name, env)
            m.tox("-e", "begin,store,report,%s" % ",".join("produce-%s,consume-%s" % (e, e) for e in ENVS), "--notest")
        started = time.time()
        single = one_machine(args.base, env)
        one = time.time() - started
        started = time.time()
        jobs = machines(args.base, env, parallel=not args.sequential)
        many = time.time() - started
        import s3fs
        fs = s3fs.S3FileSystem(key="testing", secret="testing", client_kwargs={"endpoint_url": s3.endpoint})
        stored = fs.du("%s/shared" % BUCKET)
        equal = single.verdicts() == jobs[-1].verdicts()
        print("one machine:        %.1f s" % one)
        print("as jobs (%s): %.1f s" % ("one after another" if args.sequential else "at once", many))
        print("bytes moved through the bucket: %d (pushed and pulled by the jobs); the bucket holds %d" % (
            sum(m.moved for m in jobs), stored))
        print("verdicts equal, cell for cell: %s (%d cells)" % (equal, len(single.verdicts())))
        return 0 if equal else 1
    finally:
        s3.stop()


if __name__ == "__main__":
    sys.exit(main())
