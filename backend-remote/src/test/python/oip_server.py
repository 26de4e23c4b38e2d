"""An Open Inference Protocol (KServe v2) server for StreamInfer's remote-backend tests, written from the
specification with grpcio, FastAPI/uvicorn and onnxruntime, and independent of the Java code.

    python oip_server.py --models DIR [--grpc-port 0] [--http-port 0] [--not-ready NAME] [--token T]

Serves every DIR/<name>.onnx as model <name> (version "1") over gRPC and REST, both on 127.0.0.1 (over TLS with
--tls-cert/--tls-key). Prints
"OIP-READY grpc=<port> http=<port>" once both listen. Test controls (REST only, not part of the protocol):
POST /test/delay?ms=N delays every inference; POST /test/corrupt?mode=none|dtype|shape makes inference answers
lie about the first output's datatype or shape.
"""
import time as _time
_T0 = _time.monotonic()


def trace(what):
    """One line on stdout with the seconds since start: the tests print the server's output when they fail."""
    print("oip-server %.2fs %s" % (_time.monotonic() - _T0, what), flush=True)


import argparse
import atexit
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
from concurrent import futures

import grpc
import numpy as np
import onnxruntime as ort
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))


def generate_protocol_code():
    """Compiles grpc_predict_v2.proto into a fresh directory (removed at exit) and puts it on the import path."""
    gen = tempfile.mkdtemp(prefix="oip-proto-", dir=os.environ.get("OIP_WORK_DIR"))
    atexit.register(shutil.rmtree, gen, True)
    if protoc.main(["protoc", "-I" + HERE, "--python_out=" + gen, "--grpc_python_out=" + gen,
                    os.path.join(HERE, "grpc_predict_v2.proto")]) != 0:
        sys.exit("protoc failed")
    sys.path.insert(0, gen)


trace("imported")
generate_protocol_code()
trace("protocol code generated")
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
import grpc_predict_v2_pb2 as pb  # noqa: E402
import grpc_predict_v2_pb2_grpc as pbg  # noqa: E402

# the protocol's datatype names for onnxruntime's element types
ORT_TO_OIP = {"tensor(float)": "FP32", "tensor(float16)": "FP16", "tensor(double)": "FP64",
              "tensor(int64)": "INT64", "tensor(int32)": "INT32", "tensor(uint8)": "UINT8", "tensor(bool)": "BOOL"}
OIP_TO_NP = {"FP32": np.float32, "FP16": np.float16, "FP64": np.float64, "INT64": np.int64, "INT32": np.int32,
             "UINT8": np.uint8, "BOOL": np.bool_}


class Rejected(Exception):
    """A request the server refuses (the protocol's INVALID_ARGUMENT / HTTP 400)."""


class Missing(Exception):
    """An unknown model (NOT_FOUND / HTTP 404)."""


class NotReady(Exception):
    """A known model that is not ready (UNAVAILABLE / HTTP 503)."""


class Models:
    def __init__(self, directory, not_ready):
        self.sessions = {}
        for f in sorted(os.listdir(directory)):
            if f.endswith(".onnx"):
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = 1
                opts.inter_op_num_threads = 1
                self.sessions[f[:-5]] = ort.InferenceSession(os.path.join(directory, f), opts,
                                                             providers=["CPUExecutionProvider"])
        self.not_ready = set(not_ready)
        self.delay_ms = 0
        self.corrupt = "none"

    def get(self, name, version=""):
        if name in self.not_ready:
            return None
        if name not in self.sessions or version not in ("", "1"):
            raise Missing("unknown model '%s' version '%s'" % (name, version))
        return self.sessions[name]

    def known(self, name):
        return name in self.sessions or name in self.not_ready

    def metadata(self, name):
        s = self.get(name)
        if s is None:
            raise NotReady("model '%s' is not ready" % name)

        def describe(args):
            return [{"name": a.name, "datatype": ORT_TO_OIP[a.type],
                     "shape": [d if isinstance(d, int) else -1 for d in a.shape]} for a in args]
        return {"name": name, "versions": ["1"], "platform": "onnxruntime_onnx",
                "inputs": describe(s.get_inputs()), "outputs": describe(s.get_outputs())}

    def infer(self, name, version, inputs):
        """inputs: list of (name, datatype, shape, np.ndarray). Returns list of (name, datatype, shape, array)."""
        s = self.get(name, version)
        if s is None:
            raise NotReady("model '%s' is not ready" % name)
        declared = {a.name: a for a in s.get_inputs()}
        feed = {}
        for (n, datatype, shape, arr) in inputs:
            if n not in declared:
                raise Rejected("model '%s' has no input '%s'" % (name, n))
            a = declared[n]
            if ORT_TO_OIP[a.type] != datatype:
                raise Rejected("input '%s' must be %s, got %s" % (n, ORT_TO_OIP[a.type], datatype))
            if len(shape) != len(a.shape) or any(isinstance(d, int) and d != g for d, g in zip(a.shape, shape)):
                raise Rejected("input '%s' must have shape %s, got %s" % (n, a.shape, list(shape)))
            feed[n] = arr
        if self.delay_ms:
            time.sleep(self.delay_ms / 1000.0)
        names = [o.name for o in s.get_outputs()]
        results = s.run(names, feed)
        out = []
        for i, (n, o) in enumerate(zip(names, results)):
            o = np.ascontiguousarray(o)
            datatype = ORT_TO_OIP[s.get_outputs()[i].type]
            if i == 0 and self.corrupt == "dtype":
                o, datatype = o.astype(np.float64), "FP64"
            if i == 0 and self.corrupt == "shape":
                o = np.ascontiguousarray(o[..., :-1])
            out.append((n, datatype, list(o.shape), o))
        return out


def grpc_service(models, token):
    def check(context):
        if token and dict(context.invocation_metadata()).get("authorization") != "Bearer " + token:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing or wrong bearer token")

    class Service(pbg.GRPCInferenceServiceServicer):
        def ServerLive(self, request, context):
            return pb.ServerLiveResponse(live=True)

        def ServerReady(self, request, context):
            return pb.ServerReadyResponse(ready=True)

        def ServerMetadata(self, request, context):
            return pb.ServerMetadataResponse(name="oip-test-server", version="1", extensions=[])

        def ModelReady(self, request, context):
            trace("ModelReady %s" % request.name)
            check(context)
            if not models.known(request.name):
                context.abort(grpc.StatusCode.NOT_FOUND, "unknown model '%s'" % request.name)
            return pb.ModelReadyResponse(ready=request.name not in models.not_ready)

        def ModelMetadata(self, request, context):
            check(context)
            try:
                m = models.metadata(request.name)
            except Missing as e:
                context.abort(grpc.StatusCode.NOT_FOUND, str(e))
            except NotReady as e:
                context.abort(grpc.StatusCode.UNAVAILABLE, str(e))
            r = pb.ModelMetadataResponse(name=m["name"], versions=m["versions"], platform=m["platform"])
            for t in m["inputs"]:
                r.inputs.add(name=t["name"], datatype=t["datatype"], shape=t["shape"])
            for t in m["outputs"]:
                r.outputs.add(name=t["name"], datatype=t["datatype"], shape=t["shape"])
            return r

        def ModelInfer(self, request, context):
            check(context)
            raw = list(request.raw_input_contents)
            if raw and len(raw) != len(request.inputs):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "raw_input_contents must have one entry per input")
            inputs = []
            for i, t in enumerate(request.inputs):
                if t.datatype not in OIP_TO_NP:
                    context.abort(grpc.StatusCode.INVALID_ARGUMENT, "unknown datatype " + t.datatype)
                dt = np.dtype(OIP_TO_NP[t.datatype]).newbyteorder("<")
                shape = list(t.shape)
                if raw:
                    if len(raw[i]) != int(np.prod(shape)) * dt.itemsize:
                        context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                      "input '%s': %d bytes do not hold %s %s"
                                      % (t.name, len(raw[i]), t.datatype, shape))
                    arr = np.frombuffer(raw[i], dtype=dt).reshape(shape)
                else:
                    arr = np.array(t.contents.fp32_contents or t.contents.int64_contents or t.contents.int_contents,
                                   dtype=dt).reshape(shape)
                inputs.append((t.name, t.datatype, shape, arr.astype(dt.newbyteorder("="))))
            try:
                outs = models.infer(request.model_name, request.model_version, inputs)
            except Missing as e:
                context.abort(grpc.StatusCode.NOT_FOUND, str(e))
            except NotReady as e:
                context.abort(grpc.StatusCode.UNAVAILABLE, str(e))
            except Rejected as e:
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(e))
            r = pb.ModelInferResponse(model_name=request.model_name, model_version="1", id=request.id)
            for (n, datatype, shape, arr) in outs:
                r.outputs.add(name=n, datatype=datatype, shape=shape)
                r.raw_output_contents.append(arr.astype(arr.dtype.newbyteorder("<")).tobytes())
            return r
    return Service()


def rest_app(models, token):
    app = FastAPI()

    def denied(request):
        return token and request.headers.get("authorization") != "Bearer " + token

    def error(code, message):
        return JSONResponse(status_code=code, content={"error": message})

    @app.get("/v2/health/live")
    def live():
        return {"live": True}

    @app.get("/v2/health/ready")
    def ready():
        return {"ready": True}

    @app.get("/v2/models/{name}/ready")
    @app.get("/v2/models/{name}/versions/{version}/ready")
    def model_ready(name: str, request: Request, version: str = ""):
        if denied(request):
            return error(401, "missing or wrong bearer token")
        if not models.known(name):
            return error(404, "unknown model '%s'" % name)
        return {"name": name, "ready": True} if name not in models.not_ready else error(400, "not ready")

    @app.get("/v2/models/{name}")
    @app.get("/v2/models/{name}/versions/{version}")
    def model_metadata(name: str, request: Request, version: str = ""):
        if denied(request):
            return error(401, "missing or wrong bearer token")
        try:
            return models.metadata(name)
        except Missing as e:
            return error(404, str(e))
        except NotReady as e:
            return error(503, str(e))

    @app.post("/v2/models/{name}/infer")
    @app.post("/v2/models/{name}/versions/{version}/infer")
    async def model_infer(name: str, request: Request, version: str = ""):
        if denied(request):
            return error(401, "missing or wrong bearer token")
        body = await request.json()
        inputs = []
        for t in body.get("inputs", []):
            if t.get("datatype") not in OIP_TO_NP:
                return error(400, "unknown datatype %s" % t.get("datatype"))
            arr = np.array(t["data"], dtype=OIP_TO_NP[t["datatype"]])
            if arr.size != int(np.prod(t["shape"])):
                return error(400, "input '%s': %d values do not fill shape %s" % (t["name"], arr.size, t["shape"]))
            inputs.append((t["name"], t["datatype"], t["shape"], arr.reshape(t["shape"])))
        try:
            outs = models.infer(name, version, inputs)
        except Missing as e:
            return error(404, str(e))
        except NotReady as e:
            return error(503, str(e))
        except Rejected as e:
            return error(400, str(e))
        return {"model_name": name, "model_version": "1", "id": body.get("id", ""),
                "outputs": [{"name": n, "datatype": d, "shape": s, "data": a.flatten().tolist()}
                            for (n, d, s, a) in outs]}

    @app.post("/test/delay")
    def delay(ms: int):
        models.delay_ms = ms
        return {"delay_ms": ms}

    @app.post("/test/corrupt")
    def corrupt(mode: str):
        models.corrupt = mode
        return {"corrupt": mode}

    return app


def self_check(grpc_port, http_port, args):
    """Calls both bindings once before announcing READY, so that a slow first call (cold caches on a busy machine,
    lazy initialisation) happens here, inside the start-up wait, and not in a test's first deadline."""
    import ssl
    import urllib.request
    target = "127.0.0.1:%d" % grpc_port
    if args.tls_cert:
        with open(args.tls_cert, "rb") as c:
            channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=c.read()))
        context = ssl.create_default_context(cafile=args.tls_cert)
        url = "https://127.0.0.1:%d/v2/health/live" % http_port
    else:
        channel = grpc.insecure_channel(target)
        context = None
        url = "http://127.0.0.1:%d/v2/health/live" % http_port
    with channel:
        pbg.GRPCInferenceServiceStub(channel).ServerLive(pb.ServerLiveRequest(), timeout=120, wait_for_ready=True)
    urllib.request.urlopen(url, timeout=120, context=context).read()
    trace("self-check passed")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--grpc-port", type=int, default=0)
    ap.add_argument("--http-port", type=int, default=0)
    ap.add_argument("--not-ready", action="append", default=[])
    ap.add_argument("--token", default="")
    ap.add_argument("--tls-cert", default="", help="PEM certificate: serve both bindings over TLS")
    ap.add_argument("--tls-key", default="", help="PEM private key of --tls-cert")
    args = ap.parse_args()
    models = Models(args.models, args.not_ready)
    trace("models loaded")

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                         options=[("grpc.max_receive_message_length", 256 << 20)])
    pbg.add_GRPCInferenceServiceServicer_to_server(grpc_service(models, args.token), server)
    address = "127.0.0.1:%d" % args.grpc_port
    if args.tls_cert:
        with open(args.tls_key, "rb") as k, open(args.tls_cert, "rb") as c:
            grpc_port = server.add_secure_port(address, grpc.ssl_server_credentials([(k.read(), c.read())]))
    else:
        grpc_port = server.add_insecure_port(address)
    if grpc_port == 0:
        sys.exit("cannot bind gRPC port %d" % args.grpc_port)
    server.start()
    trace("gRPC listening on %d" % grpc_port)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # inherited by the accepted connections: without it an answer written in two parts waits for the client's
    # delayed ACK (about 40 ms per request on a kept-alive connection)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", args.http_port))
    http_port = sock.getsockname()[1]
    tls = {"ssl_certfile": args.tls_cert, "ssl_keyfile": args.tls_key} if args.tls_cert else {}
    web = uvicorn.Server(uvicorn.Config(rest_app(models, args.token), log_level="warning", access_log=False, **tls))
    threading.Thread(target=web.run, kwargs={"sockets": [sock]}, daemon=True).start()
    deadline = time.monotonic() + 60
    while not web.started:
        if time.monotonic() > deadline:
            sys.exit("the REST server did not start within 60 s")
        time.sleep(0.01)
    self_check(grpc_port, http_port, args)
    print("OIP-READY grpc=%d http=%d" % (grpc_port, http_port), flush=True)
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
