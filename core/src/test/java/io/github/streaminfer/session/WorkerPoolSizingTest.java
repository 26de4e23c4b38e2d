package io.github.streaminfer.session;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WorkerPoolSizingTest {

    @Test
    void eventLoopsPlusWorkersNeverExceedTheCoresFromTwoCoresUp() {
        for (int cores = 2; cores <= 256; cores++) {
            int loops = WorkerPool.serverEventLoops(cores);
            int workers = WorkerPool.workersBeside(cores, loops);
            assertThat(loops).isPositive();
            assertThat(workers).isPositive();
            assertThat(loops + workers).as("threads on %d cores", cores).isEqualTo(cores);
        }
    }

    @Test
    void twoCoresGetOneEventLoopAndOneWorker() {
        assertThat(WorkerPool.serverEventLoops(2)).isEqualTo(1);
        assertThat(WorkerPool.workersBeside(2, 1)).isEqualTo(1);
        assertThat(WorkerPool.workersBeside(2, 2)).as("at least one worker").isEqualTo(1);
        assertThat(WorkerPool.serverEventLoops(8)).isEqualTo(2);
        assertThat(WorkerPool.workersBeside(8, 2)).isEqualTo(6);
    }

    @Test
    void forServerSizesFromTheAvailableProcessors() {
        int cores = Runtime.getRuntime().availableProcessors();
        try (WorkerPool pool = WorkerPool.forServer("sized", WorkerPool.serverEventLoops())) {
            assertThat(pool.threads()).isEqualTo(WorkerPool.workersBeside(cores, WorkerPool.serverEventLoops(cores)));
        }
    }

    @Test
    void invalidCountsAreRefusedWithValueAndAllowedRange() {
        assertThatThrownBy(() -> WorkerPool.workersBeside(0, 1)).hasMessage("cores is 0; allowed: >= 1");
        assertThatThrownBy(() -> WorkerPool.workersBeside(2, -1)).hasMessage("eventLoopThreads is -1; allowed: >= 0");
        assertThatThrownBy(() -> WorkerPool.serverEventLoops(0)).hasMessage("cores is 0; allowed: >= 1");
        assertThatThrownBy(() -> WorkerPool.create("x", 0)).hasMessage("threads is 0; allowed: >= 1");
    }
}
