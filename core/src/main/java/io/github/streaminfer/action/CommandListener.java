package io.github.streaminfer.action;

/**
 * Receives the command of each tick of a {@link ControlLoop}.
 *
 * <p><b>Note:</b> called on the loop's own thread; must not block longer than a tick. The command is reused: read it
 * during the call. An exception is counted ({@link ControlLoop#listenerErrors()}) and the loop goes on.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface CommandListener {

    /**
     * Receives one tick's command on the control loop's thread; must not throw or block.
     *
     * @param command this tick's command, valid during the call
     */
    void onCommand(ActionCommand command);
}
