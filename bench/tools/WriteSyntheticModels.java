import io.github.streaminfer.synthetic.SyntheticModels;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes the standalone server's synthetic models to a directory, so that the Python seed servers of the
 * end-to-end harness load the same bytes as ours: {@code policy.onnx} (image [1,3,96,96] + state [1,S] → action
 * [1,7]) and {@code emg.onnx} (emg [N,16,200] → logits [N,7]).
 *
 * <p>Run with the source launcher on the server's classpath (bench/run does):
 * {@code java -cp CP bench/tools/WriteSyntheticModels.java DIR [STATE_DIM]}.
 *
 * <p><b>Note:</b> a command-line tool; single-threaded.
 */
public final class WriteSyntheticModels {
    private WriteSyntheticModels() {
    }

    /**
     * Writes the models.
     *
     * @param args output directory, then the policy's state length (default 12, what the server uses)
     * @throws IOException if a file cannot be written
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: WriteSyntheticModels DIR [STATE_DIM]");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        int stateDim = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        Files.write(dir.resolve("policy.onnx"), new SyntheticModels.Policy(96, 96, stateDim, 1, 0).bytes());
        Files.write(dir.resolve("emg.onnx"), new SyntheticModels.EmgClassifier(false).bytes());
        System.out.println("wrote " + dir.resolve("policy.onnx") + " (state [1," + stateDim + "]) and "
                + dir.resolve("emg.onnx"));
    }
}
