"""The shared artifact store: store/<env>/<producer>/<case>/{model/, manifest.json}.

An artifact exists for the grid once its manifest does: the manifest is
written last, after the producer's golden values were checked.
"""
import glob
import json
import os
from typing import Any, Dict, List

from matrix import paths

MANIFEST_SCHEMA = 1


def artifact_dir(env: str, producer: str, case: str) -> str:
    return os.path.join(paths.STORE, env, producer, case)


def write_manifest(folder: str, manifest: Dict[str, Any]) -> None:
    tmp = os.path.join(folder, "manifest.json.tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    os.replace(tmp, os.path.join(folder, "manifest.json"))


class Artifact(object):
    """One saved model as a consumer sees it: where it is and how to call it."""

    def __init__(self, folder: str) -> None:
        from matrix import tensors  # numpy: present in TF environments, absent from tox's begin step
        self.folder = folder
        with open(os.path.join(folder, "manifest.json")) as f:
            self.manifest = json.load(f)  # type: Dict[str, Any]
        self.path = os.path.join(folder, self.manifest.get("path", "model"))
        self.tags = self.manifest["tags"]              # type: List[str]
        self.signature = self.manifest["signature"]
        self.inputs = tensors.decode_all(self.manifest["inputs"])
        self.golden = tensors.decode_all(self.manifest["outputs"])

    @property
    def id(self) -> str:
        m = self.manifest
        return "%s/%s/%s" % (m["env"], m["producer"], m["case"])

    def single_output(self, value: Any) -> Dict[str, Any]:
        """Name an API's lone unnamed output after the only golden output."""
        if len(self.golden) != 1:
            from matrix.plugin import Refused
            raise Refused("the API returned one unnamed output but the artifact has %d: %s" % (
                len(self.golden), ", ".join(sorted(self.golden))))
        return {next(iter(self.golden)): value}


def artifacts() -> List[str]:
    """Every complete artifact in the store, in a stable order."""
    return sorted(os.path.dirname(p) for p in glob.glob(os.path.join(paths.STORE, "*", "*", "*", "manifest.json")))
