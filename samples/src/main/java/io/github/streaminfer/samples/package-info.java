/**
 * Runnable demos. {@link io.github.streaminfer.samples.RobotControlDemo} is the README's main command: a camera
 * at 30 fps and a robot state feed a chunked policy on the embedded ONNX Runtime backend at 10 Hz, and a 100 Hz
 * control loop executes fresh, smoothed, safe commands from the action chunks.
 */
package io.github.streaminfer.samples;
