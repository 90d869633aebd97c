"""Every golden value a manifest holds is judged by some consumer: the check that keeps it so.

A golden value nobody reads looks like coverage and is none (a producer once wrote classify outputs,
tag sets and training outputs that no consumer compared). For each value in a manifest (the
signature's outputs, the author's call outputs, variable values, regularization losses, method
names), `unread` changes it in a copy and asks every consumer that applies to the artifact what it
would be judged on (matrix.session.golden_of, the grid's own judge): a value that changes no
consumer's golden values is unread. No TensorFlow needed: `python -m matrix goldens` walks a store.
"""
import copy
import json
from typing import Any, Callable, Dict, List, Tuple

from matrix.discovery import Plugins
from matrix.manifest import Manifest, ManifestError
from matrix.cell import Store
from matrix.session import golden_of, not_applicable


def _changed_tensor(tensor: Dict[str, Any]) -> Dict[str, Any]:
    key = "values_b64" if "values_b64" in tensor else "values"
    return dict(tensor, **{key: list(tensor.get(key, [])) + ["changed"]})


def leaves(manifest: Manifest) -> List[Tuple[str, Callable[[Manifest], None]]]:
    """(name, edit) for every golden value: edit changes that value, and only it, in a copy."""
    found = []  # type: List[Tuple[str, Callable[[Manifest], None]]]

    def tensor_at(get: Callable[[Manifest], Dict[str, Any]], key: str) -> Callable[[Manifest], None]:
        def edit(m: Manifest) -> None:
            get(m)[key] = _changed_tensor(get(m)[key])
        return edit

    for key in sorted(manifest.outputs):
        found.append(("outputs[%s]" % key, tensor_at(lambda m: m.outputs, key)))
    if manifest.call is not None:
        for key in sorted(manifest.call.outputs):
            found.append(("call.outputs[%s]" % key, tensor_at(lambda m: m.call.outputs, key)))
    for key in sorted(manifest.variables):
        found.append(("variables[%s]" % key, tensor_at(lambda m: m.variables, key)))
    for i in range(len(manifest.regularization_losses)):
        def loss(m: Manifest, i: int = i) -> None:
            m.regularization_losses[i] += 1.0
        found.append(("regularization_losses[%d]" % i, loss))
    for key in sorted(manifest.method_names):
        def method(m: Manifest, key: str = key) -> None:
            m.method_names[key] += "/changed"
        found.append(("method_names[%s]" % key, method))
    return found


def _judged_on(module: Any, manifest: Manifest) -> str:
    return json.dumps(golden_of(module, manifest), sort_keys=True, default=str)


def unread(manifest: Manifest, consumers: Dict[str, Any], allow_model_code: bool = False) -> List[str]:
    """The golden values of `manifest` that no applying consumer is judged on."""
    applying = {n: m for n, m in consumers.items() if not not_applicable(m, manifest, allow_model_code)}
    before = {n: _judged_on(m, manifest) for n, m in applying.items()}
    out = []
    for name, edit in leaves(manifest):
        changed = copy.deepcopy(manifest)
        edit(changed)
        if not any(_judged_on(m, changed) != before[n] for n, m in applying.items()):
            out.append(name)
    return out


def walk(store: Store, plugins: Plugins = None) -> Tuple[int, Dict[str, List[str]], List[str]]:
    """(golden values checked, {artifact: its unread values}, unreadable manifests) over a store."""
    consumers = (plugins or Plugins()).importable("consumers")
    checked, found, broken = 0, {}, []
    for artifact in store.artifact_ids():
        try:
            manifest = Manifest.read(store.artifact_dir(artifact))
        except ManifestError as exc:
            broken.append(str(exc))
            continue
        checked += len(leaves(manifest))
        missing = unread(manifest, consumers)
        if missing:
            found[str(artifact)] = missing
    return checked, found, broken
