package io.github.streaminfer.samples.detection;

import io.github.streaminfer.backend.LoadedModel;
import io.github.streaminfer.samples.face.BlazeFaceConfig;
import io.github.streaminfer.samples.face.BlazeFaceTask;
import io.github.streaminfer.samples.face.FaceDetections;
import io.github.streaminfer.session.IngressPolicy;
import io.github.streaminfer.session.SessionConfig;
import io.github.streaminfer.session.StreamingInferenceSession;
import io.github.streaminfer.transport.SessionFactory;
import io.github.streaminfer.transport.detection.DetectionEndpoint;
import io.github.streaminfer.transport.detection.DetectionImage;
import io.github.streaminfer.transport.detection.DetectionSettings;

/**
 * The detection endpoint ({@code /stream/detection} and the REST + SSE API) over BlazeFace: one session per client,
 * each with its own {@link BlazeFaceTask} on a shared loaded model, reporting class 0, {@code face}.
 *
 * <p>A session's decoder takes the client's {@code iou_threshold} and {@code max_detections} when it opens and keeps
 * a score threshold of 0.5 or the client's {@code confidence_threshold}, whichever is lower; the transport then
 * applies the client's current threshold and limit to what it sends.
 *
 * <p><b>Note:</b> stateless; the model must outlive the server.
 */
public final class FaceDetectionEndpoint {
    /** The one class this endpoint reports. */
    public static final String FACE = "face";

    private FaceDetectionEndpoint() {
    }

    /**
     * Builds the endpoint.
     *
     * @param model     a loaded BlazeFace front model
     * @param maxPixels frames whose header claims more pixels are refused before decoding
     * @param fpsLimit  the sessions' default {@code fps_limit} (clients may change it within their tier)
     * @return the endpoint, at most 16 sessions at once
     */
    public static DetectionEndpoint<FaceDetections> create(LoadedModel model, long maxPixels, double fpsLimit) {
        SessionFactory<DetectionImage, FaceDetections> factory = SessionFactory.named("onnx", "blazeface-front-128",
                (request, listener) -> {
                    BlazeFaceConfig config = BlazeFaceConfig.builder()
                            .scoreThreshold((float) Math.min(0.5, request.number("confidence_threshold", 0.5)))
                            .iouThreshold((float) request.number("iou_threshold", 0.3))
                            .maxDetections((int) Math.min(896, request.number("max_detections", 16)))
                            .build();
                    return StreamingInferenceSession.builder(model, new BlazeFaceTask(config, null, maxPixels))
                            .config(SessionConfig.DEFAULT.toBuilder().name("faces-" + request.sessionId())
                                    .ingress(IngressPolicy.rejectNewest(4)).build())
                            .listener(listener)
                            .build();
                });
        DetectionSettings defaults = new DetectionSettings(fpsLimit, 0.5, 0.3, false, "balanced", 16);
        return new DetectionEndpoint<>(factory, (faces, sink) -> {
            for (int i = 0; i < faces.count(); i++) {
                sink.detection(faces.x1(i), faces.y1(i), faces.x2(i), faces.y2(i), faces.score(i), 0, FACE);
            }
        }, null, defaults, 16);
    }
}
