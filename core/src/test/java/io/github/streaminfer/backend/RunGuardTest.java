package io.github.streaminfer.backend;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RunGuardTest {

    @Test
    void runsAfterCloseAreRefusedWithTheModelsName() {
        RunGuard g = new RunGuard("ONNX model m");
        g.enter();
        g.exit();
        assertThat(g.closeAndAwait(Duration.ofSeconds(1))).isTrue();
        assertThatThrownBy(g::enter).isInstanceOf(IllegalStateException.class).hasMessage("ONNX model m is closed");
        assertThat(g.active()).as("a refused run is not counted").isZero();
        assertThat(g.closeAndAwait(Duration.ofSeconds(1))).as("only the first close may free").isFalse();
    }

    @Test
    void closeWaitsForTheRunInProgressThenLetsTheCallerFree() throws Exception {
        RunGuard g = new RunGuard("model");
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        Thread run = new Thread(() -> {
            g.enter();
            try {
                running.countDown();
                finish.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                g.exit();
            }
        });
        run.start();
        running.await();
        AtomicBoolean freed = new AtomicBoolean();
        Thread close = new Thread(() -> freed.set(g.closeAndAwait(Duration.ofSeconds(10))));
        close.start();
        close.join(200);
        assertThat(close.isAlive()).as("close waits while a run is in progress").isTrue();
        assertThatThrownBy(g::enter).as("new runs are refused while it waits").isInstanceOf(IllegalStateException.class);
        finish.countDown();
        close.join(10_000);
        assertThat(freed).isTrue();
        run.join();
    }

    @Test
    void closeGivesUpAfterItsTimeoutAndSaysTheResourcesAreStillInUse() {
        RunGuard g = new RunGuard("model");
        g.enter();
        assertThat(g.closeAndAwait(Duration.ofMillis(50))).isFalse();
        assertThat(g.active()).isEqualTo(1);
        g.exit();
    }

    @Test
    void noRunIsInProgressOnceCloseReturnsTrueUnderRaces() throws Exception {
        for (int round = 0; round < 200; round++) {
            RunGuard g = new RunGuard("model");
            AtomicBoolean freed = new AtomicBoolean();
            AtomicInteger runsAfterFree = new AtomicInteger();
            Thread[] runners = new Thread[3];
            for (int t = 0; t < runners.length; t++) {
                runners[t] = new Thread(() -> {
                    for (int i = 0; i < 1_000; i++) {
                        try {
                            g.enter();
                        } catch (IllegalStateException closed) {
                            return;
                        }
                        try {
                            if (freed.get()) {
                                runsAfterFree.incrementAndGet();
                            }
                        } finally {
                            g.exit();
                        }
                    }
                });
                runners[t].start();
            }
            if (g.closeAndAwait(Duration.ofSeconds(10))) {
                freed.set(true);
            }
            for (Thread r : runners) {
                r.join(TimeUnit.SECONDS.toMillis(10));
            }
            assertThat(freed).isTrue();
            assertThat(runsAfterFree).as("round %d: a run used the resources after they were freed", round).hasValue(0);
        }
    }
}
