package io.github.streaminfer.backend.remote;

import com.google.protobuf.ByteString;
import io.github.streaminfer.backend.ModelSignature;
import io.github.streaminfer.backend.remote.RemoteInferenceException.Reason;
import io.github.streaminfer.backend.remote.oip.GRPCInferenceServiceGrpc;
import io.github.streaminfer.backend.remote.oip.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.github.streaminfer.backend.remote.oip.ModelInferRequest;
import io.github.streaminfer.backend.remote.oip.ModelInferResponse;
import io.github.streaminfer.backend.remote.oip.ModelMetadataRequest;
import io.github.streaminfer.backend.remote.oip.ModelMetadataResponse;
import io.github.streaminfer.backend.remote.oip.ModelReadyRequest;
import io.github.streaminfer.backend.remote.oip.ServerLiveRequest;
import io.github.streaminfer.tensor.Tensor;
import io.github.streaminfer.tensor.TensorSpec;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The gRPC binding: {@code inference.GRPCInferenceService} on a channel shared per endpoint. Tensors travel as
 * {@code raw_input_contents} / {@code raw_output_contents}: one bulk copy of each tensor's bytes each way, no
 * element is boxed.
 *
 * <p><b>Note:</b> thread-safe.
 */
final class GrpcTransport implements OipTransport {
    private static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final RemoteConfig config;
    private final ManagedChannel channel;
    private final GRPCInferenceServiceBlockingStub stub;
    private final long deadlineMillis;
    private final long controlDeadlineMillis;
    private final AtomicBoolean closed = new AtomicBoolean();

    GrpcTransport(RemoteConfig config) {
        this.config = config;
        this.channel = SharedConnections.acquireChannel(config);
        Metadata headers = new Metadata();
        if (config.bearerToken() != null) {
            headers.put(AUTHORIZATION, "Bearer " + config.bearerToken());
        }
        if (config.apiKey() != null) {
            headers.put(Metadata.Key.of(config.apiKeyHeader(), Metadata.ASCII_STRING_MARSHALLER), config.apiKey());
        }
        this.stub = GRPCInferenceServiceGrpc.newBlockingStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        this.deadlineMillis = SharedConnections.millis(config.deadline());
        this.controlDeadlineMillis = SharedConnections.millis(config.controlDeadline());
    }

    @Override
    public String endpoint() {
        return config.endpoint().toString();
    }

    private GRPCInferenceServiceBlockingStub control() {
        return stub.withDeadlineAfter(controlDeadlineMillis, TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean serverLive() {
        try {
            return control().serverLive(ServerLiveRequest.getDefaultInstance()).getLive();
        } catch (StatusRuntimeException e) {
            throw failure(e, null, controlDeadlineMillis);
        }
    }

    @Override
    public boolean modelReady(String model, String version) {
        try {
            return control().modelReady(ModelReadyRequest.newBuilder().setName(model).setVersion(version).build())
                    .getReady();
        } catch (StatusRuntimeException e) {
            throw failure(e, model, controlDeadlineMillis);
        }
    }

    @Override
    public ModelSignature modelMetadata(String model, String version) {
        ModelMetadataResponse r;
        try {
            r = control().modelMetadata(ModelMetadataRequest.newBuilder().setName(model).setVersion(version).build());
        } catch (StatusRuntimeException e) {
            throw failure(e, model, controlDeadlineMillis);
        }
        String where = "model '" + model + "' at " + endpoint();
        return new ModelSignature(specs(r.getInputsList(), where, "input"), specs(r.getOutputsList(), where, "output"));
    }

    private static List<TensorSpec> specs(List<ModelMetadataResponse.TensorMetadata> tensors, String where,
                                          String kind) {
        List<TensorSpec> specs = new ArrayList<>(tensors.size());
        for (ModelMetadataResponse.TensorMetadata t : tensors) {
            long[] shape = new long[t.getShapeCount()];
            for (int k = 0; k < shape.length; k++) {
                shape[k] = t.getShape(k);
            }
            specs.add(TensorSpec.of(t.getName(),
                    OipTypes.dtype(t.getDatatype(), kind + " '" + t.getName() + "' of " + where), shape));
        }
        return specs;
    }

    @Override
    public long infer(String model, String version, Tensor[] inputs, Tensor[] outputs) {
        ModelInferRequest.Builder request = ModelInferRequest.newBuilder().setModelName(model)
                .setModelVersion(version);
        for (Tensor t : inputs) {
            ModelInferRequest.InferInputTensor.Builder in = request.addInputsBuilder()
                    .setName(t.name()).setDatatype(OipTypes.datatype(t.dtype()));
            for (int k = 0; k < t.rank(); k++) {
                in.addShape(t.dim(k));
            }
            // one bulk copy of the tensor's bytes (little-endian, as the protocol wants): the direct buffer may be
            // reused by the caller as soon as run returns, even if a cancelled call's bytes are still queued
            request.addRawInputContents(ByteString.copyFrom(t.buffer()));
        }
        ModelInferResponse response;
        long start = System.nanoTime();
        try {
            response = stub.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS).modelInfer(request.build());
        } catch (StatusRuntimeException e) {
            throw failure(e, model, deadlineMillis);
        }
        long network = System.nanoTime() - start;
        copyOutputs(response, model, outputs);
        return network;
    }

    private void copyOutputs(ModelInferResponse response, String model, Tensor[] outputs) {
        String where = endpoint() + " (model '" + model + "')";
        boolean raw = response.getRawOutputContentsCount() > 0;
        if (raw && response.getRawOutputContentsCount() != response.getOutputsCount()) {
            throw OipTypes.badResponse(where + " sent " + response.getRawOutputContentsCount()
                    + " raw_output_contents for " + response.getOutputsCount() + " outputs");
        }
        for (Tensor out : outputs) {
            int j = indexOf(response, out.name());
            if (j < 0) {
                throw OipTypes.badResponse(where + " answered without output '" + out.name() + "'");
            }
            ModelInferResponse.InferOutputTensor o = response.getOutputs(j);
            long[] shape = new long[o.getShapeCount()];
            for (int k = 0; k < shape.length; k++) {
                shape[k] = o.getShape(k);
            }
            OipTypes.fitOutput(out, o.getDatatype(), shape, where);
            ByteBuffer dst = out.buffer();
            if (raw) {
                ByteString bytes = response.getRawOutputContents(j);
                if (bytes.size() != dst.remaining()) {
                    throw OipTypes.badResponse(where + " sent " + bytes.size() + " bytes for output '" + out.name()
                            + "' of " + o.getDatatype() + " " + io.github.streaminfer.tensor.Shapes.toString(shape)
                            + "; that takes " + dst.remaining());
                }
                bytes.copyTo(dst);
            } else {
                TypedContents.copy(o.getContents(), out, where);
            }
        }
    }

    private static int indexOf(ModelInferResponse response, String name) {
        for (int j = 0; j < response.getOutputsCount(); j++) {
            if (response.getOutputs(j).getName().equals(name)) {
                return j;
            }
        }
        return -1;
    }

    /** Puts a gRPC failure in our words: what happened, where, and for which model. */
    private RemoteInferenceException failure(StatusRuntimeException e, String model, long deadline) {
        Status s = e.getStatus();
        String desc = s.getDescription() == null ? "" : ": " + s.getDescription();
        String m = model == null ? "" : "model '" + model + "' at ";
        return switch (s.getCode()) {
            case UNAVAILABLE -> new RemoteInferenceException(Reason.UNREACHABLE,
                    "inference server " + endpoint() + " is unreachable" + desc, e);
            case DEADLINE_EXCEEDED -> new RemoteInferenceException(Reason.DEADLINE_EXCEEDED,
                    m + endpoint() + " did not answer within the " + deadline + " ms deadline", e);
            case NOT_FOUND -> new RemoteInferenceException(Reason.MODEL_NOT_FOUND,
                    m + endpoint() + " is not known to the server" + desc, e);
            case INVALID_ARGUMENT, OUT_OF_RANGE, FAILED_PRECONDITION -> new RemoteInferenceException(
                    Reason.REJECTED, m + endpoint() + " refused the request" + desc, e);
            case UNAUTHENTICATED, PERMISSION_DENIED -> new RemoteInferenceException(Reason.UNAUTHENTICATED,
                    endpoint() + " refused our credentials (" + s.getCode() + ")" + desc, e);
            default -> new RemoteInferenceException(Reason.SERVER_ERROR,
                    m + endpoint() + " failed with " + s.getCode() + desc, e);
        };
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            SharedConnections.releaseChannel(config);
        }
    }
}
