#!/usr/bin/python3
"""Reads one watch stream through watchfilter-proxy with the python kubernetes client
(Debian's python3-kubernetes; run it with /usr/bin/python3) and writes what the library
decoded, one line per event, in the format of the client-go program (e2e/clients/go):

    ADDED <name> <resourceVersion> <python type>
    BOOKMARK - <resourceVersion> dict
    ERROR <code> <reason>
    END

The generated API functions reject parameters they do not know (filter, watcher), so the
list function handed to kubernetes.watch.Watch().stream() calls api_client.call_api itself
with the extra query parameters; its docstring names the List type (":return: V1ConfigMapList"),
from which Watch derives the type it deserializes every event into, as it does for the
generated functions. Watch also encodes the standard parameters its own way (watch=True).
"""
import argparse
import sys
import warnings

import kubernetes
from kubernetes import client, config

RESOURCES = {  # name: (path, return type named in the docstring)
    "configmaps": ("/api/v1/namespaces/{namespace}/configmaps", "V1ConfigMapList"),
    "namespaces": ("/api/v1/namespaces", "V1NamespaceList"),
}
STANDARD = {"watch": "watch", "resource_version": "resourceVersion",
            "allow_watch_bookmarks": "allowWatchBookmarks", "timeout_seconds": "timeoutSeconds",
            "label_selector": "labelSelector", "field_selector": "fieldSelector"}


def make_list_function(api_client, path, return_type, extra):
    def list_function(**kwargs):
        query = [(STANDARD[k], v) for k, v in kwargs.items() if k in STANDARD]
        query += list(extra.items())
        return api_client.call_api(
            path, "GET", path_params={}, query_params=query,
            header_params={"Accept": "application/json"},
            response_type=return_type, auth_settings=["BearerToken"],
            _return_http_data_only=True,
            _preload_content=kwargs.get("_preload_content", True),
            _request_timeout=kwargs.get("timeout_seconds", 120) + 10)
    list_function.__doc__ = f"""Lists or watches.

        :return: {return_type}
        """
    return list_function


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kubeconfig", required=True)
    p.add_argument("--resource", default="configmaps",
                   help="configmaps, namespaces, or group/version/plural of a custom resource")
    p.add_argument("--namespace", default="")
    p.add_argument("--filter", default="")
    p.add_argument("--watcher", default="")
    p.add_argument("--label-selector", default="")
    p.add_argument("--resource-version", default="")
    p.add_argument("--timeout", type=int, default=120)
    p.add_argument("--out", default="-")
    a = p.parse_args()
    warnings.filterwarnings("ignore")  # InsecureRequestWarning: the proxy's cert is self-signed

    config.load_kube_config(config_file=a.kubeconfig)
    api_client = client.ApiClient()
    if a.resource in RESOURCES:
        path, return_type = RESOURCES[a.resource]
        path = path.format(namespace=a.namespace)
    else:
        group, version, plural = a.resource.split("/")
        ns = f"/namespaces/{a.namespace}" if a.namespace else ""
        path, return_type = f"/apis/{group}/{version}{ns}/{plural}", "object"
    extra = {}
    if a.filter:
        extra["filter"] = a.filter
    if a.watcher:
        extra["watcher"] = a.watcher
    fn = make_list_function(api_client, path, return_type, extra)

    out = sys.stdout if a.out == "-" else open(a.out, "w", buffering=1)
    kwargs = {"allow_watch_bookmarks": True, "timeout_seconds": a.timeout}
    if a.label_selector:
        kwargs["label_selector"] = a.label_selector
    if a.resource_version:
        kwargs["resource_version"] = a.resource_version
    w = kubernetes.watch.Watch()
    print("OPEN", file=out, flush=True)
    try:
        for ev in w.stream(fn, **kwargs):
            obj, raw = ev["object"], ev["raw_object"]
            if ev["type"] == "BOOKMARK":
                print("BOOKMARK -", raw["metadata"]["resourceVersion"], type(obj).__name__,
                      file=out, flush=True)
            elif isinstance(obj, dict):
                md = obj["metadata"]
                print(ev["type"], md["name"], md["resourceVersion"], "dict", file=out, flush=True)
            else:
                print(ev["type"], obj.metadata.name, obj.metadata.resource_version,
                      type(obj).__name__, file=out, flush=True)
    except client.rest.ApiException as e:  # Watch raises ERROR events as ApiException
        print("ERROR", e.status, e.reason, file=out, flush=True)
    print("END", file=out, flush=True)


if __name__ == "__main__":
    main()
